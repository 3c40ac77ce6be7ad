// Group commit for directory fsyncs.
//
// Every delivery ends with an fsync of the recipient's `new/`. When several deliveries to one
// mailbox finish at about the same time (a list mail, a burst from one sender, a benchmark),
// their fsyncs would each flush the same directory block to the device one after the other.
// An fsync that *starts* after a file was linked makes that link durable, whoever asked for
// it, so callers that arrive while a sync of their directory is running wait for the next
// one, and that one sync serves all of them. A caller alone pays what it paid before: one
// fsync, plus a lock.

#if canImport(Glibc)
import Glibc
#endif

/// Directory fsyncs shared between callers that need them at the same time.
final class DirectorySyncBatcher: @unchecked Sendable {
    // @unchecked: every field below is touched only with `mutex` held.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var directories: [String: Directory] = [:]
    private let syncDirectory: (String) throws(POSIXFailure) -> Void

    private struct Directory {
        /// Requests so far; each caller takes the next number once its link is in place.
        var requested: UInt64 = 0
        /// Every request numbered up to this one is covered by a finished sync.
        var covered: UInt64 = 0
        /// The outcome of the sync that set `covered`.
        var failure: POSIXFailure?
        var syncing = false
        /// Callers inside `sync` for this directory; the entry goes when the last one leaves.
        var callers = 0
    }

    /// `syncDirectory` is the fsync itself (injected so tests can count and fail syncs).
    init(syncDirectory: @escaping (String) throws(POSIXFailure) -> Void = { path throws(POSIXFailure) in
        try POSIXFiles.syncDirectory(path)
    }) {
        self.syncDirectory = syncDirectory
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Returns once a sync of `path` that started after this call began has finished; throws
    /// that sync's failure. Call it after the entries to be made durable are in place.
    func sync(_ path: String) throws(POSIXFailure) {
        pthread_mutex_lock(mutex)
        directories[path, default: Directory()].requested += 1
        directories[path]!.callers += 1
        let ticket = directories[path]!.requested
        var outcome: POSIXFailure?
        while true {
            let state = directories[path]!
            if state.covered >= ticket {
                // A later sync than the one this caller needed is as good: it started after
                // the link too. Its failure is this caller's failure.
                outcome = state.failure
                break
            }
            if state.syncing {
                pthread_cond_wait(condition, mutex)
                continue
            }
            // Nobody is syncing: this caller syncs for everyone who has asked so far.
            let covers = state.requested
            directories[path]!.syncing = true
            pthread_mutex_unlock(mutex)
            var failure: POSIXFailure?
            do throws(POSIXFailure) {
                try syncDirectory(path)
            } catch {
                failure = error
            }
            pthread_mutex_lock(mutex)
            directories[path]!.syncing = false
            directories[path]!.covered = covers
            directories[path]!.failure = failure
            pthread_cond_broadcast(condition)
        }
        directories[path]!.callers -= 1
        if directories[path]!.callers == 0 { directories[path] = nil }
        pthread_mutex_unlock(mutex)
        if let outcome { throw outcome }
    }
}
