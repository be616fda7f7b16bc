/// The default texts, one per message type and part. A file `TYPE.PART.mustache` in the
/// configured templates directory replaces one. Short, specific and kind: who, what is
/// missing, by when in the reader's zone, and the command that fixes it.
enum BuiltInTemplates {
    static let all: [String: String] = [
        "reminder.subject": "{{rep_first_name}}, one pipeline action before {{deadline}}",
        "reminder.text": """
        Hi {{rep_first_name}},

        You have logged {{count}} of {{minimum}} pipeline-building action{{^one_minimum}}s{{/one_minimum}} for {{day}}. \
        The day closes at {{deadline}}.

        One cold call, an email to a lost deal or a referral ask is enough. When it is done:

            {{fix_command}}
        {{#has_log_url}}

        Or log it in one tap, from any phone: {{log_url}}
        {{/has_log_url}}

        Thank you. Every action today is a deal next quarter.
        """,
        "reminder.chat": """
        {{mention}} you have {{count}}/{{minimum}} pipeline actions for {{day}}; the day closes at {{deadline}}. \
        One call is enough: `{{fix_command}}`\
        {{#has_log_url}} or <{{log_url}}|log it here>{{/has_log_url}}
        """,
        "reminder.html": html(
            button: true,
            heading: "One pipeline action before {{deadline}}",
            body: """
                <p>Hi {{rep_first_name}},</p>
                <p>You have logged <strong>{{count}} of {{minimum}}</strong> pipeline-building \
                action{{^one_minimum}}s{{/one_minimum}} for {{day}}. The day closes at <strong>{{deadline}}</strong>.</p>
                <p>One cold call, an email to a lost deal or a referral ask is enough. When it is done:</p>
                """
        ),
        "escalation.subject": """
        {{#is_missed}}{{rep_name}} missed the pipeline action on {{day}}{{/is_missed}}\
        {{#is_pending}}{{rep_name}} has no pipeline action yet today{{/is_pending}}
        """,
        "escalation.text": """
        Hi {{recipient_first_name}},

        {{rep_name}} logged {{count}} of {{minimum}} pipeline-building action{{^one_minimum}}s{{/one_minimum}} for {{day}}; \
        {{#is_missed}}the day closed at {{deadline}}.{{/is_missed}}{{#is_pending}}the day closes at {{deadline}}.{{/is_pending}}
        {{#many_misses}}
        That is {{consecutive_misses}} missed workdays in a row.
        {{/many_misses}}

        A short word today keeps next quarter's pipeline from drying up. \
        {{rep_first_name}} can still log it{{#is_missed}} until {{late_grace}} on the next workday{{/is_missed}} with:

            {{fix_command}}{{#has_log_url}}

        or in one tap from this link, which logs it as {{rep_first_name}}: {{log_url}}{{/has_log_url}}
        """,
        "escalation.chat": """
        {{rep_name}} has {{count}}/{{minimum}} pipeline actions for {{day}}\
        {{#is_missed}}, and the day closed at {{deadline}}{{/is_missed}}{{#is_pending}}; the day closes at {{deadline}}{{/is_pending}}.\
        {{#many_misses}} {{consecutive_misses}} missed workdays in a row.{{/many_misses}}\
        {{#has_log_url}} <{{log_url}}|Log it for {{rep_first_name}}>{{/has_log_url}}
        """,
        "escalation.html": html(
            button: true,
            heading: "{{rep_name}}: {{count}} of {{minimum}} pipeline actions for {{day}}",
            body: """
                <p>Hi {{recipient_first_name}},</p>
                <p><strong>{{rep_name}}</strong> logged {{count}} of {{minimum}} pipeline-building \
                action{{^one_minimum}}s{{/one_minimum}} for {{day}}; {{#is_missed}}the day closed at {{deadline}}.{{/is_missed}}\
                {{#is_pending}}the day closes at {{deadline}}.{{/is_pending}}</p>
                {{#many_misses}}<p style="color:#b42318"><strong>{{consecutive_misses}} missed workdays in a row.</strong></p>{{/many_misses}}
                <p>A short word today keeps next quarter's pipeline from drying up. {{rep_first_name}} can still log it\
                {{#is_missed}} until {{late_grace}} on the next workday{{/is_missed}} with:</p>
                """
        ),
        "skip-level.subject": "{{rep_name}} has missed {{consecutive_misses}} workdays in a row",
        "skip-level.text": """
        Hi {{recipient_first_name}},

        {{rep_name}}, on {{manager_name}}'s team, has gone {{consecutive_misses}} workdays in a row without a \
        pipeline-building action; the latest was {{day}}, which closed at {{deadline}}.

        {{manager_first_name}} has heard about each day. A word with {{manager_first_name}} this week can turn it around \
        before the pipeline shows it.

        {{rep_first_name}} logs an action with:

            {{fix_command}}{{#has_log_url}}

        or in one tap from this link: {{log_url}}{{/has_log_url}}
        """,
        "skip-level.chat": """
        {{rep_name}} ({{manager_name}}'s team) has missed {{consecutive_misses}} workdays in a row; the latest was {{day}}.\
        {{#has_log_url}} <{{log_url}}|Log it for {{rep_first_name}}>{{/has_log_url}}
        """,
        "skip-level.html": html(
            button: true,
            heading: "{{rep_name}}: {{consecutive_misses}} missed workdays in a row",
            body: """
                <p>Hi {{recipient_first_name}},</p>
                <p><strong>{{rep_name}}</strong>, on {{manager_name}}'s team, has gone {{consecutive_misses}} workdays in a \
                row without a pipeline-building action; the latest was {{day}}, which closed at {{deadline}}.</p>
                <p>{{manager_first_name}} has heard about each day. A word with {{manager_first_name}} this week can turn it \
                around before the pipeline shows it. {{rep_first_name}} logs an action with:</p>
                """
        ),
        "test.subject": "prospectd test message through {{channel}}",
        "test.text": """
        Hi {{recipient_first_name}},

        This is a test message from prospectd through the channel '{{channel}}'. If you can read it, the channel works.

        Reminders look like this command, which logs a pipeline action:

            {{fix_command}}
        """,
        "test.chat": "{{mention}} test message from prospectd through the channel '{{channel}}': it works.",
        "test.html": html(
            heading: "prospectd test message",
            body: """
                <p>Hi {{recipient_first_name}},</p>
                <p>This is a test message from prospectd through the channel '{{channel}}'. If you can read it, the \
                channel works. Reminders carry a command like this one:</p>
                """
        ),
        "take-stock.subject": "{{rep_name}} has not taken stock of the team today",
        "take-stock.text": """
        Hi {{recipient_first_name}},

        {{rep_name}} has not reviewed the team's pipeline activity today ({{day}}), due by {{deadline}}.

        Taking stock every day is half of the rule: it is how a drying pipeline gets seen in time. \
        {{rep_first_name}} reviews and acknowledges with:

            prospect team --ack
        """,
        "take-stock.chat": "{{rep_name}} has not taken stock of the team today ({{day}}, due {{deadline}}): `prospect team --ack`",
        "take-stock.html": html(
            heading: "{{rep_name}} has not taken stock today",
            body: """
                <p>Hi {{recipient_first_name}},</p>
                <p><strong>{{rep_name}}</strong> has not reviewed the team's pipeline activity today ({{day}}), due by \
                {{deadline}}. Taking stock every day is how a drying pipeline gets seen in time. {{rep_first_name}} \
                reviews and acknowledges with:</p>
                """
        ),
        "sales-trap.subject": "Sales-trap alarm: {{rep_name}}",
        "sales-trap.text": """
        Hi {{recipient_first_name}},

        {{rep_name}} {{summary}}: the next quarter is at risk.

        Closing is going well; the pipeline behind it is not being refilled. A conversation this week about \
        prospecting time protects next quarter. See the numbers with:

            {{fix_command}}
        """,
        "sales-trap.chat": ":rotating_light: {{rep_name}} {{summary}}: the next quarter is at risk.",
        "sales-trap.html": html(
            heading: "Sales-trap alarm: {{rep_name}}",
            body: """
                <p>Hi {{recipient_first_name}},</p>
                <p style="color:#b42318"><strong>{{rep_name}} {{summary}}</strong>: the next quarter is at risk.</p>
                <p>Closing is going well; the pipeline behind it is not being refilled. A conversation this week about \
                prospecting time protects next quarter. See the numbers with:</p>
                """
        ),
        "daily.subject": "Team pipeline {{day}}: {{team_met_today}} of {{team_workdays_today}} met",
        "daily.text": """
        Hi {{recipient_first_name}},

        {{day}} ({{timezone}}): {{team_met_today}} of {{team_workdays_today}} reps working today met the rule; \
        this week so far {{team_met_period}} of {{team_workdays_period}} rep-days.
        {{#team_alarm}}
        Sales-trap alarm for the team: {{team_alarm}}.
        {{/team_alarm}}

        {{#reps}}
        {{line}}
        {{#alarm}}
            Sales-trap alarm: {{name}} {{alarm}}.
        {{/alarm}}
        {{/reps}}

        Team actions per week, last five weeks: {{team_trend}}.

        Take stock, and say you did:

            {{fix_command}}
        """,
        "daily.chat": """
        Team pipeline {{day}}: {{team_met_today}} of {{team_workdays_today}} met.\
        {{#reps}} {{name}}: {{state_label}} ({{count}}), streak {{streak}}.{{/reps}}
        """,
        "daily.html": digestHTML(
            heading: "Team pipeline, {{day}}",
            body: """
                <p>Hi {{recipient_first_name}},</p>
                <p><strong>{{team_met_today}} of {{team_workdays_today}}</strong> reps working today met the rule; this week \
                so far {{team_met_period}} of {{team_workdays_period}} rep-days. ({{timezone}})</p>
                {{#team_alarm}}<p style="color:#b42318"><strong>Sales-trap alarm for the team:</strong> {{team_alarm}}.</p>{{/team_alarm}}
                <table role="presentation" cellpadding="4" cellspacing="0" style="border-collapse:collapse;font-size:14px">
                <tr style="text-align:left;color:#667085"><th>Rep</th><th>Today</th><th>Actions</th><th>Streak</th>\
                <th>4 weeks</th><th>Last 28 days</th></tr>
                {{#reps}}
                <tr style="border-top:1px solid #eaecf0"><td style="white-space:nowrap"><strong>{{name}}</strong></td><td>{{state_label}}</td>\
                <td>{{count}} {{kinds_today}}</td><td>{{streak}}</td><td>{{trend}}</td><td>\
                <table role="presentation" cellpadding="0" cellspacing="1"><tr>{{#cells}}<td title="{{title}}" \
                style="width:8px;height:12px;background:{{color}}"></td>{{/cells}}</tr></table></td></tr>
                {{#alarm}}<tr><td></td><td colspan="5" style="color:#b42318">Sales-trap alarm: {{alarm}}</td></tr>{{/alarm}}
                {{/reps}}
                </table>
                <p>Team actions per week, last five weeks: {{team_trend}}.</p>
                <p>Take stock, and say you did:</p>
                """
        ),
        "weekly.subject": "Team pipeline, week to {{day}}: {{team_met_period}} of {{team_workdays_period}} rep-days met",
        "weekly.text": """
        Hi {{recipient_first_name}},

        {{period}} ({{timezone}}): {{team_met_period}} of {{team_workdays_period}} rep-days met, {{team_actions}} \
        pipeline actions. Team actions per week, last five weeks: {{team_trend}} ({{team_trend_change}}).
        {{#team_alarm}}
        Sales-trap alarm for the team: {{team_alarm}}.
        {{/team_alarm}}

        {{#reps}}
        {{line}}
        {{#alarm}}
            Sales-trap alarm: {{name}} {{alarm}}.
        {{/alarm}}
        {{/reps}}
        {{#has_at_risk}}

        At risk:
        {{#at_risk}}
          {{name}}: {{reason}}
        {{/at_risk}}
        {{/has_at_risk}}
        {{#has_best_streaks}}

        Best streaks:
        {{#best_streaks}}
          {{name}}: {{streak}} workdays
        {{/best_streaks}}
        {{/has_best_streaks}}

        Take stock, and say you did:

            {{fix_command}}
        """,
        "weekly.chat": """
        Week to {{day}}: {{team_met_period}} of {{team_workdays_period}} rep-days met, {{team_actions}} actions \
        ({{team_trend_change}}).{{#has_at_risk}} At risk:{{#at_risk}} {{name}} ({{reason}});{{/at_risk}}{{/has_at_risk}}
        """,
        "weekly.html": digestHTML(
            heading: "Team pipeline, week to {{day}}",
            body: """
                <p>Hi {{recipient_first_name}},</p>
                <p>{{period}} ({{timezone}}): <strong>{{team_met_period}} of {{team_workdays_period}}</strong> rep-days \
                met, {{team_actions}} pipeline actions. Team actions per week, last five weeks: {{team_trend}} \
                ({{team_trend_change}}).</p>
                {{#team_alarm}}<p style="color:#b42318"><strong>Sales-trap alarm for the team:</strong> {{team_alarm}}.</p>{{/team_alarm}}
                <table role="presentation" cellpadding="4" cellspacing="0" style="border-collapse:collapse;font-size:14px">
                <tr style="text-align:left;color:#667085"><th>Rep</th>{{#grid_days}}<th>{{label}}</th>{{/grid_days}}\
                <th>Streak</th><th>4 weeks</th></tr>
                {{#reps}}
                <tr style="border-top:1px solid #eaecf0"><td style="white-space:nowrap"><strong>{{name}}</strong></td>{{#grid_cells}}\
                <td title="{{title}}" style="text-align:center;background:{{color}};border:2px solid #ffffff">{{count}}</td>{{/grid_cells}}\
                <td>{{streak}}</td><td>{{trend}}</td></tr>
                {{#alarm}}<tr><td></td><td colspan="9" style="color:#b42318">Sales-trap alarm: {{alarm}}</td></tr>{{/alarm}}
                {{/reps}}
                </table>
                {{#has_at_risk}}<h2 style="font-size:16px">At risk</h2><ul>{{#at_risk}}<li>{{name}}: {{reason}}</li>\
                {{/at_risk}}</ul>{{/has_at_risk}}
                {{#has_best_streaks}}<h2 style="font-size:16px">Best streaks</h2><ul>{{#best_streaks}}<li>{{name}}: \
                {{streak}} workdays</li>{{/best_streaks}}</ul>{{/has_best_streaks}}
                <p>Take stock, and say you did:</p>
                """
        ),
    ]

    /// A digest's HTML: the same frame, wider for the team table.
    static func digestHTML(heading: String, body: String) -> String {
        html(heading: heading, body: body).replacingOccurrences(of: "max-width:560px", with: "max-width:760px")
    }

    /// The HTML frame: inline styles only, no remote images, readable in common mail clients.
    /// - Parameter button: a one-tap "Log an action" button above the command, when the notice has a link.
    static func html(button: Bool = false, heading: String, body: String) -> String {
        let link =
            button
            ? """
            {{#has_log_url}}<p><a href="{{log_url}}" style="display:inline-block;background:#1570ef;color:#ffffff;\
            padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:bold">Log an action</a></p>
            <p style="color:#667085;font-size:13px">or with the command:</p>{{/has_log_url}}

            """ : ""
        return """
            <!DOCTYPE html>
            <html><body style="margin:0;padding:16px;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1d2939;background:#ffffff">
            <table role="presentation" cellpadding="0" cellspacing="0" style="max-width:560px"><tr><td>
            <h1 style="font-size:18px;margin:0 0 12px 0">\(heading)</h1>
            \(body)
            \(link)<pre style="background:#f2f4f7;padding:8px 12px;border-radius:4px;font-size:14px">{{fix_command}}</pre>
            <p style="color:#667085;font-size:12px">Sent by prospectd.</p>
            </td></tr></table>
            </body></html>

            """
    }
}
