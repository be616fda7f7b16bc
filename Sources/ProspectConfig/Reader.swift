import Foundation
import ProspectCore
import TOMLKit

/// Walks the parsed tables, checking as it goes.
struct Reader {
    let source: String
    let lines: SourceLines
    var errors: [ConfigError] = []

    /// Records a problem. Values echoed in it are the file's own, so control characters (a
    /// newline inside a string) are shown escaped: every message stays one line.
    mutating func fail(_ path: String, _ message: String) {
        let oneLine = message.unicodeScalars.map { scalar -> String in
            scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
                ? scalar.escaped(asASCII: true) : String(scalar)
        }.joined()
        errors.append(ConfigError(file: source, line: lines.line(of: path), keyPath: path, message: oneLine))
    }

    mutating func checkKeys(_ table: TOMLTable, _ path: String, allowed: Set<String>) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            fail(
                path.isEmpty ? key : "\(path).\(key)",
                "unknown key '\(key)'; expected one of: \(allowed.sorted().joined(separator: ", "))"
            )
        }
    }

    mutating func string(_ table: TOMLTable, _ key: String, _ path: String) -> String? {
        guard let value = table[key] else { return nil }
        guard let s = value.string else {
            fail("\(path).\(key)", "expected a string, found \(value.type)")
            return nil
        }
        return s
    }

    mutating func int(_ table: TOMLTable, _ key: String, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let value = table[key] else { return nil }
        guard let n = value.int else {
            fail("\(path).\(key)", "expected an integer, found \(value.type)")
            return nil
        }
        guard range.contains(n) else {
            fail("\(path).\(key)", "\(n) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return n
    }

    mutating func strings(_ table: TOMLTable, _ key: String, _ path: String) -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else {
            fail("\(path).\(key)", "expected an array of strings, found \(value.type)")
            return nil
        }
        var out: [String] = []
        for (i, element) in array.enumerated() {
            guard let s = element.string else {
                fail("\(path).\(key)[\(i)]", "expected a string, found \(element.type)")
                return nil
            }
            out.append(s)
        }
        return out
    }

    mutating func time(_ table: TOMLTable, _ key: String, _ path: String) -> LocalTime? {
        if let t = table[key]?.time {
            guard let time = LocalTime(hour: Int(t.hour), minute: Int(t.minute)) else { return nil }
            return time
        }
        guard let text = string(table, key, path) else { return nil }
        guard let time = LocalTime(text) else {
            fail("\(path).\(key)", "'\(text)' is not a time; expected \"HH:MM\" on a 24-hour clock, like \"17:30\"")
            return nil
        }
        return time
    }

    mutating func subtable(_ table: TOMLTable, _ key: String, _ path: String) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let t = value.table else {
            fail(path.isEmpty ? key : "\(path).\(key)", "expected a table, found \(value.type)")
            return nil
        }
        return t
    }
}
