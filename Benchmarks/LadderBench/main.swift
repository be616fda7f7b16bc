// Ladder benchmarks (a benchmark, not a test): run with
//   swift run -c release prospect-bench
// Each figure is the median of several runs, next to its baseline measured in the same run.
import Foundation
import GRDB
import Logging
import ProspectConfig
import ProspectCore
import ProspectEngine
import ProspectStore

let config = try ConfigLoader.parse(
    """
    [rule]
    counting_kinds = ["call", "email"]
    [kinds.call]
    [kinds.email]
    [kinds.meeting]
    [[ladder]]
    name = "nudge"
    at = "14:00"
    channels = ["log"]
    [[ladder]]
    name = "manager"
    at = "end_of_day"
    audience = "manager"
    channels = ["log"]
    [[ladder]]
    name = "skip-level"
    at = "end_of_day"
    after_misses = 3
    audience = "manager.manager"
    channels = ["log"]
    [channels.log]
    type = "log"
    """,
    source: "bench"
)

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prospect-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }

/// A database with `reps` reps (ten to a manager, two managers to a director) and `activities`
/// activities spread over the year before 2026-03-09.
func makeStore(reps: Int, activities: Int, name: String) async throws -> Store {
    let path = folder.appendingPathComponent("\(name).sqlite").path
    let store = try Store.open(path: path)
    // Seeded as the sqlite3 shell would, beside the Store: the benchmark is not the Store's client.
    try await DatabaseQueue(path: path).write { db in
        let person = try db.makeStatement(
            sql: "INSERT INTO person (id, handle, name, email, timezone, manager_id, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0)"
        )
        let managers = reps / 10
        let directors = max(1, managers / 2)
        for d in 0..<directors {
            try person.execute(arguments: [1_000_000 + d, "dir\(d)", "Director", "d@example.com", "UTC", nil, "manager"])
        }
        for m in 0..<managers {
            try person.execute(arguments: [500_000 + m, "mgr\(m)", "Manager", "m@example.com", "UTC", 1_000_000 + m / 2 % directors, "manager"])
        }
        for r in 0..<reps {
            // One zone for all: one due instant for every rep, the worst case for one step.
            try person.execute(arguments: [r + 1, "rep\(r)", "Rep", "r@example.com", "UTC", 500_000 + r / 10, "rep"])
        }
        let activity = try db.makeStatement(
            sql: "INSERT INTO activity (person_id, kind, occurred_at, logged_at, client_id) VALUES (?, ?, ?, ?, ?)"
        )
        let end = Int64(ActivityTime.parseISO8601("2026-03-09T00:00:00Z")!.timeIntervalSince1970)
        var generator = SystemRandomNumberGenerator()
        // Rep by rep, each rep's in time order: the index grows at its end, so 100 million rows seed in minutes.
        var i = 0
        for r in 0..<reps {
            let count = activities / reps + (r < activities % reps ? 1 : 0)
            for at in (0..<count).map({ _ in end - Int64.random(in: 0..<(365 * 86_400), using: &generator) }).sorted() {
                try activity.execute(arguments: [Int64(r + 1), i % 3 == 0 ? "meeting" : "call", at, at, "bench-\(i)"])
                i += 1
            }
        }
    }
    return store
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func time(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Median seconds of the 14:00 step for every rep of `store` end to end, as the daemon runs it:
/// the roster loaded, the due events planned, the days counted, decided and written. The
/// outbox is cleared between runs.
func oneDueStep(_ store: Store, runs: Int = 7) async throws -> (seconds: Double, deliveries: Int) {
    let engine = Engine(store: store)
    let now = ActivityTime.parseISO8601("2026-03-09T14:00:00Z")!
    var times: [Double] = []
    var deliveries = 0
    for _ in 0..<runs {
        try await store.forgetLadderState()
        times.append(
            try await time {
                let roster = try await engine.roster(config: config, now: now)
                let events = Engine.events(roster: roster, config: config, in: now..<now.addingTimeInterval(1))
                deliveries = try await engine.process(events, roster: roster, config: config, now: now).deliveries.count
            }
        )
    }
    return (median(times), deliveries)
}

// Digests: every manager's daily digest (1,000 managers of 10 reps each at 10,000 reps), next to
// one due ladder step for the same reps on the same database.
let digestConfig = try ConfigLoader.parse(
    """
    [rule]
    counting_kinds = ["call", "email"]
    [kinds.call]
    [kinds.email]
    [kinds.meeting]
    [kinds.won]
    category = "closing"
    [digest]
    daily_at = "18:00"
    channels = ["log"]
    [channels.log]
    type = "log"
    """,
    source: "bench-digest"
)
func allDigests(_ store: Store, runs: Int = 5) async throws -> (seconds: Double, deliveries: Int) {
    let engine = Engine(store: store)
    let now = ActivityTime.parseISO8601("2026-03-09T18:00:00Z")!
    let roster = try await engine.roster(config: digestConfig, now: now)
    let events = Engine.events(roster: roster, config: digestConfig, in: now..<now.addingTimeInterval(1))
    var times: [Double] = []
    var deliveries = 0
    for _ in 0..<runs {
        try await store.forgetLadderState()
        times.append(
            try await time {
                deliveries = try await engine.process(events, roster: roster, config: digestConfig, now: now).deliveries.count
            }
        )
    }
    return (median(times), deliveries)
}
/// `--due-step N[xM]...`: for each roster size N (and M activities per rep, 100 unless said), one
/// due step next to the same count run by the sqlite3 shell on the same file; at 10,000 reps
/// over 100 activities also every daily digest.
func dueStepMode(_ sizes: [(reps: Int, perRep: Int)]) async throws {
    for (reps, perRep) in sizes {
        let name = "due-\(reps)x\(perRep)"
        let store = try await makeStore(reps: reps, activities: reps * perRep, name: name)
        let step = try await oneDueStep(store, runs: reps * perRep >= 10_000_000 ? 3 : 7)
        let path = folder.appendingPathComponent("\(name).sqlite").path
        let lo = Int64(ActivityTime.parseISO8601("2026-03-09T00:00:00Z")!.timeIntervalSince1970)
        let sql = """
            SELECT person_id, count(*) FROM activity WHERE occurred_at >= \(lo - 86_400) AND occurred_at < \(lo)
            AND kind IN ('call', 'email') AND logged_at <= \(lo + 50_400) AND deleted_at IS NULL GROUP BY person_id;
            """
        // The sqlite3 shell as a process, wall time: the floor of answering the count from this file.
        var shell: [Double] = []
        for _ in 0..<7 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            process.arguments = [path, sql]
            process.standardOutput = FileHandle.nullDevice
            shell.append(
                try await time {
                    try process.run()
                    while process.isRunning { try await Task.sleep(for: .milliseconds(1)) }
                }
            )
        }
        print(
            "due-step \(reps) reps x \(perRep): engine median \(String(format: "%.1f", step.seconds * 1000)) ms (\(step.deliveries) deliveries); "
                + "sqlite3 count median \(String(format: "%.1f", median(shell) * 1000)) ms (shell process, wall time)"
        )
        if reps == 10_000 && perRep == 100 {
            let digests = try await allDigests(store)
            print(
                "digests \(reps / 10) managers x 10 reps: median \(String(format: "%.1f", digests.seconds * 1000)) ms; "
                    + "one due step for the same reps: median \(String(format: "%.1f", step.seconds * 1000)) ms"
            )
        }
    }
}

/// `--due-step-postgresql N URL PASSWORD_FILE`: one due step for N reps over 100 activities each
/// on PostgreSQL (the seeded SQLite file copied into the empty database at URL, as migrate-db
/// does), next to the same step on the SQLite file in the same run.
if let flag = CommandLine.arguments.firstIndex(of: "--due-step-postgresql"), CommandLine.arguments.count > flag + 3,
    let reps = Int(CommandLine.arguments[flag + 1])
{
    let sqlite = try await makeStore(reps: reps, activities: reps * 100, name: "pg-\(reps)")
    let onFile = try await oneDueStep(sqlite, runs: reps >= 100_000 ? 3 : 7)
    let postgres = try await Store.open(
        database: CommandLine.arguments[flag + 2],
        passwordFile: CommandLine.arguments[flag + 3],
        logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    )
    _ = try await Store.copy(from: sqlite, to: postgres)
    let onServer = try await oneDueStep(postgres, runs: reps >= 100_000 ? 3 : 7)
    await postgres.close()
    print(
        "due-step-postgresql \(reps) reps: postgresql median \(String(format: "%.1f", onServer.seconds * 1000)) ms (\(onServer.deliveries) deliveries); "
            + "sqlite median \(String(format: "%.1f", onFile.seconds * 1000)) ms (\(onFile.deliveries) deliveries)"
    )
    try? FileManager.default.removeItem(at: folder)  // exit(0) runs no defer
    exit(0)
}

// `--profile-step N`: one due step for N reps, 20 times over, for a profiler (perf, callgrind).
if let flag = CommandLine.arguments.firstIndex(of: "--profile-step"), CommandLine.arguments.count > flag + 1,
    let reps = Int(CommandLine.arguments[flag + 1])
{
    let store = try await makeStore(reps: reps, activities: reps * 100, name: "profile")
    print("profile-step: seeded")
    let engine = Engine(store: store)
    let now = ActivityTime.parseISO8601("2026-03-09T14:00:00Z")!
    for _ in 0..<20 {
        try await store.forgetLadderState()
        var roster: EngineRoster? = nil
        var events: [DueEvent] = []
        let load = try await time { roster = try await engine.roster(config: config, now: now) }
        let plan = await time { events = Engine.events(roster: roster!, config: config, in: now..<now.addingTimeInterval(1)) }
        let decide = try await time { _ = try await engine.process(events, roster: roster!, config: config, now: now) }
        print(String(format: "profile-step \(reps) reps: roster %.1f ms, plan %.1f ms, process %.1f ms", load * 1000, plan * 1000, decide * 1000))
    }
    try? FileManager.default.removeItem(at: folder)  // exit(0) runs no defer
    exit(0)
}

if let flag = CommandLine.arguments.firstIndex(of: "--due-step") {
    try await dueStepMode(
        CommandLine.arguments[(flag + 1)...].compactMap { argument in
            let parts = argument.split(separator: "x").compactMap { Int($0) }
            return parts.isEmpty ? nil : (parts[0], parts.count > 1 ? parts[1] : 100)
        }
    )
    try? FileManager.default.removeItem(at: folder)  // exit(0) runs no defer
    exit(0)
}

if !CommandLine.arguments.contains("--simulate") {
    let arguments = CommandLine.arguments
    let reps = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
    print("prospect-bench: building databases (\(reps) reps; 100,000 and 1,000,000 activities)…")
    let small = try await makeStore(reps: reps, activities: 100_000, name: "small")
    let large = try await makeStore(reps: reps, activities: 1_000_000, name: "large")
    let baseline = try await oneDueStep(small)
    let big = try await oneDueStep(large)
    print(
        "one due step, \(reps) reps,   100,000 activities: median \(String(format: "%.1f", baseline.seconds * 1000)) ms (\(baseline.deliveries) deliveries)"
    )
    print("one due step, \(reps) reps, 1,000,000 activities: median \(String(format: "%.1f", big.seconds * 1000)) ms (\(big.deliveries) deliveries)")
    print("ratio 1M / 100k history: \(String(format: "%.2f", big.seconds / baseline.seconds)) (1.0 = cost follows the reps due, not the history)")

    let digests = try await allDigests(large)
    print(
        "daily digests, \(reps / 10) managers x 10 reps, 1,000,000 activities: median \(String(format: "%.1f", digests.seconds * 1000)) ms "
            + "(\(digests.deliveries) digests); ratio to one due step for the same reps: \(String(format: "%.2f", digests.seconds / big.seconds))"
    )
}

// simulate: 10 weeks for 1,000 reps, next to 1 week on the same roster.
let simReps = 1_000
let simStore = try await makeStore(reps: simReps, activities: 10_000, name: "sim")
var lines: [String] = []
for offset in 0..<70 {
    for r in stride(from: 0, to: simReps, by: 2) {
        let day = LocalDate("2026-03-09")!.adding(days: offset)
        lines.append(#"{"rep":"rep\#(r)","kind":"call","at":"\#(day)T09:00:00Z"}"#)
    }
}
let injected = Simulation.readActivities(lines.joined(separator: "\n")) { print($0) }
func simulate(days: Int) async throws -> (Double, Int) {
    var count = 0
    let copy = try Store.inMemoryCopy(of: folder.appendingPathComponent("sim.sqlite").path)
    let seconds = try await time {
        try await Simulation(store: copy, config: config).run(
            from: LocalDate("2026-03-09")!,
            to: LocalDate("2026-03-09")!.adding(days: days - 1),
            activities: injected,
            warn: { _ in },
            emit: { _ in count += 1 }
        )
    }
    return (seconds, count)
}
var week: [Double] = []
var tenWeeks: [Double] = []
var weekCount = 0
var tenCount = 0
for _ in 0..<3 {
    let (w, wc) = try await simulate(days: 7)
    let (t, tc) = try await simulate(days: 70)
    week.append(w)
    tenWeeks.append(t)
    weekCount = wc
    tenCount = tc
}
print("simulate \(simReps) reps, 1 week:   median \(String(format: "%.2f", median(week))) s (\(weekCount) deliveries)")
print("simulate \(simReps) reps, 10 weeks: median \(String(format: "%.2f", median(tenWeeks))) s (\(tenCount) deliveries)")
print("ratio 10 weeks / 1 week: \(String(format: "%.2f", median(tenWeeks) / median(week))) (10.0 = linear in simulated days)")
print(
    "simulate \(simReps) reps: 10 weeks median \(String(format: "%.1f", median(tenWeeks) * 1000)) ms; "
        + "1 week median \(String(format: "%.1f", median(week) * 1000)) ms"
)
