import Foundation
import Testing

@testable import ProspectClient

@Suite struct TerminalTextTests {
    @Test func escapesAndControlsFromStoredDataAreShownEscaped() {
        let note = "hi \u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}x \u{202E}gnp"
        #expect(TerminalText.safe(note, allowingStyle: false) == "hi \\u{1B}]0;pwned\\u{07}\\u{1B}[2J\\u{009B}x \\u{202E}gnp")
        #expect(TerminalText.safe("line one\n\tline two", allowingStyle: false) == "line one\n\tline two")
    }

    @Test func onlyTheCLIsOwnColoursPassAndOnlyWhenColourIsOn() {
        let painted = Style(color: true).green("met") + " " + Style(color: true).dim("x")
        #expect(TerminalText.safe(painted, allowingStyle: true) == painted)
        #expect(TerminalText.safe(painted, allowingStyle: false).contains("\\u{1B}[32m"))
        #expect(TerminalText.safe("\u{1B}[2J\u{1B}[38;5;1m", allowingStyle: true) == "\\u{1B}[2J\\u{1B}[38;5;1m")
    }

    @Test func jsonKeepsItsStringsButCarriesNoRawControl() throws {
        let json = TerminalText.safeJSON("{\"note\":\"a\u{9B}b\u{202E}c\"}")
        #expect(json == "{\"note\":\"a\\u009bb\\u202ec\"}")
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]
        #expect(decoded?["note"] == "a\u{9B}b\u{202E}c")
    }
}
