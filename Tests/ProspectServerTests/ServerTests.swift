import Foundation
import Hummingbird
import Logging
import ProspectAPI
import ProspectCore
import ProspectStore
import Testing

@testable import ProspectServer

@Suite struct ErrorMappingTests {
    @Test(arguments: [
        (UserError(.invalid, "bad"), 400, "invalid"), (UserError(.forbidden, "no"), 403, "forbidden"),
        (UserError(.notFound, "gone"), 404, "not_found"), (UserError(.conflict, "taken"), 409, "conflict"),
    ])
    func userErrorsBecomeTheir4xx(_ error: UserError, _ status: Int, _ kind: String) {
        let (code, body) = ErrorMiddleware.describe(error)
        #expect(code.code == status && body.kind == kind && body.error == error.message)
    }

    @Test func anUnexpectedErrorIsA500ThatRevealsNothing() {
        struct Secret: Error { let password = "hunter2" }
        let (code, body) = ErrorMiddleware.describe(Secret())
        #expect(code.code == 500)
        #expect(body.error == "internal error; see the daemon's log" && !body.error.contains("hunter2"))
    }

    @Test func everyProblemOfAnImportIsListed() {
        let (code, body) = ErrorMiddleware.describe(ValidationProblems(["line 2: a", "line 3: b"]))
        #expect(code.code == 400 && body.error == "line 2: a\nline 3: b")
    }
}

@Suite struct SystemdTests {
    @Test func levelsMapToJournaldPriorities() {
        #expect(JournalLogHandler.priority(.critical) == 2)
        #expect(JournalLogHandler.priority(.error) == 3)
        #expect(JournalLogHandler.priority(.warning) == 4)
        #expect(JournalLogHandler.priority(.notice) == 5)
        #expect(JournalLogHandler.priority(.info) == 6)
        #expect(JournalLogHandler.priority(.debug) == 7)
    }

    @Test func theWatchdogIsPingedAtHalfItsIntervalAndOnlyForThisProcess() {
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"]) == .seconds(15))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "junk"]) == nil)
        #expect(!SystemdNotifier(environment: [:]).isActive)
    }

    @Test func socketAddressesRespectTheKernelLimit() {
        #expect(UnixSocketAddress(path: "/run/prospectd/prospectd.sock") != nil)
        #expect(UnixSocketAddress(path: "@abstract")?.length == 11)
        #expect(UnixSocketAddress(path: "/" + String(repeating: "x", count: 108)) == nil)
        #expect(UnixSocketAddress(path: "") == nil)
    }

    @Test func theDateHeaderIsRFC9110() {
        #expect(httpDate(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(httpDate(Date(timeIntervalSince1970: 1_798_761_600)) == "Fri, 01 Jan 2027 00:00:00 GMT")
    }

    @Test func theShiftedClockStartsWhereItIsTold() {
        let start = Date(timeIntervalSince1970: 1_773_230_400)
        let clock = ShiftedClock(startingAt: start)
        #expect(abs(clock.now.timeIntervalSince(start)) < 5)
    }
}
