import Testing
import MailCore
@testable import DNSClient

@Suite struct DNSWireDecodingTests {
    @Test func decodesCompressedMXAnswerFromNSD() throws {
        let message = try DNSWire.decode(Fixtures.nsdMX)
        #expect(message.id == 0x1234)
        #expect(message.isResponse && message.isAuthoritative && !message.isTruncated)
        #expect(message.responseCode == .noError)
        #expect(message.questions == [DNSQuestion(name: try DNSName("example.test"), type: .mx)])
        #expect(message.answers.map(\.data) == [
            .mx(MXRecord(preference: 10, exchange: try DNSName("mx.example.test"))),
            .mx(MXRecord(preference: 20, exchange: try DNSName("mx2.example.net"))),
        ])
        #expect(message.answers.allSatisfy { $0.ttl == 300 && $0.name == (try? DNSName("example.test")) })
        #expect(message.authorities.map(\.data) == [.ns(try DNSName("ns.example.test"))])
        #expect(message.additionals.map(\.data) == [
            .a(try #require(IPAddress("192.0.2.10"))), .a(try #require(IPAddress("127.0.0.1"))),
            .aaaa(try #require(IPAddress("2001:db8::10"))),
        ])
        #expect(message.edns == nil)
    }

    @Test func keepsTXTCharacterStringsApart() throws {
        let message = try DNSWire.decode(Fixtures.nsdTXT)
        #expect(message.answers.map(\.data) == [.txt([Array("v=spf1 ".utf8), Array("ip4:192.0.2.0/24 -all".utf8)])])
    }

    @Test func decodesNXDOMAINWithSOA() throws {
        let message = try DNSWire.decode(Fixtures.nsdNXDOMAIN)
        #expect(message.responseCode == .nameError)
        #expect(message.answers.isEmpty)
        let soa = SOARecord(primaryNameServer: try DNSName("ns.example.test"),
                            responsibleMailbox: try DNSName("hostmaster.example.test"),
                            serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60)
        #expect(message.authorities == [ResourceRecord(name: try DNSName("example.test"), ttl: 60, data: .soa(soa))])
    }

    @Test func encodesQueryWithEDNS() throws {
        let query = DNSMessage.query(id: 0xBEEF, question: DNSQuestion(name: try DNSName("Example.ORG"), type: .mx),
                                     requestAuthenticatedData: true)
        let bytes = try DNSWire.encode(query)
        #expect(bytes == hex("""
            beef 0120 0001 0000 0000 0001
            07 6578616d706c65 03 6f7267 00 000f 0001
            00 0029 04d0 00000000 0000
            """))
        let decoded = try DNSWire.decode(bytes)
        #expect(decoded == query)
        #expect(decoded.edns?.udpPayloadSize == 1232)
    }

    @Test func roundTripsEveryRecordType() throws {
        let owner = try DNSName("example.org")
        let records: [RecordData] = [
            .a(try #require(IPAddress("192.0.2.1"))),
            .aaaa(try #require(IPAddress("2001:db8::1"))),
            .mx(MXRecord(preference: 10, exchange: try DNSName("mx.example.org"))),
            .mx(MXRecord(preference: 0, exchange: .root)),
            .txt([Array("v=spf1 ".utf8), Array("-all".utf8)]),
            .txt([[]]),
            .ptr(try DNSName("host.example.org")),
            .cname(try DNSName("alias.example.net")),
            .ns(try DNSName("ns1.example.org")),
            .srv(SRVRecord(priority: 0, weight: 1, port: 993, target: try DNSName("imap.example.org"))),
            .tlsa(TLSARecord(certificateUsage: 3, selector: 1, matchingType: 1,
                             certificateAssociationData: Array(0..<32))),
            .soa(SOARecord(primaryNameServer: try DNSName("ns1.example.org"),
                           responsibleMailbox: try DNSName("hostmaster.example.org"),
                           serial: 2024010101, refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)),
            .other(type: 257, data: [0, 5] + Array("issue".utf8) + Array("letsencrypt.org".utf8)),
        ]
        let message = DNSMessage(
            id: 7, isResponse: true, isAuthoritative: true, recursionAvailable: true, authenticatedData: true,
            responseCode: .noError, questions: [DNSQuestion(name: owner, type: .any)],
            answers: records.map { ResourceRecord(name: owner, ttl: 3600, data: $0) },
            authorities: [ResourceRecord(name: owner, ttl: 60, data: .ns(try DNSName("ns2.example.org")))],
            additionals: [ResourceRecord(name: try DNSName("mx.example.org"), ttl: 5, data: .a(.v4(0x7F00_0001)))],
            edns: EDNS(udpPayloadSize: 4096, dnssecOK: true, options: [EDNSOption(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])]))
        let bytes = try DNSWire.encode(message)
        #expect(try DNSWire.decode(bytes) == message)
        // "example.org" is written in the question and, uncompressed as RFC 2782 and
        // RFC 3597 §4 require, in the SRV target; every other occurrence is a pointer.
        let plain = Array("\u{7}example\u{3}org".utf8)
        let occurrences = (0...(bytes.count - plain.count)).filter { Array(bytes[$0..<($0 + plain.count)]) == plain }
        #expect(occurrences.count == 2)
    }

    @Test func extendedResponseCodeTravelsInOPT() throws {
        var message = DNSMessage(id: 1, isResponse: true, responseCode: .badVersion, edns: EDNS())
        #expect(try DNSWire.decode(try DNSWire.encode(message)).responseCode == .badVersion)
        message.edns = nil
        #expect(throws: DNSWireError.extendedRCodeWithoutEDNS) { try DNSWire.encode(message) }
    }

    @Test func treatsTTLWithTopBitAsZero() throws {
        // RFC 2181 §8.
        let packet = Fixtures.header(an: 1) + Fixtures.questionATest
            + [0xC0, 12, 0, 1, 0, 1, 0x80, 0, 0, 1, 0, 4, 192, 0, 2, 1]
        #expect(try DNSWire.decode(packet).answers.first?.ttl == 0)
    }

    @Test func dropsRecordsOfOtherClasses() throws {
        let packet = Fixtures.header(an: 2) + Fixtures.questionATest
            + [0xC0, 12, 0, 1, 0, 3, 0, 0, 0, 9, 0, 4, 192, 0, 2, 1]  // CHAOS
            + [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 192, 0, 2, 2]
        #expect(try DNSWire.decode(packet).answers.map(\.data) == [.a(.v4(0xC000_0202))])
    }

    @Test func truncatedResponseKeepsHeaderAndQuestion() throws {
        // TC set and the answer cut off mid-record, as some servers do (RFC 2181 §9).
        let packet = Fixtures.header(flags: 0x8380, an: 3) + Fixtures.questionATest + [0xC0, 12, 0, 1, 0]
        let message = try DNSWire.decode(packet)
        #expect(message.isTruncated)
        #expect(message.questions.count == 1)
        #expect(message.answers.isEmpty)
    }
}

/// Hostile packets: each must be refused with its own error, never a crash or a hang.
@Suite struct DNSWireHostileInputTests {
    static let cases: [(String, [UInt8], DNSWireError)] = {
        let h = Fixtures.header
        let q = Fixtures.questionATest
        let a63 = [63] + [UInt8](repeating: 0x61, count: 63)
        let b63 = [63] + [UInt8](repeating: 0x62, count: 63)
        let c63 = [63] + [UInt8](repeating: 0x63, count: 63)
        let d63 = [63] + [UInt8](repeating: 0x64, count: 63)
        return [
            ("short header", [0x12, 0x34, 0x81], .truncated(.header)),
            ("pointer to itself", h(1, 0x8180, 1, 0, 0, 0) + [0xC0, 12, 0, 1, 0, 1], .pointerNotBackward(offset: 12)),
            ("label then pointer back to its own start",
             h(1, 0x8180, 1, 0, 0, 0) + [1, 0x61, 0xC0, 12, 0, 1, 0, 1], .pointerNotBackward(offset: 14)),
            ("two pointers in a loop",
             h(1, 0x8180, 1, 1, 0, 0) + q + [0xC0, 0x24, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4] + [0xC0, 0x18],
             .pointerNotBackward(offset: 24)),
            ("pointer past the end", h(1, 0x8180, 1, 0, 0, 0) + [0xC0, 0xFF, 0, 1, 0, 1], .pointerOutOfBounds(offset: 12)),
            ("pointer cut in half", h(1, 0x8180, 1, 0, 0, 0) + [3, 0x61, 0x62, 0x63, 0xC0], .truncated(.question)),
            ("label length 64", h(1, 0x8180, 1, 0, 0, 0) + [64] + [UInt8](repeating: 0x61, count: 64) + [0, 0, 1, 0, 1],
             .labelTooLong(offset: 12)),
            ("reserved label type 0x80", h(1, 0x8180, 1, 0, 0, 0) + [0x80, 0, 0, 1, 0, 1], .labelTooLong(offset: 12)),
            ("name over 255 octets", h(1, 0x8180, 1, 0, 0, 0) + a63 + b63 + c63 + d63 + [0, 0, 1, 0, 1],
             .nameTooLong(offset: 12)),
            ("name over 255 octets through a pointer",
             h(1, 0x8180, 1, 1, 0, 0) + a63 + b63 + c63 + [0, 0, 1, 0, 1] + d63 + [0xC0, 12]
                + [0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4],
             .nameTooLong(offset: 209)),
            ("label past the end", h(1, 0x8180, 1, 0, 0, 0) + [20, 0x61, 0x61, 0x61, 0x61, 0x61], .truncated(.question)),
            ("question count larger than the packet", h(1, 0x8180, 3, 0, 0, 0) + q, .countExceedsMessage(.question, 3)),
            ("answer count larger than the packet", h(1, 0x8180, 1, 200, 0, 0) + q, .countExceedsMessage(.answer, 200)),
            ("record count over the limit", h(1, 0x8180, 1, 0xFFFF, 0xFFFF, 0) + q, .tooManyRecords(.answer, 131_070)),
            ("record header cut short", h(1, 0x8180, 1, 1, 0, 0) + q + [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0],
             .truncated(.answer)),
            ("RDLENGTH past the end", h(1, 0x8180, 1, 1, 0, 0) + q + [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 40, 1, 2, 3, 4],
             .truncated(.answer)),
            ("A record of 5 octets", h(1, 0x8180, 1, 1, 0, 0) + q + [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 5, 1, 2, 3, 4, 5],
             .rdataLengthMismatch(.a, offset: 36)),
            ("TXT string longer than its RDATA",
             h(1, 0x8180, 1, 1, 0, 0) + q + [0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0, 3, 9, 0x61, 0x62],
             .rdataLengthMismatch(.txt, offset: 36)),
            ("empty TXT RDATA", h(1, 0x8180, 1, 1, 0, 0) + q + [0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0, 0],
             .rdataLengthMismatch(.txt, offset: 36)),
            ("MX exchange running past its RDATA",
             h(1, 0x8180, 1, 1, 0, 0) + q + [0xC0, 12, 0, 15, 0, 1, 0, 0, 0, 1, 0, 4, 0, 10, 1, 0x61, 0, 0, 0],
             .rdataLengthMismatch(.mx, offset: 36)),
            ("SOA without its counters",
             h(1, 0x8180, 1, 0, 1, 0) + q + [0xC0, 12, 0, 6, 0, 1, 0, 0, 0, 1, 0, 4, 0xC0, 12, 0xC0, 12],
             .rdataLengthMismatch(.soa, offset: 36)),
            ("OPT in the answer section", h(1, 0x8180, 1, 1, 0, 0) + q + [0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0],
             .misplacedOPT(.answer)),
            ("two OPT records",
             h(1, 0x8180, 1, 0, 0, 2) + q + [0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0] + [0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0],
             .multipleOPT),
            ("OPT option cut short", h(1, 0x8180, 1, 0, 0, 1) + q + [0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 6, 0, 10, 0, 8, 1, 2],
             .invalidRData(.opt, "option data cut short")),
        ]
    }()

    @Test(arguments: cases.indices)
    func rejects(index: Int) {
        let (label, packet, expected) = Self.cases[index]
        #expect(throws: expected, "\(label)") { try DNSWire.decode(packet) }
    }

    @Test func rejectsOversizedMessage() {
        let packet = [UInt8](repeating: 0, count: 70_000)
        #expect(throws: DNSWireError.messageTooLarge(70_000)) { try DNSWire.decode(packet) }
    }

    /// A TXT record whose text hides a root label and `count` pointers each leading one
    /// step back, then a CNAME whose target points at the last of them: legal in form, but
    /// reading the target follows `count` pointers.
    static func pointerChain(_ count: Int) -> [UInt8] {
        var txt: [UInt8] = [UInt8(1 + 2 * count), 0]  // RDATA from offset 36: length, root at 37
        for i in 0..<count {
            let target = i == 0 ? 37 : 36 + 2 * i
            txt += [0xC0 | UInt8(target >> 8), UInt8(target & 0xFF)]
        }
        let last = 36 + 2 * count
        return Fixtures.header(an: 2) + Fixtures.questionATest
            + [0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0, UInt8(txt.count)] + txt
            + [0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 1, 0, 2, 0xC0 | UInt8(last >> 8), UInt8(last & 0xFF)]
    }

    @Test func pointerChainsAreBounded() throws {
        let short = try DNSWire.decode(Self.pointerChain(50))
        #expect(short.answers.last?.data == .cname(.root))
        let long = Self.pointerChain(100)
        let cnameRDATA = long.count - 2
        #expect(throws: DNSWireError.tooManyPointers(offset: cnameRDATA)) { try DNSWire.decode(long) }
        var limits = DNSWire.Limits()
        limits.maxPointersPerName = 10
        // The CNAME's own pointer counts too: 1 + 10 is one too many, 1 + 9 fits.
        let ten = Self.pointerChain(10)
        #expect(throws: DNSWireError.tooManyPointers(offset: ten.count - 2)) { try DNSWire.decode(ten, limits: limits) }
        #expect(try DNSWire.decode(Self.pointerChain(9), limits: limits).answers.count == 2)
    }

    @Test func acceptsOnlyTheAnswerToOurQuestion() throws {
        let question = DNSQuestion(name: try DNSName("example.test"), type: .mx)
        let query = DNSMessage.query(id: 0x1234, question: question)
        let response = try DNSWire.decode(Fixtures.nsdMX)
        try DNSWire.validate(response: response, to: query)

        var uppercase = query
        uppercase.questions = [DNSQuestion(name: try DNSName("EXAMPLE.Test"), type: .mx)]
        try DNSWire.validate(response: response, to: uppercase)

        var otherID = query
        otherID.id = 0x4321
        #expect(throws: DNSWireError.idMismatch(expected: 0x4321, received: 0x1234)) {
            try DNSWire.validate(response: response, to: otherID)
        }
        var otherName = query
        otherName.questions = [DNSQuestion(name: try DNSName("example.org"), type: .mx)]
        #expect(throws: DNSWireError.questionMismatch("example.test. IN MX")) {
            try DNSWire.validate(response: response, to: otherName)
        }
        var otherType = query
        otherType.questions = [DNSQuestion(name: try DNSName("example.test"), type: .txt)]
        #expect(throws: DNSWireError.self) { try DNSWire.validate(response: response, to: otherType) }
        #expect(throws: DNSWireError.notAResponse) { try DNSWire.validate(response: query, to: query) }
    }
}
