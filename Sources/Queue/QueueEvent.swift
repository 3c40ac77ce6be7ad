// Notable queue events as values (STYLE habit 12): the log lines derive from them, tests
// and `settle` observe them.

public import Foundation
public import MailCore
public import SMTPProtocol
public import SMTPClient
import Logging
import Synchronization

public enum AttemptResult: String, Sendable, Hashable {
    case sent
    case deferred
    case bounced
}

/// One recipient's outcome in one delivery attempt.
public struct DeliveryAttempt: Sendable, Hashable {
    public var queueID: String
    public var recipient: EmailAddress
    /// `host[address]:port`, `local`, or `none` when no server was reached.
    public var relay: String
    public var result: AttemptResult
    public var reply: SMTPReply
    public var tls: TLSSessionInfo?
    /// Seconds since the message arrived.
    public var delay: TimeInterval
    /// Deferred attempts of this recipient so far.
    public var deferrals: Int
}

public enum QueueEvent: Sendable {
    case queued(id: String, sender: ReversePath, recipients: Int, size: Int)
    case attempt(DeliveryAttempt)
    /// The message stayed longer than the maximum lifetime; its pending recipients bounce.
    case expired(id: String)
    case notificationQueued(id: String, kind: DSNKind, notificationID: String)
    /// A DSN was not sent: the sender is null, asked for none, or is unknown here.
    case notificationSuppressed(id: String, reason: String)
    /// Every recipient is done; the files are gone.
    case removed(id: String)
    case recovered(messages: Int, quarantined: [String])
    case spoolError(id: String, error: String)
}

/// Fans events out to subscribers and the log.
final class EventHub: Sendable {
    let logger: Logger
    private let subscribers = Mutex<[UInt64: AsyncStream<QueueEvent>.Continuation]>([:])
    private let counter = Atomic<UInt64>(0)

    init(logger: Logger) { self.logger = logger }

    func subscribe() -> AsyncStream<QueueEvent> {
        let (stream, continuation) = AsyncStream<QueueEvent>.makeStream(bufferingPolicy: .unbounded)
        let key = counter.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[key] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: key) }
        }
        return stream
    }

    func emit(_ event: QueueEvent) {
        log(event)
        for c in subscribers.withLock({ Array($0.values) }) { c.yield(event) }
    }

    func finish() {
        for c in subscribers.withLock({ Array($0.values) }) { c.finish() }
    }

    func log(_ event: QueueEvent) {
        switch event {
        case .queued(let id, let sender, let n, let size):
            logger.info("queued", metadata: ["queue_id": .string(id), "from": .string(sender.description), "nrcpt": .stringConvertible(n),
                                             "size": .stringConvertible(size)])
        case .attempt(let a):
            var m: Logger.Metadata = ["queue_id": .string(a.queueID), "result": .string(a.result.rawValue), "to": .string("<\(a.recipient)>"),
                                      "relay": .string(a.relay), "delay": .string(String(format: "%.1f", a.delay)),
                                      "reply": .string(a.reply.oneLine)]
            if let tls = a.tls { m["tls"] = .string(tls.description) }
            if a.deferrals > 0 { m["deferrals"] = .stringConvertible(a.deferrals) }
            if a.result == .sent { logger.info("delivery", metadata: m) } else { logger.warning("delivery", metadata: m) }
        case .expired(let id):
            logger.warning("message expired", metadata: ["queue_id": .string(id), "result": "expired"])
        case .notificationQueued(let id, let kind, let dsn):
            logger.info("notification queued", metadata: ["queue_id": .string(id), "dsn": .string(kind.rawValue), "dsn_id": .string(dsn)])
        case .notificationSuppressed(let id, let why):
            logger.info("notification suppressed", metadata: ["queue_id": .string(id), "reason": .string(why)])
        case .removed(let id):
            logger.info("removed", metadata: ["queue_id": .string(id)])
        case .recovered(let n, let bad):
            logger.info("queue recovered", metadata: ["messages": .stringConvertible(n), "quarantined": .string(bad.joined(separator: ","))])
            for name in bad { logger.error("queue file quarantined", metadata: ["file": .string(name)]) }
        case .spoolError(let id, let error):
            logger.error("queue spool error", metadata: ["queue_id": .string(id), "error": .string(error)])
        }
    }
}
