import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ProspectConfig
import ProspectStore
import Testing

@testable import ProspectServer

/// `openapi.yaml` describes exactly the routes the router serves.
@Suite struct OpenAPIContractTests {
    /// `METHOD /path/{param}` for every operation under `paths:` (two-space paths, four-space methods).
    static func documented() throws -> Set<String> {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("openapi.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        var out: Set<String> = []
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths, !line.isEmpty, !line.hasPrefix(" ") { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(method) { out.insert("\(method) \(path)") }
            }
        }
        return out
    }

    @Test func everyRouteIsDocumentedAndNothingElse() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let handlers = Handlers(
            store: try Store.inMemory(),
            config: ConfigBox(ConfigLoader.embeddedDefault(stateDirectory: "/tmp")),
            clock: SystemClock(),
            logger: Logger(label: "test"),
            replan: Doorbell(),
            channels: ChannelKit(client: client, logger: Logger(label: "test"), environment: [:])
        )
        let served = Set(
            makeRouter(handlers).routes.map { route in
                let path = "\(route.path)".split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                return "\(route.method.rawValue) /" + path.joined(separator: "/")
            }
        )
        try await client.shutdown()
        let documented = try Self.documented()
        #expect(served.count >= 20)
        #expect(served.subtracting(documented).sorted() == [], "served but not in openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "in openapi.yaml but not served")
    }
}

@Suite struct TokenFailureLimiterTests {
    @Test func tenFailuresInAMinuteBlockTheAddressUntilTheMinuteHasPassed() {
        let limiter = TokenFailureLimiter(limit: 10, window: 60)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for i in 0..<10 {
            #expect(limiter.begin("10.0.0.1", now: start.addingTimeInterval(Double(i))) == nil)
        }
        #expect(limiter.begin("10.0.0.1", now: start.addingTimeInterval(10)) == 50)
        #expect(limiter.begin("10.0.0.2", now: start.addingTimeInterval(10)) == nil, "other addresses are not affected")
        #expect(limiter.begin("10.0.0.1", now: start.addingTimeInterval(59.5)) == 1)
        #expect(limiter.begin("10.0.0.1", now: start.addingTimeInterval(60)) == nil, "a new minute, a clean slate")
    }

    @Test func goodTokensAreNotCountedAsFailures() {
        let limiter = TokenFailureLimiter(limit: 3, window: 60)
        let now = Date(timeIntervalSince1970: 1_000_000)
        for _ in 0..<20 {
            #expect(limiter.begin("10.0.0.1", now: now) == nil)
            limiter.succeeded("10.0.0.1")
        }
    }

    /// Parallel guesses: before, each checked the count, then looked the token up, then recorded
    /// its failure, so all of a burst passed the check. Now the check counts the attempt.
    @Test func parallelGuessesAreCountedBeforeAnyOfThemFails() async {
        let limiter = TokenFailureLimiter(limit: 10, window: 60)
        let now = Date(timeIntervalSince1970: 1_000_000)
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { limiter.begin("10.0.0.9", now: now) == nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 10)
    }
}
