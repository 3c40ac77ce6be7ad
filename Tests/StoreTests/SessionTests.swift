// Several sessions on one mailbox: each sees the others' changes as EXISTS, EXPUNGE/VANISHED
// and FETCH FLAGS, at the moments it asks for them, with its own sequence numbers.

import Testing
@testable import Store

@Suite struct SessionTests {
    @Test func sessionsSeeEachOthersChanges() async throws {
        let root = TempRoot()
        let store = root.store()
        let account = try await store.account(alice)
        for i in 0..<4 { _ = try await account.append(to: .inbox, message: message(subject: "\(i)")) }
        var a = try await account.select(.inbox)
        var b = try await account.select(.inbox)

        // A flags 2 and expunges 3: A's own STORE is not echoed back to A by poll.
        let stored = try await a.store(uids: [2, 3], .add, flags: [.seen])
        #expect(stored.modified.count == 2)
        #expect(try await a.poll(sync: false, reportExpunges: true).isEmpty)
        let bFlags = try await b.poll(sync: false, reportExpunges: true)
        #expect(bFlags.flagUpdates.map(\.sequence) == [2, 3])
        #expect(bFlags.flagUpdates.allSatisfy { $0.message.flags == [.seen] })

        _ = try await a.store(uids: [3], .add, flags: [.deleted])
        let expunged = try await a.expunge()
        #expect(expunged.sequenceNumbers == [3] && expunged.uids == [3])
        #expect(a.uids == [1, 2, 4])

        // B is in the middle of a FETCH: no expunge yet, message 3 keeps its number.
        let deferred = try await b.poll(sync: false, reportExpunges: false)
        #expect(deferred.expungedSequenceNumbers.isEmpty)
        #expect(b.uids == [1, 2, 3, 4])
        #expect(deferred.flagUpdates.map(\.sequence) == [])  // the \Deleted change is on a gone message
        #expect(b.messages(uids: [3]).isEmpty)
        // Then a delivery arrives and B may hear about everything.
        try await store.deliver(message(subject: "new"), to: [DeliveryTarget(account: alice)])
        let later = try await b.poll(sync: true, reportExpunges: true)
        #expect(later.expungedSequenceNumbers == [3])
        #expect(later.vanishedUIDs == [3])
        #expect(later.exists == 4)
        #expect(b.uids == [1, 2, 4, 5])
        let aLater = try await a.poll(sync: false, reportExpunges: true)
        #expect(aLater.exists == 4)
        #expect(a.uids == b.uids)
    }

    @Test func expungeSequenceNumbersHighestFirst() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        for i in 0..<6 { _ = try await account.append(to: .inbox, message: message(subject: "\(i)"), flags: i % 2 == 0 ? [.deleted] : []) }
        var a = try await account.select(.inbox)
        var b = try await account.select(.inbox)
        // UID EXPUNGE of a subset only removes the \Deleted among it (RFC 4315 §2.1).
        let subset = try await a.expunge(uids: [1, 2])
        #expect(subset.uids == [1])
        let rest = try await a.expunge()
        #expect(rest.sequenceNumbers == [4, 2])  // UIDs 5 and 3, after UID 1 went
        let changes = try await b.poll(sync: false, reportExpunges: true)
        #expect(changes.expungedSequenceNumbers == [5, 3, 1])
        #expect(changes.vanishedUIDs == [1, 3, 5])
        #expect(changes.exists == nil)
        #expect(b.uids == [2, 4, 6])
    }

    @Test func flagsForAllFromMemory() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        for i in 0..<5 { _ = try await account.append(to: .inbox, message: message(subject: "\(i)"), flags: i == 2 ? [.flagged] : []) }
        let session = try await account.select(.inbox)
        let all = session.allMessages()
        #expect(all.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(all.map(\.message.uid) == [1, 2, 3, 4, 5])
        #expect(all[2].message.flags == [.flagged])
        #expect(session.sequence(ofUID: 4) == 4 && session.uid(atSequence: 5) == 5 && session.uid(atSequence: 6) == nil)
    }

    @Test func concurrentStoresAndDeliveries() async throws {
        let root = TempRoot()
        let store = root.store()
        let account = try await store.account(alice)
        for i in 0..<50 { _ = try await account.append(to: .inbox, message: message(subject: "\(i)")) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var session = try await account.select(.inbox)
                    for round in 0..<10 {
                        let uids = Array(UInt32(1)...UInt32(50)).filter { Int($0) % 4 == worker }
                        _ = try await session.store(uids: uids, round % 2 == 0 ? .add : .remove, flags: [.flagged])
                        _ = try await session.poll(sync: round % 3 == 0, reportExpunges: true)
                    }
                }
            }
            group.addTask {
                for i in 0..<20 { try await store.deliver(message(subject: "d\(i)"), to: [DeliveryTarget(account: alice)]) }
            }
            try await group.waitForAll()
        }
        let final = try await account.select(.inbox)
        #expect(final.count == 70)
        #expect(Set(final.uids).count == 70)
        #expect(final.snapshot.messages.allSatisfy { !$0.flags.contains(.flagged) })
        // Files and index agree.
        #expect(files(account.path + "/cur").count == 70)
        #expect(files(account.path + "/cur").allSatisfy { !$0.hasSuffix("F") })
    }
}
