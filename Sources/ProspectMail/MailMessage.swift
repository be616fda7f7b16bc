import Foundation

/// A mail address with an optional display name, as in `Prospecting <prospectd@example.com>`.
public struct MailAddress: Sendable, Equatable, CustomStringConvertible {
    public var name: String?
    public var address: String

    /// Checks the parts: a plain `local@domain` address, and no line break anywhere.
    public init(name: String? = nil, address: String) throws {
        try MailError.rejectLineBreaks(address, in: "address")
        if let name { try MailError.rejectLineBreaks(name, in: "display name") }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            address.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && !"<>()[]\\,;:\"".unicodeScalars.contains($0) })
        else {
            throw MailError(permanent: true, message: "'\(address)' is not a plain mail address like name@example.com")
        }
        self.name = name.flatMap { $0.isEmpty ? nil : $0 }
        self.address = address
    }

    /// Parses `Name <addr>` or a bare `addr`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            try self.init(name: name, address: address)
        } else {
            try self.init(address: trimmed)
        }
    }

    /// The header form: the name quoted, or RFC 2047-encoded when it is not plain ASCII.
    public var header: String {
        guard let name else { return "<\(address)>" }
        if name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\" <\(address)>"
        }
        return MIMEWords.encode(name).joined(separator: " ") + " <\(address)>"
    }

    public var description: String { header }

    /// The domain part, for `Message-ID`.
    public var domain: String { String(address.split(separator: "@").last ?? "localhost") }
}

/// Why a message could not be built or sent; `permanent` when retrying cannot help.
public struct MailError: Error, CustomStringConvertible, Equatable {
    public var permanent: Bool
    public var message: String
    /// The server's reply code, when the server refused.
    public var code: Int?

    public init(permanent: Bool, message: String, code: Int? = nil) {
        self.permanent = permanent
        self.message = message
        self.code = code
    }

    public var description: String { message }

    /// CR, LF and every other Unicode line break: none may reach a header.
    static func rejectLineBreaks(_ value: String, in field: String) throws {
        let breaks: Set<UInt32> = [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029]
        if value.unicodeScalars.contains(where: { breaks.contains($0.value) || $0.value == 0 }) {
            throw MailError(permanent: true, message: "the \(field) contains a line break; header values must be one line")
        }
    }
}

/// One email: text, optionally with an HTML alternative.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var text: String
    public var html: String?
    /// Without angle brackets; stable across retries.
    public var messageID: String
    public var date: Date

    public init(
        from: MailAddress,
        to: MailAddress,
        subject: String,
        text: String,
        html: String?,
        messageID: String,
        date: Date
    )
        throws
    {
        try MailError.rejectLineBreaks(subject, in: "subject")
        try MailError.rejectLineBreaks(messageID, in: "Message-ID")
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
    }

    /// The message as sent after DATA: CRLF line ends, MIME, base64 bodies in 76-column lines.
    public func rendered(boundary: String = "=_prospectd_" + UUID().uuidString) -> String {
        var lines = [
            "Date: \(Self.rfc5322Date(date))",
            "From: \(from.header)",
            "To: \(to.header)",
            "Subject: \(Self.subjectHeader(subject))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        if let html {
            lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            lines.append("")
            lines.append("--\(boundary)")
            lines.append(contentsOf: Self.part(text, type: "text/plain"))
            lines.append("--\(boundary)")
            lines.append(contentsOf: Self.part(html, type: "text/html"))
            lines.append("--\(boundary)--")
        } else {
            lines.append(contentsOf: Self.part(text, type: "text/plain"))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func part(_ body: String, type: String) -> [String] {
        let encoded = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "", encoded]
    }

    /// Plain ASCII subjects stay readable; anything else becomes RFC 2047 encoded words.
    static func subjectHeader(_ subject: String) -> String {
        if subject.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F }) && subject.count <= 900
            && !subject.contains("=?")
        {
            return subject
        }
        return MIMEWords.encode(subject).joined(separator: "\r\n ")
    }

    /// `Fri, 27 Nov 2026 16:40:00 +0000`
    static func rfc5322Date(_ date: Date) -> String {
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&t, &parts)
        let dayNumber = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let weekday = days[((dayNumber % 7) + 7) % 7]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(Int(parts.tm_year) + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}

/// RFC 2047 encoded words, for header values that are not plain ASCII.
public enum MIMEWords {
    /// `=?UTF-8?B?…?=` words of at most 75 characters, never splitting a character's bytes.
    public static func encode(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        // 75 - len("=?UTF-8?B?") - len("?=") = 63 base64 characters: 45 bytes.
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 && !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words
    }
}
