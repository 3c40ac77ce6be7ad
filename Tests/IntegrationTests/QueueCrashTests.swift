import DNSClient
import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The real `postern` binary, killed with SIGKILL while mail waits in its queue: after the
/// restart every message is delivered, none twice. Also drives `postern queue` against the
/// running server. Needs the binary built (`swift build` builds it with the tests).
@Suite(.serialized) struct QueueCrashTests {
    static let binary = repositoryRoot + "/.build/debug/postern"

    func postern(_ args: [String], config: String, input: String? = nil) async throws -> ProgramResult {
        try await Program.run(Self.binary, args + ["--config", config], input: input, timeout: .seconds(60))
    }

    func submit(port: Int, count: Int) async throws {
        let c = try await LineClient.connect(port: port)
        #expect(await c.smtpReply().hasPrefix("220"))
        _ = try await { try await c.send("EHLO client.example.test"); return await c.smtpReplyLines() }()
        #expect(try await c.smtp("STARTTLS").hasPrefix("220"))
        try await c.startTLS()
        _ = try await { try await c.send("EHLO client.example.test"); return await c.smtpReplyLines() }()
        let token = Data("\u{0}alice@example.test\u{0}alice-password".utf8).base64EncodedString()
        #expect(try await c.smtp("AUTH PLAIN \(token)").hasPrefix("235"))
        for i in 0..<count {
            #expect(try await c.smtp("MAIL FROM:<alice@example.test>").hasPrefix("250"))
            #expect(try await c.smtp("RCPT TO:<friend\(i)@example.net>").hasPrefix("250"))
            #expect(try await c.smtp("DATA").hasPrefix("354"))
            try await c.sendRaw("From: alice@example.test\r\nSubject: crash test \(i)\r\n\r\nmessage \(i)\r\n.\r\n")
            #expect(await c.smtpReply().hasPrefix("250 2.0.0"))
        }
        _ = try await c.smtp("QUIT")
        await c.close()
    }

    func queued(_ config: String) async throws -> [String] {
        let list = try await postern(["queue", "list"], config: config)
        return list.stdout.split(separator: "\n").filter { $0.first?.isLetter == true || $0.first?.isNumber == true }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0 != "Mail" }
    }

    @Test func killDashNineWithMailInTheQueue() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build postern first: swift build")
        let ca = try await TestCA.make()
        defer { ca.remove() }
        var zone = TestDNSZone()
        try zone.a("relay.example.test", "127.0.0.1")
        let dns = try await TestDNSServer.start(zone)
        let dir = try temporaryDirectory("crash")
        let relayPort = try freePort()   // nothing listens there yet: every attempt is refused
        let submission = try freePort()
        let config = dir + "/postern.toml"
        try """
            hostname = "mail.example.test"
            data_dir = "\(dir)/data"
            [listen]
            submission = "127.0.0.1:\(submission)"
            [dns]
            nameservers = ["127.0.0.1:\(dns.port)"]
            [relay]
            host = "relay.example.test"
            port = \(relayPort)
            ca_certificate = "\(ca.caCertificate)"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try await postern(["domain", "add", "example.test"], config: config).status == 0)
        #expect(try await postern(["user", "add", "alice@example.test", "--password-stdin"], config: config, input: "alice-password\n").status == 0)

        var server = try SpawnedProcess.spawn(Self.binary, ["serve", "--config", config], outputPath: dir + "/serve-1.log")
        defer { if server.isRunning { kill(-server.pid, SIGKILL) } }
        #expect(await eventually { isListening(submission) })
        try await submit(port: submission, count: 21)
        // The relay refuses connections: the first attempts are deferred and the destination
        // is paused, so the rest wait without trying.
        #expect(await eventually {
            ((try? String(contentsOfFile: dir + "/serve-1.log", encoding: .utf8)) ?? "").contains("result=deferred")
        })
        let ids = try await queued(config)
        #expect(ids.count == 21)
        let show = try await postern(["queue", "show", ids[0]], config: config)
        #expect(show.stdout.contains("deferred"))
        #expect(show.stdout.contains("Subject: crash test"))
        // The operator deletes one while the server runs.
        let deleted = try await postern(["queue", "delete", ids[20]], config: config)
        #expect(deleted.stdout.contains("deleted \(ids[20])"))

        kill(server.pid, SIGKILL)
        #expect(await eventually { !server.isRunning })

        let sink = try await AiosmtpdSink.start(["--tls-cert", ca.certificate, "--tls-key", ca.key, "--require-tls"], port: relayPort)
        defer { sink.terminate() }
        server = try SpawnedProcess.spawn(Self.binary, ["serve", "--config", config], outputPath: dir + "/serve-2.log")
        #expect(await eventually { isListening(submission) })
        // The backoff survived the crash; the operator asks for an immediate retry.
        #expect(try await postern(["queue", "flush"], config: config).stdout.contains("flush requested"))
        #expect(await eventually(.seconds(60)) { sink.messages.count >= 20 })
        #expect(await eventually { (try? await queued(config).isEmpty) == true })
        try? await Task.sleep(for: .seconds(1))
        let subjects = sink.messages.compactMap { m in m.content.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") } }
        #expect(sink.messages.count == 20, "\(subjects)")
        #expect(Set(subjects).count == 20)
        #expect(sink.messages.allSatisfy { $0.tls })
        await server.stop()
        await sink.stop()
        await dns.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}
