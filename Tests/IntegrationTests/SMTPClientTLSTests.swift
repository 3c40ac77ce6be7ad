import Foundation
import MailCore
import NIOPosix
import SMTPClient
import Testing
import TestSupport

/// The SMTP client against real servers: STARTTLS with aiosmtpd (TLS 1.3, the certificate
/// seen), and a hostile server that injects a reply into the plaintext after STARTTLS.
@Suite(.serialized) struct SMTPClientTLSTests {
    @Test func startTLSWithAiosmtpd() async throws {
        let ca = try await TestCA.make()
        defer { ca.remove() }
        let sink = try await AiosmtpdSink.start(["--tls-cert", ca.certificate, "--tls-key", ca.key, "--require-tls"])
        defer { sink.terminate() }
        let context = try SMTPClientTLS.verifiedContext(extraTrustAnchors: [ca.caCertificate])
        let tls = try await SMTPClient.connect(to: IPAddress("127.0.0.1")!, port: sink.port, group: MultiThreadedEventLoopGroup.singleton,
                                               configuration: SMTPClientConfiguration(heloName: "client.example.test")) { s -> TLSSessionInfo? in
            try await s.open()
            #expect(s.capabilities.startTLS)
            try await s.startTLS(SMTPClientTLS(context: context, serverName: "relay.example.test", verifiesPeer: true))
            #expect(!s.capabilities.startTLS)   // EHLO again after TLS (RFC 3207 §4.2)
            let result = try await s.send(OutboundTransaction(reversePath: "a@example.test", recipients: [.init(address: "b@example.net")],
                                                              content: Array("Subject: t\r\n\r\nhi\r\n".utf8)))
            #expect(result.data?.code == 250)
            await s.quit()
            return s.tls
        }
        #expect(tls?.version == "TLSv1.3")
        #expect(tls?.peerSubject == "CN=relay.example.test")
        #expect(sink.messages.count == 1)
        await sink.stop()
    }

    @Test func verificationFailsForTheWrongName() async throws {
        let ca = try await TestCA.make()
        defer { ca.remove() }
        let sink = try await AiosmtpdSink.start(["--tls-cert", ca.certificate, "--tls-key", ca.key])
        defer { sink.terminate() }
        let context = try SMTPClientTLS.verifiedContext(extraTrustAnchors: [ca.caCertificate])
        await #expect(throws: SMTPClientError.self) {
            try await SMTPClient.connect(to: IPAddress("127.0.0.1")!, port: sink.port, group: MultiThreadedEventLoopGroup.singleton,
                                         configuration: SMTPClientConfiguration(heloName: "client.example.test")) { s in
                try await s.open()
                try await s.startTLS(SMTPClientTLS(context: context, serverName: "other.example.test", verifiesPeer: true))
            }
        }
        await sink.stop()
    }

    /// RFC 3207 §4.2 / CVE-2011-0411: a reply that arrived in plaintext after the 220 must
    /// not be read as the post-TLS EHLO reply.
    @Test func injectedPlaintextAfterSTARTTLSIsRefused() async throws {
        let dir = try temporaryDirectory("injector")
        let process = try SpawnedProcess.spawn("/usr/bin/python3", [repositoryRoot + "/Tests/Scripts/starttls_injector.py", dir + "/port"],
                                               outputPath: dir + "/log")
        defer { if process.isRunning { kill(-process.pid, SIGKILL) } }
        var port: Int?
        _ = await eventually { port = (try? String(contentsOfFile: dir + "/port", encoding: .utf8)).flatMap { Int($0) }; return port != nil }
        let context = try SMTPClientTLS.opportunisticContext()
        do {
            try await SMTPClient.connect(to: IPAddress("127.0.0.1")!, port: try #require(port), group: MultiThreadedEventLoopGroup.singleton,
                                         configuration: SMTPClientConfiguration(heloName: "client.example.test")) { s in
                try await s.open()
                try await s.startTLS(SMTPClientTLS(context: context, serverName: nil, verifiesPeer: false))
                Issue.record("STARTTLS succeeded with injected plaintext; capabilities \(s.capabilities.keywords)")
            }
        } catch let e as SMTPClientError {
            guard case .protocolViolation = e else { Issue.record("unexpected \(e)"); return }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

#if canImport(Glibc)
import Glibc
#endif
