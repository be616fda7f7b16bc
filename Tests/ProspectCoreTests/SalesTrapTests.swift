import Foundation
import Testing

@testable import ProspectCore

@Suite struct SalesTrapTests {
    let settings = AlarmSettings()

    func figures(
        closing: Int = 3,
        closingBefore: Int = 2,
        start: Double? = 100_000,
        now: Double? = 80_000,
        prospecting: Int = 20,
        before: Int = 20
    )
        -> SalesTrapFigures
    {
        SalesTrapFigures(
            closingCount: closing,
            closingCountBefore: closingBefore,
            closingValue: Double(closing) * 28_000,
            closingValueBefore: Double(closingBefore) * 28_000,
            pipelineStart: start,
            pipelineNow: now,
            prospecting: prospecting,
            prospectingBefore: before
        )
    }

    @Test func aPipelineFallOfExactlyTwentyPercentRaisesIt() throws {
        let alarm = try #require(SalesTrapAlarm.evaluate(figures(now: 80_000), settings: settings))
        #expect(alarm.reasons == ["pipeline"])
        #expect(alarm.summary == "closed 3 deals worth 84,000 in 28 days while the pipeline fell 20%")
        #expect(SalesTrapAlarm.evaluate(figures(now: 80_001), settings: settings) == nil, "19.999% is not enough")
    }

    @Test func aProspectingFallOfExactlyThirtyPercentRaisesIt() throws {
        let alarm = try #require(SalesTrapAlarm.evaluate(figures(now: 100_000, prospecting: 14, before: 20), settings: settings))
        #expect(alarm.reasons == ["prospecting"])
        #expect(SalesTrapAlarm.evaluate(figures(now: 100_000, prospecting: 15, before: 20), settings: settings) == nil, "25% is not enough")
        #expect(SalesTrapAlarm.evaluate(figures(now: 100_000, prospecting: 0, before: 0), settings: settings) == nil, "nothing before: no fall")
    }

    @Test func closingThatFellDoesNotRaiseIt() {
        // Fewer deals and less value: the pipeline fell because deals were lost, not closed.
        #expect(SalesTrapAlarm.evaluate(figures(closing: 1, closingBefore: 2, now: 50_000), settings: settings) == nil)
        // The same count is "not lower".
        #expect(SalesTrapAlarm.evaluate(figures(closing: 2, closingBefore: 2, now: 50_000), settings: settings) != nil)
    }

    @Test func noSnapshotAtTheWindowStartMeansNoPipelineVerdict() {
        #expect(SalesTrapAlarm.evaluate(figures(start: nil, now: 10), settings: settings) == nil)
        #expect(SalesTrapAlarm.evaluate(figures(start: 0, now: 0), settings: settings) == nil)
    }

    @Test func thresholdsAreConfigurable() {
        let strict = AlarmSettings(windowDays: 14, pipelineDrop: 0.10, prospectingDrop: 0.50)
        #expect(SalesTrapAlarm.evaluate(figures(now: 90_000), settings: strict)?.windowDays == 14)
        #expect(SalesTrapAlarm.evaluate(figures(now: 91_000), settings: strict) == nil)
    }

    @Test func aTeamSumsItsRepsAndItsPipelinesWithBothEnds() {
        let a = figures(closing: 2, closingBefore: 1, start: 100_000, now: 70_000)
        let b = figures(closing: 0, closingBefore: 1, start: 100_000, now: 110_000)
        let c = figures(closing: 0, closingBefore: 0, start: nil, now: 500_000)
        let team = a + b + c
        #expect(team.closingCount == 2 && team.closingCountBefore == 2)
        #expect(team.pipelineStart == 200_000 && team.pipelineNow == 180_000, "c has no start, so it is left out")
        #expect(SalesTrapAlarm.evaluate(team, settings: settings) == nil, "the team fell 10%")
    }

    @Test func amountsReadAsMoney() {
        #expect(SalesTrapAlarm.amount(84_000) == "84,000")
        #expect(SalesTrapAlarm.amount(1_250.5) == "1,250.50")
        #expect(SalesTrapAlarm.amount(999) == "999")
        #expect(SalesTrapAlarm.amount(1_000_000.07) == "1,000,000.07")
    }
}
