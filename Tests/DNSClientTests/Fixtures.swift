// Packets used by several test files.

@testable import DNSClient

/// Hex text to octets; whitespace ignored. Test fixtures only.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }.map { $0.hexDigitValue ?? 0 }
    return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(digits[$0] << 4 | digits[$0 + 1]) }
}

enum Fixtures {
    // Responses of NSD 4.6.1 (Debian 12) serving this zone, to queries without EDNS:
    //   example.test. SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
    //   example.test. NS ns / ns A 127.0.0.1 / MX 10 mx / MX 20 mx2.example.net.
    //   mx A 192.0.2.10 / mx AAAA 2001:db8::10 / TXT "v=spf1 " "ip4:192.0.2.0/24 -all"
    //   www CNAME mx

    /// example.test. MX, ID 0x1234: compressed names, authority and additional sections.
    static let nsdMX = hex("""
        123485000001000200010003076578616d706c65047465737400000f0001c00c000f00010000012c0007000a026d78c00c\
        c00c000f00010000012c00130014036d7832076578616d706c65036e657400c00c000200010000012c0005026e73c00c\
        c02c000100010000012c0004c000020ac05c000100010000012c00047f000001c02c001c00010000012c001020010db8\
        000000000000000000000010
        """)
    /// example.test. TXT, ID 0x2345: one record of two character-strings.
    static let nsdTXT = hex("""
        234585000001000100010001076578616d706c6504746573740000100001c00c001000010000012c001e07763d737066\
        3120156970343a3139322e302e322e302f3234202d616c6cc00c000200010000012c0005026e73c00cc0540001000100\
        00012c00047f000001
        """)
    /// nope.example.test. A, ID 0x3456: NXDOMAIN with the SOA (TTL 60) in authority.
    static let nsdNXDOMAIN = hex("""
        345685030001000000010000046e6f7065076578616d706c6504746573740000010001c011000600010000003c002602\
        6e73c0110a686f73746d6173746572c0110000000100000e1000000258000151800000003c
        """)
    /// www.example.test. A, ID 0x4567: CNAME to mx.example.test. and its A record.
    static let nsdCNAME = hex("""
        45678500000100020001000103777777076578616d706c6504746573740000010001c00c000500010000012c0005026d\
        78c010c02e000100010000012c0004c000020ac010000200010000012c0005026e73c010c04f000100010000012c0004\
        7f000001
        """)

    static var all: [[UInt8]] { [nsdMX, nsdTXT, nsdNXDOMAIN, nsdCNAME] }

    /// A 12-octet header: flags 0x8180 (response, RD, RA), the given counts.
    static func header(id: UInt16 = 0x0101, flags: UInt16 = 0x8180, qd: UInt16 = 1, an: UInt16 = 0,
                       ns: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
        [id, flags, qd, an, ns, ar].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// `a.test. IN A` as question-section octets.
    static let questionATest: [UInt8] = [1, 0x61, 4, 0x74, 0x65, 0x73, 0x74, 0, 0, 1, 0, 1]
}
