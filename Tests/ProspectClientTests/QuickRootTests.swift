import ArgumentParser
import ProspectCommandLine
import Testing

@testable import ProspectClient

/// The quick root parses only what it holds to a command; everything else goes to the real
/// root, so help, completion scripts and mistakes read as they always did.
@Suite struct QuickRootTests {
    @Test func parsesALogAndAStatus() throws {
        let log = try #require(QuickProspect.parse(["prospect", "log", "call", "--note", "Acme", "--socket", "/s.sock"]) as? Log)
        #expect(log.kind == "call")
        #expect(log.note == "Acme")
        #expect(log.connection.socket == "/s.sock")
        let status = try #require(QuickProspect.parse(["prospect", "status", "--rep", "ana", "--json"]) as? Status)
        #expect(status.rep == "ana")
        #expect(status.json)
    }

    @Test(arguments: [
        ["prospect"],
        ["prospect", "history"],
        ["prospect", "admin", "roster", "list"],
        ["prospect", "help", "log"],
        ["prospect", "--help"],
        ["prospect", "--version"],
        ["prospect", "--generate-completion-script", "bash"],
        ["prospect", "log"],
        ["prospect", "log", "--help"],
        ["prospect", "log", "-h"],
        ["prospect", "log", "call", "--bogus"],
        ["prospect", "log", "call", "--value", "many"],
        ["prospect", "status", "extra"],
    ])
    func leavesTheRestToTheRealRoot(_ arguments: [String]) {
        #expect(QuickProspect.parse(arguments) == nil)
    }
}
