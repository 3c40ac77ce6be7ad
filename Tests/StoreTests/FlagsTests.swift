// STORE: flags and keywords round-trip to Dovecot-style file names; mod-sequences;
// UNCHANGEDSINCE (RFC 7162 §3.1.3).

import Foundation
import Testing
@testable import Store

@Suite struct FlagsTests {
    @Test func flagsAndKeywordsLandInFileNames() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        _ = try await account.append(to: .inbox, message: message(subject: "x"))
        var session = try await account.select(.inbox)
        let result = try await session.store(uids: [1], .add, flags: [.seen, .flagged], keywords: ["$Forwarded", "Work"])
        #expect(result.modified.count == 1)
        // The renames follow the index on the mailbox queue; a sync waits for them.
        _ = try await session.poll(sync: true, reportExpunges: true)
        var names = files(account.path + "/cur")
        #expect(names.count == 1 && names[0].hasSuffix(":2,FSab"))
        let keywordsFile = try String(contentsOfFile: account.path + "/dovecot-keywords", encoding: .utf8)
        #expect(keywordsFile == "0 $Forwarded\n1 Work\n")
        // Keywords match case-insensitively; removing one renames again.
        _ = try await session.store(uids: [1], .remove, flags: [.flagged], keywords: ["work"])
        _ = try await session.poll(sync: true, reportExpunges: true)
        names = files(account.path + "/cur")
        #expect(names[0].hasSuffix(":2,Sa"))
        _ = try await session.store(uids: [1], .replace, flags: [.answered, .draft], keywords: [])
        _ = try await session.poll(sync: true, reportExpunges: true)
        names = files(account.path + "/cur")
        #expect(names[0].hasSuffix(":2,DR"))
        // And the index agrees after a restart.
        let reopened = try await root.store().account(alice).select(.inbox)
        #expect(reopened.snapshot.messages.first?.flags == [.answered, .draft])
        #expect(reopened.snapshot.definedKeywords == ["$Forwarded", "Work"])
    }

    @Test func modseqAndUnchangedSince() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        for i in 0..<3 { _ = try await account.append(to: .inbox, message: message(subject: "\(i)")) }
        var session = try await account.select(.inbox)
        let start = session.snapshot.highestModseq
        let first = try await session.store(uids: [1, 2], .add, flags: [.seen])
        let m1 = try #require(first.modified.first?.modseq)
        #expect(m1 > start && first.modified.allSatisfy { $0.modseq == m1 })
        #expect(session.snapshot.highestModseq == m1)
        // No-op STORE: no new mod-sequence.
        let noop = try await session.store(uids: [1], .add, flags: [.seen])
        #expect(noop.modified.isEmpty && noop.unchanged.map(\.uid) == [1])
        #expect(session.snapshot.highestModseq == m1)
        // UNCHANGEDSINCE below message 1's modseq fails for 1 and 2, not for 3.
        let conditional = try await session.store(uids: [1, 2, 3], .add, flags: [.flagged], unchangedSince: start)
        #expect(conditional.failedUnchangedSince == [1, 2])
        #expect(conditional.modified.map(\.uid) == [3])
        #expect(session.snapshot.message(uid: 1)?.flags == [.seen])
    }

    @Test func readOnlySessionRefusesChanges() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        _ = try await account.append(to: .inbox, message: message(subject: "x"))
        var session = try await account.select(.inbox, readOnly: true)
        await #expect(throws: StoreError.self) { try await session.store(uids: [1], .add, flags: [.seen]) }
        await #expect(throws: StoreError.self) { try await session.expunge() }
    }

    @Test func keywordLimit() async throws {
        let root = TempRoot()
        var limits = StoreLimits()
        limits.keywordsPerMailbox = 2
        let account = try await root.store(limits: limits).account(alice)
        _ = try await account.append(to: .inbox, message: message(subject: "x"))
        var session = try await account.select(.inbox)
        _ = try await session.store(uids: [1], .add, flags: [], keywords: ["a", "b"])
        await #expect(throws: StoreError.limit("keywords per mailbox")) {
            try await session.store(uids: [1], .add, flags: [], keywords: ["c"])
        }
        await #expect(throws: StoreError.self) { try await session.store(uids: [1], .add, flags: [], keywords: ["bad word"]) }
    }
}

extension FlagsTests {
    /// A crash between the index commit and the renames: the next process renames the files
    /// to match the index; a file renamed meanwhile by another program wins.
    @Test func pendingRenamesCompleteAfterRestart() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        for i in 0..<2 { _ = try await account.append(to: .inbox, message: message(subject: "\(i)")) }
        let cur = account.path + "/cur"
        let second = try #require(try await account.select(.inbox).state.files.withLock { $0.byUID[2] })
        // Simulate the crash: flags in the index, files untouched.
        let db = account.context.index.pool
        try await db.write { db in try db.execute(sql: "UPDATE message SET flags = \(MessageFlags.seen.rawValue)") }
        // Meanwhile mutt flags message 2 itself.
        try FileManager.default.moveItem(atPath: cur + "/" + second.fileName, toPath: cur + "/" + second.fileName + "F")
        let reopened = try await root.store().account(alice)
        var session = try await reopened.select(.inbox)
        _ = try await session.poll(sync: true, reportExpunges: true)
        #expect(session.snapshot.message(uid: 1)?.flags == [.seen])
        #expect(session.snapshot.message(uid: 2)?.flags == [.flagged])
        #expect(files(cur).map { MaildirFileName($0).info }.sorted() == ["2,F", "2,S"])
    }
}
