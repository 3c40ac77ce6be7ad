// The index follows the Maildir: files added, removed or renamed by other programs; UIDs
// stable across restarts; a lost or corrupt index rebuilt with a new UIDVALIDITY; Dovecot's
// uidlist imported.

import Foundation
import Testing
@testable import Store

@Suite struct SyncTests {
    /// Writes a message the way mutt or cp would: straight into cur/ or new/ with its own name.
    func drop(_ dir: String, _ fileName: String, _ bytes: [UInt8], mtime: Date? = nil) throws {
        let path = dir + "/" + fileName
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if let mtime { try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: path) }
    }

    @Test func externalAddRemoveRename() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        let cur = account.path + "/cur"
        try drop(cur, "1700000001.1_1.mutt:2,S", message(subject: "one"), mtime: Date(timeIntervalSince1970: 1_700_000_001))
        try drop(account.path + "/new", "1700000002.2_1.mutt", message(subject: "two"))
        var session = try await account.select(.inbox)
        #expect(session.uids == [1, 2])
        let first = try #require(session.snapshot.message(uid: 1))
        #expect(first.flags == [.seen])
        #expect(first.internalDate == 1_700_000_001)
        #expect(first.size == MaildirFileName.virtualSize(of: message(subject: "one")))
        #expect(files(account.path + "/new").isEmpty)

        // mutt marks message 2 flagged and replied, deletes message 1, cp adds a third.
        try FileManager.default.moveItem(atPath: cur + "/1700000002.2_1.mutt:2,", toPath: cur + "/1700000002.2_1.mutt:2,FR")
        try FileManager.default.removeItem(atPath: cur + "/1700000001.1_1.mutt:2,S")
        try drop(cur, "1700000003.3_1.cp:2,", message(subject: "three"))
        let before = session.knownModseq
        let changes = try await session.poll(sync: true, reportExpunges: true)
        #expect(changes.expungedSequenceNumbers == [1])
        #expect(changes.vanishedUIDs == [1])
        #expect(changes.exists == 2)
        #expect(changes.flagUpdates.map(\.message.uid) == [2])
        #expect(changes.flagUpdates.first?.sequence == 1)
        #expect(changes.flagUpdates.first?.message.flags == [.flagged, .answered])
        #expect(changes.flagUpdates.first.map { $0.message.modseq > before } == true)
        #expect(session.uids == [2, 3])
        #expect(try await session.vanished(since: before) == [1])
    }

    @Test func nothingChangedIsCheap() async throws {
        let root = TempRoot()
        var session = try await root.store().account(alice).select(.inbox)
        let changes = try await session.poll(sync: true, reportExpunges: true)
        #expect(changes.isEmpty)
    }

    @Test func uidsStableAcrossReopenAndNeverReused() async throws {
        let root = TempRoot()
        let uidValidity: UInt32
        do {
            let store = root.store()
            let account = try await store.account(alice)
            for i in 0..<3 { _ = try await account.append(to: .inbox, message: message(subject: "m\(i)")) }
            var session = try await account.select(.inbox)
            _ = try await session.store(uids: [2], .add, flags: [.deleted])
            _ = try await session.expunge()
            uidValidity = session.snapshot.uidValidity
        }
        let account = try await root.store().account(alice)
        #expect(!account.indexWasRebuilt)
        let session = try await account.select(.inbox)
        #expect(session.uids == [1, 3])
        #expect(session.snapshot.uidValidity == uidValidity)
        #expect(session.snapshot.uidNext == 4)
        let appended = try await account.append(to: .inbox, message: message(subject: "m3"))
        #expect(appended.uid == 4)
    }

    @Test(arguments: [false, true])
    func lostOrCorruptIndexIsRebuiltWithNewUIDValidity(corrupt: Bool) async throws {
        let root = TempRoot()
        let times = FrozenClock()
        var oldValidity: UInt32 = 0
        do {
            let account = try await root.store(clock: times.clock).account(alice)
            _ = try await account.append(to: .inbox, message: message(subject: "kept"), flags: [.seen])
            oldValidity = try await account.status(.inbox).uidValidity
        }
        let index = root.path + "/example.org/alice/postern-index.sqlite"
        if corrupt {
            try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: index))
        } else {
            try FileManager.default.removeItem(atPath: index)
        }
        try? FileManager.default.removeItem(atPath: index + "-wal")
        try? FileManager.default.removeItem(atPath: index + "-shm")
        // Same clock second: the postern-uidvalidity file still forces a higher value.
        let account = try await root.store(clock: times.clock).account(alice)
        #expect(account.indexWasRebuilt)
        let session = try await account.select(.inbox)
        #expect(session.snapshot.uidValidity > oldValidity)
        #expect(session.count == 1)
        #expect(session.snapshot.messages.first?.flags == [.seen])
        if corrupt {
            #expect(files(account.path).contains { $0.hasPrefix("postern-index.sqlite.corrupt-") })
        }
    }

    @Test func importsDovecotUIDListOnce() async throws {
        let root = TempRoot()
        let maildir = root.path + "/example.org/alice"
        for sub in ["cur", "new", "tmp"] { try FileManager.default.createDirectory(atPath: maildir + "/" + sub, withIntermediateDirectories: true) }
        try drop(maildir + "/cur", "1700000001.M1P1.host,S=10,W=11:2,Sa", message(subject: "one"))
        try drop(maildir + "/cur", "1700000002.M2P1.host,S=10,W=11:2,", message(subject: "two"))
        try drop(maildir + "/cur", "1700000009.M9P1.host:2,", message(subject: "unlisted"))
        try Data("3 V1234567 N42 Gabc\n7 :1700000001.M1P1.host,S=10,W=11\n40 W11 :1700000002.M2P1.host,S=10,W=11\n".utf8)
            .write(to: URL(fileURLWithPath: maildir + "/dovecot-uidlist"))
        try Data("0 $Forwarded\n".utf8).write(to: URL(fileURLWithPath: maildir + "/dovecot-keywords"))
        let account = try await root.store().account(alice)
        // An APPEND before the first sync does not take an imported UID.
        #expect(try await account.append(to: .inbox, message: message(subject: "appended")).uid == 42)
        let session = try await account.select(.inbox)
        #expect(session.snapshot.uidValidity == 1_234_567)
        #expect(session.uids == [7, 40, 42, 43])
        #expect(session.snapshot.uidNext == 44)
        let first = try #require(session.snapshot.message(uid: 7))
        #expect(session.snapshot.keywordNames(first.keywords) == ["$Forwarded"])
        #expect(!FileManager.default.fileExists(atPath: maildir + "/dovecot-uidlist"))
        #expect(FileManager.default.fileExists(atPath: maildir + "/dovecot-uidlist.imported"))
    }

    @Test func statusWithoutSelect() async throws {
        let root = TempRoot()
        let store = root.store()
        let account = try await store.account(alice)
        _ = try await account.append(to: name("Archive"), message: message(subject: "a"), flags: [.seen])
        _ = try await account.append(to: name("Archive"), message: message(subject: "b"), flags: [.deleted])
        try await store.deliver(message(subject: "c"), to: [DeliveryTarget(account: alice, mailbox: name("Archive"))])
        let status = try await account.status(name("Archive"))
        #expect(status.messages == 3)
        #expect(status.unseen == 2)
        #expect(status.deleted == 1)
        #expect(status.uidNext == 4)
        #expect(status.size == [message(subject: "a"), message(subject: "b"), message(subject: "c")].map { MaildirFileName.virtualSize(of: $0) }.reduce(0, +))
        #expect(status.highestModseq > 1)
    }
}

/// A clock frozen at one second (UIDVALIDITY must still move forward).
final class FrozenClock: Sendable {
    let clock: StoreClock = { 1_800_000_000 * 1_000_000_000 }
}
