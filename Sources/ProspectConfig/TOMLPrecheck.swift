/// A scan for input that the TOML parser inside TOMLKit (toml++) does not report but asserts on:
/// a table header whose name starts with a character that cannot start a key (`[\a]`, `[.a]`,
/// `[ é ]`), and a `}` inside an array (`["x",} "y"]`). Both found by `ConfigFuzzTests`; run
/// before the parser so such a file gets a located error instead of a crash.
enum TOMLPrecheck {
    static func firstProblem(_ text: String) -> (line: Int, message: String)? {
        enum State { case normal, comment, basic, literal, multiBasic, multiLiteral }
        let s = Array(text.unicodeScalars)
        var state = State.normal
        var line = 1
        var open: [Unicode.Scalar] = []
        var lineStart = true
        var i = 0
        func at(_ k: Int, _ c: Unicode.Scalar) -> Bool { k < s.count && s[k] == c }
        func startsKey(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-" || c == "\"" || c == "'"
        }
        while i < s.count {
            let c = s[i]
            if c == "\n" {
                line += 1
                lineStart = true
                if state == .comment || state == .basic || state == .literal { state = .normal }
                i += 1
                continue
            }
            switch state {
            case .comment:
                break
            case .basic:
                if c == "\\" { i += 1 } else if c == "\"" { state = .normal }
            case .literal:
                if c == "'" { state = .normal }
            case .multiBasic:
                if c == "\\" {
                    i += 1
                } else if c == "\"", at(i + 1, "\""), at(i + 2, "\"") {
                    state = .normal
                    i += 2
                }
            case .multiLiteral:
                if c == "'", at(i + 1, "'"), at(i + 2, "'") {
                    state = .normal
                    i += 2
                }
            case .normal:
                switch c {
                case " ", "\t", "\r":
                    i += 1
                    continue
                case "#": state = .comment
                case "\"":
                    if at(i + 1, "\""), at(i + 2, "\"") {
                        state = .multiBasic
                        i += 2
                    } else {
                        state = .basic
                    }
                case "'":
                    if at(i + 1, "'"), at(i + 2, "'") {
                        state = .multiLiteral
                        i += 2
                    } else {
                        state = .literal
                    }
                case "[" where lineStart && open.isEmpty:
                    var k = i + 1
                    if at(k, "[") { k += 1 }
                    while at(k, " ") || at(k, "\t") { k += 1 }
                    if k < s.count, !startsKey(s[k]), s[k] != "]" {
                        return (line, "a table name must start with a letter, a digit, '_', '-' or a quote")
                    }
                    // The rest of a header line names the table; its brackets open no value.
                    while i + 1 < s.count, s[i + 1] != "\n" { i += 1 }
                case "[", "{": open.append(c)
                case "]", "}":
                    if let last = open.last, (last == "[") != (c == "]") {
                        return (line, "'\(c)' closes a '\(last)'; close an array with ']' and an inline table with '}'")
                    }
                    _ = open.popLast()
                default: break
                }
                lineStart = false
            }
            i += 1
        }
        return nil
    }
}
