// Resource record types (RFC 1035 §3.2.2 and the IANA "Resource Record (RR) TYPEs"
// registry). Unknown types keep their number and print as `TYPE123` (RFC 3597 §5).

/// A record type. Equality and hashing go by the type number, so `.other(15) == .mx`, and
/// `init(code:)` always gives the named case.
public enum RecordType: Hashable, Sendable, CustomStringConvertible {
    case a, ns, cname, soa, ptr, mx, txt, aaaa, srv, opt, ds, rrsig, nsec, dnskey, tlsa, svcb, https, caa
    /// QTYPE `*` (RFC 1035 §3.2.3), for queries only.
    case any
    case other(UInt16)

    private static let named: [RecordType] = [
        .a, .ns, .cname, .soa, .ptr, .mx, .txt, .aaaa, .srv, .opt, .ds, .rrsig, .nsec, .dnskey,
        .tlsa, .svcb, .https, .caa, .any,
    ]

    public init(code: UInt16) {
        self = RecordType.named.first { $0.code == code } ?? .other(code)
    }

    /// `MX`, `mx`, `TYPE15`: the mnemonics of master files and dig, case-insensitive.
    public init?(mnemonic: String) {
        let upper = mnemonic.uppercased()
        if let type = RecordType.named.first(where: { $0.mnemonic == upper }) {
            self = type
            return
        }
        // RFC 3597 §5: TYPEnnn for any type.
        guard upper.hasPrefix("TYPE"), let number = UInt16(upper.dropFirst(4)) else { return nil }
        self.init(code: number)
    }

    public var code: UInt16 {
        switch self {
        case .a: 1
        case .ns: 2
        case .cname: 5
        case .soa: 6
        case .ptr: 12
        case .mx: 15
        case .txt: 16
        case .aaaa: 28
        case .srv: 33
        case .opt: 41
        case .ds: 43
        case .rrsig: 46
        case .nsec: 47
        case .dnskey: 48
        case .tlsa: 52
        case .svcb: 64
        case .https: 65
        case .any: 255
        case .caa: 257
        case .other(let number): number
        }
    }

    public var mnemonic: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .cname: "CNAME"
        case .soa: "SOA"
        case .ptr: "PTR"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .srv: "SRV"
        case .opt: "OPT"
        case .ds: "DS"
        case .rrsig: "RRSIG"
        case .nsec: "NSEC"
        case .dnskey: "DNSKEY"
        case .tlsa: "TLSA"
        case .svcb: "SVCB"
        case .https: "HTTPS"
        case .any: "ANY"
        case .caa: "CAA"
        case .other(let number): RecordType(code: number).isOther ? "TYPE\(number)" : RecordType(code: number).mnemonic
        }
    }

    private var isOther: Bool { if case .other = self { true } else { false } }

    public var description: String { mnemonic }

    public static func == (a: RecordType, b: RecordType) -> Bool { a.code == b.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// DNS classes (RFC 1035 §3.2.4). Mail only uses IN.
public enum RecordClass {
    public static let internet: UInt16 = 1
}
