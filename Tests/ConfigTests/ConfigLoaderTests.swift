import Foundation
import Testing
@testable import Config

func parse(_ text: String) -> Result<PosternConfig, ConfigErrors> {
    ConfigLoader.parse(Array(text.utf8), file: "postern.toml")
}

@Suite struct ConfigLoaderTests {
    @Test func fullExampleParses() throws {
        let dir = NSTemporaryDirectory() + "cfg-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/relay.secret", contents: Data("s3cret\n".utf8))
        let config = try parse("""
            hostname = "Mail.Example.ORG"
            data_dir = "/var/lib/postern"
            log_format = "json"

            [listen]
            smtp = "0.0.0.0:25"
            submission = "[::]:587"
            imaps = "127.0.0.1:993"

            [dns]
            nameservers = ["127.0.0.1:5353", "192.0.2.53"]
            timeout = "1500ms"

            [relay]
            host = "smtp.sendgrid.net"
            port = 465
            username = "apikey"
            password_file = "\(dir)/relay.secret"

            [smtp]
            greet_delay = 0
            dnsbl = ["zen.spamhaus.org"]
            trusted_networks = ["10.0.0.0/8"]
            message_size_limit = 10485760

            [queue]
            max_lifetime = "3d"
            """).get()
        #expect(config.hostname == "mail.example.org")
        #expect(config.logFormat == "json")
        #expect(config.listen.smtp == ListenAddress(host: "0.0.0.0", port: 25))
        #expect(config.listen.submission == ListenAddress(host: "::", port: 587))
        #expect(config.listen.imap == nil)
        #expect(config.dns.nameservers == [ListenAddress(host: "127.0.0.1", port: 5353), ListenAddress(host: "192.0.2.53", port: 53)])
        #expect(config.dns.timeout == .milliseconds(1500))
        #expect(config.relay?.tls == .implicit)   // port 465 implies implicit TLS
        #expect(config.smtp.greetDelay == .zero && config.smtp.dnsbl == ["zen.spamhaus.org"])
        #expect(config.smtp.trustedNetworks.map(\.description) == ["10.0.0.0/8"])
        #expect(config.queue.maxLifetime == .seconds(3 * 86_400))
    }

    @Test func everyProblemNamesLineAndKey() {
        let text = """
            hostname = "mail.example.org"
            [listen]
            smtp = 25
            imap = "0.0.0.0:99999"
            smpt = "0.0.0.0:25"

            [smtp]
            greet_delay = "soon"
            helo_required = "yes"
            recipient_limit = 0

            [bogus]
            x = 1
            """
        guard case .failure(let errors) = parse(text) else { Issue.record("expected failure"); return }
        let lines = errors.problems.map(\.description)
        #expect(lines == [
            "postern.toml:3: listen.smtp: expected \"ADDRESS:PORT\" (e.g. \"0.0.0.0:25\"), got integer 25",
            "postern.toml:4: listen.imap: expected \"ADDRESS:PORT\" with an IP address and a port from 0 to 65535 (e.g. \"0.0.0.0:143\"), got \"0.0.0.0:99999\"",
            "postern.toml:5: listen.smpt: unknown key (known in [listen]: smtp, submission, submissions, imap, imaps, http, https)",
            "postern.toml:8: smtp.greet_delay: expected a duration like \"90s\", \"500ms\", \"5m\", \"4h\" or \"5d\", got \"soon\"",
            "postern.toml:9: smtp.helo_required: expected true or false, got string \"yes\"",
            "postern.toml:10: smtp.recipient_limit: expected an integer from 1 to 10000, got integer 0",
            "postern.toml:12: bogus: unknown key (known: hostname, data_dir, log_level, log_format, [listen], [dns], [tls], [relay], [smtp], [submission], [imap], [queue])",
        ])
    }

    @Test func syntaxErrorHasLine() {
        guard case .failure(let e) = parse("hostname = \"a.example\"\n[listen\nsmtp = \"0.0.0.0:25\"\n") else { Issue.record(); return }
        #expect(e.problems.count == 1 && e.problems[0].line == 2 && e.problems[0].description.hasPrefix("postern.toml:2: TOML syntax:"))
    }

    @Test func crossKeyRules() {
        guard case .failure(let e) = parse("""
            [listen]
            smtp = "0.0.0.0:25"
            submission = "0.0.0.0:25"
            [tls]
            certificate = "/nonexistent/cert.pem"
            [relay]
            username = "apikey"
            """) else { Issue.record(); return }
        let text = e.description
        #expect(text.contains("postern.toml:3: listen.submission: 0.0.0.0:25 is already used by listen.smtp"))
        #expect(text.contains("tls: set both certificate and key, or neither"))
        #expect(text.contains("postern.toml:5: tls.certificate: cannot read /nonexistent/cert.pem"))
        #expect(text.contains("relay.host: required when [relay] is present"))
        #expect(text.contains("postern.toml:7: relay.password_file: a username needs password_file"))
    }

    @Test func missingFileAndNoListeners() {
        guard case .failure(let e) = ConfigLoader.load(path: "/nonexistent/postern.toml") else { Issue.record(); return }
        #expect(e.description == "/nonexistent/postern.toml: no such file")
        guard case .failure(let e2) = parse("hostname = \"mail.example.org\"\n") else { Issue.record(); return }
        #expect(e2.description.contains("no listener configured"))
    }

    @Test func developmentProfile() throws {
        let c = try ConfigLoader.load(path: nil).get()
        #expect(c.source == .developmentProfile)
        #expect(c.listen.smtp?.port == 2525 && c.listen.submission?.port == 5870 && c.listen.submissions?.port == 4650)
        #expect(c.listen.imap?.port == 1430 && c.listen.imaps?.port == 9930 && c.listen.http?.port == 8080)
        #expect(c.listen.smtp?.host == "127.0.0.1")
    }

    @Test func locateOrder() throws {
        let dir = NSTemporaryDirectory() + "cfg-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(ConfigLoader.locate(explicit: nil, currentDirectory: dir, systemPath: dir + "/none.toml") == nil)
        FileManager.default.createFile(atPath: dir + "/system.toml", contents: Data())
        #expect(ConfigLoader.locate(explicit: nil, currentDirectory: dir, systemPath: dir + "/system.toml") == dir + "/system.toml")
        FileManager.default.createFile(atPath: dir + "/postern.toml", contents: Data())
        #expect(ConfigLoader.locate(explicit: nil, currentDirectory: dir, systemPath: dir + "/system.toml") == dir + "/postern.toml")
        #expect(ConfigLoader.locate(explicit: "/x.toml", currentDirectory: dir) == "/x.toml")
    }

    @Test func durations() {
        #expect(ConfigSchema.parseDuration("90s") == .seconds(90))
        #expect(ConfigSchema.parseDuration("1h30m") == .seconds(5400))
        #expect(ConfigSchema.parseDuration("2.5") == .milliseconds(2500))
        #expect(ConfigSchema.parseDuration("5x") == nil)
        #expect(ConfigSchema.parseDuration("") == nil)
        #expect(ConfigSchema.parseDuration("m") == nil)
    }

    /// docs/configuration.md is generated; this fails when the schema changed without it.
    @Test func documentationIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        #expect(committed == ConfigSchema.markdown(), "run: postern config docs > docs/configuration.md")
    }
}
