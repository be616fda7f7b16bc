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

        Thank you. Every action today is a deal next quarter.
        """,
        "reminder.chat": """
        {{mention}} you have {{count}}/{{minimum}} pipeline actions for {{day}}; the day closes at {{deadline}}. \
        One call is enough: `{{fix_command}}`
        """,
        "reminder.html": html(
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

            {{fix_command}}
        """,
        "escalation.chat": """
        {{rep_name}} has {{count}}/{{minimum}} pipeline actions for {{day}}\
        {{#is_missed}}, and the day closed at {{deadline}}{{/is_missed}}{{#is_pending}}; the day closes at {{deadline}}{{/is_pending}}.\
        {{#many_misses}} {{consecutive_misses}} missed workdays in a row.{{/many_misses}}
        """,
        "escalation.html": html(
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

            {{fix_command}}
        """,
        "skip-level.chat": """
        {{rep_name}} ({{manager_name}}'s team) has missed {{consecutive_misses}} workdays in a row; the latest was {{day}}.
        """,
        "skip-level.html": html(
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
    ]

    /// The HTML frame: inline styles only, no remote images, readable in common mail clients.
    static func html(heading: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html><body style="margin:0;padding:16px;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1d2939;background:#ffffff">
        <table role="presentation" cellpadding="0" cellspacing="0" style="max-width:560px"><tr><td>
        <h1 style="font-size:18px;margin:0 0 12px 0">\(heading)</h1>
        \(body)
        <pre style="background:#f2f4f7;padding:8px 12px;border-radius:4px;font-size:14px">{{fix_command}}</pre>
        <p style="color:#667085;font-size:12px">Sent by prospectd.</p>
        </td></tr></table>
        </body></html>

        """
    }
}
