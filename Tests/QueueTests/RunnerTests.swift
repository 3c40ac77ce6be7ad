import DNSClient
import Foundation
import Logging
import MailCore
import NIOPosix
import Queue
import SMTPProtocol
import Synchronization
import Testing
import TestSupport
import TestRandom

/// Local delivery that answers from a script, per mailbox, and records what it got.
final class ScriptedLocal: LocalDelivery {
    struct State {
        var script: [EmailAddress: [DeliveryVerdict]] = [:]
        var attempts: [EmailAddress: Int] = [:]
        var delivered: [(mailbox: EmailAddress, sender: ReversePath, content: String)] = []
    }
    let state = Mutex(State())
    /// Addresses hosted here (each its own mailbox).
    let hosted: Set<EmailAddress>

    init(hosted: [String]) { self.hosted = Set(hosted.map(address)) }

    func script(_ mailbox: String, _ verdicts: [DeliveryVerdict]) {
        state.withLock { $0.script[address(mailbox)] = verdicts }
    }

    func attempts(_ mailbox: String) -> Int { state.withLock { $0.attempts[address(mailbox)] ?? 0 } }
    var delivered: [(mailbox: EmailAddress, sender: ReversePath, content: String)] { state.withLock { $0.delivered } }

    func route(_ a: EmailAddress) async -> LocalRoute {
        if hosted.contains(a) { return .hosted(mailboxes: [a], forwards: []) }
        return a.domain.ascii == "example.org" ? .unknown : .notHosted
    }

    func deliver(_ content: [UInt8], envelope: QueueEnvelope, to mailboxes: [EmailAddress]) async -> [DeliveryVerdict] {
        state.withLock { s in
            mailboxes.map { m in
                s.attempts[m, default: 0] += 1
                var script = s.script[m] ?? []
                let v = script.isEmpty ? DeliveryVerdict.delivered(SMTPReply(250, EnhancedStatus(2, 0, 0), "ok")) : script.removeFirst()
                s.script[m] = script
                if case .delivered = v { s.delivered.append((m, envelope.reversePath, String(decoding: content, as: UTF8.self))) }
                return v
            }
        }
    }
}

let tempFailure = DeliveryVerdict.deferred(SMTPReply(452, EnhancedStatus(4, 2, 2), "mailbox full"))
let permanentFailure = DeliveryVerdict.bounced(SMTPReply(550, EnhancedStatus(5, 1, 1), "no such mailbox"))

/// A queue on a temporary spool, a manual clock and scripted local delivery.
struct Harness {
    let directory: String
    let spool: QueueSpool
    let clock: ManualClock
    let local: ScriptedLocal
    let queue: MailQueue
    let task: Task<Void, any Error>

    static func start(directory: String = temporaryDirectory(), clock: ManualClock = ManualClock(), local: ScriptedLocal? = nil,
                      configure: (inout QueueConfiguration) -> Void = { _ in }) async throws -> Harness {
        let spool = try QueueSpool(directory: directory)
        var config = QueueConfiguration(hostname: "mail.example.org")
        config.controlPollInterval = .milliseconds(20)
        configure(&config)
        var delivery = DeliveryConfiguration(hostname: "mail.example.org")
        delivery.loopbackOnly = true
        let local = local ?? ScriptedLocal(hosted: ["alice@example.org", "bob@example.org", "carol@example.org"])
        let queue = MailQueue(spool: spool, configuration: config, delivery: delivery, resolver: FakeResolver(),
                              group: MultiThreadedEventLoopGroup.singleton, local: local, srs: nil, clock: clock,
                              logger: Logger(label: "queue-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await queue.recover()
        let task = Task { try await queue.run() }
        return Harness(directory: directory, spool: spool, clock: clock, local: local, queue: queue, task: task)
    }

    func enqueue(from sender: String? = "alice@example.org", to recipients: [String], notify: DSNNotify? = nil) async throws -> String {
        try await queue.enqueue(EnqueueRequest(id: "MSG1", reversePath: sender.map { .mailbox(address($0)) } ?? .null,
                                               recipients: recipients.map { QueueRecipient(address: address($0), transport: .local, notify: notify) },
                                               content: sampleContent))
    }

    /// Moves the clock and waits until the queue has done what became due.
    func advance(_ seconds: TimeInterval) async {
        clock.advance(by: seconds)
        await queue.settle()
    }

    func stop(removing: Bool = true) async {
        task.cancel()
        _ = await task.result
        if removing { try? FileManager.default.removeItem(atPath: directory) }
    }

    var messageFiles: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/msg")) ?? []).sorted() }
}

@Suite struct RunnerTests {
    @Test func deliversAndRemoves() async throws {
        let h = try await Harness.start()
        let id = try await h.enqueue(to: ["bob@example.org"])
        await h.queue.settle()
        #expect(h.local.delivered.map(\.mailbox) == [address("bob@example.org")])
        #expect(await h.queue.queuedIDs().isEmpty)
        #expect(h.messageFiles.isEmpty)
        #expect(id == "MSG1")
        await h.stop()
    }

    @Test func retriesOnTheBackoffSchedule() async throws {
        let h = try await Harness.start()
        h.local.script("bob@example.org", [tempFailure, tempFailure])
        _ = try await h.enqueue(to: ["bob@example.org"])
        await h.queue.settle()
        #expect(h.local.attempts("bob@example.org") == 1)
        // First retry after minimum_backoff (300 s), then twice as long.
        await h.advance(299)
        #expect(h.local.attempts("bob@example.org") == 1)
        await h.advance(1)
        #expect(h.local.attempts("bob@example.org") == 2)
        await h.advance(599)
        #expect(h.local.attempts("bob@example.org") == 2)
        guard case .success(let m) = try h.spool.loadBlocking("MSG1") else { Issue.record("gone"); return }
        #expect(m.progress[0].deferrals == 2)
        await h.advance(1)
        #expect(h.local.attempts("bob@example.org") == 3)
        #expect(h.local.delivered.count == 1)
        #expect(h.messageFiles.isEmpty)
        await h.stop()
    }

    @Test func bounceNotifiesTheSender() async throws {
        let h = try await Harness.start()
        h.local.script("carol@example.org", [permanentFailure])
        _ = try await h.enqueue(to: ["bob@example.org", "carol@example.org"])
        await h.queue.settle()
        let delivered = h.local.delivered
        #expect(delivered.count == 2)
        let dsn = try #require(delivered.first { $0.mailbox == address("alice@example.org") })
        #expect(dsn.sender == .null)
        #expect(dsn.content.contains("Final-Recipient: rfc822; carol@example.org\r\n"))
        #expect(dsn.content.contains("Action: failed\r\n"))
        #expect(dsn.content.contains("Status: 5.1.1\r\n"))
        #expect(!dsn.content.contains("bob@example.org\r\nAction"))
        #expect(h.messageFiles.isEmpty)
        await h.stop()
    }

    @Test func neverANotificationToTheNullSender() async throws {
        let h = try await Harness.start()
        let events = h.queue.events()
        h.local.script("carol@example.org", [permanentFailure])
        _ = try await h.enqueue(from: nil, to: ["carol@example.org"])
        await h.queue.settle()
        #expect(h.local.delivered.isEmpty)
        await h.stop(removing: false)
        var suppressed = false
        for await e in events { if case .notificationSuppressed(_, let why) = e, why == "null sender" { suppressed = true } }
        #expect(suppressed)
        try? FileManager.default.removeItem(atPath: h.directory)
    }

    @Test func notifyNeverSuppressesTheBounce() async throws {
        let h = try await Harness.start()
        h.local.script("carol@example.org", [permanentFailure])
        _ = try await h.enqueue(to: ["carol@example.org"], notify: DSNNotify(never: true))
        await h.queue.settle()
        #expect(h.local.delivered.isEmpty)
        await h.stop()
    }

    @Test func notifySuccessReportsLocalDelivery() async throws {
        let h = try await Harness.start()
        _ = try await h.enqueue(to: ["bob@example.org", "carol@example.org"], notify: DSNNotify(success: true, failure: true))
        await h.queue.settle()
        let delivered = h.local.delivered
        let dsn = try #require(delivered.first { $0.mailbox == address("alice@example.org") })
        #expect(dsn.sender == .null)
        #expect(dsn.content.contains("Subject: Successful Mail Delivery Report\r\n"))
        #expect(dsn.content.contains("Final-Recipient: rfc822; bob@example.org\r\nAction: delivered\r\nStatus: 2.0.0\r\n"))
        #expect(dsn.content.contains("Final-Recipient: rfc822; carol@example.org\r\nAction: delivered\r\n"))
        #expect(delivered.count == 3)
        await h.stop()
    }

    @Test func noSuccessReportWithoutNotifySuccess() async throws {
        let h = try await Harness.start()
        _ = try await h.enqueue(to: ["bob@example.org"], notify: DSNNotify(failure: true))
        await h.queue.settle()
        #expect(h.local.delivered.map(\.mailbox) == [address("bob@example.org")])
        _ = try await h.queue.enqueue(EnqueueRequest(id: "MSG2", reversePath: .null,
                                                     recipients: [QueueRecipient(address: address("bob@example.org"), transport: .local,
                                                                                 notify: DSNNotify(success: true))],
                                                     content: sampleContent))
        await h.queue.settle()
        // A null sender is never told anything, success included.
        #expect(h.local.delivered.map(\.mailbox) == [address("bob@example.org"), address("bob@example.org")])
        await h.stop()
    }

    @Test func expiresAfterTheLifetime() async throws {
        let h = try await Harness.start { c in
            c.lifetime = 3600
            c.delayWarning = 0
            c.retry = RetrySchedule(minimum: 600, maximum: 600)
        }
        h.local.script("carol@example.org", Array(repeating: tempFailure, count: 100))
        _ = try await h.enqueue(to: ["carol@example.org"])
        await h.queue.settle()
        for _ in 0..<5 { await h.advance(600) }
        #expect(h.local.delivered.isEmpty)
        #expect(h.messageFiles == ["MSG1"])
        await h.advance(600)   // now at arrival + 3600: last attempt, then it bounces
        #expect(h.local.attempts("carol@example.org") == 7)
        let dsn = try #require(h.local.delivered.first)
        #expect(dsn.mailbox == address("alice@example.org"))
        #expect(dsn.content.contains("Status: 5.4.7\r\n"))
        #expect(dsn.content.contains("452 4.2.2 mailbox full"))
        #expect(h.messageFiles.isEmpty)
        await h.stop()
    }

    @Test func warnsOnceAboutADelay() async throws {
        let h = try await Harness.start { c in
            c.delayWarning = 1000
            c.retry = RetrySchedule(minimum: 600, maximum: 600)
        }
        h.local.script("carol@example.org", Array(repeating: tempFailure, count: 100))
        _ = try await h.enqueue(to: ["carol@example.org"])
        await h.queue.settle()
        await h.advance(600)
        #expect(h.local.delivered.isEmpty)
        await h.advance(600)   // 1200 s after arrival, past the 1000 s warning time
        #expect(h.local.delivered.count == 1)
        let warning = try #require(h.local.delivered.first)
        #expect(warning.content.contains("Action: delayed\r\n"))
        #expect(warning.content.contains("Subject: Delayed Mail (still being retried)"))
        await h.advance(600)
        await h.advance(600)
        #expect(h.local.delivered.count == 1)
        guard case .success(let m) = try h.spool.loadBlocking("MSG1") else { Issue.record("gone"); return }
        #expect(m.warned)
        await h.stop()
    }

    @Test func restartContinuesTheSchedule() async throws {
        let clock = ManualClock()
        let dir = temporaryDirectory()
        let first = try await Harness.start(directory: dir, clock: clock)
        first.local.script("bob@example.org", [tempFailure])
        _ = try await first.enqueue(to: ["bob@example.org"])
        await first.queue.settle()
        #expect(first.local.attempts("bob@example.org") == 1)
        await first.stop(removing: false)

        let second = try await Harness.start(directory: dir, clock: clock)
        await second.queue.settle()
        #expect(second.local.attempts("bob@example.org") == 0)
        await second.advance(300)
        #expect(second.local.attempts("bob@example.org") == 1)
        #expect(second.local.delivered.count == 1)
        #expect(second.messageFiles.isEmpty)
        await second.stop()
    }

    /// A crash after the last result and before the files were removed: recovery finishes
    /// the message without delivering it again.
    @Test func recoveredFinishedMessageIsRemovedNotRedelivered() async throws {
        let dir = temporaryDirectory()
        let spool = try QueueSpool(directory: dir)
        var e = sampleEnvelope(id: "DONE1", recipients: ["bob@example.org"])
        e.recipients[0].transport = .local
        _ = try spool.enqueueBlocking(e, content: sampleContent)
        try spool.appendBlocking("DONE1", [.delivered(recipient: 0, time: Date(), relay: "local", reply: SMTPReply(250, nil, "ok"))])
        let h = try await Harness.start(directory: dir)
        await h.queue.settle()
        #expect(h.local.attempts("bob@example.org") == 0)
        #expect(h.messageFiles.isEmpty)
        await h.stop()
    }

    @Test func operatorFlushRetryAndDelete() async throws {
        let h = try await Harness.start()
        h.local.script("bob@example.org", [tempFailure, tempFailure, tempFailure])
        _ = try await h.enqueue(to: ["bob@example.org"])
        await h.queue.settle()
        #expect(h.local.attempts("bob@example.org") == 1)
        // `postern queue flush` leaves a request the running queue reads.
        try h.spool.request(.flush)
        #expect(await eventually { h.local.attempts("bob@example.org") == 2 })
        try h.spool.request(.retry("MSG1"))
        #expect(await eventually { h.local.attempts("bob@example.org") == 3 })
        // `postern queue delete`.
        #expect(try h.spool.deleteBlocking("MSG1"))
        #expect(await eventually { await h.queue.queuedIDs().isEmpty })
        await h.advance(10_000)
        #expect(h.local.attempts("bob@example.org") == 3)
        await h.stop()
    }
}

/// Polls (real time, bounded) until `condition` holds.
func eventually(_ timeout: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// Random outcomes for many messages: whatever happens, every message leaves the queue
/// within its lifetime, no mailbox gets a message twice, and every failure is reported
/// once to its (non-null) sender.
@Suite struct RunnerPropertyTests {
    @Test func randomOutcomesSettleCorrectly() async throws {
        var rng = SplitMix64(seed: 0xD5_0001)
        let mailboxes = (0..<6).map { "m\($0)@example.org" }
        let local = ScriptedLocal(hosted: mailboxes + ["alice@example.org"])
        let h = try await Harness.start(local: local) { c in
            c.lifetime = 4000
            c.delayWarning = 0
            c.retry = RetrySchedule(minimum: 300, maximum: 1200)
        }
        // Outcomes per attempt, drawn up front: temporary 50%, permanent 10%, delivered 40%.
        for m in mailboxes {
            var script: [DeliveryVerdict] = []
            for _ in 0..<200 {
                let r = rng.next() % 10
                script.append(r < 5 ? tempFailure : (r == 5 ? permanentFailure : .delivered(SMTPReply(250, nil, "ok"))))
            }
            local.script(m, script)
        }
        var messages: [(id: String, recipients: [String], nullSender: Bool)] = []
        for n in 0..<20 {
            let count = 1 + Int(rng.next() % 3)
            var chosen: [String] = []
            while chosen.count < count {
                let m = mailboxes[Int(rng.next() % UInt64(mailboxes.count))]
                if !chosen.contains(m) { chosen.append(m) }
            }
            let null = rng.next() % 4 == 0
            let id = try await h.queue.enqueue(EnqueueRequest(id: "R\(n)", reversePath: null ? .null : .mailbox(address("alice@example.org")),
                                                              recipients: chosen.map { QueueRecipient(address: address($0), transport: .local) },
                                                              content: Array("Subject: \(n)\r\n\r\nbody \(n)\r\n".utf8)))
            messages.append((id, chosen, null))
        }
        await h.queue.settle()
        for _ in 0..<20 { await h.advance(300) }
        #expect(await h.queue.queuedIDs().isEmpty)
        #expect(h.messageFiles.isEmpty)
        // No mailbox received the same message twice.
        let deliveredPairs = local.delivered.filter { $0.mailbox != address("alice@example.org") }.map { "\($0.mailbox) \($0.content)" }
        #expect(Set(deliveredPairs).count == deliveredPairs.count)
        // Every failure report went to alice, never for a null-sender message, and names
        // each failed recipient once.
        let reports = local.delivered.filter { $0.mailbox == address("alice@example.org") }
        #expect(reports.allSatisfy { $0.sender == .null })
        for (id, recipients, null) in messages {
            let mine = reports.filter { $0.content.contains("X-Postern-Queue-ID: \(id)\r\n") }
            if null { #expect(mine.isEmpty) }
            for r in recipients {
                let failedIn = mine.filter { $0.content.contains("Final-Recipient: rfc822; \(r)\r\n") }.count
                let deliveredTo = local.delivered.contains { $0.mailbox == address(r) && $0.content.contains("Subject: \(id.dropFirst())\r\n") }
                if null || deliveredTo { #expect(failedIn == 0) } else { #expect(failedIn == 1, "\(id) \(r)") }
            }
        }
        // The draw produced all three outcomes (the test is not vacuous).
        #expect(reports.count > 0)
        #expect(local.delivered.count > reports.count)
        #expect(mailboxes.map { local.attempts($0) }.reduce(0, +) > messages.count)
        await h.stop()
    }
}
