// IP addresses as plain values: parsing and canonical text (RFC 4291 §2.2, RFC 5952 §4),
// the reverse-lookup names (RFC 1035 §3.5, RFC 3596 §2.5) and prefix matching for SPF and
// ban lists. No sockets here: the services layer converts to and from NIO's SocketAddress.

/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    /// Sixteen bytes in network order, stored as two big-endian halves.
    case v6(UInt64, UInt64)

    /// Parses dotted-quad IPv4 (exactly four decimal parts, no leading zeros beyond "0")
    /// or RFC 4291 §2.2 IPv6 text, including `::` compression and an embedded IPv4 tail.
    /// A zone index (`%eth0`) is not accepted: mail never carries one.
    public init?(_ text: some StringProtocol) {
        let s = Substring(text)
        if s.contains(":") {
            guard let bytes = IPAddress.parseV6(s) else { return nil }
            self.init(bytes: bytes)
        } else {
            guard let v = IPAddress.parseV4(s) else { return nil }
            self = .v4(v)
        }
    }

    /// Builds an address from 4 or 16 network-order bytes.
    public init?(bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        switch b.count {
        case 4:
            self = .v4(b.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let hi = b[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let lo = b[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self = .v6(hi, lo)
        default:
            return nil
        }
    }

    public var isIPv4: Bool { if case .v4 = self { true } else { false } }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let v):
            return (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) }
        case .v6(let hi, let lo):
            return (0..<8).map { UInt8(truncatingIfNeeded: hi >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: lo >> (56 - 8 * $0)) }
        }
    }

    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) as the IPv4 address
    /// it stands for; every other address unchanged. Dual-stack sockets report IPv4 peers
    /// this way, and policy must treat them as IPv4.
    public var unmapped: IPAddress {
        if case .v6(0, let lo) = self, lo >> 32 == 0xFFFF {
            return .v4(UInt32(truncatingIfNeeded: lo))
        }
        return self
    }

    public var isLoopback: Bool {
        switch unmapped {
        case .v4(let v): return v >> 24 == 127
        case .v6(let hi, let lo): return hi == 0 && lo == 1
        }
    }

    /// RFC 5952 §4 text for IPv6 (lower case, longest run of two or more zero groups
    /// compressed, first one on a tie); dotted quad for IPv4.
    public var description: String {
        switch self {
        case .v4:
            return bytes.map(String.init).joined(separator: ".")
        case .v6:
            let b = bytes
            let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
            var bestStart = -1, bestLen = 0, i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8 && groups[j] == 0 { j += 1 }
                    if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                    i = j
                } else {
                    i += 1
                }
            }
            func hex(_ range: Range<Int>) -> String {
                range.map { String(groups[$0], radix: 16) }.joined(separator: ":")
            }
            if bestStart < 0 { return hex(0..<8) }
            return hex(0..<bestStart) + "::" + hex((bestStart + bestLen)..<8)
        }
    }

    /// The name whose PTR record names this address: `4.3.2.1.in-addr.arpa` or the
    /// nibble form under `ip6.arpa` (RFC 3596 §2.5).
    public var reverseLookupName: String {
        switch self {
        case .v4:
            return bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa"
        case .v6:
            var nibbles: [String] = []
            for byte in bytes.reversed() {
                nibbles.append(String(byte & 0x0F, radix: 16))
                nibbles.append(String(byte >> 4, radix: 16))
            }
            return nibbles.joined(separator: ".") + ".ip6.arpa"
        }
    }

    /// Whether the first `prefixLength` bits equal those of `network` (same family only).
    public func isIn(network: IPAddress, prefixLength: Int) -> Bool {
        switch (self, network) {
        case (.v4(let a), .v4(let n)):
            guard prefixLength > 0 else { return true }
            let bits = min(prefixLength, 32)
            let mask: UInt32 = bits == 32 ? .max : ~(UInt32.max >> UInt32(bits))
            return a & mask == n & mask
        case (.v6(let ah, let al), .v6(let nh, let nl)):
            func masked(_ v: UInt64, _ bits: Int) -> UInt64 {
                if bits <= 0 { return 0 }
                if bits >= 64 { return v }
                return v & ~(UInt64.max >> UInt64(bits))
            }
            let p = max(0, min(prefixLength, 128))
            return masked(ah, p) == masked(nh, p) && masked(al, p - 64) == masked(nl, p - 64)
        default:
            return false
        }
    }

    // MARK: parsing

    static func parseV4(_ s: Substring) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(part.count > 1 && part.first == "0"), let n = UInt32(part), n <= 255
            else { return nil }
            value = value << 8 | n
        }
        return value
    }

    static func parseV6(_ s: Substring) -> [UInt8]? {
        guard s.count <= 45 else { return nil }
        var head: [UInt16] = [], tail: [UInt16] = []
        var sawDoubleColon = false
        var halves: [Substring] = [s]
        if let r = s.firstRange(of: "::") {
            halves = [s[..<r.lowerBound], s[r.upperBound...]]
            guard !halves[1].contains("::") else { return nil }
        }
        sawDoubleColon = halves.count == 2

        func groups(_ part: Substring, allowV4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (i, f) in fields.enumerated() {
                if allowV4Tail && i == fields.count - 1 && f.contains(".") {
                    guard let v4 = parseV4(f) else { return nil }
                    out.append(UInt16(v4 >> 16)); out.append(UInt16(v4 & 0xFFFF))
                    continue
                }
                guard (1...4).contains(f.count), f.allSatisfy({ $0.isHexDigit }),
                      let g = UInt16(f, radix: 16) else { return nil }
                out.append(g)
            }
            return out
        }

        if sawDoubleColon {
            guard let h = groups(halves[0], allowV4Tail: false),
                  let t = groups(halves[1], allowV4Tail: true) else { return nil }
            head = h; tail = t
            guard head.count + tail.count <= 7 else { return nil }
        } else {
            guard let h = groups(halves[0], allowV4Tail: true), h.count == 8 else { return nil }
            head = h
        }
        let all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

extension IPAddress: Comparable {
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.bytes.lexicographicallyPrecedes(b.bytes)
    }
}

extension IPAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let ip = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not an IP address: \(text)"))
        }
        self = ip
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
