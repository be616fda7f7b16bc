import Foundation
import NIOSSL
import ProspectConfig
import Synchronization

/// The TCP listener's certificate chain and private key, read from their PEM files at start
/// and again on SIGHUP (a renewed certificate needs no restart). A pair that cannot be used is
/// refused with one line, and the one in use keeps serving.
public final class TLSIdentity: Sendable {
    private let context: Mutex<NIOSSLContext>

    init(certificateFile: String, keyFile: String) throws {
        context = Mutex(try Self.context(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// The context new connections are served with.
    var current: NIOSSLContext { context.withLock { $0 } }

    /// Reads the pair again; on failure, throws and keeps the one in use.
    func reload(certificateFile: String, keyFile: String) throws {
        let fresh = try Self.context(certificateFile: certificateFile, keyFile: keyFile)
        context.withLock { $0 = fresh }
    }

    /// A server context from a PEM chain and key, checking that the key is the certificate's.
    static func context(certificateFile: String, keyFile: String) throws -> NIOSSLContext {
        for (key, path) in [("tls_certificate_file", certificateFile), ("tls_key_file", keyFile)]
        where !FileManager.default.isReadableFile(atPath: path) {
            throw TLSProblem("daemon.\(key) \(path) cannot be read; check it exists and that prospectd's user may read it")
        }
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificateFile) } catch {
            throw TLSProblem("daemon.tls_certificate_file \(certificateFile): no PEM certificate in it")
        }
        guard !chain.isEmpty else { throw TLSProblem("daemon.tls_certificate_file \(certificateFile): no PEM certificate in it") }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: keyFile, format: .pem) } catch {
            throw TLSProblem("daemon.tls_key_file \(keyFile): no PEM private key in it (an encrypted key is not supported)")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // BoringSSL refuses a key that is not the certificate's own here.
        do { return try NIOSSLContext(configuration: configuration) } catch {
            throw TLSProblem(
                "daemon.tls_key_file \(keyFile) is not the private key of \(certificateFile) (\(error)); give the pair that belongs together"
            )
        }
    }

    /// What is wrong with the TLS settings, or nil: for `check-config` and the start.
    public static func problem(in settings: DaemonSettings, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let files = settings.tlsFiles(environment: environment) else { return nil }
        do { _ = try context(certificateFile: files.certificate, keyFile: files.key) } catch { return "\(error)" }
        return nil
    }
}

/// A TLS setting that cannot be used, in one line.
struct TLSProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
