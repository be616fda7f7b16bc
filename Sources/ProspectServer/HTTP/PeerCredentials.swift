import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `struct ucred` of Linux, laid out as the kernel writes it for `SO_PEERCRED`.
struct UnixCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

enum PeerCredentials {
    /// The Unix uid of the process at the other end of a Unix-socket channel.
    static func uid(of channel: any Channel) async -> uid_t? {
        try? await uidFuture(of: channel)?.get()
    }

    /// The same, as a future for code on the channel's event loop (connection setup).
    static func uidFuture(of channel: any Channel) -> EventLoopFuture<uid_t>? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        let soPeerCred: Int32 = 17  // SO_PEERCRED on Linux
        let credentials: EventLoopFuture<UnixCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET),
            name: SocketOptionName(soPeerCred)
        )
        return credentials.map(\.uid)
    }

    /// The login name of a uid, from the passwd database.
    static func userName(uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else { return nil }
        return String(cString: name)
    }
}
