import Foundation
import Queue
import SMTPProtocol
import Testing

/// Durable writes, recovery and quarantine on a real file system (STYLE habit 9).
@Suite struct SpoolTests {
    @Test func enqueueWritesAVerifiableFile() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try QueueSpool(directory: dir)
        #expect(try spool.enqueueBlocking(sampleEnvelope(), content: sampleContent) == .queued("ABC123"))
        #expect(try spool.contentBlocking("ABC123") == .success(sampleContent))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp").isEmpty)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/msg/ABC123")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func takenIdGetsASuffixUnlessExact() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try QueueSpool(directory: dir)
        _ = try spool.enqueueBlocking(sampleEnvelope(), content: sampleContent)
        guard case .queued(let second) = try spool.enqueueBlocking(sampleEnvelope(), content: sampleContent) else {
            Issue.record("not queued"); return
        }
        #expect(second.hasPrefix("ABC123-") && second != "ABC123")
        #expect(try spool.enqueueBlocking(sampleEnvelope(), content: [], exactID: true) == .alreadyQueued("ABC123"))
        #expect(try spool.contentBlocking("ABC123") == .success(sampleContent))
    }

    @Test func recoveryQuarantinesDamagedFilesAndCleansUp() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try QueueSpool(directory: dir)
        _ = try spool.enqueueBlocking(sampleEnvelope(id: "GOOD1"), content: sampleContent)
        _ = try spool.enqueueBlocking(sampleEnvelope(id: "TORN1"), content: sampleContent)
        _ = try spool.enqueueBlocking(sampleEnvelope(id: "FLIP1"), content: sampleContent)
        try spool.appendBlocking("TORN1", [.warned(time: Date())])
        // A crash mid-write: the file without its end marker.
        let torn = try Data(contentsOf: URL(fileURLWithPath: dir + "/msg/TORN1"))
        try torn.prefix(torn.count - 30).write(to: URL(fileURLWithPath: dir + "/msg/TORN1"))
        // A damaged octet in the content.
        var flip = try Data(contentsOf: URL(fileURLWithPath: dir + "/msg/FLIP1"))
        flip[flip.count - 80] ^= 0x04
        try flip.write(to: URL(fileURLWithPath: dir + "/msg/FLIP1"))
        // Leftovers: a temporary file, an orphan journal, a stray name.
        try Data("partial".utf8).write(to: URL(fileURLWithPath: dir + "/tmp/X.1"))
        try Data("junk".utf8).write(to: URL(fileURLWithPath: dir + "/log/GONE1"))
        try Data("junk".utf8).write(to: URL(fileURLWithPath: dir + "/msg/../msg/bad name"))

        let report = try spool.recoverBlocking()
        #expect(report.messages.map(\.id) == ["GOOD1"])
        #expect(Set(report.quarantined.map(\.name)) == ["TORN1", "FLIP1", "bad name"])
        #expect(report.removedTemporary == 1)
        #expect(report.removedOrphanJournals == 1)
        let corrupt = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/corrupt"))
        #expect(corrupt.contains("TORN1") && corrupt.contains("TORN1.log") && corrupt.contains("FLIP1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/msg") == ["GOOD1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/log").isEmpty)
    }

    @Test func recoveryCutsATornJournalTail() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try QueueSpool(directory: dir)
        _ = try spool.enqueueBlocking(sampleEnvelope(), content: sampleContent)
        let t = Date(timeIntervalSince1970: 1_800_000_500)
        try spool.appendBlocking("ABC123", [.deferred(recipient: 0, time: t, relay: "none", reply: SMTPReply(451, nil, "later"))])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/log/ABC123"))
        handle.seekToEndOfFile()
        handle.write(Data("done 0 1800000600 x".utf8))
        try handle.close()
        let report = try spool.recoverBlocking()
        #expect(report.messages.first?.progress[0].deferrals == 1)
        #expect(report.messages.first?.progress[0].state == .pending)
        // New records follow the valid ones and are read back.
        try spool.appendBlocking("ABC123", [.delivered(recipient: 0, time: t, relay: "local", reply: SMTPReply(250, nil, "ok"))])
        guard case .success(let m) = try spool.loadBlocking("ABC123") else { Issue.record("not loaded"); return }
        #expect(m.progress[0].state == .delivered)
        #expect(m.journal.count == 2)
    }

    @Test func removeAndDelete() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try QueueSpool(directory: dir)
        _ = try spool.enqueueBlocking(sampleEnvelope(), content: sampleContent)
        try spool.appendBlocking("ABC123", [.warned(time: Date())])
        #expect(try spool.deleteBlocking("ABC123"))
        #expect(try spool.deleteBlocking("ABC123") == false)
        #expect(try spool.listBlocking().0.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir + "/log/ABC123"))
        // The running server hears about it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/control") == ["deleted.ABC123"])
        // Appending to a removed message reports it as missing, and creates nothing.
        #expect(throws: SpoolIOError.self) { try spool.appendBlocking("ABC123", [.warned(time: Date())]) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/log/ABC123"))
    }

    @Test func idsCannotEscapeTheSpool() throws {
        #expect(!QueueID.isValid("../etc/passwd"))
        #expect(!QueueID.isValid(".hidden"))
        #expect(!QueueID.isValid(""))
        #expect(!QueueID.isValid(String(repeating: "A", count: 65)))
        #expect(QueueID.isValid("3F2A9Z.B"))
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try QueueSpool(directory: dir)
        #expect(try spool.deleteBlocking("../msg") == false)
        guard case .failure(.malformed) = try spool.loadBlocking("../x") else { Issue.record("loaded"); return }
    }
}
