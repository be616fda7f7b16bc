import Foundation
import ProspectAPI
import ProspectCore
import Testing

@testable import ProspectClient

@Suite struct EndpointTests {
    func resolved(socket: String? = nil, server: String? = nil, _ environment: [String: String]) throws -> String {
        let endpoint = try Endpoint.resolve(socket: socket, server: server, environment: environment)
        switch endpoint.transport {
        case .socket(let path): return "socket \(path)"
        case .server(let url, let token): return "server \(url.absoluteString) token \(token ?? "-")"
        }
    }

    @Test func followsTheContractsOrder() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("pd-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".config/prospect"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let all = ["PROSPECT_SOCKET": "/env.sock", "PROSPECT_TOKEN": "pd_t", "HOME": home.path]
        #expect(try resolved(socket: "/flag.sock", server: "http://h:1", all) == "socket /flag.sock")
        #expect(try resolved(server: "http://h:1", all) == "socket /env.sock")
        #expect(try resolved(server: "http://h:1", ["PROSPECT_TOKEN": "pd_t"]) == "server http://h:1 token pd_t")
        #expect(try resolved(["HOME": home.path]) == "socket /run/prospectd/prospectd.sock")

        try "# mine\nserver = \"http://10.0.0.1:8787/\"\ntoken_file = \"\(home.path)/t\"\n"
            .write(to: home.appendingPathComponent(".config/prospect/config.toml"), atomically: true, encoding: .utf8)
        try "pd_fromfile\n".write(to: home.appendingPathComponent("t"), atomically: true, encoding: .utf8)
        #expect(try resolved(["HOME": home.path]) == "server http://10.0.0.1:8787 token pd_fromfile")
        #expect(try resolved(["HOME": home.path, "PROSPECT_TOKEN": "pd_env"]) == "server http://10.0.0.1:8787 token pd_env")
    }

    @Test func refusesAServerThatIsNotAnHTTPURL() {
        #expect(throws: CLIError.self) { try Endpoint.resolve(socket: nil, server: "ftp://x", environment: [:]) }
        #expect(throws: CLIError.self) { try Endpoint.resolve(socket: nil, server: "localhost:8787", environment: [:]) }
    }

    @Test func readsTheSocketsAnswerWhetherSizedOrChunked() throws {
        let sized = try SocketExchange.parse(Array("HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello".utf8))
        #expect(sized.status == 201 && sized.reason == "Created" && String(decoding: sized.body, as: UTF8.self) == "hello")
        let chunked = try SocketExchange.parse(
            Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n".utf8)
        )
        #expect(String(decoding: chunked.body, as: UTF8.self) == "hello world")
        let untilClosed = try SocketExchange.parse(Array("HTTP/1.1 404 Not Found\r\n\r\n{}".utf8))
        #expect(untilClosed.status == 404 && untilClosed.body == Array("{}".utf8))
    }

    @Test func headerFieldsAreReadByLowerCasedNameWithTheirValuesTrimmed() {
        let head = Array("HTTP/1.1 200 OK\r\nContent-Type:\t application/json \r\nX-Odd: a: b\r\nno colon here\r\nCONTENT-LENGTH:12".utf8)
        #expect(
            SocketExchange.fields(head[...]) == ["content-type": "application/json", "x-odd": "a: b", "content-length": "12"]
        )
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5",
    ])
    func aCutOrForeignAnswerIsUnanswered(_ text: String) {
        #expect(throws: SocketExchange.Failure.self) { try SocketExchange.parse(Array(text.utf8)) }
    }

    @Test func exitCodesAreTheContracts() {
        #expect(CLIError.failure("x").exitCode == 1)
        #expect(CLIError.usage("x").exitCode == 2)
        #expect(CLIError.unreachable("x").exitCode == 3)
    }
}

@Suite struct FormatTests {
    @Test(arguments: [(0, "under a minute"), (59, "under a minute"), (60, "1m"), (3599, "59m"), (3600, "1h 00m"), (7_509, "2h 05m")])
    func durationsReadNaturally(_ seconds: Int, _ expected: String) {
        #expect(Format.duration(seconds) == expected)
    }

    @Test func theHeatmapHasAWeekPerColumnAndADayPerRow() {
        // Thursday 2026-03-05 to Wednesday 2026-03-11.
        let states: [DayState] = [.met, .missed, .off, .off, .metLate, .met, .pending]
        let days = states.enumerated().map { HistoryDay(date: LocalDate("2026-03-05")!.adding(days: $0.offset), count: 1, state: $0.element) }
        #expect(
            Format.heatmap(days, style: Style(color: false)) == [
                "Mon    ▣", "Tue    ■", "Wed    ◌", "Thu  ■  ", "Fri  □  ", "Sat  •  ", "Sun  •  ",
                "     ■ met  ▣ met late  □ missed  ◌ today, open  · off",
            ]
        )
    }

    @Test func colourIsOnlyAddedWhenAsked() {
        #expect(Style(color: false).green("met") == "met")
        #expect(Style(color: true).green("met") == "\u{1B}[32mmet\u{1B}[0m")
    }

    @Test func statusLinesSayWhatIsLeftToDo() {
        let status = DayStatus(
            date: LocalDate("2026-03-09")!,
            count: 0,
            minimum: 1,
            met: false,
            state: .pending,
            workday: true,
            deadline: Date(timeIntervalSince1970: 1_773_091_800)
        )  // 2026-03-09T21:30:00Z
        let response = StatusResponse(
            rep: "alice",
            status: status,
            streak: 3,
            timezone: "America/New_York",
            now: Date(timeIntervalSince1970: 1_773_091_800 - 7_509)
        )
        #expect(
            Format.status(response, style: Style(color: false)) == [
                "Today (Monday 2026-03-09): 0 of 1: not met yet.",
                "2h 05m left until 17:30 America/New_York. Log one with: prospect log call --note \"…\"",
                "Streak: 3 workdays met in a row.",
            ]
        )
    }
}

@Suite struct PathTests {
    @Test func givenParametersAreEncodedAndAbsentOnesLeftOut() {
        #expect(path("/v1/status", ["rep": nil]) == "/v1/status")
        #expect(path("/v1/team", ["date": "2026-03-09", "manager": "an&na b"]) == "/v1/team?date=2026-03-09&manager=an%26na%20b")
        #expect(path("/v1/schedule", ["date": nil, "rep": "bob"]) == "/v1/schedule?rep=bob")
    }
}

/// `SocketExchange` against a real Unix socket served by a thread: a large chunked answer
/// arrives whole, and a server that closes without answering counts as unanswered.
@Suite struct SocketExchangeTests {
    /// Listens on a fresh socket path, answers one connection with `answer` after reading the
    /// request's head, and returns the path.
    func serveOnce(_ answer: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pd-sx-\(UUID().uuidString.prefix(8)).sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard let address = UnixSocketAddress(path: path), address.withSockaddr({ bind(fd, $0, $1) }) == 0, listen(fd, 1) == 0 else {
            throw CLIError.failure("cannot listen on \(path)")
        }
        Thread.detachNewThread {
            let client = accept(fd, nil, nil)
            var buffer = [UInt8](repeating: 0, count: 65536)
            var seen: [UInt8] = []
            while SocketExchange.headEnd(seen) == nil {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { break }
                seen += buffer[0..<n]
            }
            var offset = 0
            while offset < answer.count {
                let n = answer[offset...].withUnsafeBytes { write(client, $0.baseAddress, min($0.count, 7000)) }
                if n <= 0 { break }
                offset += n
            }
            close(client)
            close(fd)
            unlink(path)
        }
        return path
    }

    @Test func aLargeChunkedAnswerArrivesWhole() throws {
        let line = Array("0123456789abcdef,".utf8)
        var body: [UInt8] = []
        var answer = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        for _ in 0..<300 {
            let chunk = Array(repeating: line, count: 1000).flatMap { $0 }
            body += chunk
            answer += Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8)
        }
        answer += Array("0\r\n\r\n".utf8)
        let path = try serveOnce(answer)
        let response = try SocketExchange(path: path).send(method: "GET", target: "/v1/roster", headers: [], body: nil)
        #expect(response.status == 200)
        #expect(response.body.count == body.count && response.body == body)
    }

    @Test func aServerThatClosesWithoutAnsweringLeavesTheRequestUnanswered() throws {
        let path = try serveOnce([])
        #expect {
            try SocketExchange(path: path).send(method: "POST", target: "/v1/activities", headers: [], body: Array("{}".utf8))
        } throws: { error in
            if case .unanswered = error as? SocketExchange.Failure { return true }
            return false
        }
    }

    @Test func noSocketMeansNotSent() {
        #expect {
            try SocketExchange(path: "/nonexistent/pd.sock").send(method: "GET", target: "/v1/status", headers: [], body: nil)
        } throws: { error in
            if case .notSent(let code) = error as? SocketExchange.Failure { return code == ENOENT }
            return false
        }
    }
}
