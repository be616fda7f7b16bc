import Foundation
import Testing

@testable import ProspectStore

/// A due step's outbox rows all carry the step's instant: their message ids must still come in
/// order (so the unique index grows at one place), be UUIDv7s, and never repeat.
@Suite struct MessageIDTests {
    static let instant = Date(timeIntervalSince1970: 1_773_064_800)

    @Test func oneBatchCountsUpInOrder() {
        var ids = MessageIDs()
        let batch = (0..<5_000).map { _ in ids.next(at: Self.instant) }
        #expect(zip(batch, batch.dropFirst()).allSatisfy { $0 < $1 })
        for id in batch.prefix(100) {
            #expect(id.hasPrefix("msg_019cd2e5-c700-7"), "\(id)")
            let variant = id[id.index(id.startIndex, offsetBy: 23)]
            #expect("89ab".contains(variant), "\(id)")
            #expect(id.count == 40)
            let uuid = String(id.dropFirst(4))
            #expect(UUID(uuidString: uuid)?.uuidString.lowercased() == uuid, "\(id) is a UUID in lower-case hex")
        }
    }

    @Test func batchesStartApartAndLaterInstantsSortAfter() {
        var all: Set<String> = []
        for _ in 0..<50 {
            var ids = MessageIDs()
            for _ in 0..<1_000 { all.insert(ids.next(at: Self.instant)) }
        }
        #expect(all.count == 50_000)
        var ids = MessageIDs()
        let later = ids.next(at: Self.instant.addingTimeInterval(0.001))
        #expect(all.allSatisfy { $0 < later })
    }
}
