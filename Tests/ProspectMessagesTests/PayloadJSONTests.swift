import Foundation
import ProspectCore
import Testing

@testable import ProspectMessages

/// The outbox payload is written directly, not by `JSONEncoder`; it must be the same text,
/// whatever a name holds.
@Suite struct PayloadJSONTests {
    /// Every ASCII character, quotes, backslashes, slashes, a CR LF (one Character in Swift),
    /// combining marks after a quote, emoji and a line separator.
    static let names = [
        String((0..<128).map { Character(Unicode.Scalar(UInt8($0))) }),
        "Dana \"the closer\" O'Neil \\ / <b>&amp;",
        "line\r\nbreak\u{2028}sep\u{2029}",
        "\"\u{301}é\u{301}👩‍👩‍👧 中文",
        "",
    ]

    static func encoded(_ notice: Notice) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(notice), as: UTF8.self)
    }

    @Test(arguments: names)
    func aNoticeIsWrittenAsJSONEncoderWritesIt(name: String) throws {
        var notice = Notice(
            type: .takeStock,
            step: name,
            audience: .managersManager,
            rep: name,
            repName: name,
            repSlack: "U0\(name)",
            manager: name,
            managerName: nil,
            recipient: name,
            day: LocalDate("2026-03-29")!,
            status: .metLate,
            count: -3,
            minimum: 12,
            deadline: Date(timeIntervalSince1970: 1_774_746_000.75),
            dueAt: Date(timeIntervalSince1970: -86_399),
            consecutiveMisses: Int.max,
            timezone: "America/St_Johns"
        )
        #expect(notice.json() == (try Self.encoded(notice)))
        #expect(Notice.decode(notice.json()) == Notice.decode(try Self.encoded(notice)))
        notice.audience = nil
        notice.repName = nil
        notice.repSlack = nil
        notice.manager = nil
        notice.deadline = Date(timeIntervalSince1970: 0)
        notice.dueAt = Date(timeIntervalSince1970: 4_102_444_799)
        #expect(notice.json() == (try Self.encoded(notice)))
    }

    @Test func anInstantIsWrittenInUTCWholeSeconds() {
        #expect(JSONText.iso8601(Date(timeIntervalSince1970: 1_773_064_800.999)) == "2026-03-09T14:00:00Z")
        #expect(JSONText.iso8601(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        #expect(JSONText.quoted("a\u{1}\u{1f}\u{7f}") == "\"a\\u0001\\u001f\u{7f}\"")
    }
}
