// Group commit of directory fsyncs: callers arriving together share one sync, and nobody
// returns before a sync that started after its own request has finished.

import Foundation
import Synchronization
import Testing
@testable import Store

@Suite struct DirectorySyncBatcherTests {
    /// What the injected fsync saw: how many requests had been made when each sync started,
    /// and which syncs have finished.
    final class Recorder: Sendable {
        struct State {
            var requested = 0
            var syncsStarted: [Int] = []
            var finishedCovering: [Int] = []
            var violations: [String] = []
        }
        let state = Mutex(State())
    }

    @Test func aLoneCallerSyncsOnce() throws {
        let calls = Mutex(0)
        let batcher = DirectorySyncBatcher { _ throws(POSIXFailure) in calls.withLock { $0 += 1 } }
        try batcher.sync("/a/new")
        try batcher.sync("/a/new")
        #expect(calls.withLock { $0 } == 2)
    }

    @Test func aFailedSyncFailsItsCallers() {
        let batcher = DirectorySyncBatcher { path throws(POSIXFailure) in
            throw POSIXFailure(operation: "fsync", path: path, code: EIO)
        }
        #expect(throws: POSIXFailure.self) { try batcher.sync("/a/new") }
    }

    @Test func concurrentCallersShareSyncsAndEachIsCovered() throws {
        let recorder = Recorder()
        let callers = 40
        let batcher = DirectorySyncBatcher { _ throws(POSIXFailure) in
            let (covers, first) = recorder.state.withLock { s in
                s.syncsStarted.append(s.requested)
                return (s.requested, s.syncsStarted.count == 1)
            }
            // A slow disk: the first sync lasts until every caller has made its link (or 5 s),
            // so the others are bound to arrive while it runs, however the threads are scheduled.
            let deadline = Date().addingTimeInterval(5)
            while first, recorder.state.withLock({ $0.requested }) < callers, Date() < deadline {
                usleep(1_000)
            }
            usleep(1_000)
            recorder.state.withLock { $0.finishedCovering.append(covers) }
        }
        // Real threads, one per caller (concurrentPerform would use one per core).
        let finished = DispatchGroup()
        for i in 0..<callers {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                usleep(UInt32(i % 8) * 200)
                // The "link" this caller wants durable happens now.
                let mine = recorder.state.withLock { s in
                    s.requested += 1
                    return s.requested
                }
                do {
                    try batcher.sync("/mailbox/new")
                } catch {
                    recorder.state.withLock { $0.violations.append("caller \(mine): \(error)") }
                }
                recorder.state.withLock { s in
                    // Some finished sync must have started after this caller's link.
                    if !s.finishedCovering.contains(where: { $0 >= mine }) {
                        s.violations.append("caller \(mine) returned before a sync covering it finished")
                    }
                }
            }
        }
        finished.wait()
        let state = recorder.state.withLock { $0 }
        #expect(state.violations.isEmpty, "\(state.violations)")
        #expect(state.syncsStarted.count < callers / 2, "\(state.syncsStarted.count) syncs for \(callers) callers")
    }

    @Test func directoriesAreSyncedSeparately() throws {
        let paths = Mutex<[String]>([])
        let batcher = DirectorySyncBatcher { path throws(POSIXFailure) in paths.withLock { $0.append(path) } }
        try batcher.sync("/a/new")
        try batcher.sync("/b/new")
        #expect(paths.withLock { $0 } == ["/a/new", "/b/new"])
    }
}
