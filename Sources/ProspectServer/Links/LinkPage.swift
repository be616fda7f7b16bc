import Foundation
import ProspectCore

/// The one-tap page: plain server-rendered HTML that works without JavaScript, readable on a
/// phone, with every value escaped.
enum LinkPage {
    /// What the page says about the link's day.
    struct Day {
        var repName: String
        var dayName: String
        var status: DayStatus
        /// "17:30", in the rep's zone.
        var deadline: String
        /// The counting kinds offered: (name, label).
        var kinds: [(name: String, label: String)]
    }

    /// The form: the day, its count, the counting kinds and a note, and a fresh `client_id` so
    /// that a double tap or a resent form logs once.
    static func form(_ day: Day, clientID: String, problem: String? = nil, chosen: String? = nil, note: String = "") -> String {
        var body = """
            <h1>Log a pipeline action</h1>
            <p class="who">\(escaped(day.repName)) · \(escaped(day.dayName))</p>
            \(summary(day))
            """
        if let problem { body += "\n<p class=\"problem\" role=\"alert\">\(escaped(problem))</p>" }
        let choices = day.kinds.enumerated().map { index, kind -> String in
            let id = "kind-\(index)"
            let checked = kind.name == chosen ? " checked" : ""
            return """
                <label class="kind" for="\(id)"><input type="radio" id="\(id)" name="kind" value="\(escaped(kind.name))" required\(checked)> \
                \(escaped(kind.label))</label>
                """
        }.joined(separator: "\n")
        body += """

            <form method="post">
            <fieldset><legend>What did you do?</legend>
            \(choices)
            </fieldset>
            <label for="note" class="note-label">Note (optional): who you reached and what's next</label>
            <textarea id="note" name="note" rows="3" maxlength="\(ActivityLimits.maxNoteLength)">\(escaped(note))</textarea>
            <input type="hidden" name="client_id" value="\(escaped(clientID))">
            <button type="submit">Log it</button>
            </form>
            """
        return page(title: "Log a pipeline action", body: body)
    }

    /// After a POST: what was logged (or that the form had been sent before) and the day now.
    static func logged(_ day: Day, kindLabel: String, duplicate: Bool, again: String) -> String {
        let heading = duplicate ? "Already logged" : "Logged"
        let said =
            duplicate
            ? "This form was sent before, so nothing was added: \(kindLabel) is logged once."
            : "\(kindLabel), for \(day.dayName). Thank you."
        return page(
            title: heading,
            body: """
                <h1>\(heading)</h1>
                <p class="who">\(escaped(day.repName)) · \(escaped(day.dayName))</p>
                <p class="done">\(escaped(said))</p>
                \(summary(day))
                <p><a href="\(escaped(again))">Log another action</a></p>
                """
        )
    }

    /// A refusal: what is wrong and what to do, nothing written.
    static func refusal(title: String, _ message: String) -> String {
        page(
            title: title,
            body: """
                <h1>\(escaped(title))</h1>
                <p class="problem">\(escaped(message))</p>
                <p>From a terminal, <code>prospect log call --note "…"</code> works as always.</p>
                """
        )
    }

    static func summary(_ day: Day) -> String {
        let minimum = day.status.minimum
        let count = "\(day.status.count) of \(minimum) pipeline-building action\(minimum == 1 ? "" : "s")"
        let state: String =
            switch day.status.state {
            case .met: "the day is met."
            case .metLate: "the day is met, late."
            case .missed: "the day closed at \(day.deadline) and is missed; an action logged now makes it met, late."
            case .pending: day.status.met ? "the day is met." : "the day closes at \(day.deadline)."
            case .off: "not a workday, so nothing is due."
            }
        return "<p class=\"count\"><strong>\(escaped(count))</strong> logged; \(escaped(state))</p>"
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(escaped(title)) · prospectd</title>
        <style>
        body{margin:0;padding:16px;font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:17px;line-height:1.45;\
        color:#1d2939;background:#f9fafb}
        main{max-width:480px;margin:0 auto;background:#fff;border:1px solid #eaecf0;border-radius:12px;padding:20px}
        h1{font-size:22px;margin:0 0 4px 0}
        .who{color:#475467;margin:0 0 12px 0}
        .count{background:#f2f4f7;border-radius:8px;padding:10px 12px}
        .problem{background:#fef3f2;color:#b42318;border-radius:8px;padding:10px 12px}
        .done{background:#ecfdf3;color:#067647;border-radius:8px;padding:10px 12px;font-weight:bold}
        fieldset{border:0;padding:0;margin:16px 0}
        legend{font-weight:bold;margin-bottom:8px}
        .kind{display:block;border:1px solid #d0d5dd;border-radius:8px;padding:12px;margin:0 0 8px 0;cursor:pointer}
        .kind input{transform:scale(1.3);margin-right:8px}
        .note-label{display:block;margin:8px 0 4px 0;color:#475467;font-size:15px}
        textarea{box-sizing:border-box;width:100%;font:inherit;padding:8px;border:1px solid #d0d5dd;border-radius:8px}
        button{display:block;width:100%;margin-top:16px;padding:14px;font:inherit;font-weight:bold;color:#fff;\
        background:#1570ef;border:0;border-radius:8px;cursor:pointer}
        a{color:#1570ef}
        code{background:#f2f4f7;padding:2px 4px;border-radius:4px;font-size:15px}
        </style>
        </head>
        <body><main>
        \(body)
        </main></body>
        </html>

        """
    }

    /// Text as HTML: `&`, `<`, `>`, `"` and `'` escaped, so no value can become markup.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// An `application/x-www-form-urlencoded` body: names to values, `+` as a space; the first of
/// a repeated name wins.
func formFields(_ body: String) -> [String: String] {
    var fields: [String: String] = [:]
    for pair in body.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decoded(_ part: Substring) -> String? { String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
        guard let name = parts.first.flatMap(decoded), fields[name] == nil else { continue }
        fields[name] = parts.count > 1 ? decoded(parts[1]) ?? "" : ""
    }
    return fields
}
