import Foundation
import Testing
import TestSupport

/// The `postern` binary built next to the tests (scripts/test builds everything first).
func posternBinary() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent(".build/debug/postern").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw ProgramError.notInstalled(path, package: "(run `swift build` first)")
    }
    return path
}

/// A scratch directory with a minimal configuration file.
func scratchConfig(_ extra: String = "", ports: (smtp: Int, submission: Int) = (0, 0)) throws -> (dir: String, config: String) {
    let dir = NSTemporaryDirectory() + "cli-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let config = dir + "/postern.toml"
    try """
        hostname = "mail.example.test"
        data_dir = "\(dir)/data"
        log_format = "json"

        [listen]
        smtp = "127.0.0.1:\(ports.smtp)"
        submission = "127.0.0.1:\(ports.submission)"

        [dns]
        nameservers = ["127.0.0.1:9"]
        \(extra)
        """.write(toFile: config, atomically: true, encoding: .utf8)
    return (dir, config)
}

@Suite(.serialized) struct CLITests {
    @Test func usersAndAliasesRoundTrip() async throws {
        let postern = try posternBinary()
        let (_, config) = try scratchConfig()
        func run(_ args: [String], input: String? = nil) async throws -> ProgramResult {
            try await Program.run(postern, args + ["--config", config], input: input)
        }
        #expect(try await run(["domain", "add", "example.test"]).status == 0)
        let add = try await run(["user", "add", "alice@example.test", "--password-stdin"], input: "secret one\n")
        #expect(add.status == 0 && add.stdout == "added user alice@example.test\n")
        #expect(try await run(["user", "add", "bob@example.test", "--password-stdin", "--admin"], input: "secret two\n").status == 0)
        #expect(try await run(["user", "list"]).stdout == "alice@example.test\nbob@example.test (admin)\n")
        #expect(try await run(["alias", "add", "team@example.test", "alice@example.test", "bob@example.test", "friend@elsewhere.example"]).status == 0)
        #expect(try await run(["alias", "list"]).stdout == "team@example.test -> alice@example.test, bob@example.test, friend@elsewhere.example\n")

        // Bad input: a clear message, a non-zero exit, nothing written.
        let dup = try await run(["user", "add", "alice@example.test", "--password-stdin"], input: "x\n")
        #expect(dup.status == 1 && dup.stderr == "postern: user alice@example.test already exists\n")
        let loop = try await run(["alias", "add", "alice@example.test", "team@example.test"])
        #expect(loop.status == 1 && loop.stderr.contains("alias loop: alice@example.test -> team@example.test -> alice@example.test"))
        let bad = try await run(["user", "add", "not an address", "--password-stdin"], input: "x\n")
        #expect(bad.status == 1 && bad.stderr.contains("invalid address"))
        let busy = try await run(["domain", "remove", "example.test"])
        #expect(busy.status == 1 && busy.stderr.contains("still has 2 user(s) and 1 alias(es)"))
        // Passwords never in argv: there is no option for one.
        let argv = try await run(["user", "add", "carol@example.test", "--password", "x"])
        #expect(argv.status != 0)
        #expect(try await run(["user", "list"]).stdout == "alice@example.test\nbob@example.test (admin)\n")
    }

    @Test func badConfigurationNamesFileLineKeyAndExitsTwo() async throws {
        let postern = try posternBinary()
        let (dir, _) = try scratchConfig()
        let config = dir + "/broken.toml"
        try "hostname = \"mail.example.test\"\n[listen]\nsmtp = 25\n\n[smtp]\nhelo_requird = true\n".write(toFile: config, atomically: true, encoding: .utf8)
        for command in [["serve"], ["check-config"], ["user", "list"]] {
            let r = try await Program.run(postern, command + ["--config", config], timeout: .seconds(20))
            #expect(r.status == 2, "\(command): \(r.output)")
            #expect(r.stderr.contains("\(config):3: listen.smtp: expected \"ADDRESS:PORT\" (e.g. \"0.0.0.0:25\"), got integer 25"))
            #expect(r.stderr.contains("\(config):6: smtp.helo_requird: unknown key"))
        }
        let missing = try await Program.run(postern, ["check-config", "--config", dir + "/nope.toml"])
        #expect(missing.status == 2 && missing.stderr == "\(dir)/nope.toml: no such file\n")
        let (_, good) = try scratchConfig()
        let ok = try await Program.run(postern, ["check-config", "--config", good])
        #expect(ok.status == 0 && ok.stdout == "\(good): ok\n")
    }

    @Test func serveLogsListenersAndStopsCleanlyOnSIGTERM() async throws {
        let postern = try posternBinary()
        let smtpPort = try freePort(), submissionPort = try freePort()
        let (dir, config) = try scratchConfig(ports: (smtpPort, submissionPort))
        let log = dir + "/serve.log"
        let process = try SpawnedProcess.spawn(postern, ["serve", "--config", config], outputPath: log)
        defer { Task { await process.stop() } }
        #expect(await waitFor { (try? String(contentsOfFile: log, encoding: .utf8))?.contains("\"msg\":\"started\"") == true })
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("\"msg\":\"listening\"") && text.contains("\"address\":\"127.0.0.1:\(smtpPort)\"") && text.contains("\"listener\":\"smtp\""))
        #expect(text.contains("\"address\":\"127.0.0.1:\(submissionPort)\"") && text.contains("\"listener\":\"submission\""))
        let c = try await LineClient.connect(port: smtpPort)
        #expect(await c.smtpReply().hasPrefix("220 mail.example.test"))
        kill(process.pid, SIGTERM)
        // The idle session is told and the process exits 0.
        #expect(codes(await c.smtpReply()) == "421 4.3.2")
        #expect(await process.wait(timeout: .seconds(20)) == 0)
    }

    @Test func developmentProfilePrintsThePasswordOnce() async throws {
        let postern = try posternBinary()
        let dir = NSTemporaryDirectory() + "dev-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // The development profile binds fixed ports: only run it if they are free here.
        for port in [2525, 5870, 4650, 1430, 9930, 8080] {
            #expect(portIsFree(port), "port \(port) is in use; the development profile needs it")
        }
        func start() async throws -> (SpawnedProcess, String) {
            let out = dir + "/out-\(UUID().uuidString)"
            let p = try SpawnedProcess.spawn("/bin/sh", ["-c", "cd '\(dir)' && exec '\(postern)' serve"], outputPath: out)
            #expect(await waitFor { (try? String(contentsOfFile: out, encoding: .utf8))?.contains("started") == true })
            return (p, out)
        }
        let (first, out1) = try await start()
        let text = try String(contentsOfFile: out1, encoding: .utf8)
        #expect(text.contains("user:     admin@localhost"))
        let password = text.components(separatedBy: "password: ").dropFirst().first?.prefix(16).description ?? ""
        #expect(password.count == 16)
        // The password works (submission requires TLS first, so check the account directly).
        #expect(FileManager.default.fileExists(atPath: dir + "/postern-data/accounts.sqlite"))
        let c = try await LineClient.connect(port: 2525)
        #expect(await c.smtpReply().hasPrefix("220 localhost"))
        await c.close()
        await first.stop()
        let (second, out2) = try await start()
        #expect(!(try String(contentsOfFile: out2, encoding: .utf8)).contains("password:"))
        await second.stop()
    }
}

/// Polls `condition` for up to `timeout`.
func waitFor(timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}


@Suite(.serialized) struct OperatorCommandTests {
    @Test func dnsLookupThroughTheConfiguredResolver() async throws {
        let postern = try posternBinary()
        var zone = TestDNSZone()
        try zone.mx("example.org", (10, "mx1.example.org"), (20, "mx2.example.org"))
        try zone.txt("example.org", "v=spf1 -all")
        try zone.nullMX("nomail.example")
        let dns = try await TestDNSServer.start(zone)
        let (dir, _) = try scratchConfig()
        let config = dir + "/dns.toml"
        try """
            hostname = "mail.example.test"
            data_dir = "\(dir)/data"
            [listen]
            smtp = "127.0.0.1:0"
            [dns]
            nameservers = ["127.0.0.1:\(dns.port)"]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let mx = try await Program.run(postern, ["dns", "lookup", "MX", "example.org", "--config", config])
        #expect(mx.status == 0, "\(mx.output)")
        #expect(mx.stdout.contains("10 mx1.example.org.") && mx.stdout.contains("20 mx2.example.org."), "\(mx.stdout)")
        let txt = try await Program.run(postern, ["dns", "lookup", "TXT", "example.org", "--config", config])
        #expect(txt.stdout.contains("\"v=spf1 -all\""), "\(txt.stdout)")
        let none = try await Program.run(postern, ["dns", "lookup", "A", "missing.example.org", "--config", config])
        #expect(none.stdout.contains("NXDOMAIN"), "\(none.stdout)")
        await dns.stop()
    }

    @Test func tlsStatusShowsTheCertificate() async throws {
        let postern = try posternBinary()
        let (_, config) = try scratchConfig()
        let r = try await Program.run(postern, ["tls", "status", "--config", config])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.stdout.contains("source:     self-signed"))
        #expect(r.stdout.contains("names:      mail.example.test"))
        #expect(r.stdout.contains("days left"))
    }
}
