// The queue as the rest of Postern sees it: `enqueue` (the one way in), `run` (a Service
// of the server's ServiceGroup), events, and the operator's flush.

public import DNSClient
import Foundation
public import Logging
import MailCore
public import NIOCore
public import ServiceLifecycle
public import SMTPProtocol

/// A message to queue.
public struct EnqueueRequest: Sendable {
    /// The id to use (the SMTP session's); a taken id gets a suffix. Nil: a new one.
    public var id: String?
    public var reversePath: ReversePath
    public var parameters: MailParameters
    public var recipients: [QueueRecipient]
    /// The content as received: CRLF line ends, our Received field on top.
    public var content: [UInt8]

    public init(id: String? = nil, reversePath: ReversePath, parameters: MailParameters = MailParameters(), recipients: [QueueRecipient], content: [UInt8]) {
        self.id = id
        self.reversePath = reversePath
        self.parameters = parameters
        self.recipients = recipients
        self.content = content
    }
}

public enum QueueError: Error, Sendable, CustomStringConvertible {
    case noRecipients
    case spool(SpoolIOError)

    public var description: String {
        switch self {
        case .noRecipients: "no recipients"
        case .spool(let e): e.description
        }
    }

    /// ENOSPC/EDQUOT: SMTP 452 4.3.1 rather than 451.
    public var isDiskFull: Bool {
        if case .spool(let e) = self { return e.isDiskFull }
        return false
    }
}

public final class MailQueue: Service, Sendable {
    public let spool: QueueSpool
    public let configuration: QueueConfiguration
    public let clock: any QueueClock
    let runner: QueueRunner
    let hub: EventHub

    public init(spool: QueueSpool, configuration: QueueConfiguration, delivery: DeliveryConfiguration, resolver: any Resolver,
                group: any EventLoopGroup, local: any LocalDelivery, srs: SRS?, clock: any QueueClock = SystemQueueClock(), logger: Logger) {
        self.spool = spool
        self.configuration = configuration
        self.clock = clock
        hub = EventHub(logger: logger)
        runner = QueueRunner(spool: spool, clock: clock, configuration: configuration, local: local,
                             remote: RemoteDelivery(configuration: delivery, resolver: resolver, group: group), events: hub, srs: srs)
    }

    /// Reads the spool back (after a restart or a crash): call once, before anything is
    /// queued and before `run`.
    @discardableResult
    public func recover() async throws(QueueError) -> RecoveryReport {
        let report: RecoveryReport
        do { report = try await spool.recover() } catch { throw .spool(error) }
        for m in report.messages { await runner.add(m) }
        hub.emit(.recovered(messages: report.messages.count, quarantined: report.quarantined.map { "\($0.name): \($0.reason)" }))
        return report
    }

    /// Stores the message durably (file and directory fsynced) and schedules it; returns
    /// its queue id. Only after this returns may the SMTP server say 250.
    public func enqueue(_ request: EnqueueRequest) async throws(QueueError) -> String {
        guard !request.recipients.isEmpty else { throw .noRecipients }
        let now = clock.now()
        var id = request.id ?? QueueID.make(now: now)
        if !QueueID.isValid(id) { id = QueueID.make(now: now) }
        let envelope = QueueEnvelope(id: id, arrival: now, reversePath: request.reversePath, parameters: request.parameters,
                                     recipients: request.recipients, eightBit: request.content.contains { $0 >= 0x80 })
        let outcome: EnqueueOutcome
        do { outcome = try await spool.enqueue(envelope, content: request.content) } catch { throw .spool(error) }
        guard case .queued(let queued) = outcome else { throw .spool(SpoolIOError(operation: "link", path: id, code: 17)) }
        var stored = envelope
        stored.id = queued
        await runner.add(SpooledMessage(envelope: stored, progress: Array(repeating: RecipientProgress(), count: stored.recipients.count),
                                        warned: false, size: request.content.count, journal: []), dueAt: now)
        hub.emit(.queued(id: queued, sender: request.reversePath, recipients: request.recipients.count, size: request.content.count))
        return queued
    }

    /// RFC 3461 §6.2.1: tells the sender that the message reached these mailboxes, for
    /// recipients that asked with NOTIFY=SUCCESS and were delivered while the client
    /// waited (the message itself never entered the queue). The report is queued like any
    /// DSN, from the null sender; nothing happens for a null sender.
    public func reportDelivered(id: String, reversePath: ReversePath, parameters: MailParameters,
                                recipients: [QueueRecipient], content: [UInt8]) async {
        guard !recipients.isEmpty else { return }
        let now = clock.now()
        let envelope = QueueEnvelope(id: QueueID.isValid(id) ? id : QueueID.make(now: now), arrival: now, reversePath: reversePath,
                                     parameters: parameters, recipients: recipients, eightBit: content.contains { $0 >= 0x80 })
        var delivered = RecipientProgress()
        delivered.state = .delivered
        delivered.lastAttempt = now
        delivered.lastRelay = "local"
        delivered.lastReply = SMTPReply(250, EnhancedStatus(2, 0, 0), "delivered to mailbox")
        await runner.queueNotification(.delivered, about: envelope, progress: Array(repeating: delivered, count: recipients.count),
                                       recipients: Array(recipients.indices), originalContent: content)
    }

    /// Delivers until the server shuts down; running deliveries finish first.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await runner.run()
        } onGracefulShutdown: {
            Task { await self.runner.stop() }
        }
        hub.finish()
    }

    /// Events from now on (each subscriber gets every event).
    public func events() -> AsyncStream<QueueEvent> { hub.subscribe() }

    /// Retry everything now (what `postern queue flush` asks for).
    public func flush() async { await runner.flush() }

    /// Returns once nothing is being delivered and nothing is due at the clock's current
    /// time (tests with a manual clock).
    public func settle() async { await runner.waitUntilIdle() }

    /// Ids of the messages in the queue right now.
    public func queuedIDs() async -> [String] { await runner.snapshot().keys.sorted() }
}
