// The per-account SQLite index (`postern-index.sqlite` in the account root, WAL,
// synchronous = NORMAL). It is a cache of the Maildir: when it is missing, unreadable or
// fails `PRAGMA quick_check` it is moved aside and rebuilt, and every mailbox gets a new
// UIDVALIDITY (RFC 9051 §2.3.1.1).

import GRDB

final class IndexDatabase: Sendable {
    static let fileName = "postern-index.sqlite"

    let pool: DatabasePool
    /// True when this database was created now (no index, or the old one was corrupt): the
    /// mailboxes it learns get new UIDVALIDITY values, or Dovecot's if a uidlist is imported.
    let isFresh: Bool

    private init(pool: DatabasePool, isFresh: Bool) {
        self.pool = pool
        self.isFresh = isFresh
    }

    static func open(directory: String) throws(StoreError) -> IndexDatabase {
        let path = directory + "/" + fileName
        let existed = POSIXFiles.exists(path)
        if existed {
            do {
                let pool = try makePool(path: path)
                let ok = try pool.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") == "ok" }
                guard ok else { throw StoreError.index("quick_check failed") }
                try migrator.migrate(pool)
                // A database written by this schema but never given its marker is incomplete.
                let complete = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'complete'") }
                guard complete == "1" else { throw StoreError.index("index incomplete") }
                return IndexDatabase(pool: pool, isFresh: false)
            } catch {
                moveAside(path)
            }
        }
        do {
            let pool = try makePool(path: path)
            try migrator.migrate(pool)
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('complete', '1')")
            }
            return IndexDatabase(pool: pool, isFresh: true)
        } catch {
            throw .index("cannot create \(path): \(error)")
        }
    }

    /// Keeps a corrupt index for inspection instead of deleting it; its WAL and shared-memory
    /// files belong to it and go with it.
    private static func moveAside(_ path: String) {
        let stamp = POSIXFiles.realtimeNanoseconds() / 1_000_000_000
        for suffix in ["", "-wal", "-shm"] where POSIXFiles.exists(path + suffix) {
            try? POSIXFiles.rename(path + suffix, path + ".corrupt-\(stamp)" + suffix)
        }
    }

    private static func makePool(path: String) throws -> DatabasePool {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // 16 MiB of page cache per connection: a 100,000-message mailbox's rows fit.
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        return pool
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE mailbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    uidValidity INTEGER NOT NULL,
                    uidNext INTEGER NOT NULL,
                    highestModseq INTEGER NOT NULL,
                    specialUse TEXT,
                    keywords TEXT NOT NULL DEFAULT '',
                    newSignature TEXT NOT NULL DEFAULT '',
                    curSignature TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE subscription (name TEXT PRIMARY KEY) WITHOUT ROWID;
                CREATE TABLE message (
                    mailboxId INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,
                    uid INTEGER NOT NULL,
                    base TEXT NOT NULL,
                    info TEXT NOT NULL,
                    inNew INTEGER NOT NULL,
                    flags INTEGER NOT NULL,
                    keywords INTEGER NOT NULL,
                    modseq INTEGER NOT NULL,
                    internalDate INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    fileSize INTEGER NOT NULL,
                    analyzed INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (mailboxId, uid)
                ) WITHOUT ROWID;
                CREATE TABLE messageCache (
                    mailboxId INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,
                    uid INTEGER NOT NULL,
                    envelope BLOB,
                    bodyStructure BLOB,
                    subject TEXT,
                    fromText TEXT,
                    toText TEXT,
                    ccText TEXT,
                    bccText TEXT,
                    dateText TEXT,
                    PRIMARY KEY (mailboxId, uid)
                ) WITHOUT ROWID;
                CREATE TABLE expunged (
                    mailboxId INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,
                    uid INTEGER NOT NULL,
                    modseq INTEGER NOT NULL,
                    PRIMARY KEY (mailboxId, uid)
                ) WITHOUT ROWID;
                CREATE INDEX expungedModseq ON expunged (mailboxId, modseq);
                CREATE VIRTUAL TABLE messageText USING fts5(
                    header, body, tokenize = 'unicode61 remove_diacritics 2'
                );
                """)
        }
        return m
    }

    /// FTS rows are keyed by mailbox and UID together; mailbox ids are AUTOINCREMENT (never
    /// reused) and UIDs are never reused, so a key never names two messages.
    static func textRowID(mailbox: Int64, uid: UInt32) -> Int64 { mailbox << 32 | Int64(uid) }
}
