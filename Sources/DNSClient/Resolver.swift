// The interface every module that needs DNS takes as a parameter, and the typed lookups
// built on its one primitive. StubResolver implements it over the network; TestSupport's
// FakeResolver over an in-memory zone.

public import MailCore

/// Answers one question at a time.
public protocol Resolver: Sendable {
    /// One question, CNAME chains followed (bounded); the records of the asked type, owned
    /// by the last name of the chain.
    func lookup(_ name: DNSName, _ type: RecordType) async -> DNSResult<[ResourceRecord]>
}

/// Bounds of the derived lookups.
public enum ResolverLimits {
    /// PTR names checked for forward confirmation: RFC 7208 §4.6.4 and §5.5 stop after 10,
    /// and Postfix checks as many.
    public static let maxPTRNamesConfirmed = 10
}

extension Resolver {
    /// MX records sorted by preference (RFC 5321 §5.1); equal preferences keep the order the
    /// server gave, which is for the caller to shuffle. A null MX (RFC 7505) is returned as
    /// it is: check `isNull`.
    public func mx(_ domain: Domain) async -> DNSResult<[MXRecord]> {
        await lookup(DNSName(domain), .mx).map { records in
            records.compactMap { record -> MXRecord? in
                if case .mx(let mx) = record.data { return mx }
                return nil
            }
            .enumerated()
            .sorted { ($0.element.preference, $0.offset) < ($1.element.preference, $1.offset) }
            .map(\.element)
        }
    }

    public func ipv4(_ host: DNSName) async -> DNSResult<[IPAddress]> {
        await lookup(host, .a).map(Self.addresses(in:))
    }

    public func ipv6(_ host: DNSName) async -> DNSResult<[IPAddress]> {
        await lookup(host, .aaaa).map(Self.addresses(in:))
    }

    /// A and AAAA, asked together, IPv4 addresses first. Found if either has addresses;
    /// NXDOMAIN only if the name does not exist; a temporary failure if either lookup
    /// failed and nothing was found; else NODATA.
    public func addresses(_ host: DNSName) async -> DNSResult<[IPAddress]> {
        async let v4 = ipv4(host)
        async let v6 = ipv6(host)
        let (a, aaaa) = await (v4, v6)
        let found = (a.value ?? []) + (aaaa.value ?? [])
        if !found.isEmpty {
            let authenticated = (a.value == nil || a.isAuthenticated) && (aaaa.value == nil || aaaa.isAuthenticated)
            return .found(found, authenticated: authenticated)
        }
        if let failure = a.failure ?? aaaa.failure { return .temporaryFailure(failure) }
        if case .nxdomain = a { return .nxdomain }
        if case .nxdomain = aaaa { return .nxdomain }
        return .nodata
    }

    /// Each TXT record as one string, its character-strings joined without separator
    /// (RFC 7208 §3.3, RFC 6376 §3.6.2.2, RFC 7489 §6.6.3 read them so). Invalid UTF-8 is
    /// replaced with U+FFFD rather than dropping the record.
    public func txt(_ name: DNSName) async -> DNSResult<[String]> {
        await lookup(name, .txt).map { records in
            records.compactMap { record -> String? in
                guard case .txt(let strings) = record.data else { return nil }
                return String(decoding: strings.joined(), as: UTF8.self)
            }
        }
    }

    /// PTR names of an address (RFC 1035 §3.5, RFC 3596 §2.5). IPv4-mapped IPv6 addresses
    /// are looked up as the IPv4 address they stand for.
    public func ptr(_ ip: IPAddress) async -> DNSResult<[DNSName]> {
        await lookup(DNSName(reverseOf: ip.unmapped), .ptr).map { records in
            records.compactMap { record -> DNSName? in
                if case .ptr(let name) = record.data { return name }
                return nil
            }
        }
    }

    /// Forward-confirmed reverse DNS (RFC 8601 §3 "iprev", Postfix's
    /// `reject_unknown_client_hostname`): the PTR names of `ip` whose A (or AAAA) records
    /// include `ip`. Found with the confirmed names, in PTR order; NODATA when names exist
    /// but none resolves back; the PTR lookup's NXDOMAIN or NODATA as they are; a temporary
    /// failure when nothing was confirmed and a lookup failed. At most
    /// `ResolverLimits.maxPTRNamesConfirmed` names are checked.
    public func forwardConfirmedNames(_ ip: IPAddress) async -> DNSResult<[DNSName]> {
        let address = ip.unmapped
        let names: [DNSName]
        let ptrAuthenticated: Bool
        switch await ptr(address) {
        case .found(let found, let authenticated):
            names = Array(found.prefix(ResolverLimits.maxPTRNamesConfirmed))
            ptrAuthenticated = authenticated
        case .nxdomain: return .nxdomain
        case .nodata: return .nodata
        case .temporaryFailure(let failure): return .temporaryFailure(failure)
        }
        let forward = await withTaskGroup(of: (Int, DNSResult<[IPAddress]>).self) { group in
            for (index, name) in names.enumerated() {
                group.addTask {
                    (index, address.isIPv4 ? await self.ipv4(name) : await self.ipv6(name))
                }
            }
            var results = [DNSResult<[IPAddress]>](repeating: .nodata, count: names.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
        var confirmed: [DNSName] = []
        var authenticated = ptrAuthenticated
        var failure: DNSFailure?
        for (name, result) in zip(names, forward) {
            switch result {
            case .found(let addresses, let auth) where addresses.contains(address):
                confirmed.append(name)
                authenticated = authenticated && auth
            case .temporaryFailure(let error):
                failure = failure ?? error
            default:
                break
            }
        }
        if !confirmed.isEmpty { return .found(confirmed, authenticated: authenticated) }
        if let failure { return .temporaryFailure(failure) }
        return .nodata
    }

    private static func addresses(in records: [ResourceRecord]) -> [IPAddress] {
        records.compactMap { record -> IPAddress? in
            switch record.data {
            case .a(let ip), .aaaa(let ip): ip
            default: nil
            }
        }
    }
}
