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

    public static func parse(_ text: String) -> Result<[Record], ParseError> {
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

    /// Quotes a field when it needs it.
    public static func escape(_ field: String) -> String {
        if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return field
    }
}

/// The roster CSV of the contract: `handle,name,email,timezone,manager,role,unix_user,workdays,calendar`.
public enum RosterCSV {
    public static let columns = ["handle", "name", "email", "timezone", "manager", "role", "unix_user", "workdays", "calendar"]
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
                calendar: fieldsOrNil("calendar")
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
                p.workdays.map { Weekday.format($0) } ?? "", p.calendar ?? "",
            ]
            out += fields.map(CSV.escape).joined(separator: ",") + "\n"
        }
        return out
    }
}

/// A person as typed by an admin, before checks.
public struct PersonDraft: Codable, Sendable {
    public var handle: String
    public var name: String
    public var email: String
    public var timezone: String?
    public var manager: String?
    public var role: String?
    public var unixUser: String?
    public var workdays: String?
    public var calendar: String?

    public init(
        handle: String,
        name: String,
        email: String,
        timezone: String? = nil,
        manager: String? = nil,
        role: String? = nil,
        unixUser: String? = nil,
        workdays: String? = nil,
        calendar: String? = nil
    ) {
        self.handle = handle
        self.name = name
        self.email = email
        self.timezone = timezone
        self.manager = manager
        self.role = role
        self.unixUser = unixUser
        self.workdays = workdays
        self.calendar = calendar
    }

    enum CodingKeys: String, CodingKey {
        case handle, name, email, timezone, manager, role, workdays, calendar
        case unixUser = "unix_user"
    }

    /// Checks every field on its own; returns every problem found.
    public func validated() -> Result<Person, ValidationProblems> {
        var problems: [String] = []
        if !PersonField.isValidHandle(handle) {
            problems.append(
                "handle '\(String(handle.prefix(40)))' is not valid: use 1-32 lowercase letters, digits, '.', '_' or '-'"
            )
        }
        if !PersonField.isValidName(name) { problems.append("name must be 1-100 characters without control characters") }
        if !PersonField.isValidEmail(email) { problems.append("email is not an address like name@example.com") }
        if let tz = timezone, Zone(identifier: tz) == nil {
            problems.append("time zone '\(String(tz.prefix(64)))' is unknown: use an IANA name like Europe/Copenhagen")
        }
        if let m = manager, !PersonField.isValidHandle(m) { problems.append("manager '\(String(m.prefix(40)))' is not a valid handle") }
        var parsedRole = Role.rep
        if let r = role {
            if let value = Role(rawValue: r.lowercased()) {
                parsedRole = value
            } else {
                problems.append("role '\(String(r.prefix(20)))' is unknown: use rep, manager or admin")
            }
        }
        if let u = unixUser, !PersonField.isValidUnixUser(u) { problems.append("unix user '\(String(u.prefix(40)))' is not a valid login name") }
        var parsedWorkdays: Set<Weekday>? = nil
        if let w = workdays {
            switch Weekday.parseList(w) {
            case .success(let days) where !days.isEmpty: parsedWorkdays = days
            case .success: problems.append("workdays is empty: list days like mon;tue;wed;thu;fri, or leave it out")
            case .failure(let e): problems.append("workdays entry '\(String(e.entry.prefix(20)))' is not one of mon, tue, wed, thu, fri, sat, sun")
            }
        }
        if let c = calendar, !PersonField.isValidHandle(c) { problems.append("calendar '\(String(c.prefix(40)))' is not a valid calendar name") }
        if manager == handle, !handle.isEmpty { problems.append("a person cannot be their own manager") }
        guard problems.isEmpty else { return .failure(ValidationProblems(problems)) }
        return .success(
            Person(
                handle: handle,
                name: name,
                email: email,
                timezone: timezone ?? "",
                manager: manager,
                role: parsedRole,
                unixUser: unixUser,
                workdays: parsedWorkdays,
                calendar: calendar
            )
        )
    }
}
