// What a lookup tells a caller, in the distinctions mail standards draw: an answer, a name
// that does not exist (NXDOMAIN), a name without records of the asked type (NODATA,
// RFC 2308 §2.2), or a failure that may go away (SERVFAIL, timeout, network). SPF maps the
// last to temperror and the others to their own results (RFC 7208 §5); SMTP maps it to 4xx.

/// Why a lookup could not be answered. Every case is temporary from the caller's point of
/// view: asking again later may succeed.
public enum DNSFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// SERVFAIL (RFC 1035 §4.1.1), e.g. a DNSSEC validation failure upstream.
    case serverFailure
    /// REFUSED.
    case refused
    /// NOTIMP.
    case notImplemented
    /// FORMERR: the server could not parse our query.
    case formatError
    /// Another RCODE we do not act on.
    case unexpectedResponseCode(UInt16)
    /// No acceptable answer within the timeout, on every attempt and nameserver.
    case timeout
    /// Sockets failed (unreachable, refused connection, ...).
    case network(String)
    /// The answer could not be decoded or did not answer the question.
    case malformedResponse(String)
    /// The nameserver answered with a referral: it is not a recursive resolver.
    case lameReferral
    /// A CNAME chain longer than the configured bound, or a loop (RFC 1034 §3.6.2).
    case cnameChainTooLong
    /// The configuration names no nameserver.
    case noNameservers
    /// The calling task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .serverFailure: "server failure (SERVFAIL)"
        case .refused: "query refused (REFUSED)"
        case .notImplemented: "query not implemented (NOTIMP)"
        case .formatError: "server could not parse the query (FORMERR)"
        case .unexpectedResponseCode(let code): "unexpected response code \(ResponseCode(rawValue: code))"
        case .timeout: "timed out"
        case .network(let reason): "network error: \(reason)"
        case .malformedResponse(let reason): "malformed response: \(reason)"
        case .lameReferral: "referral from a non-recursive nameserver"
        case .cnameChainTooLong: "CNAME chain too long or looping"
        case .noNameservers: "no nameserver configured"
        case .cancelled: "cancelled"
        }
    }
}

/// The outcome of one lookup.
public enum DNSResult<Value: Sendable>: Sendable {
    /// Records (or values derived from them). `authenticated` is the AD bit from a
    /// resolver we trust (RFC 4035 §3.2.3, RFC 6698 §4 for why DANE needs it).
    case found(Value, authenticated: Bool)
    /// The name does not exist (RFC 1035 §4.1.1 RCODE 3; after a CNAME chain, the last
    /// name of the chain, RFC 6604 §3).
    case nxdomain
    /// The name exists but has no records of the type asked (RFC 2308 §2.2).
    case nodata
    case temporaryFailure(DNSFailure)

    public func map<T: Sendable>(_ transform: (Value) throws -> T) rethrows -> DNSResult<T> {
        switch self {
        case .found(let value, let authenticated): .found(try transform(value), authenticated: authenticated)
        case .nxdomain: .nxdomain
        case .nodata: .nodata
        case .temporaryFailure(let failure): .temporaryFailure(failure)
        }
    }

    /// The value when found, else nil.
    public var value: Value? {
        if case .found(let value, _) = self { return value }
        return nil
    }

    public var isTemporaryFailure: Bool {
        if case .temporaryFailure = self { return true }
        return false
    }

    /// NXDOMAIN or NODATA: a definite "nothing there", as opposed to a failure.
    public var isNotFound: Bool {
        switch self {
        case .nxdomain, .nodata: true
        default: false
        }
    }

    public var isAuthenticated: Bool {
        if case .found(_, true) = self { return true }
        return false
    }

    public var failure: DNSFailure? {
        if case .temporaryFailure(let failure) = self { return failure }
        return nil
    }
}

extension DNSResult: Equatable where Value: Equatable {}
extension DNSResult: Hashable where Value: Hashable {}
