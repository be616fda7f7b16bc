import Foundation
import Testing

@testable import ProspectConfig

/// Truncated, garbled and type-confused variants of the shipped example: none crashes, and every
/// one refused is refused with located messages (a line, or a key path).
@Suite struct ConfigFuzzTests {
    static let example = try! String(contentsOf: repoRoot.appendingPathComponent("config/prospectd.toml"), encoding: .utf8)

    /// A small deterministic generator (SplitMix64), so a failure can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Parses; a refusal must be `ConfigErrors`, each located and on one line.
    func check(_ text: String, _ what: String) -> String? {
        do {
            _ = try ConfigLoader.parse(text, source: "fuzz.toml")
            return nil
        } catch let errors as ConfigErrors {
            for error in errors.errors {
                let located = error.line != nil || !error.keyPath.isEmpty
                if !located || error.description.contains("\n") || !error.description.hasPrefix("fuzz.toml") {
                    return "\(what): unlocated or multi-line error: \(error.description)"
                }
            }
            return errors.errors.isEmpty ? "\(what): refused without a reason" : nil
        } catch {
            return "\(what): not a ConfigErrors: \(error)"
        }
    }

    @Test func everyTruncationIsParsedOrRefusedWithALocation() {
        let bytes = Array(Self.example.utf8)
        var problems: [String] = []
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            let text = String(decoding: bytes[..<cut], as: UTF8.self)
            if let problem = check(text, "cut at \(cut)") { problems.append(problem) }
        }
        #expect(problems == [])
    }

    @Test func garbledBytesAreParsedOrRefusedWithALocation() {
        var random = SplitMix(state: 20_261_127)
        let bytes = Array(Self.example.utf8)
        let noise: [UInt8] = Array("\"'[]{}=#,.\\\n\t 0123456789abcxyz\u{7F}".utf8) + [0, 0xC3, 0xFF, 0xE2, 0x80, 0xA8]
        var problems: [String] = []
        for variant in 0..<(ProcessInfo.processInfo.environment["FUZZ_VARIANTS"].flatMap(Int.init) ?? 400) {
            var garbled = bytes
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let at = Int.random(in: 0..<garbled.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: garbled[at] = noise.randomElement(using: &random)!
                case 1: garbled.remove(at: at)
                default: garbled.insert(noise.randomElement(using: &random)!, at: at)
                }
            }
            if let problem = check(String(decoding: garbled, as: UTF8.self), "variant \(variant)") { problems.append(problem) }
        }
        #expect(problems == [])
    }

    @Test(arguments: ["[\\inds.call]", "[+a]", "[=]", "[.a]", "[[ é ]]", "[ ,x]"])
    func tableNamesTheParserWouldAssertOnAreRefusedWithTheirLine(_ header: String) throws {
        let error = #expect(throws: ConfigErrors.self) { try ConfigLoader.parse("[rule]\n\(header)\n", source: "fuzz.toml") }
        #expect(
            error?.description == "fuzz.toml:2: not valid TOML: a table name must start with a letter, a digit, '_', '-' or a quote"
        )
    }

    @Test(arguments: ["a = [\"x\",} \"y\"]", "a = [1, }", "a = { b = [1,} ] }", "a = { b = 1 ]"])
    func mismatchedBracketsTheParserWouldAssertOnAreRefusedWithTheirLine(_ value: String) throws {
        let error = #expect(throws: ConfigErrors.self) { try ConfigLoader.parse("[rule]\n\(value)\n", source: "fuzz.toml") }
        #expect(error?.description.hasPrefix("fuzz.toml:2: not valid TOML: '") == true, "\(String(describing: error))")
    }

    @Test func theScanIsNotFooledByBracketsInValuesStringsOrComments() {
        let text = "a = [\n  [1, 2],\n  [ +3 ],\n  { b = [1] },\n]\nb = \"[+x}]\"  # [=}\nc = '''\n[.a]}\n'''\nd = \"\"\"\n[=]\n\"\"\"\n[ok]\n"
        #expect(TOMLPrecheck.firstProblem(text) == nil)
    }

    @Test func everyValueOfTheWrongTypeIsRefusedAtItsLine() {
        let replacements = ["\"text\"", "42", "-1", "3.5", "true", "[1, \"a\"]", "{ a = 1 }", "1979-05-27T07:32:00Z", "\"\"", "[]"]
        let lines = Self.example.split(separator: "\n", omittingEmptySubsequences: false)
        var problems: [String] = []
        var tried = 0
        for (index, line) in lines.enumerated() {
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "="), !line.hasPrefix("[") else { continue }
            for replacement in replacements {
                var copy = lines
                copy[index] = line[..<line.index(after: equals)] + " " + Substring(replacement)
                tried += 1
                if let problem = check(copy.joined(separator: "\n"), "line \(index + 1) = \(replacement)") { problems.append(problem) }
            }
        }
        #expect(tried > 300)
        #expect(problems == [])
    }
}
