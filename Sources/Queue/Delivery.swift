// What a delivery attempt produces, and the two ways out of the queue: the injected local
// delivery (the store) and remote SMTP (RemoteDelivery).

import Foundation
public import MailCore
public import SMTPProtocol
public import SMTPClient

/// The result for one recipient of one attempt.
public enum DeliveryVerdict: Sendable, Hashable {
    case delivered(SMTPReply)
    /// Try again later (4xx, connection or DNS trouble).
    case deferred(SMTPReply)
    /// Give up now (5xx, null MX, no such domain).
    case bounced(SMTPReply)

    public var reply: SMTPReply {
        switch self {
        case .delivered(let r), .deferred(let r), .bounced(let r): r
        }
    }

    /// From a server's reply: 2xx/3xx delivered, 4xx deferred, 5xx bounced.
    public init(_ reply: SMTPReply) {
        if reply.isPositive { self = .delivered(reply) } else if reply.isTransientFailure { self = .deferred(reply) } else { self = .bounced(reply) }
    }
}

/// Where a hosted address leads (for DSNs to our own users).
public enum LocalRoute: Sendable, Hashable {
    /// Not one of our domains: deliver remotely.
    case notHosted
    /// Our domain: these mailboxes, and these forwarding destinations.
    case hosted(mailboxes: [EmailAddress], forwards: [EmailAddress])
    /// Our domain, but nobody by that name.
    case unknown
}

/// Delivery into the store, provided by the composition (the queue does not know Maildir).
public protocol LocalDelivery: Sendable {
    /// Alias expansion of a hosted address.
    func route(_ address: EmailAddress) async -> LocalRoute
    /// Delivers `content` (as queued: CRLF line ends, our Received on top) to these
    /// mailboxes; one verdict per mailbox, in order.
    func deliver(_ content: [UInt8], envelope: QueueEnvelope, to mailboxes: [EmailAddress]) async -> [DeliveryVerdict]
}

/// The smarthost (`[relay]`).
public struct RelaySettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// TLS from the first byte (port 465, RFC 8314 §3.3) instead of STARTTLS.
    public var implicitTLS: Bool
    public var username: String?
    /// The password is read from this file at each connection (first line), never kept in
    /// the configuration or logged.
    public var passwordFile: String?
    /// Extra trust anchors (PEM) for the relay's certificate.
    public var extraTrustAnchors: [String]

    public init(host: String, port: Int, implicitTLS: Bool, username: String? = nil, passwordFile: String? = nil, extraTrustAnchors: [String] = []) {
        self.host = host
        self.port = port
        self.implicitTLS = implicitTLS
        self.username = username
        self.passwordFile = passwordFile
        self.extraTrustAnchors = extraTrustAnchors
    }
}

/// How remote delivery behaves.
public struct DeliveryConfiguration: Sendable {
    /// Our name: EHLO, loop detection, Reporting-MTA of DSNs.
    public var hostname: String
    /// Send everything remote through this smarthost; nil: to the recipients' MX hosts.
    public var relay: RelaySettings?
    /// The port of MX hosts: 25 in production (RFC 5321 §4.5.4.2 names no other); tests
    /// point it at a loopback sink. Not a configuration key.
    public var remotePort = 25
    /// Never connect outside 127.0.0.0/8 and ::1 (tests), whatever DNS says.
    public var loopbackOnly = false
    public var timeouts = SMTPClientTimeouts()
    public var limits = SMTPClientLimits()
    /// Addresses tried per attempt (Postfix smtp_mx_address_limit).
    public var maxAddresses = 5
    /// Sessions that reached the greeting, per attempt (Postfix smtp_mx_session_limit).
    public var maxSessions = 2

    public init(hostname: String) { self.hostname = hostname }
}
