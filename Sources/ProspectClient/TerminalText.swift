import ProspectCore

/// What the CLI prints comes partly from stored data (names, notes, imported CRM text), which
/// must never drive the reader's terminal: escape sequences (`ESC ]0;…`, `ESC [2J`), C1
/// controls, other controls and text-direction overrides are shown escaped, as `\u{1B}`.
/// Line breaks and tabs stay, since the CLI lays out text with them.
enum TerminalText {
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\n" || scalar == "\t" { return false }
        let category = scalar.properties.generalCategory
        return category == .control || category == .lineSeparator || category == .paragraphSeparator
            || PersonField.isBidiControl(scalar)
    }

    /// The colour codes `Style` writes on a terminal (SGR 0, 1, 2, 31, 32, 33): the only escape
    /// sequences that pass, and only when colour is on. They can change a colour, nothing else.
    static let styleCodes: Set<String> = ["0", "1", "2", "31", "32", "33"]

    /// The text with every unsafe scalar escaped.
    static func safe(_ text: String, allowingStyle: Bool = Style.current.color) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            if allowingStyle, scalar == "\u{1B}", i + 2 < scalars.count, scalars[i + 1] == "[",
                let end = scalars[(i + 2)...].prefix(4).firstIndex(of: "m"),
                styleCodes.contains(String(String.UnicodeScalarView(scalars[(i + 2)..<end])))
            {
                out.append(contentsOf: scalars[i...end])
                i = end + 1
                continue
            }
            if isUnsafe(scalar) { out.append(contentsOf: scalar.escaped(asASCII: true).unicodeScalars) } else { out.append(scalar) }
            i += 1
        }
        return String(out)
    }

    /// JSON already escapes C0 controls; this escapes the rest as JSON `\uXXXX`, so the
    /// output still decodes to the same strings.
    static func safeJSON(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: isUnsafe) else { return json }
        var out = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            if isUnsafe(scalar) {
                let hex = String(scalar.value, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}

/// Every line the CLI prints goes through here (it shadows `Swift.print` in this module).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(TerminalText.safe(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}
