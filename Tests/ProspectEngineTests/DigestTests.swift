import Foundation
import ProspectConfig
import ProspectCore
import ProspectStore
import ProspectTestSupport
import Testing

@testable import ProspectEngine

/// The managers' half through the real engine and `simulate`.
@Suite struct DigestTests {
    let digest = """
        [kinds.won]
        category = "closing"
        [digest]
        daily_at = "18:00"
        weekly_at = "fri 17:00"
        channels = ["log"]
        """

    @Test(arguments: TestBackend.allCases) func dailyOnTheManagersWorkdaysAndWeeklyOnItsDayInTheManagersZone(backend: TestBackend) async throws {
        // Carol (Copenhagen, UTC+1 in March) manages two reps; the VP manages only Carol: no digest for the VP.
        let scenario = try await Scenario(
            backend: backend,
            ladder: digest,
            holidays: ["2026-03-11"],
            people: [
                boss("vp"), boss("carol", "Europe/Copenhagen", manager: "vp"), rep("alice", "America/New_York", manager: "carol"),
                rep("bob", "UTC", manager: "carol"),
            ]
        )
        let lines = try await scenario.simulate("2026-03-09", "2026-03-15")
        #expect(
            lines == [
                "2026-03-09T17:00:00Z 2026-03-09 digest daily - carol log",
                "2026-03-10T17:00:00Z 2026-03-10 digest daily - carol log",
                "2026-03-12T17:00:00Z 2026-03-12 digest daily - carol log",
                "2026-03-13T16:00:00Z 2026-03-13 digest weekly - carol log",
                "2026-03-13T17:00:00Z 2026-03-13 digest daily - carol log",
            ]
        )
    }

    /// A ladder step named like a digest shared its outbox key (person, date, step, channel)
    /// with the digest of a rep who also leads reps: one of the two was never sent.
    @Test(arguments: TestBackend.allCases) func aStepNamedLikeADigestDoesNotHideIt(backend: TestBackend) async throws {
        let scenario = try await Scenario(
            backend: backend,
            ladder: digest + """

                [[ladder]]
                name = "daily"
                at = "18:00"
                channels = ["log"]
                """,
            people: [rep("lead", "UTC"), rep("ann", "UTC", manager: "lead")]
        )
        let lines = try await scenario.simulate("2026-03-09", "2026-03-09")
        #expect(
            lines.sorted() == [
                "2026-03-09T18:00:00Z 2026-03-09 digest daily - lead log",
                "2026-03-09T18:00:00Z 2026-03-09 reminder daily ann ann log",
                "2026-03-09T18:00:00Z 2026-03-09 reminder daily lead lead log",
            ],
            "\(lines)"
        )
    }

    @Test(arguments: TestBackend.allCases) func aTakeStockStepEscalatesOnlyWhenTheManagerHasNotAcknowledged(backend: TestBackend) async throws {
        let scenario = try await Scenario(
            backend: backend,
            ladder: """
                [[ladder]]
                name = "take-stock"
                at = "10:00"
                audience = "manager"
                unless = "acknowledged"
                channels = ["log"]
                """,
            people: [boss("vp"), boss("carol", manager: "vp"), rep("alice", "UTC", manager: "carol")]
        )
        let carol = try #require(try await scenario.store.person(handle: "carol"))
        _ = try await scenario.store.acknowledge(
            personID: carol.id,
            date: LocalDate("2026-03-10")!,
            now: ActivityTime.parseISO8601("2026-03-10T09:59:00Z")!
        )
        let late = try await scenario.store.acknowledge(
            personID: carol.id,
            date: LocalDate("2026-03-11")!,
            now: ActivityTime.parseISO8601("2026-03-11T10:01:00Z")!
        )
        #expect(late == ActivityTime.parseISO8601("2026-03-11T10:01:00Z"))
        let lines = try await scenario.simulate("2026-03-09", "2026-03-11")
        #expect(
            lines == [
                "2026-03-09T10:00:00Z 2026-03-09 escalation take-stock carol vp log",
                "2026-03-11T10:00:00Z 2026-03-11 escalation take-stock carol vp log",
            ],
            "Tuesday was acknowledged in time; Wednesday's came a minute late"
        )
    }

    @Test(arguments: TestBackend.allCases) func theSalesTrapAlarmGoesToTheManagerOncePerWindow(backend: TestBackend) async throws {
        let scenario = try await Scenario(
            backend: backend,
            ladder: digest + "\n[alarm]\nchannels = [\"hook\"]\n",
            people: [boss("carol"), rep("bob", "UTC", manager: "carol"), rep("ann", "UTC", manager: "carol")]
        )
        let bob = try #require(try await scenario.store.person(handle: "bob"))
        // Bob's pipeline was 100,000 before the window and is 60,000 now, while he closed two deals.
        _ = try await scenario.store.setPipeline(
            repID: bob.id,
            openDeals: 9,
            value: 100_000,
            actor: "t",
            now: ActivityTime.parseISO8601("2026-02-01T12:00:00Z")!
        )
        _ = try await scenario.store.setPipeline(
            repID: bob.id,
            openDeals: 5,
            value: 60_000,
            actor: "t",
            now: ActivityTime.parseISO8601("2026-03-06T12:00:00Z")!
        )
        let lines = try await scenario.simulate(
            "2026-03-09",
            "2026-03-20",
            [
                #"{"rep":"bob","kind":"won","at":"2026-03-02T12:00:00Z","value":50000}"#,
                #"{"rep":"bob","kind":"won","at":"2026-03-09T12:00:00Z","value":34000}"#,
            ]
        )
        #expect(lines.filter { $0.contains("sales-trap") } == ["2026-03-09T18:00:00Z 2026-03-09 escalation sales-trap bob carol hook"])
        #expect(lines.filter { $0.contains("digest daily") }.count == 10)

        // The report shows it, for Bob and not for Ann.
        let carol = try #require(try await scenario.store.person(handle: "carol"))
        let repIDs = try await scenario.store.repIDs(under: carol.id)
        let report = try #require(
            try await Engine(store: scenario.store).report(
                kind: .team,
                managerID: carol.id,
                repIDs: repIDs,
                from: LocalDate("2026-03-13")!,
                to: LocalDate("2026-03-13")!,
                now: ActivityTime.parseISO8601("2026-03-13T12:00:00Z")!,
                config: scenario.config
            )
        )
        #expect(report.reps.map(\.handle) == ["ann", "bob"])
        #expect(report.reps[0].alarm == nil)
        #expect(report.reps[1].alarm?.summary == "closed 2 deals worth 84,000 in 28 days while the pipeline fell 40%")
    }
}
