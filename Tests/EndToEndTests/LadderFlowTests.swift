import Foundation
import ProspectTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The webhook receiver of `Tests/Fixtures/webhook-receiver.py`, as a process.
final class Receiver {
    let port: Int
    let log: String
    var process: Child?

    init(port: Int, log: String) {
        self.port = port
        self.log = log
    }

    func start(secretFile: String, failUntil: Date? = nil, failStatus: Int = 500) throws {
        var arguments = [fixture("webhook-receiver.py"), String(port), secretFile, log]
        if let failUntil { arguments += ["--fail-until", String(failUntil.timeIntervalSince1970), "--fail-status", String(failStatus)] }
        self.process = try startPython(arguments)
        // Wait until it accepts connections.
        for _ in 0..<100 {
            if (try? run("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]))?.code == 0 { return }
            usleep(50_000)
        }
        throw HarnessError("the webhook receiver did not start: \(process?.output ?? "")")
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        waitForExit(process)
    }

    /// Every request received so far.
    var requests: [[String: Any]] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Accepted deliveries as "step rep recipient".
    var accepted: [String] {
        requests.filter { $0["status"] as? Int == 204 }.compactMap { r in
            guard let body = r["body"] as? [String: Any] else { return nil }
            return "\(body["step"]!) \(body["rep"]!) \(body["recipient"]!)"
        }.sorted()
    }

    func waitFor(requests count: Int, timeout: TimeInterval = 60) throws {
        try poll(timeout: timeout, "expected \(count) requests, got \(requests)") { requests.count >= count }
    }

    func waitFor(accepted count: Int, timeout: TimeInterval = 60) throws {
        try poll(timeout: timeout, "expected \(count) accepted webhooks, got \(accepted): \(requests)") { accepted.count >= count }
    }

    deinit { stop() }
}

/// The ladder end to end: the real daemon on a clock set just before 14:00, a real HTTP receiver,
/// reps using the real CLI, `kill -9` and a restart.
@Suite(.serialized) struct LadderFlowTests {
    /// On both backends: the same flow, the same answers.
    @Test(arguments: TestBackend.allCases) func remindersAndEscalationsArriveSignedOnceAndACrashIsCaughtUpOnce(backend: TestBackend) throws {
        let receiverPort = freePort()
        let ladder = """
            [[ladder]]
            name = "nudge"
            at = "14:00"
            channels = ["hook"]
            [[ladder]]
            name = "heads-up"
            at = "14:00"
            audience = "manager"
            channels = ["hook", "journal"]
            [[ladder]]
            name = "second-nudge"
            at = "14:01"
            channels = ["hook"]
            [[ladder]]
            name = "escalate"
            at = "14:02"
            audience = "manager"
            channels = ["hook"]

            [channels.hook]
            type = "webhook"
            url = "http://127.0.0.1:\(receiverPort)/prospectd"
            secret_file = "SECRET"
            [channels.journal]
            type = "log"

            [delivery]
            retry_base = 1
            retry_max = 2
            """
        // Given a daemon whose clock starts Monday 2026-03-09 13:59:45 UTC.
        let daemon = try DaemonUnderTest(clock: "2026-03-09T13:59:45Z", backend: backend)
        let secret = daemon.folder.appendingPathComponent("hook.secret").path
        try "whsec_\(Data((0..<24).map { UInt8($0 * 7 % 256) }).base64EncodedString())\n".write(
            toFile: secret,
            atomically: true,
            encoding: .utf8
        )
        try daemon.writeConfig(ladder.replacingOccurrences(of: "SECRET", with: secret))
        let receiver = Receiver(port: receiverPort, log: daemon.folder.appendingPathComponent("received.jsonl").path)
        // The receiver answers 500 for its first seconds: the first attempts fail and are retried.
        try receiver.start(secretFile: secret, failUntil: Date().addingTimeInterval(17))
        try daemon.start()
        let roster = daemon.folder.appendingPathComponent("roster.csv").path
        try
            "handle,name,email,timezone,manager,role\nboss,Boss,boss@example.com,UTC,,manager\nann,Ann,ann@example.com,UTC,boss,rep\nben,Ben,ben@example.com,UTC,boss,rep\n"
            .write(toFile: roster, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", roster]).code == 0)
        let ann = try daemon.prospect(["admin", "token", "issue", "ann"]).out.trimmingCharacters(in: .whitespacesAndNewlines)

        // When Ann logs a call before 14:00 and Ben does not,
        #expect(try daemon.prospect(["log", "call"], token: ann).code == 0)

        // and each can see what is coming:
        let annDay = try daemon.prospect(["schedule", "--rep", "ann"])
        #expect(
            annDay.out == """
                ann: Monday 2026-03-09 (UTC): 1 of 1 logged.
                  14:00  nudge         reminder to ann: not needed: the rule is met
                  14:00  heads-up      escalation to the manager: not needed: the rule is met
                  14:01  second-nudge  reminder to ann: not needed: the rule is met
                  14:02  escalate      escalation to the manager: not needed: the rule is met

                """,
            "\(annDay)"
        )
        let benDay = try decodeJSON(try daemon.prospect(["schedule", "--rep", "ben", "--json"]).out)
        let benSteps = (benDay["steps"] as? [[String: Any]] ?? []).map { "\($0["name"]!) \($0["at"]!) \($0["state"]!)" }
        #expect(benSteps.first == "nudge 2026-03-09T14:00:00Z will-send", "\(benSteps)")

        // then at 14:00 Ben is nudged and the boss hears about Ben, not Ann: signed, retried past the 500s, once each.
        try receiver.waitFor(accepted: 2)
        #expect(receiver.accepted == ["heads-up ben boss", "nudge ben ben"])
        #expect(receiver.requests.contains { $0["status"] as? Int == 500 }, "the receiver's 500s were retried")
        #expect(receiver.requests.allSatisfy { $0["valid"] as? Bool == true }, "every signature verifies")
        let retried = Dictionary(grouping: receiver.requests, by: { $0["id"] as? String ?? "" })
        #expect(
            retried.values.allSatisfy { Set($0.map { ($0["body"] as? [String: Any])?["step"] as? String ?? "" }).count == 1 },
            "a retry keeps its webhook-id"
        )
        try daemon.waitForLog("delivery channel=journal day=2026-03-09")
        let afterwards = try decodeJSON(try daemon.prospect(["schedule", "--rep", "ben", "--json"]).out)
        #expect((afterwards["steps"] as? [[String: Any]])?.first?["state"] as? String == "sent")

        // When the receiver goes down, the 14:01 nudge is decided but cannot be delivered,
        receiver.stop()
        let failures = daemon.log.components(separatedBy: "delivery failed; will retry").count
        let deadline = Date().addingTimeInterval(120)
        while daemon.log.components(separatedBy: "delivery failed; will retry").count == failures, Date() < deadline { usleep(200_000) }
        // and the daemon dies (kill -9) between deciding and delivering, and stays down across 14:02,
        daemon.crash()
        let restarted = try DaemonUnderTest(reusing: daemon, clock: "2026-03-09T14:02:30Z")
        try restarted.start()
        sleep(2)
        try receiver.start(secretFile: secret)
        // then after the restart the pending nudge is delivered once and 14:02 is caught up once; nothing from 14:00 again.
        try receiver.waitFor(accepted: 4)
        sleep(3)
        #expect(receiver.accepted == ["escalate ben boss", "heads-up ben boss", "nudge ben ben", "second-nudge ben ben"])
        #expect(daemon.log.contains("error=\"cannot reach 127.0.0.1"), "the 14:01 nudge was attempted before the crash")
        #expect(receiver.requests.filter { $0["status"] as? Int == 204 }.count == 4, "nothing delivered twice")

        // A rep without a manager: check-config says so up front (and still exits 0).
        #expect(
            try restarted.prospect(["admin", "rep", "add", "cy", "--name", "Cy", "--email", "cy@example.com", "--timezone", "UTC"]).code
                == 0
        )
        let checked = try run(binaries.appendingPathComponent("prospectd").path, ["check-config", "--config", restarted.configPath])
        #expect(checked.code == 0, "\(checked)")
        #expect(
            checked.err.components(separatedBy: "\n").filter { !$0.isEmpty } == [
                "warning: ladder step 'heads-up' will have no one to tell for 1 rep(s) without a manager: cy; set one with 'prospect admin rep update HANDLE --manager HANDLE'",
                "warning: ladder step 'escalate' will have no one to tell for 1 rep(s) without a manager: cy; set one with 'prospect admin rep update HANDLE --manager HANDLE'",
            ],
            "\(checked)"
        )
        // and their schedule says the manager's steps go nowhere, the next workday too.
        let cyDay = try restarted.prospect(["schedule", "--rep", "cy", "--date", "2026-03-10"])
        #expect(
            cyDay.out.contains("heads-up      escalation to the manager: not sent: no manager on the roster")
                && cyDay.out.contains("nudge         reminder to cy: will be sent unless an action is logged first"),
            "\(cyDay)"
        )
        #expect(restarted.stop() == 0)
    }
}
