// What can go wrong in a session, with the stage it happened in, so the log line and the
// DSN can say "lost connection with mx.example.org[192.0.2.1] while sending RCPT TO".

public import SMTPProtocol

public enum SMTPClientError: Error, Sendable, CustomStringConvertible {
    /// TCP connect failed (refused, unreachable, connect timeout).
    case connectFailed(String)
    /// No reply (or write progress) within the stage's timeout.
    case timeout(stage: String)
    /// The server closed the connection.
    case connectionClosed(stage: String)
    /// The server's bytes could not be read as replies, or plaintext crossed STARTTLS.
    case protocolViolation(String)
    /// The TLS handshake failed (or verification of a required certificate did).
    case tls(String)
    /// A reply that ends the session's usefulness: a non-220 greeting, a refused EHLO and
    /// HELO, STARTTLS refused when TLS is required, 421 anywhere.
    case rejected(stage: String, SMTPReply)
    /// AUTH was refused.
    case authenticationFailed(SMTPReply)
    /// AUTH is configured but the server offers no mechanism we speak.
    case noAuthenticationMechanism([String])

    public var description: String {
        switch self {
        case .connectFailed(let why): why
        case .timeout(let stage): "conversation timed out while \(stage)"
        case .connectionClosed(let stage): "lost connection while \(stage)"
        case .protocolViolation(let why): "protocol error: \(why)"
        case .tls(let why): "TLS failed: \(why)"
        case .rejected(let stage, let reply): "server refused \(stage): \(reply.oneLine)"
        case .authenticationFailed(let reply): "authentication failed: \(reply.oneLine)"
        case .noAuthenticationMechanism(let offered): "no common SASL mechanism (offered: \(offered.joined(separator: " ")))"
        }
    }

    /// The reply to report when the error came with one.
    public var reply: SMTPReply? {
        switch self {
        case .rejected(_, let r), .authenticationFailed(let r): r
        default: nil
        }
    }
}
