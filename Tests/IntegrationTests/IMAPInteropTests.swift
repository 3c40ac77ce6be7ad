import Foundation
import Testing
import TestSupport

/// Real clients from Debian against Postern: Python's imaplib, isync's mbsync (both ways),
/// curl's IMAP. A missing program fails the test (Program.path).
@Suite struct IMAPInteropTests {
    static let imaplibScript = #"""
import imaplib, ssl, sys
port = int(sys.argv[1])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=context)
m.login("alice@example.test", "alice-password")
typ, data = m.select("INBOX")
print("select", typ, data[0].decode())
message = b"From: Py <py@example.net>\r\nTo: alice@example.test\r\nSubject: from imaplib\r\n\r\nbody text with tapir\r\n"
typ, data = m.append("INBOX", "(\\Flagged)", None, message)
print("append", typ, data[0].decode())
m.noop()
typ, data = m.uid("SEARCH", None, "SUBJECT", "imaplib")
print("search", typ, data[0].decode())
uid = data[0].split()[-1]
typ, data = m.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
print("roundtrip", data[0][1] == message)
print("flags", b"\\Flagged" in data[0][0])
typ, data = m.search(None, "TEXT", "tapir")
print("text", data[0].decode())
typ, data = m.store("1", "+FLAGS", "(\\Deleted)")
typ, data = m.expunge()
print("expunge", typ, [d.decode() for d in data])
typ, data = m.list()
print("list", len(data))
m.logout()
"""#

    @Test func pythonImaplib() async throws {
        let python = try Program.path("python3", package: "python3")
        let t = try await startIMAPServer()
        try await deliver(t, subject: "waiting")
        let result = try await Program.run(python, ["-c", Self.imaplibScript, String(t.port("imaps"))], timeout: .seconds(30))
        #expect(result.status == 0, "\(result.output)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("select OK 1"))
        #expect(lines.contains { $0.hasPrefix("append OK [APPENDUID ") && $0.hasSuffix(" 2] APPEND completed") })
        #expect(lines.contains("search OK 2"))
        #expect(lines.contains("roundtrip True"))
        #expect(lines.contains("flags True"))
        #expect(lines.contains("text 2"))
        #expect(lines.contains("expunge OK ['1']"))
        #expect(lines.contains("list 6"))
        try await t.stop()
    }

    @Test func mbsyncBothWays() async throws {
        let mbsync = try Program.path("mbsync", package: "isync")
        let t = try await startIMAPServer()
        try await deliver(t, subject: "one")
        try await deliver(t, subject: "two")
        let local = t.dataDirectory + "/mbsync-local"
        let rc = t.dataDirectory + "/mbsyncrc"
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        try """
            IMAPAccount postern
            Host 127.0.0.1
            Port \(t.port("imaps"))
            User alice@example.test
            Pass alice-password
            SSLType IMAPS
            CertificateFile \(t.dataDirectory)/tls/selfsigned-cert.pem

            IMAPStore remote
            Account postern

            MaildirStore local
            Path \(local)/
            Inbox \(local)/INBOX
            SubFolders Verbatim

            Channel sync
            Far :remote:
            Near :local:
            Patterns *
            Create Both
            Expunge Both
            SyncState *

            """.write(toFile: rc, atomically: true, encoding: .utf8)
        func sync() async throws {
            let result = try await Program.run(mbsync, ["-c", rc, "-a"], timeout: .seconds(60))
            #expect(result.status == 0, "\(result.output)")
        }
        func localFiles() -> [(dir: String, name: String)] {
            ["cur", "new"].flatMap { dir in
                ((try? FileManager.default.contentsOfDirectory(atPath: local + "/INBOX/" + dir)) ?? []).sorted().map { (dir, $0) }
            }
        }

        // Server to local: both messages, and every folder.
        try await sync()
        #expect(localFiles().count == 2)
        #expect(FileManager.default.fileExists(atPath: local + "/Sent/cur"))

        // A flag set locally reaches the server.
        let first = try #require(localFiles().first)
        let flagged = (first.name.contains(":2,") ? first.name : first.name + ":2,") + "F"
        try FileManager.default.moveItem(atPath: local + "/INBOX/" + first.dir + "/" + first.name, toPath: local + "/INBOX/cur/" + flagged)
        try await sync()
        let c = try await IMAPTestClient.login(t)
        try await c.ok("SELECT INBOX")
        let flags = try await c.ok("FETCH 1:* (FLAGS)")
        #expect(flags.filter { $0.contains("\\Flagged") }.count == 1, "\(flags)")

        // A flag set on the server reaches the local Maildir.
        try await c.ok("STORE 1:* +FLAGS.SILENT (\\Seen)")
        try await sync()
        let files = localFiles()
        #expect(files.count == 2 && files.allSatisfy { $0.name.split(separator: ",").last?.contains("S") == true }, "\(files)")

        // A message written locally is uploaded (APPEND).
        try "From: me@example.test\nSubject: written locally\n\nhi\n".write(toFile: local + "/INBOX/new/1700000000.local.host", atomically: true, encoding: .utf8)
        try await sync()
        #expect(try await c.ok("NOOP").contains("* 3 EXISTS"))
        #expect(try await c.ok("SEARCH SUBJECT \"written locally\"") == ["* SEARCH 3"])
        await c.close()
        try await t.stop()
    }

    @Test func curlListsFetchesSearchesAndUploads() async throws {
        let curl = try Program.path("curl", package: "curl")
        let t = try await startIMAPServer()
        try await deliver(t, subject: "for curl", body: "Curl can read this.")
        let base = "imaps://127.0.0.1:\(t.port("imaps"))"
        let common = ["--silent", "--show-error", "--insecure", "--user", "alice@example.test:alice-password"]

        let list = try await Program.run(curl, common + [base + "/"], timeout: .seconds(30))
        #expect(list.status == 0, "\(list.output)")
        #expect(list.stdout.contains("* LIST (\\HasNoChildren) \".\" INBOX"))

        let fetch = try await Program.run(curl, common + [base + "/INBOX;UID=1"], timeout: .seconds(30))
        #expect(fetch.stdout == testMessage(subject: "for curl", body: "Curl can read this."), "\(fetch.output)")

        let search = try await Program.run(curl, common + [base + "/INBOX?SUBJECT%20curl"], timeout: .seconds(30))
        #expect(search.stdout.contains("* SEARCH 1"), "\(search.output)")

        let upload = t.dataDirectory + "/upload.eml"
        try "From: curl@example.net\r\nSubject: uploaded by curl\r\n\r\nup\r\n".write(toFile: upload, atomically: true, encoding: .utf8)
        let append = try await Program.run(curl, common + ["-T", upload, base + "/INBOX"], timeout: .seconds(30))
        #expect(append.status == 0, "\(append.output)")
        let c = try await IMAPTestClient.login(t)
        try await c.ok("SELECT INBOX")
        #expect(try await c.ok("SEARCH SUBJECT uploaded") == ["* SEARCH 2"])
        await c.close()
        try await t.stop()
    }
}
