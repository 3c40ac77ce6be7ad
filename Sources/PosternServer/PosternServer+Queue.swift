// Wiring of the outgoing queue: the spool in `<data_dir>/queue`, the SRS key, delivery
// into the store for local recipients, the relay from `[relay]`, and the hook that lets
// SRS bounce addresses through the inbound policy.

import Accounts
import Config
import DNSClient
import Foundation
import Logging
import MailCore
import NIOCore
public import Queue
public import SMTPClient
import SMTPProtocol
import SMTPServer
import Store

/// Test and tuning knobs for outbound delivery that are not configuration keys.
public struct DeliveryOptions: Sendable {
    /// The SMTP port of MX hosts (25); tests point it at a loopback sink.
    public var remotePort = 25
    /// Refuse every non-loopback address, whatever DNS says (tests).
    public var loopbackOnly = false
    /// The queue's clock; tests pass a manual one and never wait for retries.
    public var clock: (any QueueClock)?
    public var timeouts = SMTPClientTimeouts()
    public init() {}
}

/// The queue and what the rest of the server needs from it.
struct QueueComponents {
    let queue: MailQueue
    let srs: SRS
}

extension ServerComponents {
    /// Builds the queue and reads the spool back (before any listener accepts mail).
    static func makeQueue(config: PosternConfig, store: MailStore, directory: AccountDirectory, resolver: any DNSClient.Resolver,
                          group: any EventLoopGroup, options: DeliveryOptions, logger: Logger) async throws -> QueueComponents {
        let spool = try QueueSpool(directory: config.dataDirectory + "/queue")
        let srs = SRS(key: try SRS.loadOrCreateKey(path: config.dataDirectory + "/srs.key"))
        var queueConfig = QueueConfiguration(hostname: config.hostname)
        queueConfig.lifetime = seconds(config.queue.maxLifetime)
        queueConfig.delayWarning = seconds(config.queue.delayWarning)
        queueConfig.retry = RetrySchedule(minimum: seconds(config.queue.minimumBackoff), maximum: seconds(config.queue.maximumBackoff))
        queueConfig.concurrencyPerDestination = config.queue.concurrencyPerDestination
        var delivery = DeliveryConfiguration(hostname: config.hostname)
        delivery.remotePort = options.remotePort
        delivery.loopbackOnly = options.loopbackOnly
        delivery.timeouts = options.timeouts
        if let relay = config.relay {
            delivery.relay = RelaySettings(host: relay.host, port: relay.port, implicitTLS: relay.tls == .implicit, username: relay.username,
                                           passwordFile: relay.passwordFile, extraTrustAnchors: relay.caCertificate.map { [$0] } ?? [])
        }
        let queue = MailQueue(spool: spool, configuration: queueConfig, delivery: delivery, resolver: resolver, group: group,
                              local: StoreLocalDelivery(store: store, directory: directory), srs: srs,
                              clock: options.clock ?? SystemQueueClock(), logger: logger)
        try await queue.recover()
        return QueueComponents(queue: queue, srs: srs)
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        TimeInterval(d.components.seconds) + TimeInterval(d.components.attoseconds) / 1e18
    }
}

extension MailQueue: OutboundQueue {}

/// Local recipients of queued mail (DSNs to our users, local copies whose inline delivery
/// failed): into the store, as MailIngest writes them (Return-Path, LF line ends).
struct StoreLocalDelivery: LocalDelivery {
    let store: MailStore
    let directory: AccountDirectory

    func route(_ address: EmailAddress) async -> LocalRoute {
        guard let resolved = try? directory.resolve(address) else { return .unknown }
        switch resolved {
        case .success(let r): return .hosted(mailboxes: r.mailboxes, forwards: r.forwards)
        case .failure(.notHosted): return .notHosted
        case .failure: return .unknown
        }
    }

    func deliver(_ content: [UInt8], envelope: QueueEnvelope, to mailboxes: [EmailAddress]) async -> [DeliveryVerdict] {
        // An account removed since the message was queued: 5.1.1, as Postfix's local(8).
        var verdicts = [DeliveryVerdict?](repeating: nil, count: mailboxes.count)
        var targets: [Int] = []
        for (k, m) in mailboxes.enumerated() {
            if (try? directory.userExists(m)) == false {
                verdicts[k] = .bounced(SMTPReply(550, EnhancedStatus(5, 1, 1), "<\(m)>: mailbox unavailable"))
            } else {
                targets.append(k)
            }
        }
        if !targets.isEmpty {
            // RFC 5321 §4.4: the final delivery adds Return-Path.
            var bytes = Array("Return-Path: \(envelope.reversePath)\n".utf8)
            bytes.reserveCapacity(bytes.count + content.count)
            MailIngest.appendUnixLineEndings(content, to: &bytes)
            let verdict: DeliveryVerdict
            do {
                try await store.deliver(bytes, to: targets.map { DeliveryTarget(account: mailboxes[$0]) })
                verdict = .delivered(SMTPReply(250, EnhancedStatus(2, 0, 0), "delivered to maildir"))
            } catch {
                switch error {
                case .diskFull(let why): verdict = .deferred(SMTPReply(452, EnhancedStatus(4, 3, 1), "insufficient storage: \(why)"))
                case .failed(let why): verdict = .deferred(SMTPReply(451, EnhancedStatus(4, 3, 0), "local delivery failed: \(why)"))
                case .tooLarge: verdict = .bounced(SMTPReply(552, EnhancedStatus(5, 3, 4), "message too large for the mailbox"))
                case .invalidTarget(let why): verdict = .bounced(SMTPReply(550, EnhancedStatus(5, 1, 1), "mailbox unavailable: \(why)"))
                }
            }
            for k in targets { verdicts[k] = verdict }
        }
        return verdicts.map { $0 ?? .deferred(SMTPReply(451, EnhancedStatus(4, 3, 0), "not delivered")) }
    }
}

/// SRS bounce addresses for the inbound policy: a valid SRS0/SRS1 local part at a hosted
/// domain leads to the original sender; an invalid or expired one is refused with 550.
struct SRSRecipientRewriter: RecipientRewriter {
    let srs: SRS
    let clock: any QueueClock

    func rewrite(_ recipient: EmailAddress) -> Result<EmailAddress, SMTPReply>? {
        guard SRS.isSRS(recipient.localPart) else { return nil }
        switch srs.reverse(recipient, now: clock.now()) {
        case .success(let original): return .success(original)
        case .failure(let why):
            return .failure(SMTPReply(550, EnhancedStatus(5, 1, 1), "<\(recipient)>: Recipient address rejected: \(why)"))
        }
    }
}
