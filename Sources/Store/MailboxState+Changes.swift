// Changes made through the store: STORE (flags), EXPUNGE, APPEND, COPY. Each runs on the
// mailbox queue, renames/links/unlinks the Maildir files, commits one SQLite transaction,
// publishes the new snapshot and wakes observers.

import Dispatch
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

    /// Changes flags in the index and in memory, then queues the file renames on the mailbox
    /// queue after `StoreLimits.flagRenameDelayNanoseconds` (`flushPendingRenames`; a sync
    /// runs them at once). The index row keeps the
    /// file name last seen on disk; while it differs from the flags, the rename is pending, and
    /// a sync (or a restart after a crash) completes it: a file whose name is still the one we
    /// last saw follows the index, a file renamed by someone else wins over the index.
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

        let mailboxID = id
        let keywordsChanged = table != current.keywords
        let finalTable = table
        let changes = planned
        try indexing {
            try context.index.pool.write { db in
                let statement = RawStatement(try db.makeStatement(sql: "UPDATE message SET flags = ?, keywords = ?, modseq = ? WHERE mailboxId = ? AND uid = ?"))
                defer { statement.reset() }
                for item in changes {
                    statement.reset()
                    statement.bind(1, Int64(item.info.flags.rawValue))
                    statement.bind(2, Int64(bitPattern: item.info.keywords.bits))
                    statement.bind(3, Int64(bitPattern: modseq))
                    statement.bind(4, mailboxID)
                    statement.bind(5, Int64(item.info.uid))
                    try statement.run()
                }
                try db.execute(sql: "UPDATE mailbox SET highestModseq = ? WHERE id = ?", arguments: [Int64(bitPattern: modseq), mailboxID])
                if keywordsChanged { try saveKeywords(finalTable, db: db) }
            }
        }
        if keywordsChanged { writeDovecotKeywords(finalTable) }
        shared.withLock { state in
            for item in changes {
                if item.index < state.snapshot.messages.count, state.snapshot.messages[item.index].uid == item.info.uid {
                    state.snapshot.messages[item.index] = item.info
                } else if let i = state.snapshot.index(ofUID: item.info.uid) {
                    state.snapshot.messages[i] = item.info
                }
            }
            state.snapshot.highestModseq = modseq
            state.snapshot.keywords = finalTable
        }
        addPendingRenames(changes.map(\.info.uid))
        // Deferred until STOREs pause: STOREs that follow each other (a client marking and
        // unmarking, a bulk change undone) rename each file once, to its final name. A steady
        // stream of STOREs still gets its renames after five delays.
        let generation = noteDeferredRenames()
        let delay = limits.flagRenameDelayNanoseconds
        queue.asyncAfter(deadline: .now() + DispatchTimeInterval.nanoseconds(Int(delay))) {
            if self.deferredRenamesAreDue(generation: generation, delay: delay) { self.flushPendingRenames() }
        }
        result.modified = changes.map(\.info)
        notifyObservers()
        return result
    }

    /// Renames the files of messages whose flags changed to their new `:2,` names (no fsync
    /// per file: Dovecot does not either, and a crash leaves a valid name that the next sync
    /// reconciles), then records the names in one transaction. Runs on the queue.
    func flushPendingRenames() {
        let uids = takePendingRenames()
        guard !uids.isEmpty, !isDeleted else { return }
        let path = self.path
        let current = snapshot
        let refs: [FileRef?] = files.withLock { table in uids.map { table.byUID[$0] } }
        var renamed: [(uid: UInt32, ref: FileRef)] = []
        renamed.reserveCapacity(uids.count)
        var lost = false
        var failed: [UInt32] = []
        _ = try? changingCur { () throws(StoreError) in
            guard let curDir = try? POSIXFiles.openDirectory(path + "/cur") else { failed = uids; return }
            defer { close(curDir) }
            let newDir = (try? POSIXFiles.openDirectory(path + "/new")) ?? -1
            defer { if newDir >= 0 { close(newDir) } }
            for (uid, ref) in zip(uids, refs) {
                guard let old = ref, let message = current.message(uid: uid) else { continue }
                let info = MaildirFileName.info(flags: message.flags, keywords: message.keywords)
                guard info != old.info || old.inNew else { continue }
                let new = FileRef(base: old.base, info: info, inNew: false)
                let err = POSIXFiles.renameAt(old.inNew ? newDir : curDir, old.fileName, curDir, new.fileName)
                if err == 0 {
                    renamed.append((uid, new))
                } else if err == ENOENT {
                    lost = true  // renamed or removed by another program: the next sync decides
                } else {
                    failed.append(uid)  // kept pending; retried at the next sync
                }
            }
        }
        if lost { invalidateCur() }
        if !failed.isEmpty { addPendingRenames(failed) }
        guard !renamed.isEmpty else { return }
        files.withLock { table in for (uid, ref) in renamed { table.insert(uid, ref) } }
        let mailboxID = id
        let done = renamed
        // If this write fails the rows keep the old names; the next sync sees the new names
        // as renames of ours (same flags) and records them then.
        try? indexing {
            try context.index.pool.write { db in
                let statement = RawStatement(try db.makeStatement(sql: "UPDATE message SET info = ?, inNew = 0 WHERE mailboxId = ? AND uid = ?"))
                defer { statement.reset() }
                for (uid, ref) in done {
                    statement.reset()
                    statement.bind(1, ref.info)
                    statement.bind(2, mailboxID)
                    statement.bind(3, Int64(uid))
                    try statement.run()
                }
            }
        }
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
        // Written, named in cur/, then made durable while the index commit runs: the file's
        // fsync (which also commits the rename on a journalling file system), cur/'s fsync and
        // the index's FULL commit overlap instead of following each other. The reply
        // (APPENDUID) waits for all three, so the promise is unchanged.
        let fd: Int32
        do throws(POSIXFailure) {
            fd = try POSIXFiles.writeUnsynced(directory: path + "/tmp", name: base, bytes: bytes, mtime: date)
        } catch {
            throw error.storeError
        }
        try changingCur { () throws(StoreError) in
            do throws(POSIXFailure) {
                try POSIXFiles.rename(path + "/tmp/" + base, path + "/cur/" + ref.fileName)
            } catch {
                close(fd)
                POSIXFiles.remove(path + "/tmp/" + base)
                throw error.storeError
            }
        }
        let fileSync = DurableFileSync(fd: fd, file: path + "/cur/" + ref.fileName, directory: path + "/cur")
        let info = MessageInfo(uid: current.uidNext, flags: flags, keywords: kw, modseq: current.highestModseq + 1,
                               internalDate: date, size: vsize)
        let indexed: StoreError?
        do {
            try insert([(ref, info, bytes.count)], keywords: table, previous: current)
            indexed = nil
        } catch {
            indexed = error
        }
        if let failure = fileSync.wait() {
            // Not durable: the file goes; an index row left behind becomes an expunge at the
            // next sync.
            POSIXFiles.remove(path + "/cur/" + ref.fileName)
            throw failure.storeError
        }
        if let indexed {
            POSIXFiles.remove(path + "/cur/" + ref.fileName)
            throw indexed
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
            // APPENDUID/COPYUID are promises to the client: this commit is fsynced (FULL),
            // unlike the rest of the index (NORMAL), so an OS crash cannot give the same UIDs
            // to other messages later.
            try context.index.pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
                try db.inTransaction {
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
                return .commit
                }
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

    /// Source side of COPY/MOVE, on the source mailbox's queue (so file names are current):
    /// hard-links each message into the destination's tmp/ under a new unique name (a copy
    /// when links are impossible). Returns what the destination adopts, in UID order.
    func stageCopies(uids: [UInt32], into destination: String) throws(StoreError) -> [StagedCopy] {
        try checkNotDeleted()
        try loadIfNeeded()
        let current = snapshot
        let path = self.path
        let refs = files.withLock { table in uids.map { table.byUID[$0] } }
        var staged: [StagedCopy] = []
        do throws(POSIXFailure) {
            for (uid, ref) in zip(uids, refs) {
                guard let ref, let info = current.message(uid: uid) else { continue }
                let fileSize = MaildirFileName.field("S", in: ref.base) ?? info.size
                let base = context.names.next(size: fileSize, virtualSize: info.size)
                let source = path + "/" + ref.relativePath
                let target = destination + "/tmp/" + base
                do throws(POSIXFailure) {
                    try POSIXFiles.link(source, target)
                } catch {
                    // Another file system, or links not allowed: copy the bytes.
                    guard error.code == EXDEV || error.code == EPERM || error.code == EMLINK else { throw error }
                    let bytes = try POSIXFiles.readFile(source, limit: limits.messageOctets)
                    try POSIXFiles.writeDurably(directory: destination + "/tmp", name: base, bytes: bytes, mtime: info.internalDate)
                }
                staged.append(StagedCopy(base: base, info: info, keywordNames: current.keywordNames(info.keywords), fileSize: fileSize))
            }
        } catch {
            for s in staged { POSIXFiles.remove(destination + "/tmp/" + s.base) }
            throw error.storeError
        }
        return staged
    }

    /// Destination side of COPY/MOVE, on this mailbox's queue: moves the staged files into
    /// cur/ with their flags, fsyncs cur/ once, and gives UIDs in order.
    func adoptCopies(_ staged: [StagedCopy]) throws(StoreError) -> [UInt32] {
        let path = self.path
        func discard() { for s in staged { POSIXFiles.remove(path + "/tmp/" + s.base) } }
        do throws(StoreError) {
            try checkNotDeleted()
            try loadIfNeeded()
        } catch {
            discard()
            throw error
        }
        guard !staged.isEmpty else { return [] }
        let current = snapshot
        var table = current.keywords
        var items: [(FileRef, MessageInfo, Int)] = []
        var uid = current.uidNext
        for s in staged {
            let kw: KeywordSet
            do throws(StoreError) {
                kw = try keywordBits(s.keywordNames, create: true, keywords: &table)
            } catch {
                discard()
                throw error
            }
            var info = s.info
            info.uid = uid
            info.keywords = kw
            uid += 1
            items.append((FileRef(base: s.base, info: MaildirFileName.info(flags: info.flags, keywords: kw), inNew: false), info, s.fileSize))
        }
        var moved: [FileRef] = []
        try changingCur { () throws(StoreError) in
            do throws(POSIXFailure) {
                for (ref, _, _) in items {
                    try POSIXFiles.rename(path + "/tmp/" + ref.base, path + "/cur/" + ref.fileName)
                    moved.append(ref)
                }
                try POSIXFiles.syncDirectory(path + "/cur")
            } catch {
                for ref in moved { POSIXFiles.remove(path + "/cur/" + ref.fileName) }
                discard()
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
}

/// A message linked into a destination's tmp/, waiting for its UID.
struct StagedCopy: Sendable {
    var base: String
    var info: MessageInfo
    var keywordNames: [String]
    var fileSize: Int
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}

/// fsync of a new file and of its directory on another thread, waited for later.
final class DurableFileSync: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var failure: POSIXFailure?

    init(fd: Int32, file: String, directory: String) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            do throws(POSIXFailure) {
                try POSIXFiles.syncAndClose(fd, path: file)
                try POSIXFiles.syncDirectory(directory)
            } catch {
                failure = error
            }
            done.signal()
        }
    }

    /// Blocks until both syncs finished; the failure, if any.
    func wait() -> POSIXFailure? {
        done.wait()
        return failure
    }
}
