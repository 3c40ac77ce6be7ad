// Changes made through the store: STORE (flags), EXPUNGE, APPEND, COPY. Each runs on the
// mailbox queue, renames/links/unlinks the Maildir files, commits one SQLite transaction,
// publishes the new snapshot and wakes observers.

import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// Result of a STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3).
public struct StoreResult: Sendable {
    /// Messages whose flags changed, with their new state and mod-sequence.
    public var modified: [MessageInfo]
    /// Messages of the set left as they were because nothing changed for them.
    public var unchanged: [MessageInfo]
    /// UIDs that failed the UNCHANGEDSINCE test (the `MODIFIED` response code).
    public var failedUnchangedSince: [UInt32]
}

/// Result of APPEND (RFC 4315 APPENDUID).
public struct AppendResult: Sendable, Hashable {
    public var uidValidity: UInt32
    public var uid: UInt32
}

/// Result of COPY/MOVE (RFC 4315 COPYUID): source and destination UIDs in matching order.
public struct CopyResult: Sendable, Hashable {
    public var uidValidity: UInt32
    public var sourceUIDs: [UInt32]
    public var destinationUIDs: [UInt32]
}

/// A message being copied: where its file is and what it carries.
struct CopySource: Sendable {
    var path: String
    var info: MessageInfo
    var keywordNames: [String]
    var fileSize: Int?
}

extension MailboxState {
    /// Resolves keyword names to bits, adding new ones to the table (and to
    /// `dovecot-keywords` for the first 26). Case-insensitive match, as IMAP flags are.
    func keywordBits(_ names: [String], create: Bool, keywords: inout [String]) throws(StoreError) -> KeywordSet {
        var set = KeywordSet()
        for name in names {
            guard DovecotKeywords.isValidKeyword(name, limits: limits) else { throw .invalidName(name, reason: "invalid keyword") }
            if let i = keywords.firstIndex(where: { !$0.isEmpty && $0.caseInsensitiveEquals(name) }) {
                set.insert(i)
                continue
            }
            guard create else { continue }
            let slot = keywords.firstIndex(of: "") ?? keywords.count
            guard slot < min(64, limits.keywordsPerMailbox) else { throw .limit("keywords per mailbox") }
            if slot == keywords.count { keywords.append(name) } else { keywords[slot] = name }
            set.insert(slot)
        }
        return set
    }

    /// Persists a changed keyword table (index row and dovecot-keywords).
    func saveKeywords(_ keywords: [String], db: Database) throws {
        try db.execute(sql: "UPDATE mailbox SET keywords = ? WHERE id = ?", arguments: [keywords.joined(separator: "\n"), id])
    }

    func writeDovecotKeywords(_ keywords: [String]) {
        // Best effort: the index is authoritative for us; the file is for Dovecot and for
        // rebuilding keyword letters after an index loss.
        try? POSIXFiles.replaceFile(path + "/dovecot-keywords", contents: DovecotKeywords.render(keywords))
    }

    // MARK: STORE

    func storeFlags(uids: [UInt32], operation: FlagOperation, flags: MessageFlags, keywords keywordNames: [String],
                    unchangedSince: UInt64?) throws(StoreError) -> StoreResult {
        try checkNotDeleted()
        try loadIfNeeded()
        let current = snapshot
        var table = current.keywords
        let kw = try keywordBits(keywordNames, create: operation != .remove, keywords: &table)
        let modseq = current.highestModseq + 1
        var result = StoreResult(modified: [], unchanged: [], failedUnchangedSince: [])
        var planned: [(index: Int, info: MessageInfo)] = []
        planned.reserveCapacity(uids.count)
        for uid in uids {
            guard let index = current.index(ofUID: uid) else { continue }
            let old = current.messages[index]
            // RFC 7162 §3.1.3: fail messages modified after UNCHANGEDSINCE.
            if let limit = unchangedSince, old.modseq > limit {
                result.failedUnchangedSince.append(uid)
                continue
            }
            var new = old
            switch operation {
            case .replace:
                // Maildir's P has no IMAP name: FLAGS (...) keeps it.
                new.flags = flags.union(old.flags.intersection(.passed))
                new.keywords = kw
            case .add:
                new.flags.formUnion(flags)
                new.keywords.bits |= kw.bits
            case .remove:
                new.flags.subtract(flags)
                new.keywords.bits &= ~kw.bits
            }
            if new.flags == old.flags && new.keywords == old.keywords {
                result.unchanged.append(old)
            } else {
                new.modseq = modseq
                planned.append((index, new))
            }
        }
        guard !planned.isEmpty else { return result }

        // Renames: no fsync per file (Dovecot does not either; flags are not worth a disk
        // flush each, and a crash leaves either name, both valid).
        let path = self.path
        var failure: StoreError?
        var renamed: [(uid: UInt32, ref: FileRef)] = []
        renamed.reserveCapacity(planned.count)
        let refs: [FileRef?] = files.withLock { table in planned.map { table.byUID[$0.info.uid] } }
        let lostFiles = try changingCur { () throws(StoreError) -> Bool in
            let curDir: Int32
            let newDir: Int32
            do throws(POSIXFailure) {
                curDir = try POSIXFiles.openDirectory(path + "/cur")
                newDir = try POSIXFiles.openDirectory(path + "/new")
            } catch {
                throw error.storeError
            }
            defer {
                close(curDir)
                close(newDir)
            }
            var lost = false
            for (i, item) in planned.enumerated() {
                guard let old = refs[i] else { continue }
                let info = MaildirFileName.info(flags: item.info.flags, keywords: item.info.keywords)
                let new = FileRef(base: old.base, info: info, inNew: false)
                let err = POSIXFiles.renameAt(old.inNew ? newDir : curDir, old.fileName, curDir, new.fileName)
                if err == 0 {
                    renamed.append((item.info.uid, new))
                } else if err == ENOENT {
                    lost = true
                } else {
                    failure = POSIXFailure(operation: "rename", path: path + "/" + old.relativePath, code: err).storeError
                    break
                }
            }
            return lost
        }
        // A file renamed or removed by another program: read cur/ again at the next sync.
        if lostFiles { invalidateCur() }
        let renamedUIDs = Dictionary(renamed.map { ($0.uid, $0.ref) }, uniquingKeysWith: { a, _ in a })
        let applied = planned.filter { renamedUIDs[$0.info.uid] != nil }
        guard !applied.isEmpty else {
            if let failure { throw failure }
            return result
        }

        let mailboxID = id
        let keywordsChanged = table != current.keywords
        let finalTable = table
        try indexing {
            try context.index.pool.write { db in
                let statement = try db.makeStatement(sql: "UPDATE message SET info = ?, inNew = 0, flags = ?, keywords = ?, modseq = ? WHERE mailboxId = ? AND uid = ?")
                for item in applied {
                    statement.setUncheckedArguments([
                        renamedUIDs[item.info.uid]?.info ?? "", Int64(item.info.flags.rawValue),
                        Int64(bitPattern: item.info.keywords.bits), Int64(bitPattern: modseq), mailboxID, Int64(item.info.uid),
                    ])
                    try statement.execute()
                }
                try db.execute(sql: "UPDATE mailbox SET highestModseq = ? WHERE id = ?", arguments: [Int64(bitPattern: modseq), mailboxID])
                if keywordsChanged { try saveKeywords(finalTable, db: db) }
            }
        }
        if keywordsChanged { writeDovecotKeywords(finalTable) }
        files.withLock { table in
            for (uid, ref) in renamed { table.insert(uid, ref) }
        }
        shared.withLock { state in
            for item in applied {
                // The index is still right unless the list changed meanwhile (it cannot: we
                // are on the queue), but stay safe against a stale position.
                if item.index < state.snapshot.messages.count, state.snapshot.messages[item.index].uid == item.info.uid {
                    state.snapshot.messages[item.index] = item.info
                } else if let i = state.snapshot.index(ofUID: item.info.uid) {
                    state.snapshot.messages[i] = item.info
                }
            }
            state.snapshot.highestModseq = modseq
            state.snapshot.keywords = finalTable
        }
        result.modified = applied.map(\.info)
        notifyObservers()
        if let failure { throw failure }
        return result
    }

    // MARK: EXPUNGE

    /// Removes `uids` (only those with \Deleted when `onlyDeleted`). Returns the UIDs removed.
    func expunge(uids: [UInt32]?, onlyDeleted: Bool) throws(StoreError) -> [UInt32] {
        try checkNotDeleted()
        try loadIfNeeded()
        let current = snapshot
        var targets: [UInt32] = []
        if let uids {
            for uid in uids {
                if let m = current.message(uid: uid), !onlyDeleted || m.flags.contains(.deleted) { targets.append(uid) }
            }
        } else {
            targets = current.messages.filter { !onlyDeleted || $0.flags.contains(.deleted) }.map(\.uid)
        }
        guard !targets.isEmpty else { return [] }
        try removeMessages(targets)
        return targets
    }

    /// Unlinks the files and records the expunges (tombstones with a new mod-sequence).
    func removeMessages(_ targets: [UInt32]) throws(StoreError) {
        let path = self.path
        let refs: [FileRef?] = files.withLock { table in targets.map { table.byUID[$0] } }
        try changingCur { () throws(StoreError) in
            for ref in refs {
                guard let ref else { continue }
                if unlink(path + "/" + ref.relativePath) != 0, errno != ENOENT {
                    let failure = POSIXFailure(operation: "unlink", path: path + "/" + ref.relativePath, code: errno)
                    throw failure.storeError
                }
            }
        }
        let modseq = snapshot.highestModseq + 1
        let mailboxID = id
        try indexing {
            try context.index.pool.write { db in
                try Self.deleteMessages(db, mailbox: mailboxID, uids: targets, modseq: modseq)
                try db.execute(sql: "UPDATE mailbox SET highestModseq = ? WHERE id = ?", arguments: [Int64(bitPattern: modseq), mailboxID])
            }
        }
        let set = Set(targets)
        files.withLock { table in for uid in targets { table.remove(uid) } }
        shared.withLock { state in
            state.snapshot.messages.removeAll { set.contains($0.uid) }
            state.snapshot.highestModseq = modseq
        }
        notifyObservers()
    }

    // MARK: APPEND

    /// Writes a message into cur/ durably (file fsync, directory fsync) and gives it a UID.
    func append(_ bytes: [UInt8], flags: MessageFlags, keywords keywordNames: [String], internalDate: Int64?) throws(StoreError) -> AppendResult {
        try checkNotDeleted()
        try loadIfNeeded()
        guard bytes.count <= limits.messageOctets else { throw .limit("message size") }
        let current = snapshot
        var table = current.keywords
        let kw = try keywordBits(keywordNames, create: true, keywords: &table)
        let path = self.path
        let date = internalDate ?? context.nowSeconds
        let vsize = MaildirFileName.virtualSize(of: bytes)
        let base = context.names.next(size: bytes.count, virtualSize: vsize)
        let ref = FileRef(base: base, info: MaildirFileName.info(flags: flags, keywords: kw), inNew: false)
        do throws(POSIXFailure) {
            try POSIXFiles.writeDurably(directory: path + "/tmp", name: base, bytes: bytes, mtime: date)
        } catch {
            throw error.storeError
        }
        try changingCur { () throws(StoreError) in
            do throws(POSIXFailure) {
                try POSIXFiles.rename(path + "/tmp/" + base, path + "/cur/" + ref.fileName)
                try POSIXFiles.syncDirectory(path + "/cur")
            } catch {
                POSIXFiles.remove(path + "/tmp/" + base)
                POSIXFiles.remove(path + "/cur/" + ref.fileName)
                throw error.storeError
            }
        }
        let info = MessageInfo(uid: current.uidNext, flags: flags, keywords: kw, modseq: current.highestModseq + 1,
                               internalDate: date, size: vsize)
        do {
            try insert([(ref, info, bytes.count)], keywords: table, previous: current)
        } catch {
            POSIXFiles.remove(path + "/cur/" + ref.fileName)
            throw error
        }
        return AppendResult(uidValidity: current.uidValidity, uid: info.uid)
    }

    /// Adds messages whose files are already in place (APPEND, COPY).
    private func insert(_ items: [(FileRef, MessageInfo, Int)], keywords table: [String], previous: MailboxSnapshot) throws(StoreError) {
        let mailboxID = id
        let modseq = previous.highestModseq + 1
        let uidNext = (items.map(\.1.uid).max() ?? previous.uidNext - 1) + 1
        let keywordsChanged = table != previous.keywords
        try indexing {
            try context.index.pool.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT INTO message (mailboxId, uid, base, info, inNew, flags, keywords, modseq, internalDate, size, fileSize)
                    VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                    """)
                for (ref, info, fileSize) in items {
                    statement.setUncheckedArguments([
                        mailboxID, Int64(info.uid), ref.base, ref.info, Int64(info.flags.rawValue),
                        Int64(bitPattern: info.keywords.bits), Int64(bitPattern: modseq), info.internalDate, info.size, fileSize,
                    ])
                    try statement.execute()
                }
                try db.execute(sql: "UPDATE mailbox SET uidNext = ?, highestModseq = ? WHERE id = ?",
                               arguments: [Int64(uidNext), Int64(bitPattern: modseq), mailboxID])
                if keywordsChanged { try saveKeywords(table, db: db) }
            }
        }
        if keywordsChanged { writeDovecotKeywords(table) }
        files.withLock { t in for (ref, info, _) in items { t.insert(info.uid, ref) } }
        shared.withLock { state in
            state.snapshot.messages.append(contentsOf: items.map { var i = $0.1; i.modseq = modseq; return i })
            state.snapshot.uidNext = uidNext
            state.snapshot.highestModseq = modseq
            state.snapshot.keywords = table
        }
        notifyObservers()
    }

    // MARK: COPY

    /// Hard-links (or, across file systems, copies) the sources into cur/ under new unique
    /// names, fsyncs cur/ once, and gives them UIDs in the order given.
    func copyIn(_ sources: [CopySource]) throws(StoreError) -> [UInt32] {
        try checkNotDeleted()
        try loadIfNeeded()
        guard !sources.isEmpty else { return [] }
        let current = snapshot
        var table = current.keywords
        let path = self.path
        var items: [(FileRef, MessageInfo, Int)] = []
        var uid = current.uidNext
        var kws: [KeywordSet] = []
        for source in sources { kws.append(try keywordBits(source.keywordNames, create: true, keywords: &table)) }
        try changingCur { () throws(StoreError) in
            do throws(POSIXFailure) {
                for (source, kw) in zip(sources, kws) {
                    let fileSize = source.fileSize ?? source.info.size
                    let base = context.names.next(size: fileSize, virtualSize: source.info.size)
                    let ref = FileRef(base: base, info: MaildirFileName.info(flags: source.info.flags, keywords: kw), inNew: false)
                    let target = path + "/cur/" + ref.fileName
                    do throws(POSIXFailure) {
                        try POSIXFiles.link(source.path, target)
                    } catch {
                        // Another file system, or links not allowed: copy the bytes.
                        guard error.code == EXDEV || error.code == EPERM || error.code == EMLINK else { throw error }
                        let bytes = try POSIXFiles.readFile(source.path, limit: limits.messageOctets)
                        try POSIXFiles.writeDurably(directory: path + "/tmp", name: base, bytes: bytes, mtime: source.info.internalDate)
                        try POSIXFiles.rename(path + "/tmp/" + base, target)
                    }
                    var info = source.info
                    info.uid = uid
                    info.keywords = kw
                    uid += 1
                    items.append((ref, info, fileSize))
                }
                try POSIXFiles.syncDirectory(path + "/cur")
            } catch {
                for (ref, _, _) in items { POSIXFiles.remove(path + "/cur/" + ref.fileName) }
                throw error.storeError
            }
        }
        do {
            try insert(items, keywords: table, previous: current)
        } catch {
            for (ref, _, _) in items { POSIXFiles.remove(path + "/cur/" + ref.fileName) }
            throw error
        }
        return items.map(\.1.uid)
    }

    /// What COPY needs to know of the given messages of this mailbox (in UID order).
    func copySources(uids: [UInt32]) -> [CopySource] {
        let current = snapshot
        let path = self.path
        let refs = files.withLock { table in uids.map { table.byUID[$0] } }
        var sources: [CopySource] = []
        for (uid, ref) in zip(uids, refs) {
            guard let ref, let info = current.message(uid: uid) else { continue }
            sources.append(CopySource(path: path + "/" + ref.relativePath, info: info,
                                      keywordNames: current.keywordNames(info.keywords),
                                      fileSize: MaildirFileName.field("S", in: ref.base)))
        }
        return sources
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}
