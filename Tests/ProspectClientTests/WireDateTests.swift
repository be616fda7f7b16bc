import Foundation
import ProspectAPI
import ProspectCore
import Testing

/// The API's dates are coded by ProspectCore, not Foundation's `.iso8601`: the bytes on the
/// wire and the instants read back must be the ones Foundation's strategy gives.
@Suite struct WireDateTests {
    struct Stamp: Codable, Equatable {
        var at: Date
    }

    static func foundationEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    @Test func writesWhatFoundationWrites() throws {
        var generator = SystemRandomNumberGenerator()
        let instants =
            (0..<2_000).map { _ in Double.random(in: -2_000_000_000...4_000_000_000, using: &generator) }
            + [0, -1, -0.5, 0.999, 1_773_064_800, 1_773_064_800.999, 253_402_300_799]
        for seconds in instants {
            let stamp = Stamp(at: Date(timeIntervalSince1970: seconds))
            let ours = String(decoding: try API.encoder().encode(stamp), as: UTF8.self)
            let theirs = String(decoding: try Self.foundationEncoder().encode(stamp), as: UTF8.self)
            #expect(ours == theirs, "at \(seconds)")
        }
    }

    @Test func readsWhatFoundationReads() throws {
        let foundation = JSONDecoder()
        foundation.dateDecodingStrategy = .iso8601
        for text in ["2026-03-09T14:00:00Z", "1969-12-31T23:59:59Z", "2026-03-29T01:30:00+01:00", "2026-11-01T09:30:00-04:30"] {
            let json = Data(#"{"at":"\#(text)"}"#.utf8)
            let ours = try API.decoder().decode(Stamp.self, from: json)
            #expect(ours == (try foundation.decode(Stamp.self, from: json)), "\(text)")
            #expect(ActivityTime.parseWireInstant(text) == ours.at)
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let stamp = Stamp(at: Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000...4_000_000_000, using: &generator))))
            #expect(try API.decoder().decode(Stamp.self, from: try Self.foundationEncoder().encode(stamp)) == stamp)
        }
    }

    @Test func refusesAnyOtherShape() {
        let refused = [
            "", "2026-03-09", "2026-03-09T14:00Z", "2026-03-09 14:00:00Z", "2026-03-09t14:00:00Z", "2026-03-09T14:00:00",
            "2026-03-09T14:00:00.5Z", "2026-03-09T14:00:00+0100", "2026-13-09T14:00:00Z", "2026-02-30T14:00:00Z",
            "2026-03-09T24:00:00Z", "2026-03-09T14:60:00Z", "2026-03-09T1a:00:00Z", " 2026-03-09T14:00:00Z",
            "2026-03-09T14:00:00+01:0x", "2026-03-09T14:00:00*01:00", "2026-03-09T14:00:0.Z", "٢٠٢٦-03-09T14:00:00Z",
        ]
        for text in refused {
            #expect(ActivityTime.parseWireInstant(text) == nil, "\(text)")
            #expect(throws: DecodingError.self, "\(text)") {
                try API.decoder().decode(Stamp.self, from: Data(#"{"at":"\#(text)"}"#.utf8))
            }
        }
    }
}
