import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What an idle daemon keeps resident. The statically linked program is 50 MB of machine code,
/// and starting (the Swift runtime, Foundation's time zones, the routes, the first plan) touches
/// pages all over it, each fault mapping its neighbours too: about 26 MB of code stays mapped
/// while the daemon then sleeps until the next step. Dropping the program's code mappings when
/// the daemon goes idle leaves the pages in the page cache, shared and clean, and the next
/// request maps back just what it runs, with minor faults (no disk read while the file is
/// cached).
enum ResidentMemory {
    /// Unmaps this program's code pages (never written, so nothing is lost).
    static func releaseIdlePages() {
        #if os(Linux)
        for range in codeMappings {
            _ = madvise(UnsafeMutableRawPointer(bitPattern: range.lowerBound), Int(range.upperBound - range.lowerBound), MADV_DONTNEED)
        }
        #endif
    }

    /// The program's code mappings, read from `/proc/self/maps` once: they do not move.
    private static let codeMappings: [Range<UInt>] = {
        #if os(Linux)
        guard let program = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
            let maps = fopen("/proc/self/maps", "r")
        else { return [] }
        defer { fclose(maps) }
        // Read line by line: a /proc file says it is empty to whoever asks its size first.
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(buffer) }
        var found: [Range<UInt>] = []
        while getline(&buffer, &capacity, maps) > 0, let buffer {
            let line = String(cString: buffer).trimmingCharacters(in: .newlines)
            // 55d0c8e00000-55d0cc0d4000 r-xp 00000000 fe:00 5327076   /usr/bin/prospectd
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1] == "r-xp", fields[5].trimmingCharacters(in: .whitespaces) == program else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start else {
                continue
            }
            found.append(start..<end)
        }
        return found
        #else
        return []
        #endif
    }()
}
