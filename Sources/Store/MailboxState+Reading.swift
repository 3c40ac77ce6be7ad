// Reading messages, cached blobs, and search through the index.

import Dispatch
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// A message file opened read-only. The descriptor closes when the value is released, so a
/// message renamed or expunged meanwhile stays readable to whoever opened it.
public final class MessageFile: Sendable {
    let fd: Int32
    let path: String
    /// Octets in the file (may use LF line endings; `MessageInfo.size` is the CRLF size).
    public let size: Int
    let limit: Int

    init(fd: Int32, path: String, size: Int, limit: Int) {
        self.fd = fd
        self.path = path
        self.size = size
        self.limit = limit
    }

    deinit { close(fd) }

    /// Reads up to `count` octets at `offset` (for partial FETCH and streaming).
    public func read(offset: Int, count: Int) throws(StoreError) -> [UInt8] {
        guard offset >= 0, count > 0, offset < size else { return [] }
        var bytes = [UInt8](repeating: 0, count: min(count, size - offset))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFailure(operation: "read", path: path, code: errno).storeError
            }
            if n == 0 { break }
            done += n
        }
        bytes.removeSubrange(done...)
        return bytes
    }

    public func readAll() throws(StoreError) -> [UInt8] {
        do throws(POSIXFailure) {
            return try POSIXFiles.readAll(fd: fd, path: path, limit: limit)
        } catch {
            throw error.storeError
        }
    }
}

extension MailboxState {
    func openMessage(uid: UInt32) throws(StoreError) -> MessageFile {
        let path = self.path
        // Another program may rename the file (flags) between our lookup and open: look again.
        for _ in 0..<3 {
            guard let ref = files.withLock({ $0.byUID[uid] }) else { throw .nonexistent("message \(uid)") }
            let full = path + "/" + ref.relativePath
            let fd = open(full, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                var st = stat()
                fstat(fd, &st)
                return MessageFile(fd: fd, path: full, size: Int(st.st_size), limit: limits.messageOctets)
            }
            guard errno == ENOENT else { throw POSIXFailure(operation: "open", path: full, code: errno).storeError }
            queue.sync { invalidateCur(); _ = try? syncOnQueue() }
        }
        throw .nonexistent("message \(uid)")
    }

    func cachedBlobs(uids: [UInt32]) async throws(StoreError) -> [UInt32: CachedBlobs] {
        let mailboxID = id
        let pool = context.index.pool
        return try await runBlocking(on: context.workQueue) { () throws(StoreError) in
            try indexing {
                try pool.read { db in
                    var out: [UInt32: CachedBlobs] = [:]
                    out.reserveCapacity(uids.count)
                    func take(_ statement: RawStatement, uid: UInt32) {
                        let envelope = statement.blob(1)
                        let body = statement.blob(2)
                        if envelope != nil || body != nil { out[uid] = CachedBlobs(envelope: envelope, bodyStructure: body) }
                    }
                    guard let low = uids.min(), let high = uids.max() else { return out }
                    // A FETCH of a whole mailbox asks for dense runs of UIDs: one range scan of
                    // the primary key then costs less than a lookup per UID (raw SQLite: GRDB
                    // rows cost more than SQLite itself here).
                    if UInt64(high - low) < UInt64(uids.count) * 4 {
                        let wanted = Set(uids)
                        let statement = RawStatement(try db.makeStatement(sql: """
                            SELECT uid, envelope, bodyStructure FROM messageCache WHERE mailboxId = ? AND uid BETWEEN ? AND ?
                            """))
                        defer { statement.reset() }
                        statement.bind(1, mailboxID)
                        statement.bind(2, Int64(low))
                        statement.bind(3, Int64(high))
                        while try statement.step() {
                            let uid = UInt32(truncatingIfNeeded: statement.int64(0))
                            if wanted.contains(uid) { take(statement, uid: uid) }
                        }
                    } else {
                        let statement = RawStatement(try db.makeStatement(sql: """
                            SELECT uid, envelope, bodyStructure FROM messageCache WHERE mailboxId = ? AND uid = ?
                            """))
                        defer { statement.reset() }
                        for uid in uids {
                            statement.reset()
                            statement.bind(1, mailboxID)
                            statement.bind(2, Int64(uid))
                            if try statement.step() { take(statement, uid: uid) }
                        }
                    }
                    return out
                }
            }
        }
    }

    func setCachedBlobs(_ blobs: [UInt32: CachedBlobs]) async throws(StoreError) {
        let mailboxID = id
        let pool = context.index.pool
        try await runBlocking(on: context.workQueue) { () throws(StoreError) in
            try indexing {
                try pool.write { db in
                    let statement = try db.makeStatement(sql: """
                        INSERT INTO messageCache (mailboxId, uid, envelope, bodyStructure)
                        SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM message WHERE mailboxId = ? AND uid = ?)
                        ON CONFLICT (mailboxId, uid) DO UPDATE SET
                            envelope = coalesce(excluded.envelope, envelope),
                            bodyStructure = coalesce(excluded.bodyStructure, bodyStructure)
                        """)
                    for (uid, blob) in blobs {
                        statement.setUncheckedArguments([mailboxID, Int64(uid), blob.envelope.map { Data($0) }, blob.bodyStructure.map { Data($0) },
                                                         mailboxID, Int64(uid)])
                        try statement.execute()
                    }
                }
            }
        }
    }

    func vanished(since modseq: UInt64) async throws(StoreError) -> [UInt32] {
        let mailboxID = id
        let pool = context.index.pool
        return try await runBlocking(on: context.workQueue) { () throws(StoreError) in
            try indexing {
                try pool.read { db in
                    try Int64.fetchAll(db, sql: "SELECT uid FROM expunged WHERE mailboxId = ? AND modseq > ? ORDER BY uid",
                                       arguments: [mailboxID, Int64(bitPattern: modseq)]).map { UInt32(truncatingIfNeeded: $0) }
                }
            }
        }
    }

    // MARK: search

    func searchHeader(_ header: SearchableHeader, contains text: String) async throws(StoreError) -> [UInt32] {
        try await analyzePending()
        let needle = text.lowercased()
        let mailboxID = id
        let pool = context.index.pool
        let live = snapshot
        let found: [UInt32] = try await runBlocking(on: context.workQueue) { () throws(StoreError) in
            try indexing {
                try pool.read { db in
                    // instr: an exact substring test on the case-folded text (LIKE would need
                    // escaping and folds ASCII only).
                    try Int64.fetchAll(db, sql: "SELECT uid FROM messageCache WHERE mailboxId = ? AND instr(\(header.rawValue), ?) > 0 ORDER BY uid",
                                       arguments: [mailboxID, needle]).map { UInt32(truncatingIfNeeded: $0) }
                }
            }
        }
        return found.filter { live.index(ofUID: $0) != nil }
    }

    func searchText(_ text: String, scope: TextSearchScope) async throws(StoreError) -> [UInt32] {
        try await analyzePending()
        guard let query = FullTextQuery.match(text) else {
            // No word characters: nothing an FTS index can look up; every message "contains"
            // the empty string (RFC 9051 §6.4.4 substring semantics).
            return text.isEmpty ? snapshot.messages.map(\.uid) : []
        }
        let mailboxID = id
        let pool = context.index.pool
        let live = snapshot
        let match = scope == .body ? "body : (\(query))" : query
        let found: [UInt32] = try await runBlocking(on: context.workQueue) { () throws(StoreError) in
            try indexing {
                try pool.read { db in
                    try Int64.fetchAll(db, sql: "SELECT rowid FROM messageText WHERE messageText MATCH ? AND rowid BETWEEN ? AND ?",
                                       arguments: [match, IndexDatabase.textRowID(mailbox: mailboxID, uid: 0),
                                                   IndexDatabase.textRowID(mailbox: mailboxID, uid: UInt32.max)])
                        .map { UInt32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
                }
            }
        }
        return found.sorted().filter { live.index(ofUID: $0) != nil }
    }

    /// Runs the analyser over messages not yet analysed (header fields, full text, blobs),
    /// in batches; returns how many were done. Reading and parsing happen off the mailbox
    /// queue; each batch is one write transaction that skips messages expunged meanwhile.
    @discardableResult
    func analyzePending(maxMessages: Int = .max) async throws(StoreError) -> Int {
        guard let analyzer = context.analyzer else { return 0 }
        let mailboxID = id
        let pool = context.index.pool
        let limits = self.limits
        var done = 0
        // Walks the primary key upwards from the last UID seen (no index on `analyzed`: it
        // would cost every insert of a first sync more than it saves here).
        var after: Int64 = 0
        while done < maxMessages {
            let batch = min(limits.textIndexBatch, maxMessages - done)
            let from = after
            let pending: [UInt32] = try await runBlocking(on: context.workQueue) { () throws(StoreError) in
                try indexing {
                    try pool.read { db in
                        try Int64.fetchAll(db, sql: "SELECT uid FROM message WHERE mailboxId = ? AND uid > ? AND analyzed = 0 ORDER BY uid LIMIT ?",
                                           arguments: [mailboxID, from, batch]).map { UInt32(truncatingIfNeeded: $0) }
                    }
                }
            }
            guard let last = pending.last else { break }
            after = Int64(last)
            let state = self
            try await runBlocking(on: context.workQueue) { () throws(StoreError) in
                // Reading and parsing in parallel (the analyser is pure and Sendable); the
                // index write after it is one transaction. A file that cannot be read now
                // (expunged meanwhile) is marked analysed with nothing.
                var analyses = [MessageAnalysis?](repeating: nil, count: pending.count)
                let workers = min(limits.analysisThreads, max(1, pending.count / 16))
                analyses.withUnsafeMutableBufferPointer { buffer in
                    nonisolated(unsafe) let out = buffer
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        var i = worker
                        while i < pending.count {
                            if let bytes = try? state.openMessage(uid: pending[i]).readAll() { out[i] = analyzer.analyze(bytes) }
                            i += workers
                        }
                    }
                }
                let results = Array(zip(pending, analyses))
                try indexing {
                    try pool.write { db in
                        // Still there and not analysed by a concurrent run: each message is indexed once.
                        let exists = try db.makeStatement(sql: "SELECT 1 FROM message WHERE mailboxId = ? AND uid = ? AND analyzed = 0")
                        let cache = try db.makeStatement(sql: """
                            INSERT INTO messageCache (mailboxId, uid, envelope, bodyStructure, subject, fromText, toText, ccText, bccText, dateText)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (mailboxId, uid) DO UPDATE SET
                                envelope = coalesce(envelope, excluded.envelope),
                                bodyStructure = coalesce(bodyStructure, excluded.bodyStructure),
                                subject = excluded.subject, fromText = excluded.fromText, toText = excluded.toText,
                                ccText = excluded.ccText, bccText = excluded.bccText, dateText = excluded.dateText
                            """)
                        let text = try db.makeStatement(sql: "INSERT INTO messageText (rowid, header, body) VALUES (?, ?, ?)")
                        let mark = try db.makeStatement(sql: "UPDATE message SET analyzed = 1 WHERE mailboxId = ? AND uid = ?")
                        for (uid, analysis) in results {
                            exists.setUncheckedArguments([mailboxID, Int64(uid)])
                            guard try Row.fetchOne(exists) != nil else { continue }
                            if let a = analysis {
                                cache.setUncheckedArguments([
                                    mailboxID, Int64(uid), a.envelope.map { Data($0) }, a.bodyStructure.map { Data($0) },
                                    a.subject.lowercased(), a.from.lowercased(), a.to.lowercased(), a.cc.lowercased(),
                                    a.bcc.lowercased(), a.date.lowercased(),
                                ])
                                try cache.execute()
                                text.setUncheckedArguments([
                                    IndexDatabase.textRowID(mailbox: mailboxID, uid: uid),
                                    String(a.headerText.utf8.prefix(limits.textIndexOctetsPerMessage)) ?? "",
                                    String(a.bodyText.utf8.prefix(limits.textIndexOctetsPerMessage)) ?? "",
                                ])
                                try text.execute()
                            }
                            mark.setUncheckedArguments([mailboxID, Int64(uid)])
                            try mark.execute()
                        }
                    }
                }
            }
            done += pending.count
        }
        return done
    }
}

/// Builds FTS5 MATCH expressions from IMAP search strings.
enum FullTextQuery {
    /// The words of `text` as one FTS5 phrase, the last word as a prefix (so that "zebra"
    /// finds "zebrafish", close to IMAP's substring semantics for the end of the string).
    /// Words are split as the unicode61 tokenizer does (letters and digits); nil when there
    /// are none. Quotes are doubled, so no input can inject FTS5 syntax.
    static func match(_ text: String) -> String? {
        var words: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        guard !words.isEmpty else { return nil }
        let phrase = words.joined(separator: " ").replacingOccurrences(of: "\"", with: "\"\"")
        return "\"\(phrase)\" *"
    }
}
