import Crypto
import Foundation
import ProspectConfig
import ProspectCore
import ProspectStore

/// One-tap links: `PUBLIC_URL/l/HANDLE/DAY/MAC`, naming one rep and one day and signed with
/// the daemon's link key (HMAC-SHA256). A link is never stored; it is checked by signing again.
/// It stops working at the day's late grace (the rule `prospect log --at` follows), when the
/// key is rotated, and when the rep is no longer an active rep.
struct LogLinks: Sendable {
    /// The public address, without a trailing slash.
    let base: String
    let key: SymmetricKey

    init(base: String, key: Data) {
        self.base = base
        self.key = SymmetricKey(data: key)
    }

    /// The link for `rep`'s `day`.
    func url(rep: String, day: LocalDate) -> String {
        "\(base)/l/\(rep)/\(day)/\(mac(rep: rep, day: day))"
    }

    /// The day a link's parts name, when its signature is this key's; nil for a tampered,
    /// mistyped or rotated link.
    func day(rep: String, day text: String, mac given: String) -> LocalDate? {
        guard PersonField.isValidHandle(rep), let day = LocalDate(text), day.description == text,
            let code = Self.unbase64URL(given), code.count == SHA256.byteCount,
            // Only the one spelling the daemon writes: base64's unused last bits may not vary.
            code.base64URLEncoded == given
        else { return nil }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: Self.signed(rep: rep, day: day), using: key) ? day : nil
    }

    func mac(rep: String, day: LocalDate) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Self.signed(rep: rep, day: day), using: key)).base64URLEncoded
    }

    /// What is signed: a purpose, so the key can never sign anything else by accident.
    static func signed(rep: String, day: LocalDate) -> Data { Data("prospectd log link v1\n\(rep)\n\(day)".utf8) }

    static func unbase64URL(_ text: String) -> Data? {
        guard text.count <= 64, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var plain = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while plain.count % 4 != 0 { plain += "=" }
        return Data(base64Encoded: plain)
    }

    /// Whether a request path is a link's: it carries a signature, so it is never logged whole.
    static func isLinkPath(_ path: String) -> Bool { path.hasPrefix("/l/") }
}

extension LogLinks {
    /// The links as configured now: off without `public_url`.
    static func current(_ config: Config, store: Store, now: Date) async throws -> LogLinks? {
        guard let base = config.daemon.publicURL else { return nil }
        return LogLinks(base: base, key: try await store.linkKey(now: now))
    }
}
