// The data behind TestDNSServer and FakeResolver, loaded declaratively by tests (in the
// spirit of mox's dns/mock.go): records of any type, names that answer NXDOMAIN, SERVFAIL
// or REFUSED, names that never answer or answer late, and forged replies. The responses
// are those of an authoritative server that also offers recursion: CNAMEs followed inside
// the data, SOA in the authority section of negative answers (RFC 2308 §3).

public import DNSClient
import MailCore

/// Everything a test DNS world holds. Names that have no records and no records below them
/// do not exist (NXDOMAIN); names with records, or with records below them (empty
/// non-terminals, RFC 8020), answer NODATA for other types.
public struct TestDNSZone: Sendable {
    /// What happens to a question, beyond its records.
    public enum Behaviour: Hashable, Sendable {
        /// RCODE SERVFAIL.
        case serverFailure
        /// RCODE REFUSED.
        case refused
        /// RCODE NXDOMAIN even if the name has records.
        case nxdomain
        /// No answer at all: the client times out. FakeResolver returns `.timeout` at once.
        case drop
        /// The answer comes after this long. FakeResolver sleeps as long.
        case delay(Duration)
        /// TestDNSServer over UDP only: before the real answer, forged replies arrive from
        /// another port, with a wrong ID, for another question, and as garbage. A client
        /// must ignore them all (RFC 5452 §9.1).
        case spoofFirst
        /// TestDNSServer over UDP only: TC=1 whatever the size, so the client asks over TCP.
        case truncate
        /// FORMERR without an OPT record to queries that carry one, as servers that predate
        /// EDNS answer (RFC 6891 §7).
        case rejectEDNS
    }

    /// Records by owner name, in the order added.
    public private(set) var records: [DNSName: [ResourceRecord]] = [:]
    /// Behaviours by name, for one type or (key type nil) every type.
    public private(set) var behaviours: [BehaviourKey: [Behaviour]] = [:]
    /// Sets AD on every answer.
    public var allAuthenticated = false
    /// Names whose answers carry AD, when not `allAuthenticated`.
    public var authenticatedNames: Set<DNSName> = []
    /// Whether answers follow CNAMEs inside the data. When false, a CNAME answer stops at
    /// the alias, as an authoritative server's does for a target in another zone, and the
    /// client must ask again for the target.
    public var followsCNAMEs = true
    /// TTL and MINIMUM of the SOA given with negative answers.
    public var negativeTTL: UInt32 = 300

    public struct BehaviourKey: Hashable, Sendable {
        public var name: DNSName
        public var type: RecordType?
    }

    public init() {}

    // MARK: - Loading

    /// Adds one record of any type.
    public mutating func add(_ name: String, _ data: RecordData, ttl: UInt32 = 300) throws(DNSNameError) {
        add(try DNSName(name), data, ttl: ttl)
    }

    public mutating func add(_ name: DNSName, _ data: RecordData, ttl: UInt32 = 300) {
        records[name, default: []].append(ResourceRecord(name: name, ttl: ttl, data: data))
    }

    public mutating func a(_ name: String, _ addresses: String..., ttl: UInt32 = 300) throws(TestDNSZoneError) {
        for text in addresses {
            guard let ip = IPAddress(text), ip.isIPv4 else { throw .invalidAddress(text) }
            try wrap { () throws(DNSNameError) in try add(name, .a(ip), ttl: ttl) }
        }
    }

    public mutating func aaaa(_ name: String, _ addresses: String..., ttl: UInt32 = 300) throws(TestDNSZoneError) {
        for text in addresses {
            guard let ip = IPAddress(text), !ip.isIPv4 else { throw .invalidAddress(text) }
            try wrap { () throws(DNSNameError) in try add(name, .aaaa(ip), ttl: ttl) }
        }
    }

    /// MX records as (preference, exchange).
    public mutating func mx(_ domain: String, _ exchanges: (UInt16, String)..., ttl: UInt32 = 300) throws(TestDNSZoneError) {
        for (preference, exchange) in exchanges {
            try wrap { () throws(DNSNameError) in
                try add(domain, .mx(MXRecord(preference: preference, exchange: try DNSName(exchange))), ttl: ttl)
            }
        }
    }

    /// RFC 7505 null MX: `0 .`.
    public mutating func nullMX(_ domain: String, ttl: UInt32 = 300) throws(TestDNSZoneError) {
        try wrap { () throws(DNSNameError) in try add(domain, .mx(MXRecord(preference: 0, exchange: .root)), ttl: ttl) }
    }

    /// One TXT record per text, each split into 255-octet character-strings.
    public mutating func txt(_ name: String, _ texts: String..., ttl: UInt32 = 300) throws(TestDNSZoneError) {
        for text in texts {
            try wrap { () throws(DNSNameError) in try add(name, .txt(text: text), ttl: ttl) }
        }
    }

    /// One TXT record made of exactly these character-strings.
    public mutating func txt(_ name: String, strings: [String], ttl: UInt32 = 300) throws(TestDNSZoneError) {
        let raw = strings.map { Array($0.utf8) }
        guard raw.allSatisfy({ $0.count <= DNSWire.maxCharacterStringLength }) else { throw .characterStringTooLong }
        try wrap { () throws(DNSNameError) in try add(name, .txt(raw), ttl: ttl) }
    }

    public mutating func cname(_ name: String, _ target: String, ttl: UInt32 = 300) throws(TestDNSZoneError) {
        try wrap { () throws(DNSNameError) in try add(name, .cname(try DNSName(target)), ttl: ttl) }
    }

    /// PTR records for an address's reverse name.
    public mutating func ptr(_ address: String, _ names: String..., ttl: UInt32 = 300) throws(TestDNSZoneError) {
        guard let ip = IPAddress(address) else { throw .invalidAddress(address) }
        for name in names {
            try wrap { () throws(DNSNameError) in add(DNSName(reverseOf: ip), .ptr(try DNSName(name)), ttl: ttl) }
        }
    }

    public mutating func srv(_ name: String, priority: UInt16, weight: UInt16, port: UInt16, target: String,
                             ttl: UInt32 = 300) throws(TestDNSZoneError) {
        try wrap { () throws(DNSNameError) in
            try add(name, .srv(SRVRecord(priority: priority, weight: weight, port: port, target: try DNSName(target))),
                    ttl: ttl)
        }
    }

    public mutating func tlsa(_ name: String, _ record: TLSARecord, ttl: UInt32 = 300) throws(TestDNSZoneError) {
        try wrap { () throws(DNSNameError) in try add(name, .tlsa(record), ttl: ttl) }
    }

    /// An explicit SOA: negative answers under `name` use it instead of a made-up one.
    public mutating func soa(_ name: String, _ record: SOARecord, ttl: UInt32 = 300) throws(TestDNSZoneError) {
        try wrap { () throws(DNSNameError) in try add(name, .soa(record), ttl: ttl) }
    }

    /// `name` answers NXDOMAIN whatever its records.
    public mutating func nxdomain(_ name: String) throws(TestDNSZoneError) {
        try behave(name, type: nil, .nxdomain)
    }

    public mutating func serverFailure(_ name: String, type: RecordType? = nil) throws(TestDNSZoneError) {
        try behave(name, type: type, .serverFailure)
    }

    public mutating func refused(_ name: String, type: RecordType? = nil) throws(TestDNSZoneError) {
        try behave(name, type: type, .refused)
    }

    /// Questions for `name` are never answered.
    public mutating func timeout(_ name: String, type: RecordType? = nil) throws(TestDNSZoneError) {
        try behave(name, type: type, .drop)
    }

    public mutating func delay(_ name: String, by delay: Duration, type: RecordType? = nil) throws(TestDNSZoneError) {
        try behave(name, type: type, .delay(delay))
    }

    public mutating func behave(_ name: String, type: RecordType? = nil, _ behaviour: Behaviour) throws(TestDNSZoneError) {
        let owner = try wrap { () throws(DNSNameError) in try DNSName(name) }
        behaviours[BehaviourKey(name: owner, type: type), default: []].append(behaviour)
    }

    /// Removes every record and behaviour of `name`.
    public mutating func remove(_ name: String) throws(TestDNSZoneError) {
        let owner = try wrap { () throws(DNSNameError) in try DNSName(name) }
        records[owner] = nil
        behaviours = behaviours.filter { $0.key.name != owner }
    }

    private func wrap<T>(_ body: () throws(DNSNameError) -> T) throws(TestDNSZoneError) -> T {
        do {
            return try body()
        } catch {
            throw .invalidName(error)
        }
    }

    // MARK: - Answering

    /// The behaviours that apply to a question: those for its name and type, and those for
    /// its name and every type.
    public func behaviours(for question: DNSQuestion) -> [Behaviour] {
        (behaviours[BehaviourKey(name: question.name, type: question.type)] ?? [])
            + (behaviours[BehaviourKey(name: question.name, type: nil)] ?? [])
    }

    /// Whether the name has records, or records below it.
    public func exists(_ name: DNSName) -> Bool {
        if records[name]?.isEmpty == false { return true }
        return records.keys.contains { $0 != name && $0.isEqualOrSubdomain(of: name) }
    }

    /// Bound on CNAMEs followed inside the data, so a loop in test data ends.
    static let maxCNAMEsFollowed = 16

    /// The response to a query, as the server gives it before transport concerns (delay,
    /// truncation, dropping). Malformed questions get FORMERR.
    public func response(to query: DNSMessage) -> DNSMessage {
        var response = DNSMessage(
            id: query.id, isResponse: true, opcode: query.opcode, isAuthoritative: true,
            recursionDesired: query.recursionDesired, recursionAvailable: true,
            questions: query.questions,
            edns: query.edns.map { _ in EDNS(udpPayloadSize: EDNS.defaultPayloadSize) })
        guard query.opcode == 0 else {
            response.responseCode = .notImplemented
            return response
        }
        guard query.questions.count == 1, let question = query.questions.first,
              question.recordClass == RecordClass.internet, !query.isResponse else {
            response.responseCode = .formatError
            return response
        }
        let behaviours = behaviours(for: question)
        if behaviours.contains(.rejectEDNS) && query.edns != nil {
            response.responseCode = .formatError
            response.edns = nil
            return response
        }
        if behaviours.contains(.serverFailure) {
            response.responseCode = .serverFailure
            return response
        }
        if behaviours.contains(.refused) {
            response.responseCode = .refused
            return response
        }
        var current = question.name
        var chain: Set<DNSName> = [current]
        var authenticated = allAuthenticated || authenticatedNames.contains(current)
        var forcedNXDOMAIN = behaviours.contains(.nxdomain)
        if !forcedNXDOMAIN && question.type != .cname && question.type != .any {
            for _ in 0..<TestDNSZone.maxCNAMEsFollowed {
                guard let alias = records[current]?.first(where: { $0.type == .cname }),
                      case .cname(let target) = alias.data else { break }
                response.answers.append(alias)
                guard followsCNAMEs, chain.insert(target).inserted else { return finish(response, authenticated) }
                current = target
                authenticated = authenticated && (allAuthenticated || authenticatedNames.contains(current))
                if self.behaviours[BehaviourKey(name: current, type: nil)]?.contains(.nxdomain) == true {
                    forcedNXDOMAIN = true
                    break
                }
            }
        }
        let matching = forcedNXDOMAIN ? [] : (records[current] ?? []).filter {
            question.type == .any || $0.type == question.type
        }
        let stillAliased = question.type != .cname && question.type != .any
            && records[current]?.contains(where: { $0.type == .cname }) == true
        if !matching.isEmpty {
            response.answers += matching
        } else if stillAliased && !forcedNXDOMAIN {
            // More aliases than maxCNAMEsFollowed: give the chain so far, as servers do.
        } else {
            // RFC 2308 §3: the SOA of the zone in the authority section, its TTL the
            // negative TTL.
            response.responseCode = forcedNXDOMAIN || !exists(current) ? .nameError : .noError
            response.authorities = [negativeSOA(for: current)]
        }
        return finish(response, authenticated)
    }

    private func finish(_ response: DNSMessage, _ authenticated: Bool) -> DNSMessage {
        var response = response
        response.authenticatedData = authenticated && response.responseCode == .noError
        return response
    }

    /// The SOA of the closest enclosing name that has one in the data; otherwise one made
    /// up for the name's last two labels.
    func negativeSOA(for name: DNSName) -> ResourceRecord {
        var candidate: DNSName? = name
        while let owner = candidate {
            if let soa = records[owner]?.first(where: { $0.type == .soa }) { return soa }
            candidate = owner.parent
        }
        var apex = name
        while apex.labelCount > 2, let up = apex.parent { apex = up }
        let soa = SOARecord(primaryNameServer: (try? apex.prepending("ns")) ?? apex,
                            responsibleMailbox: (try? apex.prepending("hostmaster")) ?? apex,
                            serial: 1, refresh: 3600, retry: 600, expire: 86_400, minimum: negativeTTL)
        return ResourceRecord(name: apex, ttl: negativeTTL, data: .soa(soa))
    }
}

public enum TestDNSZoneError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidName(DNSNameError)
    case invalidAddress(String)
    case characterStringTooLong

    public var description: String {
        switch self {
        case .invalidName(let error): "invalid name in test zone: \(error)"
        case .invalidAddress(let text): "invalid address in test zone: \(text)"
        case .characterStringTooLong: "TXT character-string longer than 255 octets"
        }
    }
}
