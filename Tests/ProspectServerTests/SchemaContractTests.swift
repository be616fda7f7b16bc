import Foundation
import ProspectAPI
import ProspectCore
import Testing

/// `openapi.yaml`'s schemas are held to what the daemon encodes: every key it writes is
/// documented, every documented required key is written, and nested objects follow their `$ref`.
@Suite struct SchemaContractTests {
    struct Schema {
        var required: Set<String> = []
        var properties: [String: String?] = [:]  // property → the schema its objects (or items) follow
    }

    /// The `components.schemas` section, read line by line (four-space names, eight-space properties).
    static func schemas() throws -> [String: Schema] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("openapi.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        var out: [String: Schema] = [:]
        var current: String?
        var inSchemas = false
        for line in text.split(separator: "\n") {
            if line == "  schemas:" {
                inSchemas = true
                continue
            }
            guard inSchemas else { continue }
            if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                current = String(line.dropFirst(4).dropLast())
                out[current!] = Schema()
            } else if let name = current, line.hasPrefix("      required: [") {
                out[name]?.required = Set(
                    line.split(separator: "[")[1].dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                )
            } else if let name = current, line.hasPrefix("        "), !line.hasPrefix("         "), let colon = line.firstIndex(of: ":") {
                let property = line[line.index(line.startIndex, offsetBy: 8)..<colon].trimmingCharacters(in: .whitespaces)
                let ref = line.range(of: "#/components/schemas/").map { range in
                    String(line[range.upperBound...].prefix { $0.isLetter || $0.isNumber })
                }
                out[name]?.properties[property] = ref
            }
        }
        return out
    }

    static func check(_ value: Any, against name: String, _ schemas: [String: Schema], path: String) {
        guard let schema = schemas[name] else {
            Issue.record("\(path): no schema \(name) in openapi.yaml")
            return
        }
        if schema.properties.isEmpty { return }  // a scalar schema (DayState)
        guard let object = value as? [String: Any] else {
            Issue.record("\(path): expected an object for \(name)")
            return
        }
        let keys = Set(object.keys)
        #expect(keys.subtracting(schema.properties.keys).sorted() == [], "\(path) (\(name)): encoded but not documented")
        #expect(schema.required.subtracting(keys).sorted() == [], "\(path) (\(name)): documented as required but not encoded")
        for (key, child) in object {
            guard let ref = schema.properties[key] ?? nil else { continue }
            if let list = child as? [Any] {
                for (i, item) in list.enumerated() { check(item, against: ref, schemas, path: "\(path).\(key)[\(i)]") }
            } else {
                check(child, against: ref, schemas, path: "\(path).\(key)")
            }
        }
    }

    static func encoded(_ value: some Encodable) throws -> Any {
        try JSONSerialization.jsonObject(with: try API.encoder().encode(value))
    }

    @Test func teamReportsPipelinesAndImportsAreDocumentedAsEncoded() throws {
        let schemas = try Self.schemas()
        #expect(schemas.count >= 15)
        let utc = Zone.utc
        let friday = LocalDate("2026-03-13")!
        let calendar = WorkCalendar(zone: utc, workdays: Weekday.weekdays)
        func at(_ d: LocalDate, _ h: Int) -> Date { utc.instant(d, LocalTime(hour: h, minute: 0)!) }
        let eli = RepHistory(
            person: Person(handle: "eli", name: "Eli Ek", email: "eli@example.com", timezone: "UTC", manager: "carol"),
            calendar: calendar,
            activities: (30..<56).map { friday.adding(days: -$0) }.filter { calendar.isWorkday($0) }.map {
                ActivityRecord(kind: "call", occurredAt: at($0, 10), loggedAt: at($0, 10))
            } + [ActivityRecord(kind: "won", occurredAt: at(friday.adding(days: -3), 15), loggedAt: at(friday.adding(days: -3), 15), value: 50_000)],
            snapshots: [
                PipelineSnapshot(at: at(friday.adding(days: -40), 12), openDeals: 12, value: 240_000),
                PipelineSnapshot(at: at(friday.adding(days: -2), 12), openDeals: 7, value: 156_000),
            ],
            firstDay: friday.adding(days: -60)
        )
        let report = TeamReport.build(
            kind: .weekly,
            manager: Person(handle: "carol", name: "Carol", email: "carol@example.com", timezone: "UTC", role: .manager),
            managerZone: utc,
            reps: [eli],
            from: friday.weekStart,
            to: friday,
            now: at(friday, 18),
            rule: Rule(countingKinds: ["call"]),
            kinds: [
                "call": ActivityKind(name: "call", label: "Call", category: .prospecting, counts: true),
                "won": ActivityKind(name: "won", label: "Won", category: .closing, counts: false),
            ],
            alarm: AlarmSettings()
        )
        #expect(report.reps.first?.alarm != nil && !report.atRisk.isEmpty, "the sample covers the alarm and the lists")
        Self.check(try Self.encoded(report), against: "TeamReport", schemas, path: "team")
        Self.check(
            try Self.encoded(PipelineResponse(rep: "eli", snapshot: PipelineSnapshot(at: at(friday, 9), openDeals: 3, value: 1_000))),
            against: "PipelineResponse",
            schemas,
            path: "pipeline"
        )
        Self.check(
            try Self.encoded(ImportResponse(rows: 3, added: 2, alreadyPresent: 1, reps: 1)),
            against: "ImportResponse",
            schemas,
            path: "import"
        )
        let item = OutboxItem(
            id: 7,
            rep: "eli",
            recipient: "carol",
            channel: "hook",
            type: .escalation,
            step: "manager",
            date: friday,
            state: .pending,
            dueAt: at(friday, 14),
            decidedAt: at(friday, 14),
            nextAttemptAt: at(friday, 15),
            deliveredAt: at(friday, 16),
            messageID: "msg_1",
            attemptCount: 1,
            lastError: "answered 500",
            attempts: [OutboxAttempt(at: at(friday, 14), error: "answered 500")]
        )
        Self.check(try Self.encoded(OutboxListResponse(rows: [item])), against: "OutboxListResponse", schemas, path: "outbox")
        Self.check(try Self.encoded(OutboxRetryResponse(retried: 2)), against: "OutboxRetryResponse", schemas, path: "outbox/retry")
        Self.check(
            try Self.encoded(SourceActivitiesResponse(received: 3, added: 2, alreadyPresent: 1)),
            against: "SourceActivitiesResponse",
            schemas,
            path: "sources/activities"
        )
        Self.check(try Self.encoded(SourceTokenResponse(source: "crm", token: "pds_x")), against: "SourceTokenResponse", schemas, path: "sources")
        Self.check(
            try Self.encoded(HealthResponse(status: "ok", version: "0.1.0", database: "postgresql", role: .follower)),
            against: "HealthResponse",
            schemas,
            path: "health"
        )
        Self.check(
            try Self.encoded(LinksRotateResponse(rotatedAt: Date(timeIntervalSince1970: 0), enabled: true)),
            against: "LinksRotateResponse",
            schemas,
            path: "links/rotate"
        )
        Self.check(
            try Self.encoded(
                SourceActivityRequest(id: "c1", rep: "eli", email: "e@x", kind: "call", type: "Call", at: "2026-03-13T09:00:00Z", note: "n", value: 1)
            ),
            against: "SourceActivityRequest",
            schemas,
            path: "sources/activities body"
        )
    }
}
