import Foundation
import MailCore
import Testing
@testable import Accounts

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "postern-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct AccountDirectoryTests {
    let dir = temporaryDirectory()

    func directory() throws -> AccountDirectory { try AccountDirectory(dataDirectory: dir) }

    @Test func usersRoundTrip() async throws {
        let d = try directory()
        try d.addDomain("Example.ORG")
        try d.addUser("Alice@example.org", password: .plain("pw-alice"), admin: true)
        try d.addUser("bob@example.org", password: .hashed("{SHA512-CRYPT}$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0"))
        let users = try d.users()
        #expect(users.map(\.address.description) == ["alice@example.org", "bob@example.org"])
        #expect(users.first?.isAdmin == true)
        #expect(await d.authenticate("alice@example.org", password: "pw-alice") == .success(try EmailAddress("alice@example.org")))
        #expect(await d.authenticate("ALICE@Example.org", password: "pw-alice") == .success(try EmailAddress("alice@example.org")))
        #expect(await d.authenticate("alice@example.org", password: "pw-bob") == .failure)
        #expect(await d.authenticate("nobody@example.org", password: "pw-alice") == .failure)
        // The imported hash works and is upgraded to yescrypt at first login.
        #expect(await d.authenticate("bob@example.org", password: "correct horse") == .success(try EmailAddress("bob@example.org")))
        let stored = try await d.pool.read { db in try String.fetchOne(db, sql: "SELECT password FROM user WHERE address = 'bob@example.org'") }
        #expect(stored?.hasPrefix("$y$") == true)
        #expect(await d.authenticate("bob@example.org", password: "correct horse") == .success(try EmailAddress("bob@example.org")))
    }

    @Test func passwordChangeInvalidatesCache() async throws {
        let d = try directory()
        try d.addDomain("example.org")
        try d.addUser("alice@example.org", password: .plain("one"))
        #expect(await d.authenticate("alice@example.org", password: "one") != .failure)
        try d.setPassword("alice@example.org", password: .plain("two"))
        #expect(await d.authenticate("alice@example.org", password: "one") == .failure)
        #expect(await d.authenticate("alice@example.org", password: "two") != .failure)
        // A second directory (the CLI) changing the password is seen by the first (the server).
        let cli = try directory()
        try cli.setPassword("alice@example.org", password: .plain("three"))
        #expect(await d.authenticate("alice@example.org", password: "two") == .failure)
        #expect(await d.authenticate("alice@example.org", password: "three") != .failure)
    }

    @Test func badInputLeavesNothingHalfWritten() throws {
        let d = try directory()
        #expect(throws: AccountsError.self) { try d.addDomain("not a domain") }
        #expect(throws: AccountsError.domainNotFound("example.org")) { try d.addUser("a@example.org", password: .plain("x")) }
        try d.addDomain("example.org")
        #expect(throws: AccountsError.domainExists("example.org")) { try d.addDomain("EXAMPLE.org") }
        #expect(throws: AccountsError.self) { try d.addUser("not-an-address", password: .plain("x")) }
        try d.addUser("a@example.org", password: .plain("x"))
        #expect(throws: AccountsError.userExists("a@example.org")) { try d.addUser("A@example.org", password: .plain("y")) }
        #expect(throws: AccountsError.password(.emptyPassword)) { try d.addUser("b@example.org", password: .plain("")) }
        #expect(throws: AccountsError.domainInUse("example.org", users: 1, aliases: 0)) { try d.removeDomain("example.org") }
        #expect(throws: AccountsError.userNotFound("zz@example.org")) { try d.removeUser("zz@example.org") }
        #expect(try d.users().count == 1)
        try d.removeUser("a@example.org")
        try d.removeDomain("example.org")
        #expect(try d.domains().isEmpty)
    }

    @Test func aliasesResolveAndRefuseLoops() throws {
        let d = try directory()
        try d.addDomain("example.org")
        try d.addDomain("example.net")
        try d.addUser("alice@example.org", password: .plain("x"), admin: true)
        try d.addUser("bob@example.org", password: .plain("x"))
        try d.addAlias("team@example.org", destinations: ["alice@example.org", "bob@example.org"])
        try d.addAlias("sales@example.net", destinations: ["team@example.org", "carol@elsewhere.example"])
        try d.addAlias("bob@example.org", destinations: ["bob@example.org", "bob@elsewhere.example"])  // keep a copy and forward

        let r = try d.resolve(try EmailAddress("sales@example.net")).get()
        #expect(r.mailboxes.map(\.description) == ["alice@example.org", "bob@example.org"])
        #expect(r.forwards.map(\.description) == ["bob@elsewhere.example", "carol@elsewhere.example"])

        // Loops are refused and nothing is written.
        try d.addAlias("a@example.org", destinations: ["alice@example.org"])
        try d.addAlias("b@example.org", destinations: ["a@example.org"])
        #expect(throws: AccountsError.aliasLoop(["a@example.org", "b@example.org", "a@example.org"])) {
            try d.addAlias("a@example.org", destinations: ["b@example.org"])
        }
        #expect(try d.aliases().first { $0.source.description == "a@example.org" }?.destinations.count == 1)
        #expect(throws: AccountsError.aliasDestinationUnknown("ghost@example.org")) {
            try d.addAlias("c@example.org", destinations: ["ghost@example.org"])
        }
        #expect(throws: AccountsError.aliasSourceIsNotHosted("x@elsewhere.example")) {
            try d.addAlias("x@elsewhere.example", destinations: ["alice@example.org"])
        }

        // Plus addressing, postmaster, unknown, not hosted.
        #expect(try d.resolve(try EmailAddress("Alice+lists@example.org")).get().mailboxes.map(\.description) == ["alice@example.org"])
        #expect(try d.resolve(try EmailAddress("postmaster@example.net")).get().mailboxes.map(\.description) == ["alice@example.org"])
        #expect(try d.resolve(try EmailAddress("abuse@example.org")).get().mailboxes.map(\.description) == ["alice@example.org"])
        #expect(try d.resolve(try EmailAddress("nobody@example.org")) == .failure(.unknownRecipient))
        #expect(try d.resolve(try EmailAddress("alice@elsewhere.example")) == .failure(.notHosted))

        #expect(try d.sendableAddresses(for: try EmailAddress("bob@example.org"))
                == Set(["bob@example.org", "team@example.org", "sales@example.net"].map { try! EmailAddress($0) }))
        try d.removeAlias("team@example.org")
        #expect(throws: AccountsError.aliasNotFound("team@example.org")) { try d.removeAlias("team@example.org") }
    }

    /// The server keeps the directory in memory; changes made by the CLI (another process,
    /// another connection) must be seen at the next lookup.
    @Test func changesByAnotherConnectionAreSeenAtOnce() throws {
        let server = try directory()
        try server.addDomain("example.org")
        #expect(try server.resolve(try EmailAddress("carol@example.org")) == .failure(.unknownRecipient))
        let cli = try directory()
        try cli.addUser("carol@example.org", password: .plain("x"))
        #expect(try server.resolve(try EmailAddress("carol@example.org")).get().mailboxes.map(\.description) == ["carol@example.org"])
        try cli.addAlias("c@example.org", destinations: ["carol@example.org"])
        #expect(try server.resolve(try EmailAddress("c@example.org")).get().mailboxes.map(\.description) == ["carol@example.org"])
        try cli.removeAlias("c@example.org")
        try cli.removeUser("carol@example.org")
        #expect(try server.resolve(try EmailAddress("c@example.org")) == .failure(.unknownRecipient))
        try cli.addDomain("example.net")
        #expect(try server.isHosted(try Domain("example.net")))
    }

    @Test func databaseFilesArePrivate() throws {
        _ = try directory()
        let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/accounts.sqlite")
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
    }
}
