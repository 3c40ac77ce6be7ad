// One account's mail: its mailboxes (Maildir++ folders), their shared states, and the
// operations that do not need a selected mailbox (LIST, CREATE, DELETE, RENAME, SUBSCRIBE,
// STATUS, APPEND).

import Dispatch
import GRDB
public import MailCore
import Synchronization

public final class AccountStore: Sendable {
    let context: AccountContext
    /// Serialises mailbox creation, deletion and renaming, and UIDVALIDITY allocation.
    private let queue: DispatchQueue
    private let states = Mutex<[MailboxName: MailboxState]>([:])

    /// A mailbox of this account, for COPY/MOVE targets and delivery notifications.
    public struct MailboxHandle: Sendable {
        let state: MailboxState
        public var name: MailboxName { state.snapshot.name }
        public var uidValidity: UInt32 { state.snapshot.uidValidity }
    }

    public var address: EmailAddress { context.address }
    /// The account's Maildir (INBOX) directory.
    public var path: String { context.root }
    /// False when the index had to be created (first use, or rebuilt after loss/corruption).
    public var indexWasRebuilt: Bool { context.index.isFresh }

    init(context: AccountContext) {
        self.context = context
        self.queue = DispatchQueue(label: "postern.store.account")
    }

    /// Creates INBOX and the special-use folders (RFC 6154) when missing.
    func prepare() throws(StoreError) {
        try onQueue(queue) { () throws(StoreError) in
            for (name, use) in [(MailboxName.inbox, nil)] + SpecialUse.standardFolders.map({ ($0.0, Optional($0.1)) }) {
                let path = context.path(of: name)
                do throws(POSIXFailure) {
                    try POSIXFiles.makeMaildir(path)
                } catch {
                    throw error.storeError
                }
                _ = try stateOnQueue(name, specialUse: use)
            }
        }
    }

    // MARK: mailbox states

    /// The shared state of an existing mailbox (a Maildir++ folder on disk), registering it in
    /// the index on first sight. Runs on the account queue.
    private func stateOnQueue(_ name: MailboxName, specialUse: SpecialUse? = nil) throws(StoreError) -> MailboxState {
        if let state = states.withLock({ $0[name] }), !state.isDeleted { return state }
        let path = context.path(of: name)
        guard POSIXFiles.isDirectory(path + "/cur") else { throw .nonexistent(name.name) }
        struct RowData { var id: Int64; var uidValidity: UInt32; var uidNext: UInt32; var modseq: UInt64; var keywords: [String]; var use: String? }
        let existing: RowData? = try indexing {
            try context.index.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT id, uidValidity, uidNext, highestModseq, keywords, specialUse FROM mailbox WHERE name = ?",
                                 arguments: [name.name]).map { row in
                    RowData(id: row[0], uidValidity: UInt32(truncatingIfNeeded: row[1] as Int64), uidNext: UInt32(truncatingIfNeeded: row[2] as Int64),
                            modseq: UInt64(bitPattern: row[3] as Int64),
                            keywords: (row[4] as String).split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
                            use: row[5])
                }
            }
        }
        let state: MailboxState
        if var row = existing {
            if row.keywords == [""] { row.keywords = [] }
            if let specialUse, row.use == nil {
                let id = row.id
                try indexing { try context.index.pool.write { db in
                    try db.execute(sql: "UPDATE mailbox SET specialUse = ? WHERE id = ?", arguments: [specialUse.rawValue, id])
                } }
            }
            state = MailboxState(context: context, id: row.id, name: name, path: path, uidValidity: row.uidValidity,
                                 uidNext: row.uidNext, highestModseq: row.modseq, keywords: row.keywords, importing: nil)
        } else {
            // First sight: import Dovecot's UIDs when it left a uidlist (migration), else a
            // new UIDVALIDITY.
            var imported: DovecotUIDList?
            if let bytes = try? POSIXFiles.readFile(path + "/dovecot-uidlist", limit: context.limits.dovecotUIDListOctets) {
                imported = try? DovecotUIDList.parse(bytes, limits: context.limits)
            }
            let uidValidity: UInt32
            if let v = imported?.uidValidity { uidValidity = v } else { uidValidity = try allocateUIDValidity() }
            var keywords: [String] = []
            if let bytes = try? POSIXFiles.readFile(path + "/dovecot-keywords", limit: 64 * context.limits.dovecotFileLineOctets) {
                for (index, keyword) in DovecotKeywords.parse(bytes, limits: context.limits).sorted(by: { $0.key < $1.key }) {
                    while keywords.count < index { keywords.append("") }
                    keywords.append(keyword)
                }
            }
            // Imported UIDs are reserved at once: an APPEND before the first sync must not
            // take one of them.
            let uidNext = imported?.nextUID ?? 1
            let id: Int64 = try indexing {
                try context.index.pool.write { db in
                    try db.execute(sql: """
                        INSERT INTO mailbox (name, uidValidity, uidNext, highestModseq, specialUse, keywords)
                        VALUES (?, ?, ?, 1, ?, ?)
                        """, arguments: [name.name, Int64(uidValidity), Int64(uidNext), specialUse?.rawValue, keywords.joined(separator: "\n")])
                    return db.lastInsertedRowID
                }
            }
            state = MailboxState(context: context, id: id, name: name, path: path, uidValidity: uidValidity,
                                 uidNext: uidNext, highestModseq: 1, keywords: keywords, importing: imported)
        }
        states.withLock { $0[name] = state }
        return state
    }

    /// A new UIDVALIDITY, strictly above every earlier one of this account (RFC 9051 §2.3.1.1:
    /// a re-created mailbox must not reuse one). The last value is also kept in a small file
    /// beside the index so that a rebuilt index continues above it.
    private func allocateUIDValidity() throws(StoreError) -> UInt32 {
        let filePath = context.root + "/postern-uidvalidity"
        let fromFile = (try? POSIXFiles.readFile(filePath, limit: 64)).flatMap { UInt32(String(decoding: $0, as: UTF8.self).trimmingSpaces) } ?? 0
        let fromIndex: UInt32 = try indexing {
            try context.index.pool.read { db in
                UInt32(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'lastUIDValidity'") ?? "0") ?? 0
            }
        }
        let now = UInt32(clamping: context.nowSeconds)
        let last = max(fromFile, fromIndex)
        let value = max(now, last == UInt32.max ? 1 : last + 1)
        try indexing {
            try context.index.pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('lastUIDValidity', ?)", arguments: [String(value)])
            }
        }
        do throws(POSIXFailure) {
            try POSIXFiles.replaceFile(filePath, contents: Array("\(value)\n".utf8))
        } catch {
            throw error.storeError
        }
        return value
    }

    func existingState(_ name: MailboxName) async throws(StoreError) -> MailboxState {
        try await runBlocking(on: queue) { () throws(StoreError) in try self.stateOnQueue(name) }
    }

    /// The loaded state of a mailbox if any session or status has used it (for delivery
    /// notifications).
    func loadedState(_ name: MailboxName) -> MailboxState? { states.withLock { $0[name] } }

    /// Waits until every queued change (file renames after STORE) is on disk; for shutdown.
    public func flush() async {
        let all = states.withLock { Array($0.values) }
        for state in all {
            _ = try? await state.run { () throws(StoreError) in state.flushPendingRenames() }
        }
    }

    // MARK: public operations

    /// A handle on an existing mailbox (COPY/MOVE destination: `NO [TRYCREATE]` when this
    /// throws `.nonexistent`).
    public func mailbox(_ name: MailboxName) async throws(StoreError) -> MailboxHandle {
        MailboxHandle(state: try await existingState(name))
    }

    /// SELECT / EXAMINE: syncs the Maildir into the index and opens a session view.
    public func select(_ name: MailboxName, readOnly: Bool = false) async throws(StoreError) -> MailboxSession {
        let state = try await existingState(name)
        try await state.run { () throws(StoreError) in try state.syncOnQueue() }
        return MailboxSession(state: state, readOnly: readOnly)
    }

    /// STATUS without selecting (syncs first; cheap when the Maildir did not change).
    public func status(_ name: MailboxName) async throws(StoreError) -> MailboxStatus {
        let state = try await existingState(name)
        try await state.run { () throws(StoreError) in try state.syncOnQueue() }
        let snap = state.snapshot
        var unseen = 0
        var deleted = 0
        var size = 0
        for m in snap.messages {
            if !m.flags.contains(.seen) { unseen += 1 }
            if m.flags.contains(.deleted) { deleted += 1 }
            size += m.size
        }
        return MailboxStatus(messages: snap.messages.count, uidNext: snap.uidNext, uidValidity: snap.uidValidity,
                             unseen: unseen, deleted: deleted, size: size, highestModseq: snap.highestModseq)
    }

    /// APPEND (RFC 9051 §6.3.12): durable before it returns; the result is APPENDUID's.
    public func append(to name: MailboxName, message: [UInt8], flags: MessageFlags = [], keywords: [String] = [],
                       internalDate: Int64? = nil) async throws(StoreError) -> AppendResult {
        let state = try await existingState(name)
        return try await state.run { () throws(StoreError) in
            try state.append(message, flags: flags, keywords: keywords, internalDate: internalDate)
        }
    }

    /// LIST: every folder on disk, the names implied by deeper folders (`\Noselect`), their
    /// special use and subscription.
    public func list() async throws(StoreError) -> [MailboxListing] {
        try await runBlocking(on: queue) { () throws(StoreError) in try self.listOnQueue() }
    }

    private func listOnQueue() throws(StoreError) -> [MailboxListing] {
        let onDisk = try foldersOnDisk()
        struct RowInfo { var use: SpecialUse?; var id: Int64 }
        let (rows, subscribed): ([MailboxName: RowInfo], Set<String>) = try indexing {
            try context.index.pool.read { db in
                var rows: [MailboxName: RowInfo] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT name, specialUse, id FROM mailbox") {
                    rows[MailboxName(unchecked: row[0])] = RowInfo(use: (row[1] as String?).flatMap(SpecialUse.init(rawValue:)), id: row[2])
                }
                return (rows, Set(try String.fetchAll(db, sql: "SELECT name FROM subscription")))
            }
        }
        // Folders removed by another program: forget them.
        let gone = rows.filter { !onDisk.contains($0.key) }
        if !gone.isEmpty {
            try indexing {
                try context.index.pool.write { db in
                    for (_, info) in gone { try db.execute(sql: "DELETE FROM mailbox WHERE id = ?", arguments: [info.id]) }
                }
            }
            for name in gone.keys { states.withLock { $0.removeValue(forKey: name) }?.markDeleted() }
        }
        var all = Set(onDisk)
        for name in onDisk {
            var parent = name.parent
            while let p = parent {
                all.insert(p)
                parent = p.parent
            }
        }
        return all.sorted().map { name in
            MailboxListing(name: name, selectable: onDisk.contains(name),
                           hasChildren: all.contains { $0.isDescendant(of: name) },
                           specialUse: rows[name]?.use, subscribed: subscribed.contains(name.name))
        }
    }

    private func foldersOnDisk() throws(StoreError) -> Set<MailboxName> {
        var names: Set<MailboxName> = [.inbox]
        let entries: [String]
        do throws(POSIXFailure) {
            entries = try POSIXFiles.listDirectories(context.root)
        } catch {
            throw error.storeError
        }
        for entry in entries {
            guard let name = MailboxName.fromDirectoryName(entry, limits: context.limits),
                  POSIXFiles.isDirectory(context.root + "/" + entry + "/cur") else { continue }
            names.insert(name)
        }
        return names
    }

    /// CREATE (RFC 9051 §6.3.4). Parents need no directory of their own in Maildir++.
    public func create(_ name: MailboxName, specialUse: SpecialUse? = nil) async throws(StoreError) {
        try await runBlocking(on: queue) { () throws(StoreError) in
            let path = self.context.path(of: name)
            guard !name.isInbox, !POSIXFiles.isDirectory(path + "/cur") else { throw .alreadyExists(name.name) }
            do throws(POSIXFailure) {
                try POSIXFiles.makeMaildir(path)
                try POSIXFiles.syncDirectory(self.context.root)
            } catch {
                throw error.storeError
            }
            _ = try self.stateOnQueue(name, specialUse: specialUse)
        }
    }

    /// DELETE (RFC 9051 §6.3.5): removes the folder's Maildir and its index entries. A folder
    /// with children loses its messages but its children stay (its name then exists only as
    /// `\Noselect`); deleting a `\Noselect` name or INBOX is refused.
    public func delete(_ name: MailboxName) async throws(StoreError) {
        try await runBlocking(on: queue) { () throws(StoreError) in
            guard !name.isInbox else { throw .notAllowed("INBOX cannot be deleted") }
            let path = self.context.path(of: name)
            guard POSIXFiles.isDirectory(path + "/cur") else {
                let hasChildren = try self.foldersOnDisk().contains { $0.isDescendant(of: name) }
                throw hasChildren ? .notAllowed("\(name) has children and no messages of its own") : .nonexistent(name.name)
            }
            let state = try? self.stateOnQueue(name)
            let trash = self.context.root + "/..postern-deleted-\(POSIXFiles.realtimeNanoseconds())"
            let work: @Sendable () throws(StoreError) -> Void = { () throws(StoreError) in
                do throws(POSIXFailure) {
                    // Rename first: the folder disappears at once for every reader.
                    try POSIXFiles.rename(path, trash)
                    try POSIXFiles.removeTree(trash)
                } catch {
                    throw error.storeError
                }
            }
            if let state { try onQueue(state.queue, work) } else { try work() }
            try indexing {
                try self.context.index.pool.write { db in
                    try db.execute(sql: "DELETE FROM mailbox WHERE name = ?", arguments: [name.name])
                }
            }
            self.states.withLock { $0.removeValue(forKey: name) }?.markDeleted()
            state?.markDeleted()
        }
    }

    /// RENAME (RFC 9051 §6.3.6): the folder and every folder below it. Renaming INBOX moves
    /// its messages to the new folder and leaves INBOX empty.
    public func rename(_ from: MailboxName, to: MailboxName) async throws(StoreError) {
        if from.isInbox {
            try await create(to)
            var session = try await select(.inbox)
            let destination = try await mailbox(to)
            _ = try await session.move(uids: session.uids, to: destination)
            return
        }
        try await runBlocking(on: queue) { () throws(StoreError) in
            guard !to.isInbox, from != to, !to.isDescendant(of: from) else { throw .notAllowed("cannot rename \(from) to \(to)") }
            let folders = try self.foldersOnDisk()
            let moving = folders.filter { $0 == from || $0.isDescendant(of: from) }.sorted()
            guard !moving.isEmpty else { throw .nonexistent(from.name) }
            for name in moving {
                let target = name.replacingPrefix(from, with: to)
                if POSIXFiles.exists(self.context.path(of: target)) { throw .alreadyExists(target.name) }
            }
            for name in moving {
                let target = name.replacingPrefix(from, with: to)
                let oldPath = self.context.path(of: name)
                let newPath = self.context.path(of: target)
                let state = try? self.stateOnQueue(name)
                let work: @Sendable () throws(StoreError) -> Void = { () throws(StoreError) in
                    do throws(POSIXFailure) {
                        try POSIXFiles.rename(oldPath, newPath)
                    } catch {
                        throw error.storeError
                    }
                    state?.moved(to: target, path: newPath)
                }
                if let state { try onQueue(state.queue, work) } else { try work() }
                try indexing {
                    try self.context.index.pool.write { db in
                        try db.execute(sql: "UPDATE mailbox SET name = ? WHERE name = ?", arguments: [target.name, name.name])
                    }
                }
                self.states.withLock { states in
                    if let s = states.removeValue(forKey: name) { states[target] = s }
                }
            }
            do throws(POSIXFailure) {
                try POSIXFiles.syncDirectory(self.context.root)
            } catch {
                throw error.storeError
            }
        }
    }

    /// SUBSCRIBE / UNSUBSCRIBE (RFC 9051 §6.3.7-8). A name need not exist to be subscribed.
    public func setSubscribed(_ name: MailboxName, _ subscribed: Bool) async throws(StoreError) {
        let pool = context.index.pool
        try await runBlocking(on: queue) { () throws(StoreError) in
            try indexing {
                try pool.write { db in
                    if subscribed {
                        try db.execute(sql: "INSERT OR IGNORE INTO subscription (name) VALUES (?)", arguments: [name.name])
                    } else {
                        try db.execute(sql: "DELETE FROM subscription WHERE name = ?", arguments: [name.name])
                    }
                }
            }
        }
    }

    public func subscriptions() async throws(StoreError) -> [MailboxName] {
        let pool = context.index.pool
        return try await runBlocking(on: queue) { () throws(StoreError) in
            try indexing {
                try pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM subscription ORDER BY name").map(MailboxName.init(unchecked:)) }
            }
        }
    }

    /// Fills the search index (header fields, full text, cached blobs) of a mailbox with the
    /// analyser, up to `maxMessages`; SEARCH does this itself for what is missing, so a
    /// background task calling this only makes the first SEARCH fast. Returns how many
    /// messages were analysed.
    public func indexPendingMessages(in name: MailboxName, maxMessages: Int = .max) async throws(StoreError) -> Int {
        let state = try await existingState(name)
        return try await state.analyzePending(maxMessages: maxMessages)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
