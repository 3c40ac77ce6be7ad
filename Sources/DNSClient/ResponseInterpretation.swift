// How a stub resolver reads a response: RCODE, CNAME chains inside the answer section
// (RFC 1034 §3.6.2, RFC 2181 §10.1), negative answers and their TTL (RFC 2308 §2, §5), and
// the RCODE of a chained answer belonging to its last name (RFC 6604 §3). Pure: the
// network and the cache are the caller's.

/// What one response says about one question.
public enum ResponseOutcome: Hashable, Sendable {
    /// Records of the asked type at the end of `aliases`, the CNAMEs followed inside the
    /// response.
    case records([ResourceRecord], aliases: [ResourceRecord], authenticated: Bool)
    /// The answer ends at an alias whose target the response does not speak for: ask again
    /// for `target`.
    case alias(target: DNSName, aliases: [ResourceRecord], authenticated: Bool)
    /// `negativeTTL` is nil when the response has no SOA (RFC 2308 §5: do not cache it).
    case nxdomain(aliases: [ResourceRecord], negativeTTL: UInt32?, authenticated: Bool)
    case nodata(aliases: [ResourceRecord], negativeTTL: UInt32?, authenticated: Bool)
    case failure(DNSFailure)
}

extension DNSMessage {
    /// Reads this response as the answer to `question`. `trustAuthenticatedData` says
    /// whether the AD bit may be believed (RFC 6698 §4.1, RFC 4035 §4.9.3: only from a
    /// resolver reached over a secure path).
    public func outcome(for question: DNSQuestion, maxAliases: Int, trustAuthenticatedData: Bool) -> ResponseOutcome {
        switch responseCode {
        case .noError, .nameError: break
        case .serverFailure: return .failure(.serverFailure)
        case .refused: return .failure(.refused)
        case .formatError: return .failure(.formatError)
        case .notImplemented: return .failure(.notImplemented)
        default: return .failure(.unexpectedResponseCode(responseCode.rawValue))
        }
        let authenticated = trustAuthenticatedData && authenticatedData
        var current = question.name
        var aliases: [ResourceRecord] = []
        if question.type != .cname && question.type != .any {
            var seen: Set<DNSName> = [current]
            while let alias = answers.first(where: { $0.name == current && $0.type == .cname }),
                  case .cname(let target) = alias.data {
                aliases.append(alias)
                guard aliases.count <= maxAliases, seen.insert(target).inserted else {
                    return .failure(.cnameChainTooLong)
                }
                current = target
            }
        }
        let records = answers.filter { $0.name == current && (question.type == .any || $0.type == question.type) }
        if !records.isEmpty {
            return .records(records, aliases: aliases, authenticated: authenticated)
        }
        // RFC 2308 §5: the negative TTL is the smaller of the SOA's own TTL and its MINIMUM.
        let soa = authorities.lazy.compactMap { record -> UInt32? in
            guard case .soa(let soa) = record.data else { return nil }
            return min(record.ttl, soa.minimum)
        }.first
        if responseCode == .nameError {
            return .nxdomain(aliases: aliases, negativeTTL: soa, authenticated: authenticated)
        }
        if !aliases.isEmpty && soa == nil {
            return .alias(target: current, aliases: aliases, authenticated: authenticated)
        }
        // RFC 2308 §2.2: NS without SOA in an empty answer is a referral; a recursive
        // resolver never gives one, so the nameserver is not one (a "lame" answer).
        if soa == nil && !recursionAvailable && authorities.contains(where: { $0.type == .ns }) {
            return .failure(.lameReferral)
        }
        return .nodata(aliases: aliases, negativeTTL: soa, authenticated: authenticated)
    }
}

/// A lookup's result with how long it may be cached (nil: not at all).
public struct LookupOutcome: Sendable {
    public var result: DNSResult<[ResourceRecord]>
    public var cacheTTL: UInt32?

    public init(result: DNSResult<[ResourceRecord]>, cacheTTL: UInt32?) {
        self.result = result
        self.cacheTTL = cacheTTL
    }
}

/// The resolution procedure of a stub resolver, with the exchange of one question for one
/// response injected: StubResolver passes the network, TestSupport's FakeResolver an
/// in-memory zone. Follows CNAMEs across responses up to `maxCNAMEChain` aliases in all.
public enum LookupProcedure {
    /// RFC 1034 §3.6.2 asks resolvers to bound chains; BIND and Unbound stop after 8-16.
    public static let defaultMaxCNAMEChain = 8

    public static func run(
        name: DNSName, type: RecordType, maxCNAMEChain: Int = defaultMaxCNAMEChain,
        trustAuthenticatedData: Bool,
        exchange: (DNSQuestion) async -> Result<DNSMessage, DNSFailure>
    ) async -> LookupOutcome {
        var current = name
        var chain: [ResourceRecord] = []
        var seen: Set<DNSName> = [name]
        var authenticated = true
        func ttl(_ records: [ResourceRecord], _ extra: UInt32? = nil) -> UInt32? {
            let all = records.map(\.ttl) + chain.map(\.ttl) + (extra.map { [$0] } ?? [])
            return all.min()
        }
        // One more exchange than aliases: the last one answers for the final target.
        for _ in 0...maxCNAMEChain {
            let question = DNSQuestion(name: current, type: type)
            let response: DNSMessage
            switch await exchange(question) {
            case .failure(let failure):
                return LookupOutcome(result: .temporaryFailure(failure), cacheTTL: nil)
            case .success(let message):
                response = message
            }
            let outcome = response.outcome(for: question, maxAliases: maxCNAMEChain - chain.count,
                                           trustAuthenticatedData: trustAuthenticatedData)
            switch outcome {
            case .records(let records, let aliases, let auth):
                chain += aliases
                authenticated = authenticated && auth
                return LookupOutcome(result: .found(records, authenticated: authenticated), cacheTTL: ttl(records))
            case .alias(let target, let aliases, let auth):
                chain += aliases
                authenticated = authenticated && auth
                for alias in aliases {
                    if case .cname(let next) = alias.data { seen.insert(next) }
                }
                // Each response's own aliases are bounded by maxAliases; a target seen
                // before across responses is a loop.
                guard seen.count == chain.count + 1 else {
                    return LookupOutcome(result: .temporaryFailure(.cnameChainTooLong), cacheTTL: nil)
                }
                current = target
            case .nxdomain(let aliases, let negativeTTL, _):
                chain += aliases
                return LookupOutcome(result: .nxdomain, cacheTTL: negativeTTL.flatMap { ttl([], $0) })
            case .nodata(let aliases, let negativeTTL, _):
                chain += aliases
                return LookupOutcome(result: .nodata, cacheTTL: negativeTTL.flatMap { ttl([], $0) })
            case .failure(let failure):
                return LookupOutcome(result: .temporaryFailure(failure), cacheTTL: nil)
            }
        }
        return LookupOutcome(result: .temporaryFailure(.cnameChainTooLong), cacheTTL: nil)
    }
}
