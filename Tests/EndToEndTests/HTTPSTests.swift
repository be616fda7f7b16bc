import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A private CA and certificates signed by it, made with the openssl command line.
struct PrivateCA {
    let folder: URL
    var ca: String { folder.appendingPathComponent("ca.pem").path }

    init(in folder: URL) throws {
        self.folder = folder
        let made = try run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder.appendingPathComponent("ca.key").path, "-out", ca,
                "-days", "2", "-subj", "/CN=prospectd test CA",
            ]
        )
        guard made.code == 0 else { throw HarnessError("openssl (CA) failed: \(made)") }
    }

    /// A server certificate for 127.0.0.1 and localhost: (certificate, key) paths.
    func issue(_ name: String) throws -> (cert: String, key: String) {
        let key = folder.appendingPathComponent("\(name).key").path
        let csr = folder.appendingPathComponent("\(name).csr").path
        let cert = folder.appendingPathComponent("\(name).pem").path
        let ext = folder.appendingPathComponent("\(name).ext").path
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: ext, atomically: true, encoding: .utf8)
        let request = try run("/usr/bin/openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost"])
        guard request.code == 0 else { throw HarnessError("openssl (request) failed: \(request)") }
        let signed = try run(
            "/usr/bin/openssl",
            [
                "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", folder.appendingPathComponent("ca.key").path, "-CAcreateserial", "-out",
                cert, "-days", "2", "-extfile", ext,
            ]
        )
        guard signed.code == 0 else { throw HarnessError("openssl (sign) failed: \(signed)") }
        return (cert, key)
    }

    /// The serial number of a certificate file, or of the one a server presents.
    static func serial(ofFile path: String) throws -> String {
        try run("/usr/bin/openssl", ["x509", "-noout", "-serial", "-in", path]).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func serial(servedAt port: Int) throws -> String {
        let shown = try run("/bin/sh", ["-c", "openssl s_client -connect 127.0.0.1:\(port) </dev/null 2>/dev/null | openssl x509 -noout -serial"])
        return shown.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// HTTPS on the TCP listener, end to end through `prospect --server https://…` with a private CA.
@Suite(.serialized) struct HTTPSTests {
    @Test func aRepLogsOverHTTPSWithAPrivateCAAndARenewedCertificateIsServedAfterSIGHUP() throws {
        let daemon = try DaemonUnderTest()
        let ca = try PrivateCA(in: daemon.folder)
        let first = try ca.issue("server")
        let stranger = try ca.issue("stranger")
        func configure(cert: String, key: String) throws {
            try daemon.writeConfig("", daemonExtra: "tls_certificate_file = \"\(cert)\"\ntls_key_file = \"\(key)\"")
        }
        // A key that is not the certificate's: check-config refuses it in one line, and so does the start.
        try configure(cert: first.cert, key: stranger.key)
        let refused = try run(binaries.appendingPathComponent("prospectd").path, ["check-config", "--config", daemon.configPath])
        #expect(refused.code == 1 && refused.err.contains("is not the private key of \(first.cert)"), "\(refused)")
        try configure(cert: first.cert, key: first.key)
        let checked = try run(binaries.appendingPathComponent("prospectd").path, ["check-config", "--config", daemon.configPath])
        #expect(checked.code == 0, "\(checked)")

        try daemon.start()
        try daemon.waitForLog("listening on=https:")
        #expect(try daemon.prospect(["admin", "rep", "add", "ann", "--name", "Ann", "--email", "ann@example.com", "--timezone", "UTC"]).code == 0)
        let token = try daemon.prospect(["admin", "token", "issue", "ann"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let https = "https://127.0.0.1:\(daemon.port)"
        func prospect(_ arguments: [String]) throws -> Outcome {
            try run(binaries.appendingPathComponent("prospect").path, arguments + ["--server", https], environment: ["PROSPECT_TOKEN": token])
        }

        // The rep logs over HTTPS, verifying the daemon against the private CA,
        let logged = try prospect(["log", "call", "--ca-file", ca.ca])
        #expect(logged.code == 0 && logged.out.contains("Logged call"), "\(logged)")
        // and without the CA the certificate is not trusted: exit 3, saying what to pass, nothing logged.
        let untrusted = try prospect(["log", "call"])
        #expect(
            untrusted.code == 3 && untrusted.err.contains("cannot verify the HTTPS certificate") && untrusted.err.contains("--ca-file"),
            "\(untrusted)"
        )
        let status = try decodeJSON(try prospect(["status", "--json", "--ca-file", ca.ca]).out)
        #expect(status["count"] as? Int == 1, "\(status)")
        // Plain HTTP on the HTTPS port gets no answer from the API.
        let plain = try run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", "http://127.0.0.1:\(daemon.port)/v1/kinds"])
        #expect(plain.out != "200", "\(plain)")

        // A reload with a pair that does not belong together keeps the one in use,
        let before = try PrivateCA.serial(servedAt: daemon.port)
        #expect(before == (try PrivateCA.serial(ofFile: first.cert)), "the first certificate is served")
        try configure(cert: first.cert, key: stranger.key)
        daemon.signal(SIGHUP)
        try daemon.waitForLog("TLS certificate reload refused")
        #expect(try prospect(["status", "--ca-file", ca.ca]).code == 0)
        #expect(try PrivateCA.serial(servedAt: daemon.port) == before)
        // and a renewed certificate is served to new connections after SIGHUP, no restart.
        let renewed = try ca.issue("renewed")
        try configure(cert: renewed.cert, key: renewed.key)
        daemon.signal(SIGHUP)
        try daemon.waitForLog("TLS certificate re-read")
        #expect(try PrivateCA.serial(servedAt: daemon.port) == (try PrivateCA.serial(ofFile: renewed.cert)))
        #expect(try prospect(["status", "--ca-file", ca.ca]).code == 0)
        #expect(daemon.stop() == 0)
    }

    @Test func halfATLSPairOrTLSWithoutAListenerIsRefused() throws {
        let daemon = try DaemonUnderTest()
        try daemon.writeConfig("", daemonExtra: "tls_certificate_file = \"/etc/ssl/none.pem\"")
        let half = try run(binaries.appendingPathComponent("prospectd").path, ["check-config", "--config", daemon.configPath])
        #expect(half.code == 1 && half.err.contains("daemon.tls_key_file: missing"), "\(half)")
        try daemon.writeConfig("", daemonExtra: "tls_certificate_file = \"/nonexistent/a.pem\"\ntls_key_file = \"/nonexistent/a.key\"")
        let missing = try run(binaries.appendingPathComponent("prospectd").path, ["check-config", "--config", daemon.configPath])
        #expect(missing.code == 1 && missing.err.contains("/nonexistent/a.pem cannot be read"), "\(missing)")
        let start = try run(binaries.appendingPathComponent("prospectd").path, ["run", "--config", daemon.configPath], timeout: 20)
        #expect(start.code == 1 && start.err.contains("/nonexistent/a.pem cannot be read"), "\(start)")
    }
}
