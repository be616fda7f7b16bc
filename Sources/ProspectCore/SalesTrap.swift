import Foundation

/// A rep's pipeline as they last reported it (`prospect pipeline set`).
public struct PipelineSnapshot: Codable, Hashable, Sendable {
    public var at: Date
    public var openDeals: Int
    public var value: Double

    public init(at: Date, openDeals: Int, value: Double) {
        self.at = at
        self.openDeals = openDeals
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case at, value
        case openDeals = "open_deals"
    }
}

/// `[alarm]`: the sales-trap window and thresholds.
public struct AlarmSettings: Sendable, Hashable {
    /// The trailing window, compared with the window before it.
    public var windowDays: Int
    /// The fall of pipeline value that raises the alarm, as a fraction (0.20 = 20%).
    public var pipelineDrop: Double
    /// The fall of prospecting actions that raises the alarm, as a fraction.
    public var prospectingDrop: Double
    /// Where the alarm goes as its own message, once per window; empty = only in digests and reports.
    public var channels: [String]

    public init(windowDays: Int = 28, pipelineDrop: Double = 0.20, prospectingDrop: Double = 0.30, channels: [String] = []) {
        self.windowDays = windowDays
        self.pipelineDrop = pipelineDrop
        self.prospectingDrop = prospectingDrop
        self.channels = channels
    }
}

/// What the alarm looks at for one rep or a team, over the window and the window before it.
public struct SalesTrapFigures: Codable, Hashable, Sendable {
    public var closingCount: Int
    public var closingCountBefore: Int
    public var closingValue: Double
    public var closingValueBefore: Double
    /// Pipeline value at the window's start (the latest snapshot then) and now; nil without one.
    public var pipelineStart: Double?
    public var pipelineNow: Double?
    public var prospecting: Int
    public var prospectingBefore: Int

    public init(
        closingCount: Int = 0,
        closingCountBefore: Int = 0,
        closingValue: Double = 0,
        closingValueBefore: Double = 0,
        pipelineStart: Double? = nil,
        pipelineNow: Double? = nil,
        prospecting: Int = 0,
        prospectingBefore: Int = 0
    ) {
        self.closingCount = closingCount
        self.closingCountBefore = closingCountBefore
        self.closingValue = closingValue
        self.closingValueBefore = closingValueBefore
        self.pipelineStart = pipelineStart
        self.pipelineNow = pipelineNow
        self.prospecting = prospecting
        self.prospectingBefore = prospectingBefore
    }

    /// A team's figures are the sum of its reps'; the pipeline sums the reps with a snapshot at both ends.
    public static func + (a: SalesTrapFigures, b: SalesTrapFigures) -> SalesTrapFigures {
        func pair(_ f: SalesTrapFigures) -> (Double, Double)? { f.pipelineStart.flatMap { s in f.pipelineNow.map { (s, $0) } } }
        let pipeline: (Double, Double)? =
            switch (pair(a), pair(b)) {
            case (let x?, let y?): (x.0 + y.0, x.1 + y.1)
            case (let x?, nil): x
            case (nil, let y?): y
            case (nil, nil): nil
            }
        return SalesTrapFigures(
            closingCount: a.closingCount + b.closingCount,
            closingCountBefore: a.closingCountBefore + b.closingCountBefore,
            closingValue: a.closingValue + b.closingValue,
            closingValueBefore: a.closingValueBefore + b.closingValueBefore,
            pipelineStart: pipeline?.0,
            pipelineNow: pipeline?.1,
            prospecting: a.prospecting + b.prospecting,
            prospectingBefore: a.prospectingBefore + b.prospectingBefore
        )
    }

    /// The pipeline's change over the window as a fraction (-0.35 = fell 35%), when it is known.
    public var pipelineChange: Double? {
        guard let start = pipelineStart, let now = pipelineNow, start > 0 else { return nil }
        return (now - start) / start
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case closingCount = "closing_count"
        case closingCountBefore = "closing_count_before"
        case closingValue = "closing_value"
        case closingValueBefore = "closing_value_before"
        case pipelineStart = "pipeline_start"
        case pipelineNow = "pipeline_now"
        case prospecting
        case prospectingBefore = "prospecting_before"
    }

    /// Reads the snake_case keys, and the camelCase ones of outbox rows decided before them.
    public init(from decoder: any Decoder) throws {
        let c = try LegacyKeys(decoder)
        self.init(
            closingCount: try c.value(CodingKeys.closingCount) ?? 0,
            closingCountBefore: try c.value(CodingKeys.closingCountBefore) ?? 0,
            closingValue: try c.value(CodingKeys.closingValue) ?? 0,
            closingValueBefore: try c.value(CodingKeys.closingValueBefore) ?? 0,
            pipelineStart: try c.value(CodingKeys.pipelineStart),
            pipelineNow: try c.value(CodingKeys.pipelineNow),
            prospecting: try c.value(CodingKeys.prospecting) ?? 0,
            prospectingBefore: try c.value(CodingKeys.prospectingBefore) ?? 0
        )
    }

    /// Prospecting's change against the window before, when there was any before.
    public var prospectingChange: Double? {
        prospectingBefore > 0 ? Double(prospecting - prospectingBefore) / Double(prospectingBefore) : nil
    }
}

/// The sales-trap alarm: closing holds up while the pipeline behind it drains.
public struct SalesTrapAlarm: Codable, Hashable, Sendable {
    public var figures: SalesTrapFigures
    /// Why it was raised: `pipeline`, `prospecting`, or both.
    public var reasons: [String]
    public var windowDays: Int

    enum CodingKeys: String, CodingKey {
        case figures, reasons
        case windowDays = "window_days"
    }

    public init(figures: SalesTrapFigures, reasons: [String], windowDays: Int) {
        self.figures = figures
        self.reasons = reasons
        self.windowDays = windowDays
    }

    /// Reads `window_days`, and `windowDays` of outbox rows decided before it.
    public init(from decoder: any Decoder) throws {
        let c = try LegacyKeys(decoder)
        self.init(
            figures: try c.value(CodingKeys.figures) ?? SalesTrapFigures(),
            reasons: try c.value(CodingKeys.reasons) ?? [],
            windowDays: try c.value(CodingKeys.windowDays) ?? 28
        )
    }

    /// DESIGN.md: over the trailing window versus the one before it, closing (count or value) is
    /// not lower while the pipeline value fell by `pipelineDrop` or more, or prospecting actions
    /// fell by `prospectingDrop` or more. Thresholds are inclusive.
    public static func evaluate(_ f: SalesTrapFigures, settings: AlarmSettings) -> SalesTrapAlarm? {
        let closingHolds = f.closingCount >= f.closingCountBefore || f.closingValue >= f.closingValueBefore
        guard closingHolds else { return nil }
        var reasons: [String] = []
        // A tolerance of a millionth keeps "exactly 20%" on the raising side despite binary fractions.
        if let change = f.pipelineChange, -change >= settings.pipelineDrop - 1e-9 { reasons.append("pipeline") }
        if let change = f.prospectingChange, -change >= settings.prospectingDrop - 1e-9 { reasons.append("prospecting") }
        return reasons.isEmpty ? nil : SalesTrapAlarm(figures: f, reasons: reasons, windowDays: settings.windowDays)
    }

    /// One sentence: "closed 3 deals worth 84,000 in 28 days while the pipeline fell 35%".
    public var summary: String {
        var parts: [String] = []
        if let change = figures.pipelineChange, reasons.contains("pipeline") {
            parts.append("the pipeline fell \(Int((-change * 100).rounded()))%")
        }
        if let change = figures.prospectingChange, reasons.contains("prospecting") {
            parts.append("prospecting fell \(Int((-change * 100).rounded()))% (\(figures.prospecting) actions against \(figures.prospectingBefore))")
        }
        let deals = figures.closingCount == 1 ? "1 deal" : "\(figures.closingCount) deals"
        let worth = figures.closingValue > 0 ? " worth \(Self.amount(figures.closingValue))" : ""
        return "closed \(deals)\(worth) in \(windowDays) days while " + parts.joined(separator: " and ")
    }

    /// `84,000` or `1,250.50`: thousands separated, cents only when there are any.
    public static func amount(_ value: Double) -> String {
        let cents = Int((value * 100).rounded())
        let whole = abs(cents) / 100
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits = String(digits.dropLast(3))
        }
        let fraction = abs(cents) % 100
        return (cents < 0 ? "-" : "") + digits + grouped + (fraction == 0 ? "" : "." + (fraction < 10 ? "0" : "") + String(fraction))
    }
}

/// A keyed container read by snake_case name, falling back to the camelCase name the same key
/// had before (`closing_count`, then `closingCount`).
struct LegacyKeys {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    let container: KeyedDecodingContainer<Key>

    init(_ decoder: any Decoder) throws { container = try decoder.container(keyedBy: Key.self) }

    func value<T: Decodable, K: CodingKey>(_ key: K) throws -> T? {
        let snake = key.stringValue
        var camel = ""
        var upper = false
        for character in snake {
            if character == "_" {
                upper = true
            } else {
                camel += upper ? character.uppercased() : String(character)
                upper = false
            }
        }
        for name in [snake, camel] {
            if let value = try container.decodeIfPresent(T.self, forKey: Key(stringValue: name)) { return value }
        }
        return nil
    }
}
