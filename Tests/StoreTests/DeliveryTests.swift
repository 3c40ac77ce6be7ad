// Delivery: durable files in new/, one write hard-linked to every recipient, nothing left
// behind on failure, typed disk-full errors, IDLE sessions woken.

import Foundation
import Testing
@testable import Store

@Suite struct DeliveryTests {
    @Test func deliversIntoNewWithoutLeftovers() async throws {
        let root = TempRoot()
        let store = root.store()
        try await store.deliver(message(subject: "hi"), to: [DeliveryTarget(account: alice)])
        let maildir = store.accountPath(alice)
        #expect(maildir == root.path + "/example.org/alice")
        let delivered = files(maildir + "/new")
        #expect(delivered.count == 1)
        #expect(files(maildir + "/tmp").isEmpty)
        let name = MaildirFileName(delivered[0])
        #expect(name.physicalSize == message(subject: "hi").count)
        #expect(name.virtualSize == MaildirFileName.virtualSize(of: message(subject: "hi")))
        let attributes = try FileManager.default.attributesOfItem(atPath: maildir + "/new/" + delivered[0])
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let dirAttributes = try FileManager.default.attributesOfItem(atPath: maildir)
        #expect((dirAttributes[.posixPermissions] as? Int) == 0o700)
        #expect(try Data(contentsOf: URL(fileURLWithPath: maildir + "/new/" + delivered[0])) == Data(message(subject: "hi")))
    }

    @Test func oneWriteHardLinkedToEveryRecipient() async throws {
        let root = TempRoot()
        let store = root.store()
        let targets = [DeliveryTarget(account: alice), DeliveryTarget(account: bob), DeliveryTarget(account: alice, mailbox: name("Junk")),
                       DeliveryTarget(account: alice)]
        try await store.deliver(message(subject: "to all"), to: targets)
        let paths = [store.accountPath(alice) + "/new", store.accountPath(bob) + "/new", store.accountPath(alice) + "/.Junk/new"]
        var inodes: Set<UInt64> = []
        for dir in paths {
            let names = files(dir)
            #expect(names.count == 1, "one copy in \(dir)")
            var st = stat()
            #expect(stat(dir + "/" + names[0], &st) == 0)
            inodes.insert(UInt64(st.st_ino))
            #expect(st.st_nlink == 3)
        }
        #expect(inodes.count == 1)
        #expect(files(store.accountPath(alice) + "/tmp").isEmpty)
    }

    @Test func failureRemovesPartialFiles() async throws {
        let root = TempRoot()
        let store = root.store()
        // bob's new/ is a file, not a directory: the link for bob fails after alice's tmp
        // file was written and linked nowhere yet.
        let bobDir = store.accountPath(bob)
        try FileManager.default.createDirectory(atPath: bobDir + "/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: bobDir + "/cur", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: bobDir + "/new", contents: Data())
        await #expect(throws: DeliveryError.self) {
            try await store.deliver(message(subject: "x"), to: [DeliveryTarget(account: alice), DeliveryTarget(account: bob)])
        }
        do {
            try await store.deliver(message(subject: "x"), to: [DeliveryTarget(account: alice), DeliveryTarget(account: bob)])
        } catch let error {
            guard case .failed = error else { Issue.record("expected .failed, got \(error)"); return }
        }
        #expect(files(store.accountPath(alice) + "/tmp").isEmpty)
        #expect(files(store.accountPath(alice) + "/new").isEmpty)
    }

    @Test func diskFullIsTyped() async throws {
        let root = TempRoot()
        let mountPoint = root.path + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        // A 64 KiB tmpfs: the test runs as root (as CI does); mount(8) is in util-linux.
        #expect(try run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]) == 0)
        defer { _ = try? run("/bin/umount", [mountPoint]) }
        let store = MailStore(configuration: .init(root: mountPoint, hostname: "mx.test"))
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 200_000)
        do {
            try await store.deliver(big, to: [DeliveryTarget(account: alice)])
            Issue.record("delivery into a full file system succeeded")
        } catch let error {
            guard case .diskFull = error else { Issue.record("expected .diskFull, got \(error)"); return }
        }
        #expect(files(store.accountPath(alice) + "/tmp").isEmpty)
        #expect(files(store.accountPath(alice) + "/new").isEmpty)
        // Small mail still fits afterwards.
        try await store.deliver(message(subject: "small"), to: [DeliveryTarget(account: alice)])
        #expect(files(store.accountPath(alice) + "/new").count == 1)
    }

    @Test func tooLargeAndNoTargets() async throws {
        let root = TempRoot()
        var limits = StoreLimits()
        limits.messageOctets = 10
        let store = root.store(limits: limits)
        await #expect(throws: DeliveryError.tooLarge) { try await store.deliver(message(subject: "x"), to: [DeliveryTarget(account: alice)]) }
        await #expect(throws: DeliveryError.self) { try await store.deliver([], to: []) }
    }

    @Test func deliveryWakesIdleSessionAndIsPickedUpBySync() async throws {
        let root = TempRoot()
        let store = root.store()
        let account = try await store.account(alice)
        var session = try await account.select(.inbox)
        #expect(session.count == 0)
        let stream = session.notifications
        let woke = Task { () -> Bool in
            for await _ in stream { return true }
            return false
        }
        let start = ContinuousClock.now
        try await store.deliver(message(subject: "ping"), to: [DeliveryTarget(account: alice)])
        #expect(await woke.value)
        #expect(ContinuousClock.now - start < .seconds(1))
        let changes = try await session.poll(sync: true, reportExpunges: true)
        #expect(changes.exists == 1)
        #expect(session.count == 1)
        // Selected: the file moved from new/ to cur/ with an empty info.
        #expect(files(account.path + "/new").isEmpty)
        #expect(files(account.path + "/cur").count == 1 && files(account.path + "/cur")[0].hasSuffix(":2,"))
    }
}

extension DeliveryTests {
    @Test func deliveryAfterFolderDeletedRecreatesIt() async throws {
        let root = TempRoot()
        let store = root.store()
        let account = try await store.account(alice)
        try await store.deliver(message(subject: "1"), to: [DeliveryTarget(account: alice, mailbox: name("Junk"))])
        try await account.delete(name("Junk"))
        try await store.deliver(message(subject: "2"), to: [DeliveryTarget(account: alice, mailbox: name("Junk"))])
        #expect(files(account.path + "/.Junk/new").count == 1)
        #expect(try await account.status(name("Junk")).messages == 1)
    }
}
