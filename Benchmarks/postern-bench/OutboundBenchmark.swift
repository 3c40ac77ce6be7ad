// `postern-bench outbound`: how fast the queue empties into a loopback Postfix smtp-sink.
// N messages wait in a fresh spool (queued through MailQueue.enqueue, file and directory
// fsynced); then the queue runs and the clock stops when the last one is removed. With
// --reference, Postfix does the same on the same machine: a throwaway instance whose
// deferred queue holds N messages for `relayhost = [127.0.0.1]:sink` is flushed and timed
// (Benchmarks/reference/postfix_outbound.sh).

import ArgumentParser
import DNSClient
import Foundation
import Logging
import MailCore
import NIOPosix
import Queue
import SMTPProtocol
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

struct OutboundBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbound",
        abstract: "Outbound delivery rate from a full queue to a loopback smtp-sink, optionally against Postfix.")

    @Option(help: "Messages in the queue per run.")
    var messages = 2000

    @Option(help: "Message size in octets.")
    var size = 1024

    @Option(parsing: .upToNextOption, help: "Connections per destination (Postern's destination_concurrency), one run each.")
    var concurrency: [Int] = [10, 20]

    @Option(help: "Runs per setting; the best is reported (and every run printed).")
    var repetitions = 3

    @Option(help: "Path of Benchmarks/reference/postfix_outbound.sh: also time Postfix (needs root and the postfix package).")
    var reference: String?

    func validate() throws {
        guard messages > 0, messages <= 100_000, size >= 100, size <= 10_000_000, repetitions > 0, concurrency.allSatisfy({ $0 > 0 && $0 <= 100 })
        else { throw ValidationError("messages 1...100000, size 100...10000000, positive repetitions and concurrency") }
    }

    func run() async throws {
        let sink = try await Sink.start()
        defer { sink.terminate() }
        print("Outbound benchmark: \(messages) messages of \(size) octets, smtp-sink on 127.0.0.1:\(sink.port)")
        print("server    concurrency  messages   seconds   messages/s")
        var best: Double = 0
        for c in concurrency {
            for _ in 0..<repetitions {
                let (enqueueSeconds, seconds) = try await postern(port: sink.port, concurrency: c)
                let rate = Double(messages) / seconds
                best = max(best, rate)
                print(String(format: "postern   %11d  %8d  %8.3f   %10.0f   (queueing took %.3f s)", c, messages, seconds, rate, enqueueSeconds))
            }
        }
        var expected = messages * repetitions * concurrency.count
        try await sink.verify(expected)
        guard let reference else { return }
        var postfixBest: Double = 0
        for _ in 0..<repetitions {
            let r = try await Program.run("/bin/bash", [reference, String(sink.port), String(messages), String(size)], timeout: .seconds(900))
            guard r.status == 0, let line = r.stdout.split(separator: "\n").last(where: { $0.hasPrefix("postfix ") }),
                  let seconds = Double(line.split(separator: " ").last ?? "") else {
                print("postfix reference failed:\n\(r.output)")
                throw ExitCode(1)
            }
            let rate = Double(messages) / seconds
            postfixBest = max(postfixBest, rate)
            print("postfix       default" + String(format: "  %8d  %8.3f   %10.0f", messages, seconds, rate))
        }
        expected += messages * repetitions
        try await sink.verify(expected)
        print(String(format: "best: postern %.0f/s, postfix %.0f/s, ratio postern/postfix %.2f", best, postfixBest, best / postfixBest))
    }

    /// Fills a fresh spool, then times the queue until it is empty.
    func postern(port: Int, concurrency: Int) async throws -> (Double, Double) {
        let dir = NSTemporaryDirectory() + "postern-bench-queue-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try QueueSpool(directory: dir)
        var config = QueueConfiguration(hostname: "bench.postern.test")
        config.concurrencyPerDestination = concurrency
        var delivery = DeliveryConfiguration(hostname: "bench.postern.test")
        delivery.remotePort = port
        delivery.loopbackOnly = true
        var zone = TestDNSZone()
        try zone.mx("bench.example", (10, "sink.bench.example"))
        try zone.a("sink.bench.example", "127.0.0.1")
        let queue = MailQueue(spool: spool, configuration: config, delivery: delivery, resolver: FakeResolver(zone),
                              group: MultiThreadedEventLoopGroup.singleton, local: NoLocalDelivery(), srs: nil,
                              logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await queue.recover()
        let body = Self.message(size: size)
        // Queued as an SMTP server would: 16 sessions at once.
        let enqueueStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var i = worker
                    while i < messages {
                        _ = try await queue.enqueue(EnqueueRequest(reversePath: .mailbox(try EmailAddress("bench@postern.test")),
                                                                   recipients: [QueueRecipient(address: try EmailAddress("user\(i)@bench.example"), transport: .remote)],
                                                                   content: body))
                        i += 16
                    }
                }
            }
            try await group.waitForAll()
        }
        let enqueueSeconds = Self.seconds(ContinuousClock.now - enqueueStart)
        let events = queue.events()
        let start = ContinuousClock.now
        let runner = Task { try await queue.run() }
        var removed = 0, failed = 0
        for await event in events {
            switch event {
            case .removed: removed += 1
            case .attempt(let a) where a.result != .sent: failed += 1
            default: break
            }
            if removed + failed >= messages { break }
        }
        let elapsed = Self.seconds(ContinuousClock.now - start)
        runner.cancel()
        _ = await runner.result
        if failed > 0 { print("warning: \(failed) attempts did not succeed") }
        return (enqueueSeconds, elapsed)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// A plain message of about `size` octets, 76-character lines.
    static func message(size: Int) -> [UInt8] {
        var m = "From: bench@postern.test\r\nTo: user@bench.example\r\nSubject: outbound benchmark\r\nMessage-ID: <bench@postern.test>\r\n\r\n"
        let line = String(repeating: "x", count: 76) + "\r\n"
        while m.utf8.count + line.utf8.count <= size { m += line }
        return Array(m.utf8)
    }

    struct NoLocalDelivery: LocalDelivery {
        func route(_ address: EmailAddress) async -> LocalRoute { .notHosted }
        func deliver(_ content: [UInt8], envelope: QueueEnvelope, to mailboxes: [EmailAddress]) async -> [DeliveryVerdict] {
            mailboxes.map { _ in .bounced(SMTPReply(550, EnhancedStatus(5, 1, 1), "no local delivery in the benchmark")) }
        }
    }

    /// Postfix's smtp-sink on a free loopback port, counting what it receives (-c).
    struct Sink {
        let process: SpawnedProcess
        let port: Int
        let counters: String

        static func start() async throws -> Sink {
            let path = try Program.path("smtp-sink", package: "postfix")
            for _ in 0..<5 {
                let port = try freePort()
                let counters = NSTemporaryDirectory() + "postern-bench-sink-\(port).out"
                let process = try SpawnedProcess.spawn(path, ["-c", "-u", "nobody", "-h", "sink.bench.example", "127.0.0.1:\(port)", "1024"],
                                                       outputPath: counters)
                for _ in 0..<100 {
                    if isListening(port) { return Sink(process: process, port: port, counters: counters) }
                    try await Task.sleep(for: .milliseconds(20))
                }
                await process.stop()
            }
            throw ValidationError("smtp-sink did not start")
        }

        /// Messages the sink has accepted so far (its last "mesg=" counter).
        var received: Int {
            let text = (try? String(contentsOfFile: counters, encoding: .utf8)) ?? ""
            guard let last = text.components(separatedBy: "mesg=").last, let n = Int(last.prefix(while: \.isNumber)) else { return 0 }
            return n
        }

        /// Fails unless the sink got exactly `expected` messages (every run really delivered).
        func verify(_ expected: Int) async throws {
            for _ in 0..<100 where received < expected { try await Task.sleep(for: .milliseconds(20)) }
            print("smtp-sink counted \(received) messages (expected \(expected))")
            guard received == expected else { throw ValidationError("smtp-sink received \(received), expected \(expected)") }
        }

        func terminate() {
            kill(-process.pid, SIGKILL)
            _ = process.isRunning
            unlink(counters)
        }
    }
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw ValidationError("no free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func isListening(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
