import Foundation

/// JSON written directly, for the texts written once per decided delivery (an outbox payload,
/// a line of `simulate`), where building a `JSONEncoder`'s value tree costs more than the
/// decision itself. It writes what `JSONEncoder` writes with `.withoutEscapingSlashes` and
/// `.iso8601` dates (the tests hold it to that, byte for byte); fields come in the order they
/// are added, so a caller wanting `.sortedKeys` adds them sorted.
public struct JSONObjectText {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    public init() {}

    /// A string field; nothing when `value` is nil, as `encodeIfPresent` does.
    public mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        field(key)
        JSONText.appendQuoted(value, to: &bytes)
    }

    public mutating func add(_ key: String, _ value: Int) {
        field(key)
        bytes += String(value).utf8
    }

    /// An instant as ISO 8601 in UTC, whole seconds.
    public mutating func add(_ key: String, _ value: Date) {
        field(key)
        JSONText.appendQuoted(JSONText.iso8601(value), to: &bytes)
    }

    public var json: String {
        var closed = bytes
        closed.append(UInt8(ascii: "}"))
        return String(decoding: closed, as: UTF8.self)
    }

    private mutating func field(_ key: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        JSONText.appendQuoted(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
}

public enum JSONText {
    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes as `JSONEncoder` does: the quote, the backslash and the control characters
    /// (five by their short forms, the others as `\u00XX`); every other byte as is.
    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + s.utf8.count + 2)
        out.append(UInt8(ascii: "\""))
        // Most texts (names, handles, dates) need no escape: copied whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: out += Array("\\u00".utf8) + [hex(byte >> 4), hex(byte & 0xF)]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hex(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 48 + nibble : 87 + nibble }

    /// `2026-03-09T14:00:00Z`: the instant in UTC, its fraction of a second dropped.
    public static func iso8601(_ instant: Date) -> String {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        let (days, rest) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, second) = rest < 0 ? (days - 1, rest + 86_400) : (days, rest)
        let date = LocalDate(dayNumber: day)
        guard (0...9999).contains(date.year) else {
            func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
            return date.description + "T" + two(second / 3600) + ":" + two(second / 60 % 60) + ":" + two(second % 60) + "Z"
        }
        return String(unsafeUninitializedCapacity: 20) { text in
            date.write(to: text)
            text[10] = UInt8(ascii: "T")
            Digits.write(second / 3600, width: 2, to: text, at: 11)
            text[13] = UInt8(ascii: ":")
            Digits.write(second / 60 % 60, width: 2, to: text, at: 14)
            text[16] = UInt8(ascii: ":")
            Digits.write(second % 60, width: 2, to: text, at: 17)
            text[19] = UInt8(ascii: "Z")
            return 20
        }
    }
}
