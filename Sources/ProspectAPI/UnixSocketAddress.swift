#if canImport(Glibc)
import Glibc
#endif

/// A `sockaddr_un` for a path; a leading `@` means the abstract namespace (as in `$NOTIFY_SOCKET`).
public struct UnixSocketAddress: Sendable {
    var storage = sockaddr_un()
    /// The length to pass to `connect`/`sendto`.
    public let length: socklen_t

    public init?(path: String) {
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: storage.sun_path) else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { buffer in
            for (i, b) in bytes.enumerated() { buffer[i] = b }
        }
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    public func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
