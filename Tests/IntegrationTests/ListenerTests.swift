import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct ListenerTests {
    /// Foundation issue: the in-process server answers on every configured port.
    @Test func everyConfiguredListenerAnswers() async throws {
        try await withServer { t in
            #expect(Set(t.server.ports.keys).isSuperset(of: ["smtp", "submission", "submissions", "http", "https"]))
            for (name, port) in t.server.ports {
                switch name {
                case "smtp", "submission":
                    let c = try await LineClient.connect(port: port)
                    #expect(await c.smtpReply().hasPrefix("220 mail.example.test"), "\(name)")
                    await c.close()
                case "submissions":
                    let c = try await LineClient.connect(port: port, tls: true)
                    #expect(await c.smtpReply().hasPrefix("220 mail.example.test"), "\(name)")
                    await c.close()
                case "imap":
                    let c = try await LineClient.connect(port: port)
                    #expect(await c.readLine()?.hasPrefix("* OK") == true, "\(name)")
                    await c.close()
                case "imaps":
                    let c = try await LineClient.connect(port: port, tls: true)
                    #expect(await c.readLine()?.hasPrefix("* OK") == true, "\(name)")
                    await c.close()
                case "http", "https":
                    let curl = try Program.path("curl", package: "curl")
                    let scheme = name == "https" ? "https" : "http"
                    let r = try await Program.run(curl, ["-sk", "--max-time", "10", "\(scheme)://127.0.0.1:\(port)/healthz"])
                    #expect(r.stdout == "ok\n", "\(name): \(r.output)")
                    let missing = try await Program.run(curl, ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(scheme)://127.0.0.1:\(port)/nope"])
                    #expect(missing.stdout == "404")
                default:
                    Issue.record("untested listener \(name)")
                }
            }
        }
    }
}
