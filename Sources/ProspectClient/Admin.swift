import ArgumentParser
import Foundation
import ProspectAPI
import ProspectCore

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage the roster, API tokens and the outbox (admins).",
        subcommands: [
            RepCommands.self, Roster.self, Token.self, TestChannel.self, ImportCommands.self, OutboxCommands.self, SourceCommands.self,
            LinksCommands.self,
        ]
    )
}

struct RepCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rep",
        abstract: "Add, list, change or deactivate people.",
        subcommands: [RepAdd.self, RepList.self, RepUpdate.self, RepDeactivate.self, RepForget.self]
    )
}

/// Fields of a person that `add` and `update` share.
struct PersonOptions: ParsableArguments {
    @Option(name: .long, help: "Full name.") var name: String?
    @Option(name: .long, help: "Email address.") var email: String?
    @Option(name: .long, help: "IANA time zone, e.g. Europe/Copenhagen.") var timezone: String?
    @Option(name: .long, help: "The handle of their manager.") var manager: String?
    @Option(name: .long, help: "rep, manager or admin.") var role: String?
    @Option(name: .long, help: "The Unix login that speaks for them on the local socket.") var unixUser: String?
    @Option(name: .long, help: "Their working week, e.g. mon,tue,wed,thu,fri.") var workdays: String?
    @Option(name: .long, help: "Holiday calendar name from the configuration.") var calendar: String?
    @Option(name: .long, help: "Slack or Mattermost member id, for mentions (e.g. U024BE7LH).") var slack: String?
    @Option(name: .long, help: "The ntfy topic their push notifications go to.") var ntfyTopic: String?
}

func printPerson(_ p: Person) {
    var parts = ["\(p.handle): \(p.name) <\(p.email)>", p.role.rawValue]
    parts.append(p.timezone.isEmpty ? "default zone" : p.timezone)
    if let m = p.manager { parts.append("manager \(m)") }
    if let u = p.unixUser { parts.append("unix \(u)") }
    if let w = p.workdays { parts.append(Weekday.format(w, separator: ",")) }
    if let c = p.calendar { parts.append("calendar \(c)") }
    if let s = p.slack { parts.append("slack \(s)") }
    if let t = p.ntfyTopic { parts.append("ntfy \(t)") }
    if !p.active { parts.append("INACTIVE") }
    print(parts.joined(separator: ", "))
}

struct RepAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a person to the roster.")

    @Argument(help: "Their handle: lowercase letters, digits, '.', '_' or '-'.") var handle: String
    @OptionGroup var fields: PersonOptions
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if fields.name == nil { throw ValidationError("missing --name") }
        if fields.email == nil { throw ValidationError("missing --email") }
        if fields.timezone == nil { throw ValidationError("missing --timezone (an IANA name like Europe/Copenhagen)") }
    }

    func run() async throws {
        let draft = PersonDraft(
            handle: handle,
            name: fields.name!,
            email: fields.email!,
            timezone: fields.timezone,
            manager: fields.manager,
            role: fields.role,
            unixUser: fields.unixUser,
            workdays: fields.workdays,
            calendar: fields.calendar,
            slack: fields.slack,
            ntfyTopic: fields.ntfyTopic
        )
        let person = try await connection.client().post(Person.self, "/v1/people", draft)
        if json { return printJSON(person) }
        print("Added ", terminator: "")
        printPerson(person)
    }
}

struct RepList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the roster.")

    @Flag(name: .long, help: "Include deactivated people.") var all = false
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let people = try await connection.client().get(PeopleResponse.self, "/v1/people\(all ? "?all=true" : "")")
        if json { return printJSON(people) }
        if people.people.isEmpty { return print("The roster is empty. Add someone with 'prospect admin rep add' or 'admin roster import'.") }
        people.people.forEach(printPerson)
    }
}

struct RepUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change fields of a person (an empty value clears an optional field); reactivates them."
    )

    @Argument(help: "Their handle.") var handle: String
    @OptionGroup var fields: PersonOptions
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let update = PersonUpdate(
            name: fields.name,
            email: fields.email,
            timezone: fields.timezone,
            manager: fields.manager,
            role: fields.role,
            unixUser: fields.unixUser,
            workdays: fields.workdays,
            calendar: fields.calendar,
            slack: fields.slack,
            ntfyTopic: fields.ntfyTopic
        )
        let person = try await connection.client().post(Person.self, "/v1/people/\(query(handle))", update, method: .PATCH)
        if json { return printJSON(person) }
        print("Updated ", terminator: "")
        printPerson(person)
    }
}

struct RepDeactivate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deactivate",
        abstract: "Deactivate a person: no longer enforced, tokens revoked, history kept."
    )

    @Argument(help: "Their handle.") var handle: String
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let person = try await connection.client().post(
            Person.self,
            "/v1/people/\(query(handle))/deactivate",
            [String: String]()
        )
        if json { return printJSON(person) }
        print("Deactivated \(person.handle); their history stays.")
    }
}

struct RepForget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase a person's personal data and tokens; their anonymous counts stay, so team figures stay true."
    )

    @Argument(help: "Their handle.") var handle: String
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let person = try await connection.client().post(Person.self, "/v1/people/\(query(handle))/forget", [String: String]())
        if json { return printJSON(person) }
        print("Forgot \(handle): their name, email, logins, notes and tokens are erased; their counts stay as \(person.handle).")
    }
}

struct Roster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "Import or export the roster as CSV.",
        subcommands: [RosterImport.self, RosterExport.self]
    )
}

struct RosterImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add or update everyone in a CSV file, all or nothing.",
        discussion: "Header: \(RosterCSV.columns.joined(separator: ",")) (slack and ntfy_topic optional; extra columns allowed, any order)."
    )

    @Argument(help: "The CSV file.") var file: String
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try connection.client()
        let answer = try await upload(file, to: "/v1/roster", client: client)
        let result = try client.decode(RosterImportResponse.self, answer)
        if json { return printJSON(result) }
        print("Imported \(file): \(result.created) added, \(result.updated) updated, \(result.unchanged) unchanged.")
    }
}

struct RosterExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Print the roster as CSV.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let data = try await connection.client().send(.GET, "/v1/roster")
        FileHandle.standardOutput.write(data)
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue or revoke API tokens for the TCP API.",
        subcommands: [TokenIssue.self, TokenRevoke.self]
    )
}

struct TokenIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a token; it is printed once and stored only as a hash."
    )

    @Argument(help: "Whose token.") var handle: String
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await connection.client().post(TokenResponse.self, "/v1/tokens/\(query(handle))", [String: String]())
        if json { return printJSON(result) }
        print(result.token)
        FileHandle.standardError.write(
            Data("Token for \(result.rep) shown once; give it to them as PROSPECT_TOKEN. It cannot be shown again.\n".utf8)
        )
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke all of a person's tokens.")

    @Argument(help: "Whose tokens.") var handle: String
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await connection.client().send(.DELETE, "/v1/tokens/\(query(handle))")
        let decoded = try connection.client().decode(RevokeResponse.self, result)
        if json { return printJSON(decoded) }
        print("Revoked \(Format.plural(decoded.revoked, "token")) of \(decoded.rep).")
    }
}

struct TestChannel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-channel",
        abstract: "Send a test message through a configured channel and report what the channel said."
    )

    @Argument(help: "The channel's name, as in [channels.NAME].") var name: String
    @Option(name: .long, help: "The handle of the person to send it to.") var to: String
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await connection.client().post(
            TestChannelResponse.self,
            "/v1/channels/\(query(name))/test",
            TestChannelRequest(to: to)
        )
        if json {
            printJSON(result)
        } else if result.delivered {
            print("Sent '\(result.subject)' to \(result.to) through \(result.channel) (\(result.type)); message id \(result.messageID).")
        }
        guard result.delivered else {
            throw CLIError.failure("channel '\(result.channel)' (\(result.type)) failed: \(result.error ?? "unknown error")")
        }
    }
}

/// Sends a CSV file to an all-or-nothing import; a refusal lists each problem under the file's
/// name and says nothing was imported. A progress bar shows on a terminal.
func upload(_ file: String, to path: String, client: Client) async throws -> Data {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
        throw CLIError.failure("cannot read \(file): \(FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file")")
    }
    let progress = Progress(label: "Importing \((file as NSString).lastPathComponent)", total: data.count)
    let sent = await outcome { () async throws -> Data in
        try await client.send(.POST, path, body: data, contentType: "text/csv", progress: progress.update)
    }
    progress.finish()
    if case .failure(.failure(let message)) = sent {
        // One line per problem, each naming the file and its line.
        throw CLIError.failure(message.split(separator: "\n").map { "\(file): \($0)" }.joined(separator: "\n") + "\nNothing was imported.")
    }
    return try sent.get()
}

struct SourceCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source",
        abstract: "Systems that push activities in (a CRM's webhook): add one and print its token, or revoke it.",
        subcommands: [SourceAdd.self, SourceRevoke.self]
    )
}

struct SourceAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a source (or renew a revoked one's token); the token is printed once and stored only as a hash."
    )

    @Argument(help: "The source's name, like hubspot: it is part of the URL it posts to.") var name: String
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await connection.client().post(SourceTokenResponse.self, "/v1/sources/\(query(name))", [String: String]())
        if json { return printJSON(result) }
        print(result.token ?? "")
        FileHandle.standardError.write(
            Data(
                ("Token for source \(result.source) shown once: it posts to /v1/sources/\(result.source)/activities "
                    + "with 'Authorization: Bearer TOKEN'. It cannot be shown again.\n").utf8
            )
        )
    }
}

struct SourceRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a source's token: its pushes are refused.")

    @Argument(help: "The source's name.") var name: String
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try connection.client()
        let result = try client.decode(SourceTokenResponse.self, try await client.send(.DELETE, "/v1/sources/\(query(name))"))
        if json { return printJSON(result) }
        print(result.revoked == true ? "Revoked the token of source \(result.source)." : "Source \(result.source) had no live token.")
    }
}

struct LinksCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "links",
        abstract: "One-tap links in reminders ([daemon] public_url): rotate the key they are signed with.",
        subcommands: [LinksRotate.self]
    )
}

struct LinksRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Sign links with a new key: every link sent before now gets a 403 page; messages from now on carry new ones."
    )

    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await connection.client().post(LinksRotateResponse.self, "/v1/links/rotate", [String: String]())
        if json { return printJSON(result) }
        print("Rotated the link key: links sent before now no longer work; new reminders carry new links.")
        if !result.enabled {
            print("One-tap links are off on this daemon: set [daemon] public_url to put them in reminders.")
        }
    }
}
