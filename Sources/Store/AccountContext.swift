// What every mailbox of an account shares: its root, index, limits, analyser and clock.

import Dispatch
import MailCore
import Synchronization

/// Process-wide generator of Maildir unique names:
/// `<sec>.M<usec>P<pid>Q<counter>.<host>,S=<size>,W=<vsize>` (Dovecot's form; the counter
/// makes names unique within the process even inside one microsecond).
final class UniqueNames: Sendable {
    let host: String
    let pid: Int32
    private let counter = Atomic<UInt64>(0)

    init(host: String) {
        self.host = maildirHostName(host)
        self.pid = POSIXFiles.processID()
    }

    func next(size: Int, virtualSize: Int) -> String {
        let now = POSIXFiles.realtimeNanoseconds()
        let n = counter.add(1, ordering: .relaxed).newValue
        // Microseconds zero-padded to six digits: names sort in arrival order within a
        // second, and new messages get UIDs in name order.
        let micros = String((now / 1000) % 1_000_000)
        let padded = String(repeating: "0", count: 6 - micros.count) + micros
        return "\(now / 1_000_000_000).M\(padded)P\(pid)Q\(n).\(host),S=\(size),W=\(virtualSize)"
    }
}

/// Wall clock in nanoseconds since 1970; injected so tests can pin UIDVALIDITY and dates.
public typealias StoreClock = @Sendable () -> Int64

final class AccountContext: Sendable {
    let address: EmailAddress
    let root: String
    let index: IndexDatabase
    let limits: StoreLimits
    let analyzer: (any MessageAnalyzer)?
    let names: UniqueNames
    let clock: StoreClock
    /// Where blocking work that is not tied to one mailbox runs (analysis for search).
    let workQueue: DispatchQueue

    init(address: EmailAddress, root: String, index: IndexDatabase, limits: StoreLimits,
         analyzer: (any MessageAnalyzer)?, names: UniqueNames, clock: @escaping StoreClock) {
        self.address = address
        self.root = root
        self.index = index
        self.limits = limits
        self.analyzer = analyzer
        self.names = names
        self.clock = clock
        self.workQueue = DispatchQueue(label: "postern.store.work", attributes: .concurrent)
    }

    func path(of mailbox: MailboxName) -> String {
        mailbox.isInbox ? root : root + "/" + mailbox.directoryName
    }

    var nowSeconds: Int64 { clock() / 1_000_000_000 }
}

/// Runs blocking work on a dispatch queue and resumes the caller with its result: file and
/// SQLite work stays off the Swift concurrency pool.
func runBlocking<T: Sendable>(
    on queue: DispatchQueue, _ body: @escaping @Sendable () throws(StoreError) -> T
) async throws(StoreError) -> T {
    let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
        queue.async {
            do throws(StoreError) {
                continuation.resume(returning: .success(try body()))
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    return try result.get()
}

/// Wraps a GRDB (or any untyped) failure into `StoreError.index`.
func indexing<T>(_ body: () throws -> T) throws(StoreError) -> T {
    do {
        return try body()
    } catch let error as StoreError {
        throw error
    } catch {
        throw .index("\(error)")
    }
}

/// `DispatchQueue.sync` keeping the typed error.
func onQueue<T>(_ queue: DispatchQueue, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    let result: Result<T, StoreError> = queue.sync {
        do throws(StoreError) {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
