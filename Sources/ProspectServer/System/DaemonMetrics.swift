import Foundation
import Hummingbird
import Metrics
import Prometheus
import ProspectCore
import ProspectStore

/// The daemon's Prometheus metrics (DESIGN.md, "Operations"), through swift-metrics with
/// swift-prometheus as its backend. Counters and histograms are recorded where things happen;
/// the outbox gauges are read from the database when `/metrics` is scraped, so an idle daemon
/// does nothing for them. No label carries a handle, a name or an address.
final class DaemonMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let store: Store
    let clock: any WallClock

    /// Makes the registry swift-metrics records into; once per process (the daemon's start).
    init(store: Store, clock: any WallClock) {
        registry = PrometheusCollectorRegistry()
        self.store = store
        self.clock = clock
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        registry.makeGauge(descriptor: Self.name("build", "info", "The running prospectd's version"), labels: [("version", Build.version)])
            .set(Double(1))
        // One instance, on SQLite: it always leads.
        registry.makeGauge(descriptor: Self.name("leader", "", "1 when this instance plans and decides the ladder")).set(Double(1))
    }

    /// `prospectd_NAME_UNIT`, with its help text.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "prospectd", metricName: metric, unitName: unit, helpText: help)
    }

    /// The text format, with the outbox read now.
    func exposition() async throws -> String {
        let (counts, oldest) = try await store.outboxGauges()
        for state in OutboxState.allCases {
            registry.makeGauge(descriptor: Self.name("outbox_rows", "", "Outbox rows by state"), labels: [("state", state.rawValue)])
                .set(Double(counts[state.stored] ?? 0))
        }
        registry.makeGauge(descriptor: Self.name("outbox_oldest_pending", "seconds", "Age of the oldest pending outbox row since it was queued"))
            .set(oldest.map { max(0, clock.now.timeIntervalSince($0)) } ?? 0)
        return registry.emitToString()
    }
}

/// Where the daemon records what it does: one place for the metric names and their labels.
enum Record {
    /// A delivery attempt's outcome: `delivered`, `retry` or `failed` (given up).
    static func delivery(channel: String, type: DeliveryType, outcome: String, seconds: Duration) {
        Counter(label: "prospectd_deliveries_total", dimensions: [("channel", channel), ("type", type.rawValue), ("outcome", outcome)])
            .increment()
        Metrics.Timer(label: "prospectd_delivery_seconds", dimensions: [("channel", channel)]).recordInterval(seconds)
    }

    /// One ladder pass that decided something: how long it took and what it decided.
    static func ladderPass(_ seconds: Duration, deliveries: [DeliveryType], verdicts: Int) {
        Metrics.Timer(label: "prospectd_ladder_pass_seconds").recordInterval(seconds)
        for (type, count) in Dictionary(grouping: deliveries, by: \.rawValue).mapValues(\.count) {
            Counter(label: "prospectd_decisions_total", dimensions: [("type", type)]).increment(by: count)
        }
        if verdicts > 0 { Counter(label: "prospectd_decisions_total", dimensions: [("type", "verdict")]).increment(by: verdicts) }
    }

    /// An activity newly logged (not a retry), by kind (kinds are the configuration's names).
    static func activityLogged(kind: String, count: Int = 1) {
        Counter(label: "prospectd_activities_logged_total", dimensions: [("kind", kind)]).increment(by: count)
    }

    /// One API request, by route pattern (`/v1/people/{handle}`, never the handle) and status code.
    static func request(route: String, code: Int, seconds: Duration) {
        Counter(label: "prospectd_http_requests_total", dimensions: [("route", route), ("code", String(code))]).increment()
        Metrics.Timer(label: "prospectd_http_request_seconds", dimensions: [("route", route)]).recordInterval(seconds)
    }
}

extension Metrics.Timer {
    func recordInterval(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Counts and times every API request by its route pattern.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            Record.request(route: context.endpointPath ?? "unmatched", code: Int(response.status.code), seconds: ContinuousClock.now - start)
            return response
        } catch {
            let code = (error as? any HTTPResponseError)?.status.code ?? 500
            Record.request(route: context.endpointPath ?? "unmatched", code: Int(code), seconds: ContinuousClock.now - start)
            throw error
        }
    }
}
