import Foundation
import Mustache
import ProspectCore

/// The families of message prospectd sends.
public enum MessageType: String, Sendable, CaseIterable {
    /// To the rep, before the day closes.
    case reminder
    /// To the rep's manager.
    case escalation
    /// To the manager's manager, after repeated misses.
    case skipLevel = "skip-level"
    /// `prospect admin test-channel`.
    case test
    /// The manager's daily digest.
    case daily
    /// The manager's weekly digest.
    case weekly
    /// The sales-trap alarm, to the rep's manager.
    case salesTrap = "sales-trap"
    /// A manager who has not taken stock (`unless = "acknowledged"`), to the manager's manager.
    case takeStock = "take-stock"
}

/// The parts of a message; each channel uses the ones that fit it.
public enum MessagePart: String, Sendable, CaseIterable {
    /// Email subject, ntfy title.
    case subject
    /// Email plain text, ntfy body, command `PROSPECT_TEXT`.
    case text
    /// Email HTML alternative.
    case html
    /// Slack/Mattermost: one short message with the rep mentioned.
    case chat
}

/// A message ready to send.
public struct RenderedMessage: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String
    public var chat: String
}

/// Every template, built in or read from a directory, parsed once.
public struct MessageTemplates: Sendable {
    let templates: [String: MustacheTemplate]
    /// Where each overriding template came from, by key.
    public let overrides: [String: String]

    /// The names templates may use.
    public static let variables: Set<String> = DigestVariables.names.union([
        "recipient_name", "recipient_first_name", "rep_name", "rep_first_name", "rep_handle", "manager_name",
        "manager_first_name", "date", "day", "deadline", "late_grace", "count", "minimum", "missing", "one_minimum",
        "consecutive_misses", "many_misses", "is_missed", "is_pending", "step", "fix_command", "mention", "kinds",
        "channel", "log_url", "has_log_url",
    ])

    /// The built-in texts only.
    public static let builtIn: MessageTemplates = {
        var parsed: [String: MustacheTemplate] = [:]
        for (key, text) in BuiltInTemplates.all {
            // A built-in that does not parse is a programming error caught by the tests.
            parsed[key] = try? MustacheTemplate(string: prepared(text, key: key))
        }
        return MessageTemplates(templates: parsed, overrides: [:])
    }()

    /// The built-ins with every `TYPE.PART.mustache` file of `directory` in place of its default.
    /// Problems (unknown file names, parse errors, unknown variables) come back all at once,
    /// each with its file and line.
    public static func load(directory: String?) -> Result<MessageTemplates, TemplateProblems> {
        guard let directory else { return .success(builtIn) }
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            return .failure(TemplateProblems(["\(directory): cannot read the templates directory; check that it exists and is readable"]))
        }
        var templates = builtIn.templates
        var overrides: [String: String] = [:]
        var problems: [String] = []
        for file in files where !file.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(file)
            guard file.hasSuffix(".mustache") else {
                problems.append("\(path): not a template; name templates TYPE.PART.mustache")
                continue
            }
            let key = String(file.dropLast(".mustache".count))
            guard BuiltInTemplates.all[key] != nil else {
                let types = MessageType.allCases.map(\.rawValue).joined(separator: "|")
                let parts = MessagePart.allCases.map(\.rawValue).joined(separator: "|")
                problems.append("\(path): unknown template name '\(key)'; expected (\(types)).(\(parts)).mustache")
                continue
            }
            // Only regular files inside the directory: a link could pull in any file the daemon can read.
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                problems.append("\(path): not a regular file (a symbolic link or other); put the template itself in the directory")
                continue
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                problems.append("\(path): cannot be read as UTF-8 text")
                continue
            }
            let found = check(text, path: path)
            problems += found
            guard found.isEmpty, let template = try? MustacheTemplate(string: prepared(text, key: key)) else { continue }
            templates[key] = template
            overrides[key] = path
        }
        return problems.isEmpty ? .success(MessageTemplates(templates: templates, overrides: overrides)) : .failure(TemplateProblems(problems))
    }

    /// Parse errors and unknown variables in one template, as `path:line:column: what`.
    static func check(_ text: String, path: String) -> [String] {
        do {
            _ = try MustacheTemplate(string: text)
        } catch let error as MustacheTemplate.ParserError {
            return ["\(path):\(error.context.lineNumber):\(error.context.columnNumber): \(describe(error.error))"]
        } catch {
            return ["\(path): \(error)"]
        }
        return tags(in: text).compactMap { tag in
            if tag.name == ">" {
                return "\(path):\(tag.line): partials ({{> name}}) are not supported; each template stands alone, with the variables it is given"
            }
            return variables.contains(tag.name)
                ? nil
                : "\(path):\(tag.line): unknown variable '\(tag.name)'; known: \(variables.sorted().joined(separator: ", "))"
        }
    }

    /// The variable names a template refers to (sections included), with their lines.
    static func tags(in text: String) -> [(name: String, line: Int)] {
        var found: [(String, Int)] = []
        var line = 1
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "\n" { line += 1 }
            guard text[index...].hasPrefix("{{"), let close = text.range(of: "}}", range: index..<text.endIndex) else {
                index = text.index(after: index)
                continue
            }
            var inner = Substring(text[text.index(index, offsetBy: 2)..<close.lowerBound])
            let sigil = inner.first
            if sigil == ">" {
                found.append((">", line))
            } else if let sigil, "!%=<$".contains(sigil) {
                // Comments, pragmas, delimiters and blocks name no variable.
            } else {
                if let sigil, "#^/&{".contains(sigil) { inner = inner.dropFirst() }
                let name = inner.trimmingCharacters(in: .whitespaces).split(separator: ".").first.map(String.init) ?? ""
                if !name.isEmpty { found.append((name, line)) }
            }
            line += text[index..<close.upperBound].filter { $0 == "\n" }.count
            index = close.upperBound
            if index < text.endIndex, text[index] == "}" { index = text.index(after: index) }
        }
        return found
    }

    static func describe(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: "a section is closed with another name than it was opened with"
        case .unfinishedName: "a tag is not closed with }}"
        case .expectedSectionEnd: "a section is never closed"
        case .invalidSetDelimiter: "bad set-delimiter tag"
        default: "cannot parse (\(error))"
        }
    }

    /// Texts other than HTML are not HTML-escaped.
    static func prepared(_ text: String, key: String) -> String {
        key.hasSuffix(".html") ? text : "{{%CONTENT_TYPE:TEXT}}" + text
    }

    /// Renders every part of one message type.
    public func render(_ type: MessageType, _ variables: [String: Any]) -> RenderedMessage {
        let chatVariables = Self.chatEscaped(variables)
        func part(_ part: MessagePart) -> String {
            templates["\(type.rawValue).\(part.rawValue)"]?.render(part == .chat ? chatVariables : variables) ?? ""
        }
        return RenderedMessage(
            subject: part(.subject).split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces),
            text: part(.text),
            html: part(.html),
            chat: part(.chat).trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}

extension MessageTemplates {
    /// Slack's and Mattermost's control sequences are `<…>` (`<!channel>`, `<https://x|text>`):
    /// in chat text every value gets `&`, `<` and `>` escaped, as Slack's message formatting
    /// asks, so a name cannot ping a channel or disguise a link. Only `mention`, which the
    /// daemon builds from a checked member id (`<@U024BE7LH>`), stays markup.
    static func chatEscaped(_ variables: [String: Any]) -> [String: Any] {
        var out = variables.mapValues(chatEscaped(value:))
        if let mention = variables["mention"] as? String, isMemberMention(mention) { out["mention"] = mention }
        return out
    }

    static func chatEscaped(value: Any) -> Any {
        switch value {
        case let text as String: slackEscaped(text)
        case let object as [String: Any]: object.mapValues(chatEscaped(value:))
        case let list as [[String: Any]]: list.map { $0.mapValues(chatEscaped(value:)) }
        case let list as [String]: list.map(slackEscaped)
        case let list as [Any]: list.map(chatEscaped(value:))
        default: value
        }
    }

    /// `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`.
    public static func slackEscaped(_ text: String) -> String {
        guard text.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" }) else { return text }
        return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func isMemberMention(_ text: String) -> Bool {
        guard text.hasPrefix("<@"), text.hasSuffix(">"), text.count > 3 else { return false }
        return text.dropFirst(2).dropLast().unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0)
        }
    }
}

/// Every problem found in a templates directory.
public struct TemplateProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [String]

    public init(_ problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "\n") }
}
