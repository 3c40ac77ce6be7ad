// The `postern` command. Thin: parse arguments, load the configuration, call into the
// modules, print results. Exit codes: 0 success, 1 operation failed, 2 configuration or
// usage error.

import Accounts
import ArgumentParser
import Config
import Foundation

@main
struct Postern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postern",
        abstract: "A complete self-hosted mail server: SMTP, submission, IMAP, queue, DNS and TLS in one binary.",
        subcommands: [Serve.self, CheckConfig.self, DomainCommand.self, UserCommand.self, AliasCommand.self,
                      QueueCommand.self, DNSCommand.self, TLSCommand.self, ConfigCommand.self])
}

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: ./postern.toml, then /etc/postern/postern.toml, else the development profile).")
    var config: String?

    /// Loads the configuration or exits with code 2 and every problem on stderr.
    func load() throws -> PosternConfig {
        let path = ConfigLoader.locate(explicit: config)
        switch ConfigLoader.load(path: path) {
        case .success(let c):
            return c
        case .failure(let errors):
            printError(errors.description)
            throw ExitCode(2)
        }
    }

    func directory() throws -> AccountDirectory {
        let c = try load()
        do {
            return try AccountDirectory(dataDirectory: c.dataDirectory)
        } catch {
            printError("postern: cannot open the accounts database in \(c.dataDirectory): \(error)")
            throw ExitCode(1)
        }
    }
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Runs an accounts operation, turning its errors into a message and exit code 1.
func accountsOperation<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as AccountsError {
        printError("postern: \(e)")
        throw ExitCode(1)
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate the configuration; print \"ok\" or every problem.")
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let path = ConfigLoader.locate(explicit: options.config)
        switch ConfigLoader.load(path: path) {
        case .success:
            print(path.map { "\($0): ok" } ?? "no configuration file: development profile: ok")
        case .failure(let errors):
            printError(errors.description)
            throw ExitCode(2)
        }
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Configuration reference.",
                                                    subcommands: [Docs.self])
    struct Docs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the configuration reference (docs/configuration.md).")
        func run() async throws { print(ConfigSchema.markdown(), terminator: "") }
    }
}

// MARK: domains

struct DomainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "domain", abstract: "Hosted domains.",
                                                    subcommands: [Add.self, List.self, Remove.self])
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Host mail for a domain.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The domain, e.g. example.org") var domain: String
        func run() async throws {
            let d = try options.directory()
            try accountsOperation { try d.addDomain(domain) }
            print("added domain \(domain)")
        }
    }
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List hosted domains.")
        @OptionGroup var options: GlobalOptions
        func run() async throws {
            let d = try options.directory()
            for domain in try accountsOperation({ try d.domains() }) { print(domain.ascii) }
        }
    }
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop hosting a domain (it must have no users or aliases left).")
        @OptionGroup var options: GlobalOptions
        @Argument var domain: String
        func run() async throws {
            let d = try options.directory()
            try accountsOperation { try d.removeDomain(domain) }
            print("removed domain \(domain)")
        }
    }
}

// MARK: users

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Mail accounts (log in with the full address).",
                                                    subcommands: [Add.self, List.self, Remove.self, Passwd.self])

    struct PasswordOptions: ParsableArguments {
        @Flag(name: .long, help: "Read the password from standard input (first line) instead of prompting.")
        var passwordStdin = false
        @Flag(name: .long, help: "The input is a password hash to import ({SHA512-CRYPT}..., $6$..., from Dovecot), not a password.")
        var passwordHash = false

        func read() throws -> NewPassword {
            let secret: String
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    printError("postern: no password on standard input")
                    throw ExitCode(1)
                }
                secret = line
            } else {
                guard let first = Terminal.readSecret(prompt: passwordHash ? "Password hash: " : "Password: ") else {
                    printError("postern: no terminal to ask for the password; use --password-stdin")
                    throw ExitCode(1)
                }
                if !passwordHash {
                    guard Terminal.readSecret(prompt: "Again: ") == first else {
                        printError("postern: the passwords differ")
                        throw ExitCode(1)
                    }
                }
                secret = first
            }
            return passwordHash ? .hashed(secret) : .plain(secret)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var password: PasswordOptions
        @Flag(help: "Receives postmaster@ and abuse@ mail of every domain.") var admin = false
        @Argument(help: "The account's address, e.g. alice@example.org") var address: String
        func run() async throws {
            let d = try options.directory()
            let pw = try password.read()
            try accountsOperation { try d.addUser(address, password: pw, admin: admin) }
            print("added user \(address)")
        }
    }
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Only this domain.") var domain: String?
        func run() async throws {
            let d = try options.directory()
            for u in try accountsOperation({ try d.users(domain: domain) }) {
                print(u.address.description + (u.isAdmin ? " (admin)" : ""))
            }
        }
    }
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account (its Maildir is kept on disk).")
        @OptionGroup var options: GlobalOptions
        @Argument var address: String
        func run() async throws {
            let d = try options.directory()
            try accountsOperation { try d.removeUser(address) }
            print("removed user \(address)")
        }
    }
    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an account's password.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var password: PasswordOptions
        @Argument var address: String
        func run() async throws {
            let d = try options.directory()
            let pw = try password.read()
            try accountsOperation { try d.setPassword(address, password: pw) }
            print("changed password of \(address)")
        }
    }
}

// MARK: aliases

struct AliasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alias", abstract: "Aliases and forwarding (a destination may be an external address).",
                                                    subcommands: [Add.self, List.self, Remove.self])
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add destinations to an alias. List the source itself among them to keep a local copy.")
        @OptionGroup var options: GlobalOptions
        @Argument var source: String
        @Argument(help: "One or more destination addresses.") var destinations: [String]
        func run() async throws {
            guard !destinations.isEmpty else { throw ValidationError("give at least one destination") }
            let d = try options.directory()
            try accountsOperation { try d.addAlias(source, destinations: destinations) }
            print("added alias \(source) -> \(destinations.joined(separator: ", "))")
        }
    }
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List aliases.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Only this domain.") var domain: String?
        func run() async throws {
            let d = try options.directory()
            for a in try accountsOperation({ try d.aliases(domain: domain) }) {
                print("\(a.source) -> \(a.destinations.map(\.description).joined(separator: ", "))")
            }
        }
    }
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an alias, or only the given destinations.")
        @OptionGroup var options: GlobalOptions
        @Argument var source: String
        @Argument var destinations: [String] = []
        func run() async throws {
            let d = try options.directory()
            try accountsOperation { try d.removeAlias(source, destinations: destinations) }
            print("removed alias \(source)" + (destinations.isEmpty ? "" : " -> \(destinations.joined(separator: ", "))"))
        }
    }
}
