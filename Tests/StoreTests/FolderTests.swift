// Folders: special-use set-up (RFC 6154), CREATE/DELETE/RENAME with hierarchy (RFC 9051
// §6.3.4-6), LIST with \Noselect parents, subscriptions, folders made by other programs.

import Foundation
import Testing
@testable import Store

@Suite struct FolderTests {
    @Test func newAccountHasInboxAndSpecialUseFolders() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        let list = try await account.list()
        #expect(list.map(\.name.name) == ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"])
        let uses = Dictionary(uniqueKeysWithValues: list.map { ($0.name.name, $0.specialUse) })
        #expect(uses["Sent"] == .sent && uses["Drafts"] == .drafts && uses["Trash"] == .trash
                && uses["Junk"] == .junk && uses["Archive"] == .archive && uses["INBOX"] == .some(nil))
        for dir in ["", "/.Sent", "/.Drafts", "/.Trash", "/.Junk", "/.Archive"] {
            #expect(FileManager.default.fileExists(atPath: account.path + dir + "/cur"))
        }
    }

    @Test func createNestedAndListNoselectParents() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        try await account.create(name("Projects.Postern.Entwürfe"))
        #expect(FileManager.default.fileExists(atPath: account.path + "/.Projects.Postern.Entw&APw-rfe/cur"))
        await #expect(throws: StoreError.alreadyExists("Projects.Postern.Entwürfe")) { try await account.create(name("Projects.Postern.Entwürfe")) }
        await #expect(throws: StoreError.alreadyExists("INBOX")) { try await account.create(name("inbox")) }
        let list = try await account.list()
        let projects = try #require(list.first { $0.name.name == "Projects" })
        #expect(!projects.selectable && projects.hasChildren)
        let leaf = try #require(list.first { $0.name.name == "Projects.Postern.Entwürfe" })
        #expect(leaf.selectable && !leaf.hasChildren)
        await #expect(throws: StoreError.self) { try await account.delete(name("Projects")) }
    }

    @Test func deleteWithChildrenKeepsChildren() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        try await account.create(name("A"))
        try await account.create(name("A.B"))
        _ = try await account.append(to: name("A"), message: message(subject: "x"))
        let session = try await account.select(name("A"))
        let oldValidity = session.snapshot.uidValidity
        try await account.delete(name("A"))
        let list = try await account.list()
        #expect(list.first { $0.name.name == "A" }?.selectable == false)
        #expect(list.first { $0.name.name == "A.B" }?.selectable == true)
        await #expect(throws: StoreError.nonexistent("A")) { try await account.status(name("A")) }
        // The old session learns the mailbox is gone.
        var s = session
        await #expect(throws: StoreError.self) { try await s.poll(sync: true, reportExpunges: true) }
        // Re-created: a new UIDVALIDITY (RFC 9051 §2.3.1.1).
        try await account.create(name("A"))
        #expect(try await account.status(name("A")).uidValidity > oldValidity)
        await #expect(throws: StoreError.self) { try await account.delete(.inbox) }
    }

    @Test func renameMovesHierarchyAndKeepsUIDs() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        try await account.create(name("Old"))
        try await account.create(name("Old.Child"))
        _ = try await account.append(to: name("Old.Child"), message: message(subject: "x"))
        let before = try await account.status(name("Old.Child"))
        var session = try await account.select(name("Old.Child"))
        try await account.rename(name("Old"), to: name("New.Place"))
        let names = try await account.list().map(\.name.name)
        #expect(names.contains("New.Place") && names.contains("New.Place.Child") && !names.contains("Old") && !names.contains("Old.Child"))
        let after = try await account.status(name("New.Place.Child"))
        #expect(after.uidValidity == before.uidValidity && after.messages == 1)
        // The selected session follows the rename.
        #expect(try await session.poll(sync: true, reportExpunges: true).isEmpty)
        #expect(try await session.messageBytes(uid: 1) == message(subject: "x"))
        await #expect(throws: StoreError.alreadyExists("Sent")) { try await account.rename(name("Trash"), to: name("Sent")) }
        await #expect(throws: StoreError.nonexistent("Missing")) { try await account.rename(name("Missing"), to: name("X")) }
    }

    @Test func renameInboxMovesMessages() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        for i in 0..<2 { _ = try await account.append(to: .inbox, message: message(subject: "\(i)")) }
        try await account.rename(.inbox, to: name("Old Mail"))
        #expect(try await account.status(.inbox).messages == 0)
        #expect(try await account.status(name("Old Mail")).messages == 2)
    }

    @Test func subscriptions() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        try await account.setSubscribed(name("Sent"), true)
        try await account.setSubscribed(name("Does.Not.Exist"), true)
        #expect(try await account.subscriptions().map(\.name) == ["Does.Not.Exist", "Sent"])
        try await account.setSubscribed(name("Does.Not.Exist"), false)
        #expect(try await account.list().first { $0.name.name == "Sent" }?.subscribed == true)
    }

    @Test func foldersMadeOrRemovedByOtherPrograms() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        // A Dovecot-made folder appears; a folder removed on the console disappears.
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(atPath: account.path + "/.Listen&AOQ-/" + sub, withIntermediateDirectories: true)
        }
        try Data(message(subject: "x")).write(to: URL(fileURLWithPath: account.path + "/.Listen&AOQ-/cur/1.2.host:2,S"))
        try FileManager.default.removeItem(atPath: account.path + "/.Junk")
        let names = try await account.list().map(\.name.name)
        #expect(names.contains("Listenä") && !names.contains("Junk"))
        #expect(try await account.status(name("Listenä")).messages == 1)
    }
}
