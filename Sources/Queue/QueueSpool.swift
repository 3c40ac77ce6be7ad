// The spool on disk, `<data_dir>/queue/`:
//
//     tmp/       files being written (removed at start-up: never acknowledged)
//     msg/       complete queue files, one per message (SpoolFormat), never modified
//     log/       journals, one per message that has history (Journal)
//     corrupt/   quarantined files that failed to parse or to verify (Postfix's corrupt/)
//     control/   requests from `postern queue` to the running server (flush, retry, delete)
//
// Enqueue: write tmp/, fsync, link into msg/ (never replacing an existing id), fsync msg/:
// only then does the caller get the id. Removal: unlink msg/ first, then log/, so a crash
// in between leaves an orphan journal (cleaned up) rather than a message without history.
// Everything here blocks; the async wrappers run it on the spool's own threads.

import Dispatch
import Foundation
import MailCore
import SMTPProtocol

/// A message as the spool knows it: envelope and history, without the content.
public struct SpooledMessage: Sendable {
    public var envelope: QueueEnvelope
    public var progress: [RecipientProgress]
    /// The delay DSN was queued.
    public var warned: Bool
    /// Content octets.
    public var size: Int
    public var journal: [JournalRecord]

    public var id: String { envelope.id }
    public var pendingRecipients: [Int] { progress.indices.filter { progress[$0].state == .pending } }
}

/// What `postern queue` asks of the running server.
public enum ControlRequest: Sendable, Hashable {
    /// Retry every deferred message now.
    case flush
    /// Retry this message now.
    case retry(String)
    /// This message was deleted by the operator; forget it.
    case deleted(String)

    var fileName: String {
        switch self {
        case .flush: "flush"
        case .retry(let id): "retry." + id
        case .deleted(let id): "deleted." + id
        }
    }

    init?(fileName: String) {
        if fileName == "flush" { self = .flush; return }
        let parts = fileName.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, QueueID.isValid(parts[1]) else { return nil }
        switch parts[0] {
        case "retry": self = .retry(String(parts[1]))
        case "deleted": self = .deleted(String(parts[1]))
        default: return nil
        }
    }
}

public enum EnqueueOutcome: Sendable, Hashable {
    case queued(String)
    /// `exactID` was asked for and a message with that id is already queued.
    case alreadyQueued(String)
}

public struct RecoveryReport: Sendable {
    public var messages: [SpooledMessage] = []
    /// Queue ids (or file names) moved to corrupt/, with the reason.
    public var quarantined: [(name: String, reason: String)] = []
    public var removedTemporary = 0
    public var removedOrphanJournals = 0
}

public final class QueueSpool: Sendable {
    public let directory: String
    public let limits: SpoolLimits
    let tmp, msg, log, corrupt, control: String
    let messageSync: DirectorySync
    let journalSync: DirectorySync
    let io = DispatchQueue(label: "postern.queue.spool", attributes: .concurrent)

    /// Opens (creating) the spool directories.
    public init(directory: String, limits: SpoolLimits = SpoolLimits()) throws(SpoolIOError) {
        self.directory = directory
        self.limits = limits
        tmp = directory + "/tmp"
        msg = directory + "/msg"
        log = directory + "/log"
        corrupt = directory + "/corrupt"
        control = directory + "/control"
        messageSync = DirectorySync(path: msg)
        journalSync = DirectorySync(path: log)
        try SpoolFiles.makeDirectory(directory)
        for d in [tmp, msg, log, corrupt, control] { try SpoolFiles.makeDirectory(d) }
        try SpoolFiles.syncDirectory(directory)
    }

    func messagePath(_ id: String) -> String { msg + "/" + id }

    /// Whether the message's queue file is (still) there.
    public func exists(_ id: String) -> Bool {
        QueueID.isValid(id) && access(messagePath(id), F_OK) == 0
    }
    func journalPath(_ id: String) -> String { log + "/" + id }

    /// Runs blocking spool work off the concurrency pool.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(SpoolIOError) -> T) async throws(SpoolIOError) -> T {
        let result: Result<T, SpoolIOError> = await withCheckedContinuation { c in
            io.async {
                do throws(SpoolIOError) { c.resume(returning: .success(try body())) } catch { c.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }

    // MARK: writing

    /// Stores a new message durably. With `exactID` the envelope's id is kept or nothing is
    /// written (`alreadyQueued`); otherwise a taken id gets a random suffix.
    public func enqueueBlocking(_ envelope: QueueEnvelope, content: [UInt8], exactID: Bool = false) throws(SpoolIOError) -> EnqueueOutcome {
        var envelope = envelope
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let file = SpoolFormat.encode(envelope, content: content)
            let temporary = tmp + "/" + envelope.id + "." + String(rng.next() & 0xFFFFFFFF, radix: 36)
            try SpoolFiles.writeNew(temporary, file)
            do throws(SpoolIOError) {
                try SpoolFiles.link(temporary, messagePath(envelope.id))
                _ = try? SpoolFiles.remove(temporary)
            } catch where error.isExisting {
                _ = try? SpoolFiles.remove(temporary)
                if exactID { return .alreadyQueued(envelope.id) }
                envelope.id = String((envelope.id + "-" + String(rng.next() & 0xFFFF, radix: 36, uppercase: true)).suffix(QueueID.maxLength))
                continue
            } catch {
                _ = try? SpoolFiles.remove(temporary)
                throw error
            }
            try messageSync.sync()
            return .queued(envelope.id)
        }
        throw SpoolIOError(operation: "link", path: messagePath(envelope.id), code: EEXIST)
    }

    public func enqueue(_ envelope: QueueEnvelope, content: [UInt8], exactID: Bool = false) async throws(SpoolIOError) -> EnqueueOutcome {
        try await run { () throws(SpoolIOError) in try self.enqueueBlocking(envelope, content: content, exactID: exactID) }
    }

    /// Appends records to a message's journal (fsynced; the first record also fsyncs the
    /// directory). Throws `isNotFound` when the message is gone (deleted by the operator).
    public func appendBlocking(_ id: String, _ records: [JournalRecord]) throws(SpoolIOError) {
        guard !records.isEmpty else { return }
        guard access(messagePath(id), F_OK) == 0 else { throw SpoolIOError(operation: "open", path: messagePath(id), code: ENOENT) }
        let bytes = records.flatMap(Journal.encode)
        if try SpoolFiles.append(journalPath(id), bytes, create: true) {
            try journalSync.sync()
        }
    }

    public func append(_ id: String, _ records: [JournalRecord]) async throws(SpoolIOError) {
        try await run { () throws(SpoolIOError) in try self.appendBlocking(id, records) }
    }

    /// Removes a message and its journal (the message first). A missing file is fine.
    public func removeBlocking(_ id: String) throws(SpoolIOError) {
        guard QueueID.isValid(id) else { return }
        try SpoolFiles.remove(messagePath(id))
        try messageSync.sync()
        if try SpoolFiles.remove(journalPath(id)) { try journalSync.sync() }
    }

    public func remove(_ id: String) async throws(SpoolIOError) {
        try await run { () throws(SpoolIOError) in try self.removeBlocking(id) }
    }

    // MARK: reading

    /// The content of a queued message, verified against its end marker.
    public func contentBlocking(_ id: String) throws(SpoolIOError) -> Result<[UInt8], SpoolFormatError> {
        let bytes = try SpoolFiles.readAll(messagePath(id))
        do throws(SpoolFormatError) {
            let (_, content) = try SpoolFormat.decode(bytes, limits: limits)
            return .success(Array(content))
        } catch {
            return .failure(error)
        }
    }

    public func content(_ id: String) async throws(SpoolIOError) -> Result<[UInt8], SpoolFormatError> {
        try await run { () throws(SpoolIOError) in try self.contentBlocking(id) }
    }

    /// Envelope and history of one message (header only; the content is not verified).
    public func loadBlocking(_ id: String) throws(SpoolIOError) -> Result<SpooledMessage, SpoolFormatError> {
        guard QueueID.isValid(id) else { return .failure(.malformed("queue id")) }
        let path = messagePath(id)
        var prefix = try SpoolFiles.readPrefix(path, limit: 256 * 1024)
        var header: (envelope: QueueEnvelope, contentStart: Int, contentLength: Int)
        do throws(SpoolFormatError) {
            header = try SpoolFormat.decodeHeader(prefix, limits: limits)
        } catch {
            // A header longer than the prefix (many recipients): read it all.
            prefix = try SpoolFiles.readAll(path)
            do throws(SpoolFormatError) {
                header = try SpoolFormat.decodeHeader(prefix, limits: limits)
            } catch {
                return .failure(error)
            }
        }
        return .success(try history(for: header.envelope, size: header.contentLength))
    }

    func history(for envelope: QueueEnvelope, size: Int) throws(SpoolIOError) -> SpooledMessage {
        var records: [JournalRecord] = []
        do throws(SpoolIOError) {
            records = Journal.decode(try SpoolFiles.readAll(journalPath(envelope.id)), limits: limits).records
        } catch where error.isNotFound {
            records = []
        }
        let replayed = Journal.replay(records, recipients: envelope.recipients.count)
        return SpooledMessage(envelope: envelope, progress: replayed.progress, warned: replayed.warned, size: size, journal: records)
    }

    /// Every queued message (headers and journals), for `postern queue list`; files that do
    /// not parse are listed by name in the second value.
    public func listBlocking() throws(SpoolIOError) -> ([SpooledMessage], [String]) {
        var out: [SpooledMessage] = []
        var bad: [String] = []
        for name in try SpoolFiles.list(msg).sorted() {
            do throws(SpoolIOError) {
                switch try loadBlocking(name) {
                case .success(let m): out.append(m)
                case .failure: bad.append(name)
                }
            } catch where error.isNotFound {
                continue   // delivered while we listed
            }
        }
        return (out, bad)
    }

    public var corruptFiles: [String] { ((try? SpoolFiles.list(corrupt)) ?? []).sorted() }

    // MARK: recovery

    /// Start-up: temporary files removed, every queue file read and verified (the bad ones
    /// quarantined with their journals), torn journal tails cut off, orphan journals removed.
    public func recoverBlocking() throws(SpoolIOError) -> RecoveryReport {
        var report = RecoveryReport()
        for name in try SpoolFiles.list(tmp) {
            if try SpoolFiles.remove(tmp + "/" + name) { report.removedTemporary += 1 }
        }
        var present = Set<String>()
        for name in try SpoolFiles.list(msg).sorted() {
            guard QueueID.isValid(name) else {
                try quarantine(name, reason: "invalid file name", report: &report)
                continue
            }
            let bytes = try SpoolFiles.readAll(messagePath(name))
            let envelope: QueueEnvelope
            let size: Int
            do throws(SpoolFormatError) {
                let decoded = try SpoolFormat.decode(bytes, limits: limits)
                envelope = decoded.0
                size = decoded.1.count
            } catch {
                try quarantine(name, reason: error.description, report: &report)
                continue
            }
            guard envelope.id == name else {
                try quarantine(name, reason: "id \(envelope.id) does not match the file name", report: &report)
                continue
            }
            present.insert(name)
            // Cut a torn or damaged journal tail, so that new records follow valid ones.
            if let journal = try? SpoolFiles.readAll(journalPath(name)) {
                let valid = Journal.decode(journal, limits: limits).validLength
                if valid < journal.count { try SpoolFiles.truncate(journalPath(name), to: valid) }
            }
            report.messages.append(try history(for: envelope, size: size))
        }
        for name in try SpoolFiles.list(log) where !present.contains(name) {
            if try SpoolFiles.remove(journalPath(name)) { report.removedOrphanJournals += 1 }
        }
        try SpoolFiles.syncDirectory(msg)
        try SpoolFiles.syncDirectory(log)
        return report
    }

    public func recover() async throws(SpoolIOError) -> RecoveryReport {
        try await run { () throws(SpoolIOError) in try self.recoverBlocking() }
    }

    func quarantine(_ name: String, reason: String, report: inout RecoveryReport) throws(SpoolIOError) {
        // A name that is not a valid id may still be a plain file; it moves under a safe name.
        let safe = QueueID.isValid(name) ? name : "invalid-" + String(name.utf8.count) + "-" + String(UInt32(truncatingIfNeeded: name.hashValue), radix: 36)
        try SpoolFiles.rename(msg + "/" + name, corrupt + "/" + safe)
        if QueueID.isValid(name), access(journalPath(name), F_OK) == 0 {
            try SpoolFiles.rename(journalPath(name), corrupt + "/" + safe + ".log")
        }
        try SpoolFiles.syncDirectory(corrupt)
        try SpoolFiles.syncDirectory(msg)
        report.quarantined.append((name, reason))
    }

    // MARK: control

    /// Leaves a request for the running server (it reads them within a second).
    public func request(_ r: ControlRequest) throws(SpoolIOError) {
        let path = control + "/" + r.fileName
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, SpoolFiles.fileMode)
        guard fd >= 0 else { throw SpoolFiles.fail("open", path) }
        close(fd)
    }

    /// Takes the pending requests (removing them).
    func takeRequests() -> [ControlRequest] {
        guard let names = try? SpoolFiles.list(control), !names.isEmpty else { return [] }
        var out: [ControlRequest] = []
        for name in names.sorted() {
            _ = try? SpoolFiles.remove(control + "/" + name)
            if let r = ControlRequest(fileName: name) { out.append(r) }
        }
        return out
    }

    /// Deletes a message on the operator's behalf and tells the server.
    public func deleteBlocking(_ id: String) throws(SpoolIOError) -> Bool {
        guard QueueID.isValid(id), access(messagePath(id), F_OK) == 0 else { return false }
        try removeBlocking(id)
        try? request(.deleted(id))
        return true
    }
}

#if canImport(Glibc)
import Glibc
#endif
