import Foundation
import ProspectAPI

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 request to the daemon's Unix socket, made with plain blocking system calls.
///
/// A `prospect` run sends one request, or a few, and waits for each. Starting NIO's event loops
/// and AsyncHTTPClient's connection pool for that took longer than the daemon takes to answer
/// (Benchmarks/results-log.md), so the local socket is spoken to directly. HTTPS and TCP servers
/// still go through AsyncHTTPClient.
struct SocketExchange {
    let path: String
    /// Seconds each read or write may wait before the request counts as unanswered.
    var timeout = 60
    /// The largest answer taken.
    var limit = 64 << 20

    enum Failure: Error {
        /// `connect` failed, so the daemon never had the request.
        case notSent(errno: Int32)
        /// The daemon may have had the request, but no whole answer came back.
        case unanswered(String)
    }

    struct Response {
        var status: Int
        var reason: String
        var body: [UInt8]
    }

    func send(
        method: String,
        target: String,
        headers: [(String, String)],
        body: [UInt8]?,
        progress: ((Int) -> Void)? = nil
    ) throws(Failure) -> Response {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .notSent(errno: errno) }
        defer { close(fd) }
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        guard let address = UnixSocketAddress(path: path) else { throw .notSent(errno: ENAMETOOLONG) }
        guard address.withSockaddr({ connect(fd, $0, $1) }) == 0 else { throw .notSent(errno: errno) }

        var head = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body?.count ?? 0)\r\n\r\n"
        try write(fd, Array(head.utf8))
        if let body {
            // In 64 KiB pieces, so a progress bar moves as a large import goes out.
            var sent = 0
            while sent < body.count {
                let end = min(body.count, sent + 64 * 1024)
                try write(fd, body[sent..<end])
                sent = end
                progress?(sent)
            }
        }
        return try Self.parse(try readAnswer(fd))
    }

    private func write(_ fd: Int32, _ bytes: some Collection<UInt8>) throws(Failure) {
        let bytes = Array(bytes)
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a daemon that closed the connection must not kill us with SIGPIPE.
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unanswered(errno == EAGAIN ? "the daemon took no request for \(timeout) s" : String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    /// Reads until the answer is whole: its `Content-Length`, the last chunk, or the end of the stream.
    private func readAnswer(_ fd: Int32) throws(Failure) -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        // Found once, so a large answer is read in time linear in its size.
        var head: (end: Int, length: Int?, chunked: Bool)?
        while true {
            if head == nil, let end = Self.headEnd(data) {
                let fields = Self.fields(data[..<end])
                head = (end, fields["content-length"].flatMap { Int($0) }, fields["transfer-encoding"]?.lowercased() == "chunked")
            }
            if let head {
                if let length = head.length, data.count - head.end - 4 >= length { return data }
                if head.chunked, data.suffix(5).elementsEqual(Array("0\r\n\r\n".utf8)),
                    Self.dechunk(Array(data[(head.end + 4)...])) != nil
                {
                    return data
                }
            }
            let n = read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .unanswered(errno == EAGAIN ? "no answer within \(timeout) s" : String(cString: strerror(errno)))
            }
            if n == 0 {
                guard head != nil else { throw .unanswered("the connection closed before an answer") }
                return data
            }
            data += buffer[0..<n]
            if data.count > limit { throw .unanswered("the answer is larger than \(limit >> 20) MiB") }
            if head == nil, data.count > 64 * 1024 { throw .unanswered("the answer's header is longer than 64 KiB") }
        }
    }

    static func headEnd(_ data: [UInt8]) -> Int? {
        let marker: [UInt8] = [13, 10, 13, 10]
        guard data.count >= 4 else { return nil }
        return (0...(data.count - 4)).first { data[$0..<($0 + 4)].elementsEqual(marker) }
    }

    /// Header fields by lower-cased name, read as bytes: names and the whitespace around values
    /// are ASCII in HTTP/1.1, and Foundation's case mapping and character sets cost this one-shot
    /// CLI 4% of a `prospect log`'s CPU on their first use.
    static func fields(_ head: ArraySlice<UInt8>) -> [String: String] {
        var out: [String: String] = [:]
        for var line in head.split(separator: UInt8(ascii: "\n")).dropFirst() {
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = line[..<colon].map { (65...90).contains($0) ? $0 + 32 : $0 }
            var value = line[line.index(after: colon)...]
            while let first = value.first, first == 32 || first == 9 { value = value.dropFirst() }
            while let last = value.last, last == 32 || last == 9 { value = value.dropLast() }
            out[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
        }
        return out
    }

    /// The status line, and the body with any chunked framing taken off.
    static func parse(_ data: [UInt8]) throws(Failure) -> Response {
        guard let head = headEnd(data) else { throw .unanswered("the answer had no header") }
        let text = String(decoding: data[..<head], as: UTF8.self)
        let statusLine = text.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw .unanswered("the answer was not HTTP")
        }
        let reason = parts.count > 2 ? String(parts[2]) : ""
        var body = Array(data[(head + 4)...])
        let fields = fields(data[..<head])
        if fields["transfer-encoding"]?.lowercased() == "chunked" {
            guard let unchunked = dechunk(body) else { throw .unanswered("the answer's chunked body was cut short") }
            body = unchunked
        } else if let length = fields["content-length"].flatMap({ Int($0) }) {
            guard body.count >= length else { throw .unanswered("the answer was cut short") }
            body = Array(body.prefix(length))
        }
        return Response(status: status, reason: reason, body: body)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = (index..<max(index, data.count - 1)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 }) else { return nil }
            let sizeText = String(decoding: data[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else { return nil }
            let start = lineEnd + 2
            if size == 0 { return out }
            guard start + size + 2 <= data.count else { return nil }
            out += data[start..<(start + size)]
            index = start + size + 2
        }
    }
}
