import Foundation

/// Maps TOML key paths (`ladder[1].channels`, `rule.end_of_day`) to the line that set them.
///
/// A light scan of the text: table headers, array-of-table headers and `key =` lines. It only
/// serves error messages, so a line it cannot place falls back to the enclosing table.
struct SourceLines {
    private var lines: [String: Int] = [:]

    init(_ text: String) {
        var table = ""
        var arrayCounts: [String: Int] = [:]
        var inMultiline: String? = nil
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let delimiter = inMultiline {
                if line.contains(delimiter) { inMultiline = nil }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                let name = Self.normalize(String(line.dropFirst(2).prefix { $0 != "]" }))
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                table = "\(name)[\(index)]"
                record(table, number)
            } else if line.hasPrefix("[") {
                table = Self.normalize(String(line.dropFirst().prefix { $0 != "]" }))
                record(table, number)
            } else if let eq = line.firstIndex(of: "=") {
                let key = Self.normalize(String(line[..<eq]))
                record(table.isEmpty ? key : "\(table).\(key)", number)
                let value = line[line.index(after: eq)...]
                for delimiter in ["\"\"\"", "'''"] where value.components(separatedBy: delimiter).count == 2 {
                    inMultiline = delimiter
                }
            }
        }
    }

    private mutating func record(_ path: String, _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    /// `a . "b-c"` → `a.b-c`
    static func normalize(_ key: String) -> String {
        key.split(separator: ".").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }.joined(separator: ".")
    }

    /// The line of `path`, or of the nearest enclosing table that has one.
    func line(of path: String) -> Int? {
        var candidate = path
        while !candidate.isEmpty {
            if let line = lines[candidate] { return line }
            if let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) {
                candidate = String(candidate[..<cut])
            } else {
                return nil
            }
        }
        return nil
    }
}
