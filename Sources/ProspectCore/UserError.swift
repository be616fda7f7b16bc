/// A refusal the user can fix: one full sentence saying what was wrong and what to do.
///
/// Never carries secrets or another person's data.
public struct UserError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// The input was malformed or breaks a rule.
        case invalid
        /// The caller may not do this.
        case forbidden
        /// The thing named does not exist.
        case notFound = "not_found"
        /// The request clashes with what is stored (a duplicate handle).
        case conflict
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// An `invalid` refusal.
    public init(_ message: String) {
        self.init(.invalid, message)
    }

    public var description: String { message }
}

/// Every problem found in some input, each a full sentence (roster rows start with their line).
public struct ValidationProblems: Error, Sendable, Equatable {
    public var problems: [String]

    public init(_ problems: [String]) { self.problems = problems }
}

/// Echoes a piece of user input inside a message: at most `limit` characters, with control and
/// invisible format characters (newlines, bidi overrides, zero-width spaces) shown escaped, so a
/// message stays one honest line.
public func shown(_ input: some StringProtocol, _ limit: Int = 40) -> String {
    var out = ""
    for character in input.prefix(limit) {
        for scalar in character.unicodeScalars {
            let category = scalar.properties.generalCategory
            out +=
                category == .control || category == .format || category == .lineSeparator || category == .paragraphSeparator
                ? scalar.escaped(asASCII: true) : String(scalar)
        }
    }
    return input.count > limit ? out + "…" : out
}

extension UserError {
    /// A handle that is on no one: the same words wherever a handle is looked up.
    public static func noSuchHandle(_ handle: String) -> UserError {
        UserError(.notFound, "no one on the roster has handle '\(shown(handle))'; see 'prospect admin rep list'")
    }
}
