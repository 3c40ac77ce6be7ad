// APPEND (durable, APPENDUID), COPY (hard links, COPYUID), MOVE (copy + expunge).

import Foundation
import Testing
@testable import Store

@Suite struct CopyMoveAppendTests {
    @Test func appendIsDurableWithUIDAndInternalDate() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        let result = try await account.append(to: name("Drafts"), message: message(subject: "draft"), flags: [.draft, .seen],
                                              keywords: ["$MDNSent"], internalDate: 1_600_000_000)
        #expect(result.uid == 1)
        #expect(result.uidValidity == (try await account.status(name("Drafts"))).uidValidity)
        let names = files(account.path + "/.Drafts/cur")
        #expect(names.count == 1 && names[0].hasSuffix(":2,DSa"))
        #expect(files(account.path + "/.Drafts/tmp").isEmpty)
        let attributes = try FileManager.default.attributesOfItem(atPath: account.path + "/.Drafts/cur/" + names[0])
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_600_000_000)
        let session = try await account.select(name("Drafts"))
        #expect(session.snapshot.message(uid: 1)?.internalDate == 1_600_000_000)
        #expect(try await session.messageBytes(uid: 1) == message(subject: "draft"))
        let second = try await account.append(to: name("Drafts"), message: message(subject: "draft 2"))
        #expect(second.uid == 2)
    }

    @Test func appendToMissingMailbox() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        await #expect(throws: StoreError.nonexistent("Nope")) { try await account.append(to: name("Nope"), message: message(subject: "x")) }
    }

    @Test func copyHardLinksAndReturnsUIDs() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        for i in 0..<3 { _ = try await account.append(to: .inbox, message: message(subject: "\(i)"), flags: [.seen], keywords: i == 1 ? ["Work"] : []) }
        _ = try await account.append(to: name("Archive"), message: message(subject: "already there"))
        let session = try await account.select(.inbox)
        let archive = try await account.mailbox(name("Archive"))
        let copy = try await session.copy(uids: [3, 2, 99], to: archive)
        #expect(copy.sourceUIDs == [2, 3])
        #expect(copy.destinationUIDs == [2, 3])
        #expect(copy.uidValidity == archive.uidValidity)
        let target = try await account.select(name("Archive"))
        #expect(target.uids == [1, 2, 3])
        let copied = try #require(target.snapshot.message(uid: 2))
        #expect(copied.flags == [.seen])
        #expect(target.snapshot.keywordNames(copied.keywords) == ["Work"])
        // Same inode as the source: a link, not a second copy.
        var a = stat()
        var b = stat()
        let src = files(account.path + "/cur").first { $0.contains("Sa") || $0.hasSuffix(":2,Sa") }
        #expect(src != nil)
        let dst = files(account.path + "/.Archive/cur").first { $0.hasSuffix(":2,Sa") }
        #expect(stat(account.path + "/cur/" + (src ?? ""), &a) == 0 && stat(account.path + "/.Archive/cur/" + (dst ?? ""), &b) == 0)
        #expect(a.st_ino == b.st_ino)
        #expect(try await target.messageBytes(uid: 2) == message(subject: "1"))
    }

    @Test func moveCopiesThenExpunges() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        for i in 0..<4 { _ = try await account.append(to: .inbox, message: message(subject: "\(i)")) }
        var session = try await account.select(.inbox)
        var other = try await account.select(.inbox)
        let trash = try await account.mailbox(name("Trash"))
        let moved = try await session.move(uids: [2, 4], to: trash)
        #expect(moved.copy.sourceUIDs == [2, 4] && moved.copy.destinationUIDs == [1, 2])
        #expect(moved.expungedSequenceNumbers == [4, 2])
        #expect(session.uids == [1, 3])
        #expect(files(account.path + "/cur").count == 2)
        #expect(files(account.path + "/.Trash/cur").count == 2)
        let changes = try await other.poll(sync: false, reportExpunges: true)
        #expect(changes.vanishedUIDs == [2, 4])
        #expect(try await account.status(name("Trash")).messages == 2)
    }
}

extension CopyMoveAppendTests {
    @Test func openedFilesSurviveRenamesAndExpunge() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        let bytes = message(subject: "read me", body: String(repeating: "line of text\n", count: 100))
        _ = try await account.append(to: .inbox, message: bytes)
        var session = try await account.select(.inbox)
        let file = try await session.openMessage(uid: 1)
        #expect(file.size == bytes.count)
        _ = try await session.store(uids: [1], .add, flags: [.seen, .deleted])
        _ = try await session.poll(sync: true, reportExpunges: true)  // renamed by now
        #expect(try file.read(offset: 0, count: 5) == Array(bytes[0..<5]))
        // A reader that opens after the rename finds the new name.
        #expect(try await session.messageBytes(uid: 1) == bytes)
        _ = try await session.expunge()
        #expect(try file.read(offset: 10, count: 20) == Array(bytes[10..<30]))
        #expect(try file.read(offset: bytes.count - 3, count: 100) == Array(bytes[(bytes.count - 3)...]))
        #expect(try file.read(offset: bytes.count, count: 1).isEmpty)
        await #expect(throws: StoreError.self) { try await session.openMessage(uid: 1) }
        #expect(files(account.path + "/cur").isEmpty)
    }

    @Test func concurrentSearchesIndexEachMessageOnce() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        for i in 0..<40 { _ = try await account.append(to: .inbox, message: message(subject: "s\(i)", body: "common words \(i)\n")) }
        let session = try await account.select(.inbox)
        async let a = session.search(text: "common", scope: .body)
        async let b = session.search(text: "common", scope: .body)
        let (ra, rb) = try await (a, b)
        #expect(ra.count == 40 && rb.count == 40)
        let rows = try await account.context.index.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM messageText") }
        #expect(rows == 40)
    }
}
