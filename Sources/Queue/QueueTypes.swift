// Queue: Postern's durable outgoing queue (DESIGN.md "Queue"), in the spirit of Postfix's
// queue manager. A message enters once, through `MailQueue.enqueue`, and is on disk (file
// and directory fsynced) before the caller answers 250. It is then delivered per
// recipient: local recipients into the store (through the injected `LocalDelivery`),
// remote ones through the relay or the recipients' MX hosts (SMTPClient). Temporary
// failures are retried with exponential backoff per message and a pause per destination;
// permanent failures and expiry produce a failure DSN (RFC 3464) to the sender, never to
// the null sender; a delay DSN goes out once after `delayWarning`.
//
// Trust boundary: spool files are read back at start-up and by `postern queue`, so they
// are parsed as untrusted input (SpoolFormat, Journal: bounded, total, typed errors); a file
// that does not parse, has no end marker or fails its checksum moves to `queue/corrupt/`.
// Remote servers' replies are SMTPClient's to parse. The one way in is `enqueue`; the one
// way out to the store is `LocalDelivery`.

public import Foundation
public import MailCore
public import SMTPProtocol

/// How a recipient is reached.
public enum Transport: String, Sendable, Hashable, CaseIterable {
    /// A mailbox hosted here: into the store.
    case local
    /// Anywhere else: the relay, or the domain's MX hosts.
    case remote
}

/// One recipient of a queued message, with its DSN parameters (RFC 3461 §4).
public struct QueueRecipient: Sendable, Hashable {
    public var address: EmailAddress
    public var transport: Transport
    /// RFC 3461 §4.1 NOTIFY; nil when the client gave none (failure and delay DSNs then).
    public var notify: DSNNotify?
    /// RFC 3461 §4.2 ORCPT as `type;address`, already xtext-decoded.
    public var originalRecipient: String?

    public init(address: EmailAddress, transport: Transport, notify: DSNNotify? = nil, originalRecipient: String? = nil) {
        self.address = address
        self.transport = transport
        self.notify = notify
        self.originalRecipient = originalRecipient
    }

    /// RFC 3461 §4.1: without NOTIFY the MTA reports failures (and may report delays).
    var wantsFailureNotice: Bool { notify.map { $0.failure } ?? true }
    var wantsDelayNotice: Bool { notify.map { $0.delay } ?? true }
}

/// Everything about a queued message except its content.
public struct QueueEnvelope: Sendable, Hashable {
    public var id: String
    /// When the message was queued (whole seconds); the lifetime counts from here.
    public var arrival: Date
    public var reversePath: ReversePath
    /// BODY, SMTPUTF8, RET, ENVID as received.
    public var parameters: MailParameters
    public var recipients: [QueueRecipient]
    /// The content has octets above 127 (decides BODY=8BITMIME and RFC 6152 §3 handling).
    public var eightBit: Bool

    public init(id: String, arrival: Date, reversePath: ReversePath, parameters: MailParameters, recipients: [QueueRecipient], eightBit: Bool) {
        self.id = id
        self.arrival = Date(timeIntervalSince1970: arrival.timeIntervalSince1970.rounded(.down))
        self.reversePath = reversePath
        self.parameters = parameters
        self.recipients = recipients
        self.eightBit = eightBit
    }
}

/// What the queue did or knows about one recipient.
public enum RecipientState: String, Sendable, Hashable {
    case pending
    case delivered
    case bounced
}

/// A recipient's history, rebuilt from the journal.
public struct RecipientProgress: Sendable, Hashable {
    public var state: RecipientState = .pending
    /// Deferred attempts so far.
    public var deferrals = 0
    public var lastAttempt: Date?
    /// The last reply (remote, or one we made up for a connection failure).
    public var lastReply: SMTPReply?
    /// `host[address]:port`, or `local`.
    public var lastRelay: String?
    /// Its failure was reported to the sender (or needs no report).
    public var notified = false

    public init() {}
}

/// Queue ids: Postfix-style long ids, a time-based prefix and a random tail, in the
/// alphabet [0-9A-Z] so they are safe file names and sort by arrival. DSNs get the
/// original's id with a suffix (`.B` failure, `.W` delay warning), which makes enqueueing
/// a DSN twice after a crash a no-op.
public enum QueueID {
    public static let maxLength = 64

    public static func make(now: Date = Date()) -> String {
        var rng = SystemRandomNumberGenerator()
        let micros = UInt64(max(0, now.timeIntervalSince1970) * 1_000_000)
        return String(micros, radix: 36, uppercase: true) + String(rng.next() & 0xFFFFFF, radix: 36, uppercase: true)
    }

    /// Letters, digits and `.`/`-`, not starting with a dot, bounded: anything else could
    /// name a path outside the spool.
    public static func isValid(_ id: some StringProtocol) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maxLength, id.first != "." else { return false }
        return id.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
        }
    }
}
