// Postern's stub resolver (RFC 1123 §6.1.3.1): recursive queries to the configured
// nameservers over UDP with EDNS0, TCP when the answer is truncated, retries across
// servers, and a cache. The resolution rules themselves are in LookupProcedure.

public import NIOCore
import Synchronization

public final class StubResolver: Resolver {
    public let configuration: ResolverConfiguration
    private let group: any EventLoopGroup
    private let cache: DNSCache
    private let now: @Sendable () -> ContinuousClock.Instant
    private let counters = Mutex(Statistics())

    /// What the resolver did, for tests, benchmarks and metrics.
    public struct Statistics: Hashable, Sendable {
        public var lookups = 0
        public var cacheHits = 0
        public var udpQueries = 0
        public var tcpQueries = 0
    }

    /// `now` is the cache's clock; tests pass a manual one to expire entries without
    /// sleeping. Timeouts use real time.
    public init(configuration: ResolverConfiguration, eventLoopGroup: any EventLoopGroup,
                now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.cache = DNSCache(capacity: configuration.cacheCapacity)
        self.now = now
    }

    public var statistics: Statistics { counters.withLock { $0 } }

    /// Entries in the cache now.
    public var cachedQuestions: Int { cache.count }

    public func clearCache() { cache.removeAll() }

    public func lookup(_ name: DNSName, _ type: RecordType) async -> DNSResult<[ResourceRecord]> {
        let question = DNSQuestion(name: name, type: type)
        if let cached = cache.get(question, now: now()) {
            counters.withLock {
                $0.lookups += 1
                $0.cacheHits += 1
            }
            return cached
        }
        counters.withLock { $0.lookups += 1 }
        let outcome = await LookupProcedure.run(
            name: name, type: type, maxCNAMEChain: configuration.maxCNAMEChain,
            trustAuthenticatedData: configuration.trustAuthenticatedData
        ) { question in
            await self.exchange(question)
        }
        if let ttl = cacheTTL(for: outcome) {
            cache.put(question, outcome.result, ttl: ttl, now: now())
        }
        return outcome.result
    }

    private func cacheTTL(for outcome: LookupOutcome) -> UInt32? {
        switch outcome.result {
        case .found: outcome.cacheTTL.map { min($0, configuration.maxCacheTTL) }
        case .nxdomain, .nodata: outcome.cacheTTL.map { min($0, configuration.maxNegativeCacheTTL) }
        case .temporaryFailure(.serverFailure), .temporaryFailure(.refused): configuration.failureCacheTTL
        case .temporaryFailure: nil
        }
    }

    /// One question to the nameservers: each attempt goes through the list in order, as
    /// glibc's resolver does; SERVFAIL, REFUSED and NOTIMP move on to the next server.
    func exchange(_ question: DNSQuestion) async -> Result<DNSMessage, DNSFailure> {
        guard !configuration.nameservers.isEmpty else { return .failure(.noNameservers) }
        var lastFailure = DNSFailure.timeout
        for _ in 0..<configuration.attempts {
            for nameserver in configuration.nameservers {
                if Task.isCancelled { return .failure(.cancelled) }
                let result = await exchange(question, with: nameserver)
                switch result {
                case .success(let response):
                    switch response.responseCode {
                    case .serverFailure: lastFailure = .serverFailure
                    case .refused: lastFailure = .refused
                    case .notImplemented: lastFailure = .notImplemented
                    default: return .success(response)
                    }
                case .failure(.cancelled):
                    return .failure(.cancelled)
                case .failure(let failure):
                    lastFailure = failure
                }
            }
        }
        return .failure(lastFailure)
    }

    /// One question to one nameserver: UDP, then TCP if truncated (RFC 7766 §5), and once
    /// more without EDNS if the server says FORMERR to the OPT record (RFC 6891 §7).
    private func exchange(_ question: DNSQuestion, with nameserver: Nameserver) async -> Result<DNSMessage, DNSFailure> {
        let server: SocketAddress
        do {
            server = try SocketAddress(ipAddress: nameserver.address.description, port: nameserver.port)
        } catch {
            return .failure(.network("bad nameserver address \(nameserver): \(error)"))
        }
        var edns = configuration.ednsPayloadSize
        while true {
            var random = SystemRandomNumberGenerator()
            let query = DNSMessage.query(id: UInt16.random(in: .min ... .max, using: &random), question: question,
                                         ednsPayloadSize: edns,
                                         requestAuthenticatedData: configuration.trustAuthenticatedData)
            let bytes: [UInt8]
            do {
                bytes = try DNSWire.encode(query)
            } catch {
                return .failure(.malformedResponse("cannot encode the query: \(error)"))
            }
            counters.withLock { $0.udpQueries += 1 }
            let udp = await DNSTransport.udp(query: query, bytes: bytes, server: server,
                                             timeout: configuration.timeout, group: group)
            guard case .success(let response) = udp else { return udp }
            if response.isTruncated {
                counters.withLock { $0.tcpQueries += 1 }
                return await DNSTransport.tcp(query: query, bytes: bytes, server: server,
                                              timeout: configuration.timeout, group: group)
            }
            if response.responseCode == .formatError, response.edns == nil, edns != nil {
                edns = nil
                continue
            }
            return udp
        }
    }
}
