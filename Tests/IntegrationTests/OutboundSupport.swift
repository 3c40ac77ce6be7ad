// Real SMTP servers for the outbound tests, all on 127.0.0.1: Python's aiosmtpd driven by
// Tests/Scripts/smtp_sink.py (TLS, AUTH, per-recipient scripted replies, messages kept on
// disk) and Postfix's smtp-sink (scripted 4xx/5xx per command, PIPELINING). A test CA made
// with openssl signs the relay's certificate.

import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path


func temporaryDirectory(_ name: String) throws -> String {
    let dir = NSTemporaryDirectory() + "postern-\(name)-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Waits (real time, bounded) until `condition` holds.
func eventually(_ timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// A CA and a server certificate it signed for `relay.example.test` (no IP address: NIOSSL
/// accepts a certificate naming the peer's IP whatever the expected host name).
struct TestCA {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var certificate: String { directory + "/relay.pem" }
    var key: String { directory + "/relay.key" }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    static func make() async throws -> TestCA {
        let dir = try temporaryDirectory("ca")
        let openssl = try Program.path("openssl", package: "openssl")
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "subjectAltName=DNS:relay.example.test\nextendedKeyUsage=serverAuth\n".write(toFile: dir + "/ext.cnf", atomically: true, encoding: .utf8)
        for args in [
            ["req", "-x509"] + ec + ["-keyout", dir + "/ca.key", "-out", dir + "/ca.pem", "-days", "2", "-subj", "/CN=Postern Test CA"],
            ["req"] + ec + ["-keyout", dir + "/relay.key", "-out", dir + "/relay.csr", "-subj", "/CN=relay.example.test"],
            ["x509", "-req", "-in", dir + "/relay.csr", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key", "-CAcreateserial",
             "-out", dir + "/relay.pem", "-days", "2", "-extfile", dir + "/ext.cnf"],
        ] {
            let r = try await Program.run(openssl, args)
            #expect(r.status == 0, "openssl \(args.first ?? ""): \(r.output)")
        }
        return TestCA(directory: dir)
    }
}

/// What aiosmtpd received: the envelope and the content.
struct SinkMessage {
    var mailFrom: String
    var recipients: [String]
    var mailOptions: [String]
    var tls: Bool
    var auth: String?
    var helo: String?
    var content: String
}

/// Tests/Scripts/smtp_sink.py under Debian's python3 (python3-aiosmtpd).
final class AiosmtpdSink: Sendable {
    let process: SpawnedProcess
    let port: Int
    let spool: String
    let directory: String

    static func start(_ arguments: [String] = [], port fixedPort: Int? = nil) async throws -> AiosmtpdSink {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw ProgramError.notInstalled("python3", package: "python3") }
        guard FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/aiosmtpd") else {
            throw ProgramError.notInstalled("aiosmtpd", package: "python3-aiosmtpd")
        }
        let dir = try temporaryDirectory("sink")
        let spool = dir + "/spool"
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        var args = [repositoryRoot + "/Tests/Scripts/smtp_sink.py", "--spool", spool, "--port-file", dir + "/port"] + arguments
        if let fixedPort { args += ["--port", String(fixedPort)] }
        let process = try SpawnedProcess.spawn(python, args, outputPath: dir + "/sink.log")
        var port: Int?
        _ = await eventually(.seconds(15)) {
            port = (try? String(contentsOfFile: dir + "/port", encoding: .utf8)).flatMap { Int($0) }
            return port != nil || !process.isRunning
        }
        guard let port else {
            let log = (try? String(contentsOfFile: dir + "/sink.log", encoding: .utf8)) ?? ""
            await process.stop()
            throw SinkError(message: "aiosmtpd sink did not start: \(log)")
        }
        return AiosmtpdSink(process: process, port: port, spool: spool, directory: dir)
    }

    init(process: SpawnedProcess, port: Int, spool: String, directory: String) {
        self.process = process
        self.port = port
        self.spool = spool
        self.directory = directory
    }

    var messages: [SinkMessage] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            let base = spool + "/" + String(name.dropLast(5))
            guard let data = FileManager.default.contents(atPath: base + ".json"),
                  let meta = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let content = FileManager.default.contents(atPath: base + ".eml") else { return nil }
            return SinkMessage(mailFrom: meta["mail_from"] as? String ?? "", recipients: meta["rcpt_tos"] as? [String] ?? [],
                               mailOptions: meta["mail_options"] as? [String] ?? [], tls: meta["tls"] as? Bool ?? false,
                               auth: meta["auth"] as? String, helo: meta["helo"] as? String,
                               content: String(decoding: content, as: UTF8.self))
        }
    }

    var log: String { (try? String(contentsOfFile: directory + "/sink.log", encoding: .utf8)) ?? "" }

    /// For `defer`: the process group gets SIGKILL now (reaped by the next `isRunning`).
    func terminate() {
        if process.isRunning { kill(-process.pid, SIGKILL) }
        _ = process.isRunning
    }

    func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct SinkError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Postfix's smtp-sink with scripted replies (`-r RCPT`: 4xx to RCPT, `-f .`: 5xx to the
/// final dot, ...); messages dumped to files.
final class PostfixSink: Sendable {
    let process: SpawnedProcess
    let port: Int
    let directory: String

    static func start(_ arguments: [String] = [], hostname: String = "sink.example.net") async throws -> PostfixSink {
        let path = try Program.path("smtp-sink", package: "postfix")
        let dir = try temporaryDirectory("smtp-sink")
        try FileManager.default.createDirectory(atPath: dir + "/dump", withIntermediateDirectories: true)
        chmod(dir, 0o777); chmod(dir + "/dump", 0o777)
        let port = try freePort()
        var args = ["-u", "nobody", "-h", hostname, "-d", dir + "/dump/%M%S."] + arguments
        args += ["127.0.0.1:\(port)", "64"]
        let process = try SpawnedProcess.spawn(path, args, outputPath: dir + "/sink.log")
        guard await eventually(.seconds(10), { isListening(port) || !process.isRunning }), process.isRunning else {
            let log = (try? String(contentsOfFile: dir + "/sink.log", encoding: .utf8)) ?? ""
            await process.stop()
            throw SinkError(message: "smtp-sink did not start: \(log)")
        }
        return PostfixSink(process: process, port: port, directory: dir)
    }

    init(process: SpawnedProcess, port: Int, directory: String) {
        self.process = process
        self.port = port
        self.directory = directory
    }

    /// The dumped transactions (smtp-sink's dump format: envelope lines, then the message).
    var dumps: [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/dump")) ?? []).sorted()
        return names.compactMap { try? String(contentsOfFile: directory + "/dump/" + $0, encoding: .utf8) }
    }

    func terminate() {
        if process.isRunning { kill(-process.pid, SIGKILL) }
        _ = process.isRunning
    }

    func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
