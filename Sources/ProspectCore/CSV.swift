import Foundation

/// RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks.
public enum CSV {
    /// One parsed record and the line it starts on (1-based).
    public struct Record: Sendable {
        public var line: Int
        public var fields: [String]
    }

    public struct ParseError: Error, Sendable {
        public var line: Int
        public var message: String
    }

    /// Parses a whole file. A UTF-8 byte order mark (Excel's "CSV UTF-8") is dropped, and CRLF
    /// line ends, inside quoted fields too, read as LF.
    public static func parse(_ text: String) -> Result<[Record], ParseError> {
        let text = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }

        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            inQuotes = false
                            pending = next
                        }
                    } else {
                        inQuotes = false
                    }
                } else if c == "\r" {
                    if let next = iterator.next(), next != "\n" { pending = next }
                    field.unicodeScalars.append("\n")
                    line += 1
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty else {
                    return .failure(ParseError(line: line, message: "a quote inside an unquoted field"))
                }
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                fields.append(field)
                field = ""
                fieldWasQuoted = false
            case "\r":
                continue
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if fieldWasQuoted {
                    return .failure(ParseError(line: line, message: "text after a closing quote"))
                }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { return .failure(ParseError(line: recordLine, message: "a quoted field is never closed")) }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return .success(records)
    }

    /// A field a spreadsheet would run as a formula (`=cmd|' /C calc'!A0`, `+SUM(…)`, `-2+3`,
    /// `@HYPERLINK(…)`, or one starting with a tab or carriage return) gets a leading `'`, as
    /// OWASP's CSV-injection advice says, so it opens as text.
    public static func neutralized(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return field }
        return "'" + field
    }

    /// Quotes a field when it needs it.
    public static func escape(_ field: String) -> String {
        if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return field
    }
}

/// The roster CSV of the contract: `handle,name,email,timezone,manager,role,unix_user,workdays,calendar`,
/// and optionally `slack` and `ntfy_topic` for the chat and push channels.
public enum RosterCSV {
    public static let columns = [
        "handle", "name", "email", "timezone", "manager", "role", "unix_user", "workdays", "calendar", "slack", "ntfy_topic",
    ]
    static let required = ["handle", "name", "email"]

    /// One roster row and where it came from.
    public struct Row: Sendable {
        public var line: Int
        public var person: Person

        public init(line: Int, person: Person) {
            self.line = line
            self.person = person
        }
    }

    /// Parses and checks every row; on failure returns every problem, each starting with its line.
    public static func parse(_ text: String) -> Result<[Row], ValidationProblems> {
        let records: [CSV.Record]
        switch CSV.parse(text) {
        case .success(let r): records = r
        case .failure(let e): return .failure(ValidationProblems(["line \(e.line): malformed CSV: \(e.message)"]))
        }
        guard let header = records.first else {
            return .failure(ValidationProblems(["line 1: the file is empty; expected the header " + columns.joined(separator: ",")]))
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where columns.contains(name) { index[name] = i }
        let missing = required.filter { index[$0] == nil }
        guard missing.isEmpty else {
            return .failure(
                ValidationProblems([
                    "line \(header.line): the header lacks \(missing.joined(separator: ", ")); expected "
                        + columns.joined(separator: ",")
                ])
            )
        }
        var rows: [Row] = []
        var errors: [String] = []
        var seen: [String: Int] = [:]
        for record in records.dropFirst() {
            func field(_ name: String) -> String {
                guard let i = index[name], i < record.fields.count else { return "" }
                return record.fields[i].trimmingCharacters(in: .whitespaces)
            }
            let fieldsOrNil: (String) -> String? = {
                let v = field($0)
                return v.isEmpty ? nil : v
            }
            let draft = PersonDraft(
                handle: field("handle"),
                name: field("name"),
                email: field("email"),
                timezone: fieldsOrNil("timezone"),
                manager: fieldsOrNil("manager"),
                role: fieldsOrNil("role"),
                unixUser: fieldsOrNil("unix_user"),
                workdays: fieldsOrNil("workdays"),
                calendar: fieldsOrNil("calendar"),
                slack: fieldsOrNil("slack"),
                ntfyTopic: fieldsOrNil("ntfy_topic")
            )
            switch draft.validated() {
            case .success(let person):
                if let first = seen[person.handle] {
                    errors.append("line \(record.line): handle '\(person.handle)' is listed twice (first on line \(first))")
                } else {
                    seen[person.handle] = record.line
                    rows.append(Row(line: record.line, person: person))
                }
            case .failure(let problems):
                errors += problems.problems.map { "line \(record.line): \($0)" }
            }
        }
        return errors.isEmpty ? .success(rows) : .failure(ValidationProblems(errors))
    }

    /// Renders people as roster CSV, header first.
    public static func render(_ people: [Person]) -> String {
        var out = columns.joined(separator: ",") + "\n"
        for p in people {
            let fields = [
                p.handle, p.name, p.email, p.timezone, p.manager ?? "", p.role.rawValue, p.unixUser ?? "",
                p.workdays.map { Weekday.format($0) } ?? "", p.calendar ?? "", p.slack ?? "", p.ntfyTopic ?? "",
            ]
            out += fields.map { CSV.escape(CSV.neutralized($0)) }.joined(separator: ",") + "\n"
        }
        return out
    }
}
