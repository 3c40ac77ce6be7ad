// The accounts database: hosted domains, users (mailboxes) and aliases, in one SQLite file
// (`accounts.sqlite` in the data directory, WAL). The CLI writes it while the server runs;
// the server reads it on every lookup, so changes apply without a restart.

public import Foundation
import GRDB
import Synchronization
public import MailCore

public struct UserRecord: Hashable, Sendable {
    public var address: EmailAddress
    public var isAdmin: Bool
    public var created: Date
}

public struct AliasRecord: Hashable, Sendable {
    public var source: EmailAddress
    public var destinations: [EmailAddress]
}

/// Where a recipient address leads after alias expansion (Postfix virtual_alias_maps
/// semantics: an alias that lists itself keeps a local copy).
public struct Resolution: Hashable, Sendable {
    /// Accounts that receive a copy, in first-seen order, no duplicates.
    public var mailboxes: [EmailAddress] = []
    /// Addresses outside the hosted domains: forwarded through the queue.
    public var forwards: [EmailAddress] = []
    public var isEmpty: Bool { mailboxes.isEmpty && forwards.isEmpty }
}

public enum ResolveError: Error, Hashable, Sendable {
    /// Not a hosted domain: the caller decides (relay rules).
    case notHosted
    /// Hosted domain, no such user or alias (550 5.1.1).
    case unknownRecipient
    /// Alias expansion went past `Limits.aliasDepth` or `Limits.aliasFanout`.
    case expansionLimit
}

public enum AccountsError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidDomain(String, String)
    case invalidAddress(String, String)
    case domainExists(String)
    case domainNotFound(String)
    case domainInUse(String, users: Int, aliases: Int)
    case userExists(String)
    case userNotFound(String)
    case aliasNotFound(String)
    case aliasLoop([String])
    case aliasSourceIsNotHosted(String)
    case aliasDestinationUnknown(String)
    case aliasExists(String, String)
    case password(PasswordHashError)

    public var description: String {
        switch self {
        case .invalidDomain(let d, let why): "invalid domain '\(d)': \(why)"
        case .invalidAddress(let a, let why): "invalid address '\(a)': \(why)"
        case .domainExists(let d): "domain \(d) already exists"
        case .domainNotFound(let d): "domain \(d) is not hosted here (add it with: postern domain add \(d))"
        case .domainInUse(let d, let u, let a):
            "domain \(d) still has \(u) user(s) and \(a) alias(es); remove them first"
        case .userExists(let a): "user \(a) already exists"
        case .userNotFound(let a): "no such user: \(a)"
        case .aliasNotFound(let a): "no such alias: \(a)"
        case .aliasLoop(let path): "alias loop: \(path.joined(separator: " -> "))"
        case .aliasSourceIsNotHosted(let a): "alias source \(a) is not in a hosted domain"
        case .aliasDestinationUnknown(let a): "alias destination \(a) is in a hosted domain but is neither a user nor an alias"
        case .aliasExists(let s, let d): "alias \(s) -> \(d) already exists"
        case .password(let e): e.description
        }
    }
}

public final class AccountDirectory: Sendable {
    public struct Limits: Sendable {
        /// Postfix's virtual_alias_recursion_limit.
        public var aliasDepth = 100
        /// Postfix's virtual_alias_expansion_limit.
        public var aliasFanout = 1000
        public init() {}
    }

    let pool: DatabasePool
    let limits: Limits
    let authCache = AuthCache()
    /// A connection of its own for `PRAGMA data_version` (per connection by definition).
    let versionConnection: DatabaseQueue
    let cachedSnapshot = Mutex<(version: Int, generation: Int, snapshot: Snapshot)?>(nil)
    /// Bumped by this process's own writes: data_version only reports other connections'.
    let localWrites = Mutex(0)

    /// Opens (creating and migrating if needed) `<dataDirectory>/accounts.sqlite`.
    public init(dataDirectory: String, limits: Limits = .init()) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let path = (dataDirectory as NSString).appendingPathComponent("accounts.sqlite")
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let created = !FileManager.default.fileExists(atPath: path)
        pool = try DatabasePool(path: path, configuration: config)
        if created {
            for suffix in ["", "-wal", "-shm"] {
                chmod(path + suffix, 0o600)
            }
        }
        self.limits = limits
        try Self.migrator.migrate(pool)
        versionConnection = try DatabaseQueue(path: path, configuration: config)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE domain (
                    name TEXT PRIMARY KEY NOT NULL,
                    created REAL NOT NULL
                );
                CREATE TABLE user (
                    address TEXT PRIMARY KEY NOT NULL,
                    domain TEXT NOT NULL REFERENCES domain(name),
                    password TEXT NOT NULL,
                    admin INTEGER NOT NULL DEFAULT 0,
                    created REAL NOT NULL
                );
                CREATE INDEX user_domain ON user(domain);
                CREATE TABLE alias (
                    source TEXT NOT NULL,
                    domain TEXT NOT NULL REFERENCES domain(name),
                    destination TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    PRIMARY KEY (source, destination)
                );
                CREATE INDEX alias_domain ON alias(domain);
                """)
        }
        return m
    }

    /// Every write of this process goes through here, so the snapshot knows to reload.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        defer { localWrites.withLock { $0 += 1 } }
        return try pool.write(body)
    }

    // MARK: domains

    public func addDomain(_ name: String) throws {
        let domain = try parseDomain(name)
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM domain WHERE name = ?", arguments: [domain.ascii]) == true {
                throw AccountsError.domainExists(domain.ascii)
            }
            try db.execute(sql: "INSERT INTO domain (name, created) VALUES (?, ?)",
                           arguments: [domain.ascii, Date().timeIntervalSince1970])
        }
    }

    public func removeDomain(_ name: String) throws {
        let domain = try parseDomain(name)
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM domain WHERE name = ?", arguments: [domain.ascii]) == true
            else { throw AccountsError.domainNotFound(domain.ascii) }
            let users = try Int.fetchOne(db, sql: "SELECT count(*) FROM user WHERE domain = ?", arguments: [domain.ascii]) ?? 0
            let aliases = try Int.fetchOne(db, sql: "SELECT count(DISTINCT source) FROM alias WHERE domain = ?",
                                           arguments: [domain.ascii]) ?? 0
            guard users == 0 && aliases == 0 else {
                throw AccountsError.domainInUse(domain.ascii, users: users, aliases: aliases)
            }
            try db.execute(sql: "DELETE FROM domain WHERE name = ?", arguments: [domain.ascii])
        }
    }

    public func domains() throws -> [Domain] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM domain ORDER BY name").compactMap { try? Domain($0) }
        }
    }

    public func isHosted(_ domain: Domain) throws -> Bool {
        try snapshot().domains.contains(domain.ascii)
    }

    // MARK: users

    /// Adds a user with a password to hash, or an already hashed password (migration).
    public func addUser(_ address: String, password: NewPassword, admin: Bool = false) throws {
        let addr = try parseAddress(address)
        let stored = try storedHash(for: password)
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM domain WHERE name = ?", arguments: [addr.domain.ascii]) == true
            else { throw AccountsError.domainNotFound(addr.domain.ascii) }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM user WHERE address = ?", arguments: [addr.description]) == true {
                throw AccountsError.userExists(addr.description)
            }
            try db.execute(sql: "INSERT INTO user (address, domain, password, admin, created) VALUES (?, ?, ?, ?, ?)",
                           arguments: [addr.description, addr.domain.ascii, stored, admin, Date().timeIntervalSince1970])
        }
    }

    public func removeUser(_ address: String) throws {
        let addr = try parseAddress(address)
        try write { db in
            try db.execute(sql: "DELETE FROM user WHERE address = ?", arguments: [addr.description])
            guard db.changesCount > 0 else { throw AccountsError.userNotFound(addr.description) }
            // An alias pointing at the removed user would now bounce; drop those destinations,
            // and aliases left with none.
            try db.execute(sql: "DELETE FROM alias WHERE destination = ?", arguments: [addr.description])
        }
        authCache.forget(addr.description)
    }

    public func setPassword(_ address: String, password: NewPassword) throws {
        let addr = try parseAddress(address)
        let stored = try storedHash(for: password)
        try write { db in
            try db.execute(sql: "UPDATE user SET password = ? WHERE address = ?", arguments: [stored, addr.description])
            guard db.changesCount > 0 else { throw AccountsError.userNotFound(addr.description) }
        }
        authCache.forget(addr.description)
    }

    public func users(domain: String? = nil) throws -> [UserRecord] {
        let d = try domain.map(parseDomain)
        return try pool.read { db in
            let rows = try Row.fetchAll(db, sql: d == nil
                ? "SELECT address, admin, created FROM user ORDER BY domain, address"
                : "SELECT address, admin, created FROM user WHERE domain = ? ORDER BY address",
                arguments: d.map { [$0.ascii] } ?? [])
            return rows.compactMap { row in
                guard let a = try? EmailAddress(row["address"] as String) else { return nil }
                return UserRecord(address: a, isAdmin: row["admin"], created: Date(timeIntervalSince1970: row["created"]))
            }
        }
    }

    public func userExists(_ address: EmailAddress) throws -> Bool {
        try snapshot().users.contains(address.canonical.description)
    }

    // MARK: aliases

    /// Adds destinations to an alias (creating it). Local destinations must exist; the
    /// result must not contain a loop (an alias listing itself is a kept copy, not a loop).
    public func addAlias(_ source: String, destinations: [String]) throws {
        let src = try parseAddress(source)
        let dests = try destinations.map(parseAddress)
        guard !dests.isEmpty else { throw AccountsError.invalidAddress("", "an alias needs at least one destination") }
        try write { db in
            let hosted = Set(try String.fetchAll(db, sql: "SELECT name FROM domain"))
            guard hosted.contains(src.domain.ascii) else { throw AccountsError.aliasSourceIsNotHosted(src.description) }
            var position = try Int.fetchOne(db, sql: "SELECT max(position) FROM alias WHERE source = ?",
                                            arguments: [src.description]) ?? 0
            for dest in dests {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM alias WHERE source = ? AND destination = ?",
                                     arguments: [src.description, dest.description]) == true {
                    throw AccountsError.aliasExists(src.description, dest.description)
                }
                if hosted.contains(dest.domain.ascii) && dest != src {
                    let isUser = try Bool.fetchOne(db, sql: "SELECT 1 FROM user WHERE address = ?", arguments: [dest.description]) == true
                    let isAlias = try Bool.fetchOne(db, sql: "SELECT 1 FROM alias WHERE source = ?", arguments: [dest.description]) == true
                    if !isUser && !isAlias { throw AccountsError.aliasDestinationUnknown(dest.description) }
                }
                position += 1
                try db.execute(sql: "INSERT INTO alias (source, domain, destination, position) VALUES (?, ?, ?, ?)",
                               arguments: [src.description, src.domain.ascii, dest.description, position])
            }
            // Reject the change (the transaction rolls back) if it closed a loop.
            if let loop = try Self.findLoop(from: src.description, db: db) {
                throw AccountsError.aliasLoop(loop)
            }
        }
    }

    /// Removes the named destinations, or the whole alias when none are given.
    public func removeAlias(_ source: String, destinations: [String] = []) throws {
        let src = try parseAddress(source)
        let dests = try destinations.map(parseAddress)
        try write { db in
            if dests.isEmpty {
                try db.execute(sql: "DELETE FROM alias WHERE source = ?", arguments: [src.description])
                guard db.changesCount > 0 else { throw AccountsError.aliasNotFound(src.description) }
            } else {
                for dest in dests {
                    try db.execute(sql: "DELETE FROM alias WHERE source = ? AND destination = ?",
                                   arguments: [src.description, dest.description])
                    guard db.changesCount > 0 else { throw AccountsError.aliasNotFound("\(src) -> \(dest)") }
                }
            }
        }
    }

    public func aliases(domain: String? = nil) throws -> [AliasRecord] {
        let d = try domain.map(parseDomain)
        return try pool.read { db in
            let rows = try Row.fetchAll(db, sql: d == nil
                ? "SELECT source, destination FROM alias ORDER BY domain, source, position"
                : "SELECT source, destination FROM alias WHERE domain = ? ORDER BY source, position",
                arguments: d.map { [$0.ascii] } ?? [])
            var out: [AliasRecord] = []
            for row in rows {
                guard let s = try? EmailAddress(row["source"] as String),
                      let dst = try? EmailAddress(row["destination"] as String) else { continue }
                if out.last?.source == s { out[out.count - 1].destinations.append(dst) }
                else { out.append(AliasRecord(source: s, destinations: [dst])) }
            }
            return out
        }
    }

    /// Depth-first search for a cycle through aliases, ignoring self-references.
    static func findLoop(from start: String, db: Database) throws -> [String]? {
        var stack: [(node: String, path: [String])] = [(start, [start])]
        var visitedEdges = Set<String>()
        while let (node, path) = stack.popLast() {
            let dests = try String.fetchAll(db, sql: "SELECT destination FROM alias WHERE source = ? ORDER BY position",
                                            arguments: [node])
            for d in dests where d != node {
                if path.contains(d) { return path + [d] }
                let edge = node + "\u{0}" + d
                if visitedEdges.insert(edge).inserted && path.count < 1000 {
                    stack.append((d, path + [d]))
                }
            }
        }
        return nil
    }

    // MARK: resolution (SMTP RCPT)

    /// Resolves a recipient: aliases expanded (Postfix semantics), `user+detail` falling
    /// back to `user`, `postmaster@` and `abuse@` of every hosted domain delivered to the
    /// admin accounts when not defined otherwise (RFC 5321 §4.5.1, RFC 2142 §2).
    public func resolve(_ address: EmailAddress) throws -> Result<Resolution, ResolveError> {
        let snap = try snapshot()
        guard snap.domains.contains(address.domain.ascii) else { return .failure(.notHosted) }
        var result = Resolution()
        var count = 0
        /// Returns false when the address is unknown in a hosted domain, nil past a limit.
        func expand(_ addr: EmailAddress, depth: Int) -> Bool? {
            guard depth <= limits.aliasDepth, count <= limits.aliasFanout else { return nil }
            let key = addr.canonical
            guard snap.domains.contains(key.domain.ascii) else {
                if !result.forwards.contains(key) { result.forwards.append(addr); count += 1 }
                return true
            }
            if let dests = snap.aliases[key.description], !dests.isEmpty {
                for d in dests {
                    guard let da = try? EmailAddress(d) else { continue }
                    if da == key {
                        // Self-reference: keep a copy in the mailbox (if there is one).
                        if snap.users.contains(key.description), !result.mailboxes.contains(key) {
                            result.mailboxes.append(key); count += 1
                        }
                        continue
                    }
                    guard let ok = expand(da, depth: depth + 1) else { return nil }
                    if !ok { continue }   // a dangling destination is skipped, as Postfix bounces only it
                }
                return true
            }
            if snap.users.contains(key.description) {
                if !result.mailboxes.contains(key) { result.mailboxes.append(key); count += 1 }
                return true
            }
            if let base = key.withoutDetail() {
                return expand(base, depth: depth + 1)
            }
            if key.localPart == "postmaster" || key.localPart == "abuse" {
                var admins = snap.admins
                if admins.isEmpty, let first = snap.firstUser[key.domain.ascii] { admins = [first] }
                for a in admins {
                    if let aa = try? EmailAddress(a), !result.mailboxes.contains(aa) { result.mailboxes.append(aa); count += 1 }
                }
                return !admins.isEmpty
            }
            return false
        }
        guard let known = expand(address, depth: 0) else { return .failure(.expansionLimit) }
        if !known || result.isEmpty { return .failure(.unknownRecipient) }
        return .success(result)
    }

    /// What recipient resolution needs, in memory. SMTP asks for every RCPT; reading it from
    /// SQLite each time cost more than the rest of the command, so it is loaded once and
    /// reloaded when the database changed (SQLite's `PRAGMA data_version`, which moves when
    /// any other connection, e.g. the `postern` CLI, commits).
    struct Snapshot: Sendable {
        var domains: Set<String> = []
        var users: Set<String> = []
        /// Admin accounts, oldest first.
        var admins: [String] = []
        /// The oldest account of each domain (postmaster@ when there is no admin).
        var firstUser: [String: String] = [:]
        var aliases: [String: [String]] = [:]

        static func load(_ db: Database) throws -> Snapshot {
            var s = Snapshot()
            s.domains = Set(try String.fetchAll(db, sql: "SELECT name FROM domain"))
            for row in try Row.fetchAll(db, sql: "SELECT address, domain, admin FROM user ORDER BY created, address") {
                let address: String = row["address"]
                s.users.insert(address)
                if row["admin"] as Bool { s.admins.append(address) }
                let domain: String = row["domain"]
                if s.firstUser[domain] == nil { s.firstUser[domain] = address }
            }
            for row in try Row.fetchAll(db, sql: "SELECT source, destination FROM alias ORDER BY source, position") {
                s.aliases[row["source"] as String, default: []].append(row["destination"])
            }
            return s
        }
    }

    func snapshot() throws -> Snapshot {
        let version = try versionConnection.inDatabase { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        if let cached = cachedSnapshot.withLock({ $0 }), cached.version == version, cached.generation == localWrites.withLock({ $0 }) {
            return cached.snapshot
        }
        let generation = localWrites.withLock { $0 }
        let fresh = try pool.read { db in try Snapshot.load(db) }
        cachedSnapshot.withLock { $0 = (version, generation, fresh) }
        return fresh
    }

    /// Addresses a user may send as: their own and every alias that delivers to them
    /// (RFC 6409 §6.1 lets the MSA check the sender; Postfix's
    /// reject_sender_login_mismatch with the aliases map).
    public func sendableAddresses(for user: EmailAddress) throws -> Set<EmailAddress> {
        var out: Set<EmailAddress> = [user.canonical]
        let all = try aliases()
        for alias in all {
            if case .success(let r) = try resolve(alias.source), r.mailboxes.contains(user.canonical) {
                out.insert(alias.source.canonical)
            }
        }
        return out
    }

    // MARK: authentication

    public enum AuthResult: Sendable, Equatable {
        case success(EmailAddress)
        case failure
    }

    /// Verifies a login. The slow hash runs off the caller's thread; a cache of recent
    /// successes (in memory only, keyed by an HMAC under a per-process secret) makes repeated
    /// logins of the same client cheap, as Dovecot's auth_cache does. Unknown users cost the
    /// same hash as known ones, so timing does not reveal which addresses exist.
    public func authenticate(_ username: String, password: String) async -> AuthResult {
        guard let addr = try? EmailAddress(username).canonical, !password.isEmpty else {
            _ = await Self.offload { PasswordHash.verify(password, against: Self.dummyHash) }
            return .failure
        }
        let stored: String?
        do {
            stored = try await pool.read { db in
                try String.fetchOne(db, sql: "SELECT password FROM user WHERE address = ?", arguments: [addr.description])
            }
        } catch {
            return .failure
        }
        guard let stored else {
            _ = await Self.offload { PasswordHash.verify(password, against: Self.dummyHash) }
            return .failure
        }
        if authCache.check(addr.description, storedHash: stored, password: password) {
            return .success(addr)
        }
        let ok = await Self.offload { PasswordHash.verify(password, against: stored) }
        guard ok else { return .failure }
        authCache.remember(addr.description, storedHash: stored, password: password)
        if PasswordHash.needsUpgrade(stored), let upgraded = try? PasswordHash.make(password) {
            _ = try? await pool.write { db in
                try db.execute(sql: "UPDATE user SET password = ? WHERE address = ? AND password = ?",
                               arguments: [upgraded, addr.description, stored])
            }
        }
        return .success(addr)
    }

    /// A fixed yescrypt hash of a random string, verified for unknown users.
    static let dummyHash = (try? PasswordHash.make(UUID().uuidString)) ?? "$y$j9T$invalid"

    static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { cont in
            DispatchQueue.global().async { cont.resume(returning: work()) }
        }
    }

    // MARK: helpers

    func parseDomain(_ s: String) throws -> Domain {
        do { return try Domain(s) } catch { throw AccountsError.invalidDomain(s, error.description) }
    }

    func parseAddress(_ s: String) throws -> EmailAddress {
        do { return try EmailAddress(s).canonical } catch { throw AccountsError.invalidAddress(s, error.description) }
    }

    func storedHash(for password: NewPassword) throws -> String {
        do {
            switch password {
            case .plain(let p): return try PasswordHash.make(p)
            case .hashed(let h): return try PasswordHash.importing(h)
            }
        } catch {
            throw AccountsError.password(error)
        }
    }
}

public enum NewPassword: Sendable {
    case plain(String)
    /// A crypt(5) or Dovecot `{SCHEME}` hash, for migrations.
    case hashed(String)
}
