import ArgumentParser
import Foundation
import ProspectAPI
import ProspectCore

struct OutboxCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "What the daemon decided to send: list, show, retry or cancel a delivery (admins).",
        subcommands: [OutboxList.self, OutboxShow.self, OutboxRetry.self, OutboxCancel.self]
    )
}

extension OutboxState: ExpressibleByArgument {}

/// One line per row: id, state, when due, type and step, about whom, to whom, through which channel.
func outboxLine(_ item: OutboxItem) -> String {
    let due = ISO8601DateFormatter().string(from: item.dueAt)
    var line = "\(item.id)  \(item.state.rawValue)  \(due)  \(item.type.rawValue) \(item.step)  \(item.rep) -> \(item.recipient) via \(item.channel)"
    if item.attemptCount > 0 { line += "  attempts \(item.attemptCount)" }
    if let error = item.lastError, item.state != .sent { line += "  last error: \(error)" }
    return line
}

struct OutboxList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Outbox rows, newest decided first.")

    @Option(name: .long, help: "pending, failed, sent or cancelled.") var state: OutboxState?
    @Option(name: .long, help: "Only rows about this rep (or manager, for digests).") var rep: String?
    @Option(name: .long, help: "Only rows decided on or after this day (YYYY-MM-DD, UTC).") var since: String?
    @Option(name: .long, help: "At most this many rows (default 100).") var limit: Int?
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let since { _ = try inputDate(since, for: "--since") }
        if let limit, !(1...10_000).contains(limit) { throw ValidationError("--limit must be from 1 to 10000") }
    }

    func run() async throws {
        let route = path(
            "/v1/outbox",
            ["state": state?.rawValue, "rep": rep, "since": since, "limit": limit.map(String.init)]
        )
        let response = try await connection.client().get(OutboxListResponse.self, route)
        if json { return printJSON(response) }
        if response.rows.isEmpty { return print("No outbox rows match.") }
        for item in response.rows { print(outboxLine(item)) }
    }
}

struct OutboxShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One outbox row with every attempt and its error.")

    @Argument(help: "The row's id (from list).") var id: Int64
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let item = try await connection.client().get(OutboxItem.self, "/v1/outbox/\(id)")
        if json { return printJSON(item) }
        let format = ISO8601DateFormatter()
        print(outboxLine(item))
        print("  day \(item.date), decided \(format.string(from: item.decidedAt)), message id \(item.messageID)")
        if let next = item.nextAttemptAt { print("  next attempt \(format.string(from: next))") }
        if let delivered = item.deliveredAt { print("  delivered \(format.string(from: delivered))") }
        if item.attempts.isEmpty { print("  no attempts yet") }
        for attempt in item.attempts {
            print("  attempt \(format.string(from: attempt.at)): \(attempt.error ?? "delivered")")
        }
    }
}

struct OutboxRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue a failed or cancelled row again now, under the same message id (receivers de-duplicate on it)."
    )

    @Argument(help: "The row's id (from list).") var id: Int64?
    @Flag(name: .long, help: "Every failed row.") var failed = false
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if (id == nil) == !failed { throw ValidationError("pass a row id or --failed, not both") }
    }

    func run() async throws {
        let client = try connection.client()
        if let id {
            let item = try await client.post(OutboxItem.self, "/v1/outbox/\(id)/retry", [String: String]())
            if json { return printJSON(item) }
            print("Queued again: \(outboxLine(item))")
        } else {
            let response = try await client.post(OutboxRetryResponse.self, "/v1/outbox/retry", [String: String]())
            if json { return printJSON(response) }
            print("Queued again: \(response.retried) failed row\(response.retried == 1 ? "" : "s").")
        }
    }
}

struct OutboxCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a pending or failed row: it is not attempted again.")

    @Argument(help: "The row's id (from list).") var id: Int64
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let item = try await connection.client().post(OutboxItem.self, "/v1/outbox/\(id)/cancel", [String: String]())
        if json { return printJSON(item) }
        print("Cancelled: \(outboxLine(item))")
    }
}
