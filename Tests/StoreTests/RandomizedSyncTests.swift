// A randomized session against a Maildir that other programs change at the same time
// (fixed seed, bounded): after every sync the index matches the files, UIDs only grow and are
// never reused, and flags agree with file names.

import Foundation
import Testing
@testable import Store
import TestRandom

@Suite struct RandomizedSyncTests {
    @Test func indexFollowsRandomExternalChanges() async throws {
        let root = TempRoot()
        let store = root.store()
        let account = try await store.account(alice)
        let cur = account.path + "/cur"
        let new = account.path + "/new"
        var session = try await account.select(.inbox)
        var rng = SplitMix64(seed: 42)
        var everSeen = Set<UInt32>()
        var highest: UInt32 = 0
        var external = 0
        let letters = ["", "S", "F", "FS", "RS", "DT", "PS"]
        for step in 0..<400 {
            switch rng.next() % 9 {
            case 0:
                try await store.deliver(message(subject: "d\(step)"), to: [DeliveryTarget(account: alice)])
            case 1:
                external += 1
                try Data(message(subject: "e\(step)")).write(to: URL(fileURLWithPath: "\(cur)/\(1_700_000_000 + step).X\(external).other:2,\(letters[Int(rng.next() % 7)])"))
            case 2:
                external += 1
                try Data(message(subject: "n\(step)")).write(to: URL(fileURLWithPath: "\(new)/\(1_700_000_000 + step).Y\(external).other"))
            case 3:
                // Another program deletes a random file.
                let names = files(cur)
                if !names.isEmpty { try? FileManager.default.removeItem(atPath: cur + "/" + names[Int(rng.next() % UInt64(names.count))]) }
            case 4:
                // Another program changes a random file's flags.
                let names = files(cur)
                if !names.isEmpty {
                    let old = MaildirFileName(names[Int(rng.next() % UInt64(names.count))])
                    let renamed = MaildirFileName(base: old.base, info: "2," + letters[Int(rng.next() % 7)])
                    try? FileManager.default.moveItem(atPath: cur + "/" + old.fileName, toPath: cur + "/" + renamed.fileName)
                }
            case 5:
                let uids = session.uids.filter { _ in rng.next() % 3 == 0 }
                _ = try await session.store(uids: uids, rng.next() % 2 == 0 ? .add : .remove, flags: [.seen, .deleted],
                                            keywords: rng.next() % 4 == 0 ? ["Work"] : [])
            case 6:
                _ = try await session.expunge()
            default:
                let changes = try await session.poll(sync: true, reportExpunges: rng.next() % 4 != 0)
                for uid in changes.vanishedUIDs { #expect(everSeen.contains(uid)) }
                let snap = session.snapshot
                // UIDs only grow; a UID once expunged never comes back.
                for m in snap.messages where !everSeen.contains(m.uid) {
                    #expect(m.uid > highest, "step \(step): new UID \(m.uid) not above \(highest)")
                }
                for m in snap.messages { everSeen.insert(m.uid) }
                highest = max(highest, snap.messages.last?.uid ?? 0)
                // Index and files agree: every file is one message, flags match names.
                let onDisk = Set(files(cur).map { MaildirFileName($0).base })
                let known = session.state.files.withLock { table in Set(table.byUID.values.map(\.base)) }
                #expect(files(new).isEmpty)
                #expect(onDisk == known, "step \(step)")
                session.state.files.withLock { table in
                    for m in snap.messages {
                        guard let ref = table.byUID[m.uid] else { Issue.record("no file for \(m.uid)"); continue }
                        let (flags, _) = MaildirFileName(base: ref.base, info: ref.info).flags()
                        #expect(flags == m.flags, "step \(step) uid \(m.uid): \(ref.info) vs \(m.flags)")
                    }
                }
            }
        }
        print("randomized: \(session.count) messages, highest UID \(highest), \(external) external files")
        // A second store (a restart) agrees with the first.
        let reopened = try await root.store().account(alice).select(.inbox)
        _ = try await session.poll(sync: true, reportExpunges: true)
        #expect(reopened.snapshot.messages == session.snapshot.messages)
    }
}
