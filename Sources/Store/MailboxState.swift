// The shared state of one mailbox (one Maildir or Maildir++ folder), loaded once and kept in
// memory for every session that selects it. All changes run on the mailbox's serial dispatch
// queue (file renames, SQLite writes); readers take short locks on the published snapshot.
//
// Sync (Maildir -> index) follows Dovecot's maildir-sync: stat new/ and cur/, and read a
// directory only when its inode, mtime or ctime differ from what we recorded, or when it was
// recorded so soon after its last change that a later change in the same timestamp tick
// could have gone unnoticed (StoreLimits.directoryClockSlackNanoseconds).

import Dispatch
import GRDB
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where a message's file is: its unique base, its info (flags) and its directory.
struct FileRef: Sendable, Hashable {
    var base: String
    var info: String
    var inNew: Bool

    var fileName: String { info.isEmpty ? base : base + ":" + info }
    var relativePath: String { (inNew ? "new/" : "cur/") + fileName }
}

struct FileTable: Sendable {
    var byUID: [UInt32: FileRef] = [:]
    var byBase: [String: UInt32] = [:]

    mutating func insert(_ uid: UInt32, _ ref: FileRef) {
        byUID[uid] = ref
        byBase[ref.base] = uid
    }

    mutating func remove(_ uid: UInt32) {
        if let ref = byUID.removeValue(forKey: uid) { byBase.removeValue(forKey: ref.base) }
    }
}

/// A directory signature and when we observed it.
struct RecordedSignature: Sendable, Hashable {
    var signature: DirectorySignature
    var observedAt: Int64

    /// Whether a change after the observation could have left the signature unchanged.
    func isClean(slack: Int64) -> Bool {
        observedAt - max(signature.mtimeNanoseconds, signature.ctimeNanoseconds) >= slack
    }
}

final class MailboxState: @unchecked Sendable {
    // @unchecked: `queue`-confined fields are marked below; everything else is in a Mutex
    // or immutable.
    let context: AccountContext
    let id: Int64
    let queue: DispatchQueue

    struct Shared: Sendable {
        var snapshot: MailboxSnapshot
        var path: String
        var deleted = false
    }

    let shared: Mutex<Shared>
    let files = Mutex(FileTable())
    private let observers = Mutex<(next: UInt64, continuations: [UInt64: AsyncStream<Void>.Continuation])>((0, [:]))

    // MARK: queue-confined
    private var loaded = false
    private var recordedNew: RecordedSignature?
    private var recordedCur: RecordedSignature?
    /// Dovecot UIDs to give to files on the first sync after a `dovecot-uidlist` import.
    private var pendingImport: DovecotUIDList?
    /// When cur/ was last read in full (CLOCK_REALTIME ns); loading from the index counts.
    private var lastCurRead: Int64 = POSIXFiles.realtimeNanoseconds()
    /// Messages whose file name does not carry their flags yet (see `storeFlags`).
    private var pendingRenames: Set<UInt32> = []

    /// Counts STOREs whose renames wait (see `storeFlags`), and since when they wait.
    private var renameGeneration: UInt64 = 0
    private var renamesWaitingSince: Int64?

    func addPendingRenames(_ uids: [UInt32]) { pendingRenames.formUnion(uids) }
    func takePendingRenames() -> [UInt32] {
        let uids = pendingRenames.sorted()
        pendingRenames = []
        renamesWaitingSince = nil
        return uids
    }

    /// A STORE deferred its renames; returns its generation.
    func noteDeferredRenames() -> UInt64 {
        renameGeneration &+= 1
        if renamesWaitingSince == nil { renamesWaitingSince = POSIXFiles.realtimeNanoseconds() }
        return renameGeneration
    }

    /// Whether the deferred renames of `generation` should run now: no STORE came after it,
    /// or renames have waited five delays.
    func deferredRenamesAreDue(generation: UInt64, delay: Int64) -> Bool {
        guard let since = renamesWaitingSince else { return false }
        return generation == renameGeneration || POSIXFiles.realtimeNanoseconds() - since >= 5 * delay
    }

    init(context: AccountContext, id: Int64, name: MailboxName, path: String, uidValidity: UInt32,
         uidNext: UInt32, highestModseq: UInt64, keywords: [String], importing: DovecotUIDList?) {
        self.context = context
        self.id = id
        self.queue = DispatchQueue(label: "postern.store.mailbox.\(id)")
        self.shared = Mutex(Shared(
            snapshot: MailboxSnapshot(name: name, uidValidity: uidValidity, uidNext: uidNext,
                                      highestModseq: highestModseq, messages: [], keywords: keywords),
            path: path))
        self.pendingImport = importing
    }

    var snapshot: MailboxSnapshot { shared.withLock { $0.snapshot } }
    var path: String { shared.withLock { $0.path } }
    var isDeleted: Bool { shared.withLock { $0.deleted } }
    var limits: StoreLimits { context.limits }

    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(StoreError) -> T) async throws(StoreError) -> T {
        try await runBlocking(on: queue, body)
    }

    // MARK: observers

    /// A stream that yields whenever the mailbox may have changed (delivery, another session's
    /// STORE/EXPUNGE/APPEND, a sync that found external changes).
    func observe() -> (UInt64, AsyncStream<Void>) {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let key = observers.withLock { state in
            state.next += 1
            state.continuations[state.next] = continuation
            return state.next
        }
        return (key, stream)
    }

    func stopObserving(_ key: UInt64) {
        let continuation = observers.withLock { $0.continuations.removeValue(forKey: key) }
        continuation?.finish()
    }

    func notifyObservers() {
        let all = observers.withLock { Array($0.continuations.values) }
        for c in all { c.yield() }
    }

    /// Called by delivery: new/ changed. The next sync will see the new signature.
    func noteDelivery() { notifyObservers() }

    func markDeleted() {
        shared.withLock { $0.deleted = true }
        let all = observers.withLock { state in
            let values = Array(state.continuations.values)
            state.continuations = [:]
            return values
        }
        for c in all { c.finish() }
    }

    func checkNotDeleted() throws(StoreError) {
        if isDeleted { throw .nonexistent(snapshot.name.name) }
    }

    /// Used by RENAME (on the queue, so no operation uses the old path meanwhile).
    func moved(to name: MailboxName, path: String) {
        shared.withLock {
            $0.snapshot.name = name
            $0.path = path
        }
        recordedNew = nil
        recordedCur = nil
    }

    // MARK: loading

    /// Reads the message list from the index once; later calls do nothing.
    func loadIfNeeded() throws(StoreError) {
        guard !loaded else { return }
        struct Loaded {
            var messages: [MessageInfo] = []
            var files = FileTable()
            var newSig = ""
            var curSig = ""
        }
        let mailboxID = id
        let result: Loaded = try indexing {
            try context.index.pool.read { db in
                var loaded = Loaded()
                if let row = try Row.fetchOne(db, sql: "SELECT newSignature, curSignature FROM mailbox WHERE id = ?", arguments: [mailboxID]) {
                    loaded.newSig = row[0]
                    loaded.curSig = row[1]
                }
                let statement = RawStatement(try db.makeStatement(sql: """
                    SELECT uid, base, info, inNew, flags, keywords, modseq, internalDate, size
                    FROM message WHERE mailboxId = ? ORDER BY uid
                    """))
                statement.bind(1, mailboxID)
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM message WHERE mailboxId = ?", arguments: [mailboxID]) ?? 0
                loaded.messages.reserveCapacity(count)
                loaded.files.byUID.reserveCapacity(count)
                loaded.files.byBase.reserveCapacity(count)
                while try statement.step() {
                    let uid = UInt32(truncatingIfNeeded: statement.int64(0))
                    loaded.messages.append(MessageInfo(
                        uid: uid,
                        flags: MessageFlags(rawValue: UInt8(truncatingIfNeeded: statement.int64(4))),
                        keywords: KeywordSet(bits: UInt64(bitPattern: statement.int64(5))),
                        modseq: UInt64(bitPattern: statement.int64(6)),
                        internalDate: statement.int64(7),
                        size: Int(statement.int64(8))))
                    loaded.files.insert(uid, FileRef(base: statement.text(1), info: statement.text(2), inNew: statement.int64(3) != 0))
                }
                statement.reset()
                return loaded
            }
        }
        // Flags changed in the index whose rename did not happen (a crash in between): the
        // next flush renames the files.
        for m in result.messages {
            guard let ref = result.files.byUID[m.uid], ref.info.hasPrefix("2,") || ref.info.isEmpty else { continue }
            let (flags, letters) = MaildirFileName(base: ref.base, info: ref.info).flags()
            if flags != m.flags || letters.bits != m.keywords.bits & ((1 << 26) - 1) { pendingRenames.insert(m.uid) }
        }
        shared.withLock { $0.snapshot.messages = result.messages }
        files.withLock { $0 = result.files }
        // Signatures persisted by an earlier process were clean when written (see persist).
        recordedNew = DirectorySignature(encoded: result.newSig).map { RecordedSignature(signature: $0, observedAt: .max) }
        recordedCur = DirectorySignature(encoded: result.curSig).map { RecordedSignature(signature: $0, observedAt: .max) }
        loaded = true
    }

    // MARK: sync

    struct Found {
        var name: MaildirFileName
        var inNew: Bool
    }

    /// Brings the index up to date with the Maildir. Returns whether anything changed.
    @discardableResult
    func syncOnQueue(moveNewToCur: Bool = true) throws(StoreError) -> Bool {
        try checkNotDeleted()
        try loadIfNeeded()
        if !pendingRenames.isEmpty { flushPendingRenames() }
        let path = self.path
        let slack = limits.directoryClockSlackNanoseconds
        // Taken before the stat calls: a clean verdict must hold for the moment of the stat.
        let observedAt = POSIXFiles.realtimeNanoseconds()
        let newSig: DirectorySignature
        let curSig: DirectorySignature
        do throws(POSIXFailure) {
            newSig = try POSIXFiles.signature(path + "/new")
            curSig = try POSIXFiles.signature(path + "/cur")
        } catch {
            if error.isNotFound, !POSIXFiles.exists(path + "/cur") { throw .nonexistent(snapshot.name.name) }
            throw error.storeError
        }
        let scanNew = recordedNew?.signature != newSig || recordedNew?.isClean(slack: slack) != true
        // A full read of cur/ now and then closes the window in which our own renames could
        // have hidden another program's change (see the module doc).
        let scanCur = recordedCur?.signature != curSig || recordedCur?.isClean(slack: slack) != true
            || observedAt - lastCurRead > limits.curRereadIntervalNanoseconds
        guard scanNew || scanCur else { return false }

        var found: [Found] = []
        do throws(POSIXFailure) {
            if scanCur {
                for name in try POSIXFiles.listFiles(path + "/cur") { found.append(Found(name: MaildirFileName(name), inNew: false)) }
            }
            if scanNew {
                for name in try POSIXFiles.listFiles(path + "/new") { found.append(Found(name: MaildirFileName(name), inNew: true)) }
            }
        } catch {
            throw error.storeError
        }
        if scanCur { lastCurRead = observedAt }
        let changed = try apply(found: found, scannedNew: scanNew, scannedCur: scanCur, moveNewToCur: moveNewToCur)
        // Record what we saw before reading; our own renames into cur/ are adopted only when
        // cur/ was not read this time (then nothing else could have been missed meanwhile,
        // but for the microseconds of the renames: see the module doc).
        recordedNew = RecordedSignature(signature: newSig, observedAt: observedAt)
        let beforeAfterStat = POSIXFiles.realtimeNanoseconds()
        if changed.movedIntoCur && !scanCur, let after = try? POSIXFiles.signature(path + "/cur") {
            recordedCur = RecordedSignature(signature: after, observedAt: beforeAfterStat)
        } else if !changed.movedIntoCur {
            recordedCur = RecordedSignature(signature: curSig, observedAt: observedAt)
        } else {
            recordedCur = nil
        }
        try persistSignatures()
        if changed.any { notifyObservers() }
        return changed.any
    }

    /// Stores the recorded signatures that are clean; dirty ones are stored empty so that
    /// another process (or a restart) reads the directory again.
    private func persistSignatures() throws(StoreError) {
        let slack = limits.directoryClockSlackNanoseconds
        let newText = recordedNew.flatMap { $0.isClean(slack: slack) ? $0.signature.encoded : nil } ?? ""
        let curText = recordedCur.flatMap { $0.isClean(slack: slack) ? $0.signature.encoded : nil } ?? ""
        let mailboxID = id
        try indexing {
            try context.index.pool.write { db in
                try db.execute(sql: "UPDATE mailbox SET newSignature = ?, curSignature = ? WHERE id = ?",
                               arguments: [newText, curText, mailboxID])
            }
        }
    }

    struct SyncChanges {
        var any = false
        var movedIntoCur = false
    }

    private struct NewMessage {
        var ref: FileRef
        var info: MessageInfo
        var order: (Int64, String)
    }

    private func apply(found: [Found], scannedNew: Bool, scannedCur: Bool, moveNewToCur: Bool) throws(StoreError) -> SyncChanges {
        var result = SyncChanges()
        let path = self.path
        let current = snapshot
        var keywords = current.keywords

        // 1. Diff against the file table.
        var seen = Set<UInt32>(minimumCapacity: found.count)
        var newcomers: [Found] = []
        var relocated: [(uid: UInt32, ref: FileRef)] = []
        var seenBases = Set<String>()
        files.withLock { table in
            for f in found {
                if let uid = table.byBase[f.name.base] {
                    guard seen.insert(uid).inserted else { continue }  // duplicate base: first wins (cur/)
                    if let ref = table.byUID[uid], ref.info != f.name.info || ref.inNew != f.inNew {
                        relocated.append((uid, FileRef(base: f.name.base, info: f.name.info, inNew: f.inNew)))
                    }
                } else if seenBases.insert(f.name.base).inserted {
                    newcomers.append(f)
                }
            }
        }
        var expunged: [UInt32] = []
        files.withLock { table in
            for (uid, ref) in table.byUID where !seen.contains(uid) && (ref.inNew ? scannedNew : scannedCur) {
                expunged.append(uid)
            }
        }

        // 2. Move new/ to cur/ (what a selected mailbox does in Dovecot); names keep their base.
        var newDir: Int32 = -1
        var curDir: Int32 = -1
        do throws(POSIXFailure) {
            newDir = try POSIXFiles.openDirectory(path + "/new")
            curDir = try POSIXFiles.openDirectory(path + "/cur")
        } catch {
            if newDir >= 0 { close(newDir) }
            throw error.storeError
        }
        defer {
            close(newDir)
            close(curDir)
        }
        func moveToCur(_ ref: inout FileRef) -> Bool {
            guard moveNewToCur, ref.inNew else { return true }
            let info = ref.info.isEmpty ? "2," : ref.info
            let err = POSIXFiles.renameAt(newDir, ref.fileName, curDir, ref.base + ":" + info)
            if err == 0 {
                ref.inNew = false
                ref.info = info
                result.movedIntoCur = true
                return true
            }
            return err != ENOENT  // gone meanwhile: the next sync sees where it went
        }
        var movedKnown: [(uid: UInt32, ref: FileRef)] = []
        relocated = relocated.compactMap { item in
            var ref = item.ref
            return moveToCur(&ref) ? (item.uid, ref) : nil
        }
        let relocatedUIDs = Set(relocated.map(\.uid))
        files.withLock { table in
            for (uid, ref) in table.byUID where ref.inNew && seen.contains(uid) && !relocatedUIDs.contains(uid) {
                movedKnown.append((uid, ref))
            }
        }
        // Our own moves from new/ to cur/ change where a file is, not its flags (which may be
        // ahead of the name while a rename is pending).
        var ownMoves = Set<UInt32>()
        for item in movedKnown {
            var ref = item.ref
            if moveToCur(&ref), ref != item.ref {
                relocated.append((item.uid, ref))
                ownMoves.insert(item.uid)
            }
        }

        // 3. Newcomers: stat for size and INTERNALDATE (mtime), order by delivery time. The
        // stat calls (the bulk of a first sync) run on several threads: lookups in one
        // directory do not serialise in the kernel the way renames do.
        var unknownLetters = false
        var placed: [FileRef] = []
        placed.reserveCapacity(newcomers.count)
        var placedNames: [MaildirFileName] = []
        placedNames.reserveCapacity(newcomers.count)
        for f in newcomers {
            var ref = FileRef(base: f.name.base, info: f.name.info, inNew: f.inNew)
            guard moveToCur(&ref) else { continue }
            placed.append(ref)
            placedNames.append(f.name)
        }
        let stats = Self.statAll(placed, newDir: newDir, curDir: curDir)
        var additions: [NewMessage] = []
        additions.reserveCapacity(placed.count)
        for (i, ref) in placed.enumerated() {
            guard let stat = stats[i] else { continue }  // gone meanwhile
            let size: Int
            if let w = placedNames[i].virtualSize {
                size = w
            } else if let bytes = try? POSIXFiles.readFile(path + "/" + ref.relativePath, limit: limits.messageOctets) {
                size = MaildirFileName.virtualSize(of: bytes)
            } else {
                size = stat.size
            }
            let (flags, letters) = MaildirFileName(base: ref.base, info: ref.info).flags()
            if !letters.isEmpty, letters.indices.contains(where: { $0 >= keywords.count || keywords[$0].isEmpty }) { unknownLetters = true }
            additions.append(NewMessage(
                ref: ref,
                info: MessageInfo(uid: 0, flags: flags, keywords: letters, modseq: 0, internalDate: stat.mtime, size: size),
                order: (placedNames[i].timePrefix, ref.base)))
        }
        if unknownLetters || relocated.contains(where: { !MaildirFileName(base: $0.ref.base, info: $0.ref.info).flags().1.isEmpty }) {
            mergeDovecotKeywords(into: &keywords)
        }

        // 4. Flag changes from renamed files.
        var flagChanges: [(uid: UInt32, flags: MessageFlags, keywords: KeywordSet)] = []
        let letterMask: UInt64 = (1 << 26) - 1
        for item in relocated where !ownMoves.contains(item.uid) {
            guard let old = current.message(uid: item.uid) else { continue }
            let (flags, letters) = MaildirFileName(base: item.ref.base, info: item.ref.info).flags()
            let newKeywords = KeywordSet(bits: (letters.bits & letterMask) | (old.keywords.bits & ~letterMask))
            if item.ref.info.hasPrefix("2,") || item.ref.info.isEmpty, flags != old.flags || newKeywords != old.keywords {
                flagChanges.append((item.uid, flags, newKeywords))
            }
        }

        guard !additions.isEmpty || !expunged.isEmpty || !relocated.isEmpty || keywords != current.keywords else {
            return result
        }

        // 5. UIDs: imported Dovecot UIDs first, then new ones in delivery order.
        var uidNext = current.uidNext
        let modseq = current.highestModseq + 1
        additions.sort { $0.order < $1.order }
        if let imported = pendingImport {
            var used = Set<UInt32>()
            for i in additions.indices {
                if let uid = imported.uids[additions[i].ref.base], uid < imported.nextUID, uid >= 1, used.insert(uid).inserted {
                    additions[i].info.uid = uid
                }
            }
            uidNext = max(uidNext, imported.nextUID)
        }
        for i in additions.indices where additions[i].info.uid == 0 {
            additions[i].info.uid = uidNext
            uidNext += 1
        }
        for i in additions.indices { additions[i].info.modseq = modseq }
        additions.sort { $0.info.uid < $1.info.uid }

        // 6. One transaction for the index.
        let mailboxID = id
        let changedFlagUIDs = Dictionary(flagChanges.map { ($0.uid, ($0.flags, $0.keywords)) }, uniquingKeysWith: { a, _ in a })
        let finalKeywords = keywords
        let relocatedCopy = relocated
        let additionsCopy = additions
        let expungedCopy = expunged
        try indexing {
            try context.index.pool.write { db in
                if !additionsCopy.isEmpty {
                    let insert = RawStatement(try db.makeStatement(sql: """
                        INSERT OR REPLACE INTO message (mailboxId, uid, base, info, inNew, flags, keywords, modseq, internalDate, size, fileSize)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """))
                    defer { insert.reset() }
                    for a in additionsCopy {
                        insert.reset()
                        insert.bind(1, mailboxID)
                        insert.bind(2, Int64(a.info.uid))
                        insert.bind(3, a.ref.base)
                        insert.bind(4, a.ref.info)
                        insert.bind(5, a.ref.inNew ? 1 : 0)
                        insert.bind(6, Int64(a.info.flags.rawValue))
                        insert.bind(7, Int64(bitPattern: a.info.keywords.bits))
                        insert.bind(8, Int64(bitPattern: modseq))
                        insert.bind(9, a.info.internalDate)
                        insert.bind(10, Int64(a.info.size))
                        insert.bind(11, Int64(MaildirFileName.field("S", in: a.ref.base) ?? a.info.size))
                        try insert.run()
                    }
                }
                if !relocatedCopy.isEmpty {
                    let moveStatement = try db.makeStatement(sql: "UPDATE message SET info = ?, inNew = ? WHERE mailboxId = ? AND uid = ?")
                    let flagStatement = try db.makeStatement(sql: "UPDATE message SET info = ?, inNew = ?, flags = ?, keywords = ?, modseq = ? WHERE mailboxId = ? AND uid = ?")
                    for item in relocatedCopy {
                        if let (flags, kw) = changedFlagUIDs[item.uid] {
                            flagStatement.setUncheckedArguments([item.ref.info, item.ref.inNew, Int64(flags.rawValue),
                                                                 Int64(bitPattern: kw.bits), Int64(bitPattern: modseq), mailboxID, Int64(item.uid)])
                            try flagStatement.execute()
                        } else {
                            moveStatement.setUncheckedArguments([item.ref.info, item.ref.inNew, mailboxID, Int64(item.uid)])
                            try moveStatement.execute()
                        }
                    }
                }
                if !expungedCopy.isEmpty {
                    try Self.deleteMessages(db, mailbox: mailboxID, uids: expungedCopy, modseq: modseq)
                }
                try db.execute(sql: "UPDATE mailbox SET uidNext = ?, highestModseq = ?, keywords = ? WHERE id = ?",
                               arguments: [Int64(uidNext), Int64(bitPattern: modseq), finalKeywords.joined(separator: "\n"), mailboxID])
            }
        }

        // 7. Publish.
        files.withLock { table in
            if !additionsCopy.isEmpty {
                table.byUID.reserveCapacity(table.byUID.count + additionsCopy.count)
                table.byBase.reserveCapacity(table.byBase.count + additionsCopy.count)
            }
            for uid in expungedCopy { table.remove(uid) }
            for item in relocatedCopy { table.insert(item.uid, item.ref) }
            for a in additionsCopy { table.insert(a.info.uid, a.ref) }
        }
        let expungedSet = Set(expungedCopy)
        shared.withLock { state in
            if !expungedSet.isEmpty { state.snapshot.messages.removeAll { expungedSet.contains($0.uid) } }
            if !changedFlagUIDs.isEmpty {
                for i in state.snapshot.messages.indices {
                    if let (flags, kw) = changedFlagUIDs[state.snapshot.messages[i].uid] {
                        state.snapshot.messages[i].flags = flags
                        state.snapshot.messages[i].keywords = kw
                        state.snapshot.messages[i].modseq = modseq
                    }
                }
            }
            let needsSort = additionsCopy.first.map { first in state.snapshot.messages.last.map { $0.uid > first.info.uid } ?? false } ?? false
            state.snapshot.messages.append(contentsOf: additionsCopy.map(\.info))
            if needsSort { state.snapshot.messages.sort { $0.uid < $1.uid } }
            state.snapshot.uidNext = uidNext
            state.snapshot.highestModseq = modseq
            state.snapshot.keywords = finalKeywords
        }
        if let imported = pendingImport {
            pendingImport = nil
            _ = imported
            // Imported once: a later index loss must not reuse these (now stale) UIDs.
            try? POSIXFiles.rename(path + "/dovecot-uidlist", path + "/dovecot-uidlist.imported")
        }
        result.any = true
        return result
    }

    /// fstatat for every file, split over a few threads for large batches.
    static func statAll(_ refs: [FileRef], newDir: Int32, curDir: Int32) -> [(size: Int, mtime: Int64)?] {
        var results = [(size: Int, mtime: Int64)?](repeating: nil, count: refs.count)
        let chunks = refs.count >= 4096 ? 4 : 1
        let chunkSize = (refs.count + chunks - 1) / max(chunks, 1)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk * chunkSize
                let end = min(refs.count, start + chunkSize)
                guard start < end else { return }
                for i in start..<end {
                    let ref = refs[i]
                    out[i] = POSIXFiles.fileInfo(directory: ref.inNew ? newDir : curDir, name: ref.fileName)
                }
            }
        }
        return results
    }

    /// Deletes message rows and what hangs off them, leaving RFC 7162 tombstones.
    static func deleteMessages(_ db: Database, mailbox: Int64, uids: [UInt32], modseq: UInt64) throws {
        let deleteMessage = try db.makeStatement(sql: "DELETE FROM message WHERE mailboxId = ? AND uid = ?")
        let deleteCache = try db.makeStatement(sql: "DELETE FROM messageCache WHERE mailboxId = ? AND uid = ?")
        let deleteText = try db.makeStatement(sql: "DELETE FROM messageText WHERE rowid = ?")
        let tombstone = try db.makeStatement(sql: "INSERT OR REPLACE INTO expunged (mailboxId, uid, modseq) VALUES (?, ?, ?)")
        for uid in uids {
            deleteMessage.setUncheckedArguments([mailbox, Int64(uid)])
            try deleteMessage.execute()
            deleteCache.setUncheckedArguments([mailbox, Int64(uid)])
            try deleteCache.execute()
            deleteText.setUncheckedArguments([IndexDatabase.textRowID(mailbox: mailbox, uid: uid)])
            try deleteText.execute()
            tombstone.setUncheckedArguments([mailbox, Int64(uid), Int64(bitPattern: modseq)])
            try tombstone.execute()
        }
    }

    /// Fills empty keyword slots from `dovecot-keywords` (written by Dovecot before a
    /// migration, or by a Dovecot sharing the Maildir).
    func mergeDovecotKeywords(into keywords: inout [String]) {
        guard let bytes = try? POSIXFiles.readFile(path + "/dovecot-keywords", limit: 64 * limits.dovecotFileLineOctets) else { return }
        for (index, name) in DovecotKeywords.parse(bytes, limits: limits) {
            while keywords.count <= index { keywords.append("") }
            if keywords[index].isEmpty, !keywords.contains(name) { keywords[index] = name }
        }
    }

    // MARK: own changes to cur/

    /// Runs our own renames/links/unlinks in cur/ and keeps the recorded signature when cur/
    /// was clean before, so that our change alone does not force a full re-read of cur/.
    func changingCur<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        let curPath = path + "/cur"
        let before = try? POSIXFiles.signature(curPath)
        let wasClean = before != nil && recordedCur?.signature == before
            && recordedCur?.isClean(slack: limits.directoryClockSlackNanoseconds) == true
        let value = try body()
        let observedAt = POSIXFiles.realtimeNanoseconds()
        if wasClean, let after = try? POSIXFiles.signature(curPath) {
            recordedCur = RecordedSignature(signature: after, observedAt: observedAt)
        } else {
            recordedCur = nil
        }
        return value
    }

    /// Forgets what we know of cur/ so the next sync reads it (after a rename that failed
    /// because another program had changed the file).
    func invalidateCur() { recordedCur = nil }
}
