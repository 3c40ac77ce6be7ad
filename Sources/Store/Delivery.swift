// Local delivery, on the SMTP hot path: no SQLite, one write, fsyncs, and a typed error.
//
// For each message: write `tmp/<unique>` in the first target's Maildir and fsync it; hard-link
// it into `new/` of every other target (a copy when links are impossible); rename it into the
// first target's `new/`; fsync every `new/` directory (deliveries to one mailbox finishing
// together share that fsync: DirectorySyncBatcher); only then return (DESIGN.md: a 250 means
// file and directory are on disk). On any failure every file made is removed. Sessions of the
// targets in IDLE are woken; the index picks the files up at their next sync.

import MailCore
#if canImport(Glibc)
import Glibc
#endif

extension MailStore {
    /// Delivers `message` to every target. Throws `.diskFull` (SMTP 452 4.3.1) for ENOSPC or
    /// EDQUOT, `.failed` (451 4.3.0) otherwise, `.tooLarge` beyond `StoreLimits.messageOctets`.
    /// `internalDate` (seconds since 1970) sets the file's mtime, which is INTERNALDATE.
    public func deliver(_ message: [UInt8], to targets: [DeliveryTarget], internalDate: Int64? = nil) async throws(DeliveryError) {
        let unique = Array(orderedUnique(targets))
        guard !unique.isEmpty else { throw .invalidTarget("no recipients") }
        guard message.count <= configuration.limits.messageOctets else { throw .tooLarge }
        let result: Result<Void, DeliveryError> = await withCheckedContinuation { continuation in
            deliveryQueue.async {
                do throws(DeliveryError) {
                    try self.deliverBlocking(message, to: unique, internalDate: internalDate)
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        try result.get()
        for target in unique { notifyDelivered(target) }
    }

    /// The blocking part, for callers already on a thread of their own.
    public func deliverBlocking(_ message: [UInt8], to targets: [DeliveryTarget], internalDate: Int64? = nil) throws(DeliveryError) {
        let maildirs = orderedUnique(targets.map { accountPath($0.account) + ($0.mailbox.isInbox ? "" : "/" + $0.mailbox.directoryName) })
        guard !maildirs.isEmpty else { throw .invalidTarget("no recipients") }
        do throws(POSIXFailure) {
            try deliverOnce(message, to: maildirs, internalDate: internalDate)
        } catch where error.isNotFound {
            // A Maildir removed since we last made it (a folder deleted, an account removed
            // by hand): the cache was cleared; make it again, once.
            do throws(POSIXFailure) {
                try deliverOnce(message, to: maildirs, internalDate: internalDate)
            } catch {
                throw error.deliveryError
            }
        } catch {
            throw error.deliveryError
        }
    }

    /// Order matters for speed, not for safety: the file is written, given its final names
    /// (links into the other recipients' `new/`, rename into the first one's), and only then
    /// fsynced, followed by every `new/` directory. Nothing is acknowledged before all of that
    /// returns, so the promise is the same as syncing first; but on a journalling file system
    /// (ext4) the file's fsync commits the renames in the same journal transaction, and the
    /// directory fsyncs that follow find nothing left to commit: one journal commit per
    /// message instead of two. A crash before the fsyncs can leave a complete but unsynced
    /// file in `new/` that the client was never told about; it retries, as after any crash
    /// between delivery and reply.
    private func deliverOnce(_ message: [UInt8], to maildirs: [String], internalDate: Int64?) throws(POSIXFailure) {
        let first = maildirs[0]
        let name = names.next(size: message.count, virtualSize: MaildirFileName.virtualSize(of: message))
        var made: [String] = []
        var openFile: Int32 = -1
        do throws(POSIXFailure) {
            for dir in maildirs where !preparedMaildirs.withLock({ $0.contains(dir) }) {
                try POSIXFiles.makeMaildir(dir)
                preparedMaildirs.withLock { _ = $0.insert(dir) }
            }
            // Preferred: a nameless file linked into every new/ (see writeAnonymous).
            if let fd = try POSIXFiles.writeAnonymous(directory: first + "/new", bytes: message, mtime: internalDate) {
                openFile = fd
                for dir in maildirs {
                    let target = dir + "/new/" + name
                    do throws(POSIXFailure) {
                        try POSIXFiles.linkAnonymous(fd, to: target)
                        made.append(target)
                    } catch {
                        guard error.code == EXDEV || error.code == EPERM || error.code == EMLINK, dir != first else { throw error }
                        try POSIXFiles.writeDurably(directory: dir + "/tmp", name: name, bytes: message, mtime: internalDate)
                        made.append(dir + "/tmp/" + name)
                        try POSIXFiles.rename(dir + "/tmp/" + name, target)
                        made.removeLast()
                        made.append(target)
                    }
                }
                openFile = -1
                try POSIXFiles.syncAndClose(fd, path: first + "/new/" + name)
                for dir in maildirs { try newDirectorySyncs.sync(dir + "/new") }
                return
            }
            // The classic Maildir way (file systems without O_TMPFILE).
            let tmpPath = first + "/tmp/" + name
            openFile = try POSIXFiles.writeUnsynced(directory: first + "/tmp", name: name, bytes: message, mtime: internalDate)
            made.append(tmpPath)
            for dir in maildirs.dropFirst() {
                let target = dir + "/new/" + name
                do throws(POSIXFailure) {
                    try POSIXFiles.link(tmpPath, target)
                    made.append(target)
                } catch {
                    guard error.code == EXDEV || error.code == EPERM || error.code == EMLINK else { throw error }
                    // Another file system: a durable copy of its own.
                    try POSIXFiles.writeDurably(directory: dir + "/tmp", name: name, bytes: message, mtime: internalDate)
                    made.append(dir + "/tmp/" + name)
                    try POSIXFiles.rename(dir + "/tmp/" + name, target)
                    made.removeLast()
                    made.append(target)
                }
            }
            try POSIXFiles.rename(tmpPath, first + "/new/" + name)
            made.removeFirst()
            made.append(first + "/new/" + name)
            let fd = openFile
            openFile = -1
            try POSIXFiles.syncAndClose(fd, path: first + "/new/" + name)
            for dir in maildirs { try newDirectorySyncs.sync(dir + "/new") }
        } catch {
            if openFile >= 0 { close(openFile) }
            for path in made { POSIXFiles.remove(path) }
            // A Maildir removed under us must be made again next time.
            preparedMaildirs.withLock { $0.subtract(maildirs) }
            throw error
        }
    }
}

/// Order-preserving de-duplication.
func orderedUnique<T: Hashable>(_ items: [T]) -> [T] {
    var seen = Set<T>()
    return items.filter { seen.insert($0).inserted }
}
