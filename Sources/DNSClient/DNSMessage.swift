// A DNS message as a value (RFC 1035 §4.1): header, question, three record sections, and
// the EDNS0 OPT pseudo-record (RFC 6891 §6) lifted out of the additional section.

/// One entry of the question section (RFC 1035 §4.1.2).
public struct DNSQuestion: Hashable, Sendable, CustomStringConvertible {
    public var name: DNSName
    public var type: RecordType
    public var recordClass: UInt16

    public init(name: DNSName, type: RecordType, recordClass: UInt16 = RecordClass.internet) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }

    public var description: String { "\(name.absoluteText) IN \(type.mnemonic)" }
}

/// RCODE, 4 bits in the header extended to 12 by the OPT record (RFC 6891 §6.1.3).
public struct ResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }

    public static let noError = ResponseCode(rawValue: 0)
    public static let formatError = ResponseCode(rawValue: 1)
    public static let serverFailure = ResponseCode(rawValue: 2)
    public static let nameError = ResponseCode(rawValue: 3)  // NXDOMAIN
    public static let notImplemented = ResponseCode(rawValue: 4)
    public static let refused = ResponseCode(rawValue: 5)
    /// RFC 6891 §9: the responder does not implement our EDNS version.
    public static let badVersion = ResponseCode(rawValue: 16)

    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        case 16: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}

/// One EDNS option (RFC 6891 §6.1.2), kept raw.
public struct EDNSOption: Hashable, Sendable {
    public var code: UInt16
    public var data: [UInt8]

    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }
}

/// The OPT pseudo-record's fields (RFC 6891 §6.1.2-§6.1.4). Its extended RCODE bits are
/// folded into `DNSMessage.responseCode`.
public struct EDNS: Hashable, Sendable {
    /// RFC 6891 §6.2.5 and the DNS Flag Day 2020 advice: 1232 octets avoids IP
    /// fragmentation on nearly every path.
    public static let defaultPayloadSize: UInt16 = 1232

    public var udpPayloadSize: UInt16
    public var version: UInt8
    /// DO bit (RFC 3225 §3).
    public var dnssecOK: Bool
    public var options: [EDNSOption]

    public init(udpPayloadSize: UInt16 = EDNS.defaultPayloadSize, version: UInt8 = 0, dnssecOK: Bool = false,
                options: [EDNSOption] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }
}

/// A whole DNS message, query or response.
public struct DNSMessage: Hashable, Sendable {
    public var id: UInt16
    /// QR.
    public var isResponse: Bool
    /// 0 is QUERY, the only one a stub resolver sends.
    public var opcode: UInt8
    /// AA.
    public var isAuthoritative: Bool
    /// TC: the answer did not fit the UDP payload; ask again over TCP (RFC 7766 §5).
    public var isTruncated: Bool
    /// RD.
    public var recursionDesired: Bool
    /// RA.
    public var recursionAvailable: Bool
    /// AD (RFC 4035 §3.2.3; meaning in queries RFC 6840 §5.7): the resolver validated the
    /// answer with DNSSEC. Only worth anything from a resolver reached over a trusted path.
    public var authenticatedData: Bool
    /// CD (RFC 4035 §3.2.2).
    public var checkingDisabled: Bool
    public var responseCode: ResponseCode
    public var questions: [DNSQuestion]
    public var answers: [ResourceRecord]
    public var authorities: [ResourceRecord]
    /// Without the OPT record, which is in `edns`.
    public var additionals: [ResourceRecord]
    public var edns: EDNS?

    public init(id: UInt16, isResponse: Bool = false, opcode: UInt8 = 0, isAuthoritative: Bool = false,
                isTruncated: Bool = false, recursionDesired: Bool = true, recursionAvailable: Bool = false,
                authenticatedData: Bool = false, checkingDisabled: Bool = false,
                responseCode: ResponseCode = .noError, questions: [DNSQuestion] = [],
                answers: [ResourceRecord] = [], authorities: [ResourceRecord] = [],
                additionals: [ResourceRecord] = [], edns: EDNS? = nil) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.isAuthoritative = isAuthoritative
        self.isTruncated = isTruncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.authenticatedData = authenticatedData
        self.checkingDisabled = checkingDisabled
        self.responseCode = responseCode
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }

    /// A recursive query for one question, as a stub resolver sends it: RD set; AD set when
    /// we want to learn whether the resolver validated (RFC 6840 §5.7); EDNS0 with our UDP
    /// payload size unless `ednsPayloadSize` is nil.
    public static func query(id: UInt16, question: DNSQuestion, ednsPayloadSize: UInt16? = EDNS.defaultPayloadSize,
                             requestAuthenticatedData: Bool = false) -> DNSMessage {
        DNSMessage(id: id, recursionDesired: true, authenticatedData: requestAuthenticatedData,
                   questions: [question], edns: ednsPayloadSize.map { EDNS(udpPayloadSize: $0) })
    }
}
