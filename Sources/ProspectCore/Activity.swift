import Foundation

/// What an activity does for the pipeline.
public enum KindCategory: String, Codable, Sendable, CaseIterable {
    case prospecting, advancing, closing
}

/// A kind of activity a rep can log, as configured in `[kinds.NAME]`.
public struct ActivityKind: Codable, Hashable, Sendable {
    public var name: String
    public var label: String
    public var category: KindCategory
    /// Whether it counts towards the daily minimum (listed in `rule.counting_kinds`).
    public var counts: Bool

    public init(name: String, label: String, category: KindCategory, counts: Bool) {
        self.name = name
        self.label = label
        self.category = category
        self.counts = counts
    }
}

/// One logged action.
public struct Activity: Codable, Hashable, Sendable {
    public var id: Int64
    public var rep: String
    public var kind: String
    public var note: String?
    public var value: Double?
    /// When it happened.
    public var occurredAt: Date
    /// When the daemon recorded it.
    public var loggedAt: Date

    public init(
        id: Int64,
        rep: String,
        kind: String,
        note: String?,
        value: Double?,
        occurredAt: Date,
        loggedAt: Date
    ) {
        self.id = id
        self.rep = rep
        self.kind = kind
        self.note = note
        self.value = value
        self.occurredAt = occurredAt
        self.loggedAt = loggedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, rep, kind, note, value
        case occurredAt = "occurred_at"
        case loggedAt = "logged_at"
    }
}

/// Limits on what an activity may carry.
public enum ActivityLimits {
    public static let maxNoteLength = 1000
    /// How far in the future `--at` may lie, for clocks that disagree a little.
    public static let clockSkew: TimeInterval = 5 * 60
    public static let maxValue = 1e12

    /// What is wrong with an activity's value (a deal's amount), as the rest of a sentence that
    /// names the field; nil when it is fine.
    public static func valueProblem(_ value: Double) -> String? {
        value.isFinite && value >= 0 && value <= maxValue ? nil : "must be a non-negative amount up to \(Int(maxValue))"
    }

    /// What is wrong with a note, from any path that stores one (`log --note`, CSV imports, the
    /// API), as the rest of a sentence that starts with where it came from; nil when it is fine.
    /// Line breaks and tabs are text; other control characters (terminal escapes) and
    /// text-direction overrides are refused.
    public static func noteProblem(_ note: String) -> String? {
        if note.count > maxNoteLength { return "has \(note.count) characters; keep it to \(maxNoteLength)" }
        if note.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" })
            || PersonField.hasBidiControls(note)
        {
            return "contains control characters or text-direction overrides; use plain text"
        }
        return nil
    }
}

extension Array {
    /// The elements in consecutive pieces of at most `size` (SQL parameter lists, short transactions).
    public func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
