// The DNS wire format (RFC 1035 §4), pure: bytes in, a DNSMessage or a DNSWireError out,
// and back. Trust boundary: every octet of a response is hostile until decoded here. Every
// count, length and compression pointer is checked against the bytes actually present
// before anything is allocated or followed; names are bounded by RFC 1035 §2.3.4 and
// pointers must lead strictly backwards, so no input can loop or run past the end.

import MailCore

public enum DNSWire {
    /// RFC 1035 §3.3: <character-string> is a length octet and up to 255 octets.
    public static let maxCharacterStringLength = 255
    /// RFC 1035 §4.2.1: without EDNS, UDP messages are limited to 512 octets.
    public static let classicUDPPayloadSize = 512
    static let headerLength = 12
    /// The smallest question: root name (1), QTYPE (2), QCLASS (2).
    static let minimumQuestionLength = 5
    /// The smallest record: root name (1), TYPE, CLASS, TTL, RDLENGTH (10).
    static let minimumRecordLength = 11

    /// Bounds on what the decoder accepts; RFC limits that are not configurable are
    /// constants above.
    public struct Limits: Sendable, Hashable {
        /// A DNS message over TCP is at most 65535 octets (RFC 1035 §4.2.2 length field).
        public var maxMessageSize = 65_535
        /// Compression pointers followed while reading one name. Pointers must also lead
        /// strictly backwards, which bounds them anyway; this caps the work.
        public var maxPointersPerName = 64
        /// Records in all three sections together. A 64 KiB TCP answer of minimal records
        /// would hold about 6000; no answer mail needs has more than a few hundred.
        public var maxRecords = 4_096
        /// Questions: RFC 9619 makes QDCOUNT > 1 an error; we tolerate a few when decoding
        /// queries in tests, never more.
        public var maxQuestions = 4
        /// EDNS options in one OPT record.
        public var maxEDNSOptions = 64

        public init() {}
    }

    public enum Section: String, Hashable, Sendable {
        case header, question, answer, authority, additional
    }

    // MARK: - Decoding

    /// Decodes a whole message. A truncated response (TC set) whose record sections do not
    /// parse is returned with header and question only: RFC 2181 §9 says the partial data
    /// must not be used, and the caller retries over TCP anyway.
    public static func decode(_ bytes: [UInt8], limits: Limits = Limits()) throws(DNSWireError) -> DNSMessage {
        guard bytes.count <= limits.maxMessageSize else { throw .messageTooLarge(bytes.count) }
        var reader = Reader(bytes: bytes, limits: limits)
        guard bytes.count >= headerLength else { throw .truncated(.header) }
        let id = reader.u16(at: 0)
        let flags = reader.u16(at: 2)
        let counts = (reader.u16(at: 4), reader.u16(at: 6), reader.u16(at: 8), reader.u16(at: 10))
        reader.position = headerLength

        var message = DNSMessage(
            id: id,
            isResponse: flags & 0x8000 != 0,
            opcode: UInt8((flags >> 11) & 0x0F),
            isAuthoritative: flags & 0x0400 != 0,
            isTruncated: flags & 0x0200 != 0,
            recursionDesired: flags & 0x0100 != 0,
            recursionAvailable: flags & 0x0080 != 0,
            authenticatedData: flags & 0x0020 != 0,
            checkingDisabled: flags & 0x0010 != 0,
            responseCode: ResponseCode(rawValue: flags & 0x000F))

        // Counts larger than the packet could hold are rejected before any allocation.
        let questionCount = Int(counts.0)
        guard questionCount <= limits.maxQuestions else { throw .tooManyRecords(.question, questionCount) }
        guard questionCount * minimumQuestionLength <= reader.remaining else {
            throw .countExceedsMessage(.question, questionCount)
        }
        var questions: [DNSQuestion] = []
        questions.reserveCapacity(questionCount)
        for _ in 0..<questionCount {
            let name = try reader.name(in: .question)
            guard reader.remaining >= 4 else { throw .truncated(.question) }
            let type = RecordType(code: reader.u16(at: reader.position))
            let recordClass = reader.u16(at: reader.position + 2)
            reader.position += 4
            questions.append(DNSQuestion(name: name, type: type, recordClass: recordClass))
        }
        message.questions = questions

        do {
            try decodeRecords(into: &message, reader: &reader, counts: (Int(counts.1), Int(counts.2), Int(counts.3)))
        } catch {
            guard message.isTruncated else { throw error }
            message.answers = []
            message.authorities = []
            message.additionals = []
            message.edns = nil
        }
        // Octets after the last record are ignored, as every resolver does: they carry no
        // meaning and some middleboxes pad.
        return message
    }

    private static func decodeRecords(into message: inout DNSMessage, reader: inout Reader,
                                      counts: (Int, Int, Int)) throws(DNSWireError) {
        let total = counts.0 + counts.1 + counts.2
        guard total <= reader.limits.maxRecords else { throw .tooManyRecords(.answer, total) }
        guard total * minimumRecordLength <= reader.remaining else {
            let section: Section = counts.0 * minimumRecordLength > reader.remaining ? .answer
                : (counts.0 + counts.1) * minimumRecordLength > reader.remaining ? .authority : .additional
            throw .countExceedsMessage(section, total)
        }
        var extendedRCode: UInt16 = 0
        for (section, count) in [(Section.answer, counts.0), (.authority, counts.1), (.additional, counts.2)] {
            var records: [ResourceRecord] = []
            records.reserveCapacity(count)
            for _ in 0..<count {
                switch try reader.record(in: section) {
                case .record(let record):
                    records.append(record)
                case .otherClass:
                    // Only class IN answers a stub resolver's IN question; CHAOS or HESIOD
                    // records are of no use to mail and are dropped.
                    break
                case .opt(let edns, let rcodeHigh):
                    // RFC 6891 §6.1.1: OPT only in the additional section, at most once.
                    guard section == .additional else { throw .misplacedOPT(section) }
                    guard message.edns == nil else { throw .multipleOPT }
                    message.edns = edns
                    extendedRCode = UInt16(rcodeHigh) << 4
                }
            }
            switch section {
            case .answer: message.answers = records
            case .authority: message.authorities = records
            default: message.additionals = records
            }
        }
        message.responseCode = ResponseCode(rawValue: extendedRCode | message.responseCode.rawValue)
    }

    /// Checks that a decoded response answers `query`: QR set, same ID, same opcode, and the
    /// same question (RFC 5452 §9.1, names compared case-insensitively). A FORMERR without
    /// a question is accepted: servers that do not know EDNS answer that way (RFC 6891 §7).
    public static func validate(response: DNSMessage, to query: DNSMessage) throws(DNSWireError) {
        guard response.isResponse else { throw .notAResponse }
        guard response.id == query.id else { throw .idMismatch(expected: query.id, received: response.id) }
        guard response.opcode == query.opcode else { throw .opcodeMismatch(response.opcode) }
        if response.questions.isEmpty && response.responseCode == .formatError { return }
        guard response.questions == query.questions else {
            throw .questionMismatch(response.questions.first.map(\.description) ?? "no question")
        }
    }

    // MARK: - Encoding

    /// Encodes a message, compressing names where RFC 3597 §4 allows it (owner names and
    /// the names inside NS, CNAME, PTR, MX and SOA RDATA).
    public static func encode(_ message: DNSMessage) throws(DNSWireError) -> [UInt8] {
        var writer = Writer()
        let rcode = message.responseCode.rawValue
        guard rcode <= 0x0F || message.edns != nil else { throw .extendedRCodeWithoutEDNS }
        var flags: UInt16 = UInt16(message.opcode & 0x0F) << 11 | (rcode & 0x0F)
        if message.isResponse { flags |= 0x8000 }
        if message.isAuthoritative { flags |= 0x0400 }
        if message.isTruncated { flags |= 0x0200 }
        if message.recursionDesired { flags |= 0x0100 }
        if message.recursionAvailable { flags |= 0x0080 }
        if message.authenticatedData { flags |= 0x0020 }
        if message.checkingDisabled { flags |= 0x0010 }
        writer.u16(message.id)
        writer.u16(flags)
        let additionalCount = message.additionals.count + (message.edns == nil ? 0 : 1)
        for count in [message.questions.count, message.answers.count, message.authorities.count, additionalCount] {
            guard count <= Int(UInt16.max) else { throw .messageTooLarge(count) }
            writer.u16(UInt16(count))
        }
        for question in message.questions {
            writer.name(question.name, compress: true)
            writer.u16(question.type.code)
            writer.u16(question.recordClass)
        }
        for record in message.answers + message.authorities + message.additionals {
            try writer.record(record)
        }
        if let edns = message.edns {
            // RFC 6891 §6.1.2-§6.1.3: root owner, CLASS = payload size, TTL = extended
            // RCODE, version, DO and zero flags.
            writer.bytes.append(0)
            writer.u16(RecordType.opt.code)
            writer.u16(edns.udpPayloadSize)
            writer.u16(UInt16(rcode >> 4) << 8 | UInt16(edns.version))
            writer.u16(edns.dnssecOK ? 0x8000 : 0)
            var rdata: [UInt8] = []
            for option in edns.options {
                guard option.data.count <= Int(UInt16.max) else { throw .rdataTooLong(.opt) }
                rdata.append(contentsOf: [UInt8(option.code >> 8), UInt8(option.code & 0xFF),
                                          UInt8(option.data.count >> 8), UInt8(option.data.count & 0xFF)])
                rdata.append(contentsOf: option.data)
            }
            guard rdata.count <= Int(UInt16.max) else { throw .rdataTooLong(.opt) }
            writer.u16(UInt16(rdata.count))
            writer.bytes.append(contentsOf: rdata)
        }
        guard writer.bytes.count <= 65_535 else { throw .messageTooLarge(writer.bytes.count) }
        return writer.bytes
    }
}

// MARK: - Reader

private enum DecodedRecord {
    case record(ResourceRecord)
    case opt(EDNS, rcodeHigh: UInt8)
    case otherClass
}

private struct Reader {
    let bytes: [UInt8]
    let limits: DNSWire.Limits
    var position = 0

    init(bytes: [UInt8], limits: DNSWire.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    var remaining: Int { bytes.count - position }

    /// Callers have checked that two octets are there.
    func u16(at offset: Int) -> UInt16 { UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]) }

    func u32(at offset: Int) -> UInt32 {
        UInt32(u16(at: offset)) << 16 | UInt32(u16(at: offset + 2))
    }

    /// RFC 1035 §4.1.4: a name is labels ending in a zero octet or a pointer to a prior
    /// occurrence. Each pointer must lead before the start of the stretch of labels it ends
    /// ("prior"), so the stretches start ever earlier and reading always ends.
    mutating func name(in section: DNSWire.Section) throws(DNSWireError) -> DNSName {
        let (name, next) = try Reader.name(in: bytes, at: position, section: section, limits: limits)
        position = next
        return name
    }

    static func name(in bytes: [UInt8], at start: Int, section: DNSWire.Section,
                     limits: DNSWire.Limits) throws(DNSWireError) -> (DNSName, next: Int) {
        var wire: [UInt8] = []
        var offset = start
        var stretchStart = start
        var end: Int?
        var pointers = 0
        while true {
            guard offset < bytes.count else { throw .truncated(section) }
            let length = bytes[offset]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    return (DNSName(uncheckedWireLabels: wire), end ?? offset + 1)
                }
                let labelEnd = offset + 1 + Int(length)
                guard labelEnd <= bytes.count else { throw .truncated(section) }
                // +1 for the root label still to come.
                guard wire.count + 1 + Int(length) + 1 <= DNSName.maxWireLength else { throw .nameTooLong(offset: start) }
                wire.append(length)
                for byte in bytes[(offset + 1)..<labelEnd] { wire.append(DNSName.lowercased(byte)) }
                offset = labelEnd
            case 0xC0:
                guard offset + 1 < bytes.count else { throw .truncated(section) }
                let target = Int(length & 0x3F) << 8 | Int(bytes[offset + 1])
                if end == nil { end = offset + 2 }
                guard target < bytes.count else { throw .pointerOutOfBounds(offset: offset) }
                guard target < stretchStart else { throw .pointerNotBackward(offset: offset) }
                pointers += 1
                guard pointers <= limits.maxPointersPerName else { throw .tooManyPointers(offset: start) }
                offset = target
                stretchStart = target
            default:
                // 0x40 (extended label types, RFC 6891 §5, obsolete) and 0x80 (reserved):
                // as a length these would be labels of 64 to 191 octets.
                throw .labelTooLong(offset: offset)
            }
        }
    }

    mutating func record(in section: DNSWire.Section) throws(DNSWireError) -> DecodedRecord {
        let owner = try name(in: section)
        guard remaining >= 10 else { throw .truncated(section) }
        let typeCode = u16(at: position)
        let recordClass = u16(at: position + 2)
        let rawTTL = u32(at: position + 4)
        let rdLength = Int(u16(at: position + 8))
        position += 10
        guard rdLength <= remaining else { throw .truncated(section) }
        let rdStart = position
        let rdEnd = position + rdLength
        position = rdEnd
        let type = RecordType(code: typeCode)

        if type == .opt {
            guard owner.isRoot else { throw .invalidRData(.opt, "owner is not the root") }
            return .opt(try edns(payloadSize: recordClass, ttl: rawTTL, rdStart: rdStart, rdEnd: rdEnd),
                        rcodeHigh: UInt8(rawTTL >> 24))
        }
        let data = try rdata(type: type, start: rdStart, end: rdEnd, section: section)
        guard recordClass == RecordClass.internet else { return .otherClass }
        // RFC 2181 §8: a TTL with the top bit set is treated as zero.
        let ttl = rawTTL & 0x8000_0000 != 0 ? 0 : rawTTL
        return .record(ResourceRecord(name: owner, type: type, ttl: ttl, data: data))
    }

    private func edns(payloadSize: UInt16, ttl: UInt32, rdStart: Int, rdEnd: Int) throws(DNSWireError) -> EDNS {
        var options: [EDNSOption] = []
        var offset = rdStart
        while offset < rdEnd {
            guard options.count < limits.maxEDNSOptions else { throw .invalidRData(.opt, "too many options") }
            guard offset + 4 <= rdEnd else { throw .invalidRData(.opt, "option header cut short") }
            let code = u16(at: offset)
            let length = Int(u16(at: offset + 2))
            guard offset + 4 + length <= rdEnd else { throw .invalidRData(.opt, "option data cut short") }
            options.append(EDNSOption(code: code, data: Array(bytes[(offset + 4)..<(offset + 4 + length)])))
            offset += 4 + length
        }
        // RFC 6891 §6.2.3: values below 512 are treated as 512.
        return EDNS(udpPayloadSize: max(payloadSize, UInt16(DNSWire.classicUDPPayloadSize)),
                    version: UInt8((ttl >> 16) & 0xFF), dnssecOK: ttl & 0x8000 != 0, options: options)
    }

    /// RDATA of the types mail needs; the octets consumed must be exactly RDLENGTH.
    private func rdata(type: RecordType, start: Int, end: Int, section: DNSWire.Section) throws(DNSWireError) -> RecordData {
        let length = end - start
        func fixed(_ expected: Int) throws(DNSWireError) {
            guard length == expected else { throw .rdataLengthMismatch(type, offset: start) }
        }
        /// A name inside RDATA; compression may point anywhere earlier in the message, but
        /// the name must end inside the RDATA.
        func rdName(at offset: Int) throws(DNSWireError) -> (DNSName, Int) {
            let (name, next) = try Reader.name(in: bytes, at: offset, section: section, limits: limits)
            guard next <= end else { throw .rdataLengthMismatch(type, offset: start) }
            return (name, next)
        }
        func expectEnd(_ offset: Int) throws(DNSWireError) {
            guard offset == end else { throw .rdataLengthMismatch(type, offset: start) }
        }
        switch type {
        case .a:
            try fixed(4)
            guard let ip = IPAddress(bytes: bytes[start..<end]) else { throw .invalidRData(type, "address") }
            return .a(ip)
        case .aaaa:
            try fixed(16)
            guard let ip = IPAddress(bytes: bytes[start..<end]) else { throw .invalidRData(type, "address") }
            return .aaaa(ip)
        case .ns, .cname, .ptr:
            let (name, next) = try rdName(at: start)
            try expectEnd(next)
            switch type {
            case .ns: return .ns(name)
            case .cname: return .cname(name)
            default: return .ptr(name)
            }
        case .mx:
            guard length >= 3 else { throw .rdataLengthMismatch(type, offset: start) }
            let (exchange, next) = try rdName(at: start + 2)
            try expectEnd(next)
            return .mx(MXRecord(preference: u16(at: start), exchange: exchange))
        case .txt:
            // RFC 1035 §3.3.14: one or more <character-string>s.
            guard length >= 1 else { throw .rdataLengthMismatch(type, offset: start) }
            var strings: [[UInt8]] = []
            var offset = start
            while offset < end {
                let stringLength = Int(bytes[offset])
                guard offset + 1 + stringLength <= end else { throw .rdataLengthMismatch(type, offset: start) }
                strings.append(Array(bytes[(offset + 1)..<(offset + 1 + stringLength)]))
                offset += 1 + stringLength
            }
            return .txt(strings)
        case .srv:
            guard length >= 7 else { throw .rdataLengthMismatch(type, offset: start) }
            // RFC 2782 forbids compressing the target; decompressing anyway costs nothing.
            let (target, next) = try rdName(at: start + 6)
            try expectEnd(next)
            return .srv(SRVRecord(priority: u16(at: start), weight: u16(at: start + 2), port: u16(at: start + 4),
                                  target: target))
        case .tlsa:
            guard length >= 3 else { throw .rdataLengthMismatch(type, offset: start) }
            return .tlsa(TLSARecord(certificateUsage: bytes[start], selector: bytes[start + 1],
                                    matchingType: bytes[start + 2],
                                    certificateAssociationData: Array(bytes[(start + 3)..<end])))
        case .soa:
            let (primary, afterPrimary) = try rdName(at: start)
            let (mailbox, afterMailbox) = try rdName(at: afterPrimary)
            guard end - afterMailbox == 20 else { throw .rdataLengthMismatch(type, offset: start) }
            return .soa(SOARecord(primaryNameServer: primary, responsibleMailbox: mailbox,
                                  serial: u32(at: afterMailbox), refresh: u32(at: afterMailbox + 4),
                                  retry: u32(at: afterMailbox + 8), expire: u32(at: afterMailbox + 12),
                                  minimum: u32(at: afterMailbox + 16)))
        default:
            return .other(type: type.code, data: Array(bytes[start..<end]))
        }
    }
}

// MARK: - Writer

private struct Writer {
    var bytes: [UInt8] = []
    /// Offsets of names already written, keyed by their wire labels, for compression.
    var written: [[UInt8]: Int] = [:]

    init() { bytes.reserveCapacity(512) }

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func u32(_ value: UInt32) {
        u16(UInt16(value >> 16))
        u16(UInt16(value & 0xFFFF))
    }

    /// RFC 1035 §4.1.4: replaces the longest suffix already written by a pointer. Pointers
    /// hold 14 bits, so only names in the first 16 KiB can be targets.
    mutating func name(_ name: DNSName, compress: Bool) {
        let wire = name.wireLabels
        var index = 0
        while index < wire.count {
            let suffix = Array(wire[index...])
            if compress, let target = written[suffix] {
                u16(0xC000 | UInt16(target))
                return
            }
            if compress, bytes.count < 0x4000 { written[suffix] = bytes.count }
            let length = Int(wire[index])
            bytes.append(contentsOf: wire[index...(index + length)])
            index += 1 + length
        }
        bytes.append(0)
    }

    mutating func record(_ record: ResourceRecord) throws(DNSWireError) {
        name(record.name, compress: true)
        u16(record.type.code)
        u16(RecordClass.internet)
        u32(record.ttl)
        let lengthOffset = bytes.count
        u16(0)
        let start = bytes.count
        switch record.data {
        case .a(let ip), .aaaa(let ip):
            bytes.append(contentsOf: ip.bytes)
        case .ns(let target), .cname(let target), .ptr(let target):
            name(target, compress: true)
        case .mx(let mx):
            u16(mx.preference)
            name(mx.exchange, compress: true)
        case .txt(let strings):
            for string in strings {
                guard string.count <= DNSWire.maxCharacterStringLength else { throw .characterStringTooLong }
                bytes.append(UInt8(string.count))
                bytes.append(contentsOf: string)
            }
        case .srv(let srv):
            u16(srv.priority)
            u16(srv.weight)
            u16(srv.port)
            name(srv.target, compress: false)
        case .tlsa(let tlsa):
            bytes.append(contentsOf: [tlsa.certificateUsage, tlsa.selector, tlsa.matchingType])
            bytes.append(contentsOf: tlsa.certificateAssociationData)
        case .soa(let soa):
            name(soa.primaryNameServer, compress: true)
            name(soa.responsibleMailbox, compress: true)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { u32(value) }
        case .other(_, let data):
            bytes.append(contentsOf: data)
        }
        let length = bytes.count - start
        guard length <= Int(UInt16.max) else { throw .rdataTooLong(record.type) }
        bytes[lengthOffset] = UInt8(length >> 8)
        bytes[lengthOffset + 1] = UInt8(length & 0xFF)
    }
}

// MARK: - Errors

/// Why a message could not be decoded, encoded or accepted as the answer to a query.
public enum DNSWireError: Error, Hashable, Sendable, CustomStringConvertible {
    case truncated(DNSWire.Section)
    case messageTooLarge(Int)
    case countExceedsMessage(DNSWire.Section, Int)
    case tooManyRecords(DNSWire.Section, Int)
    case labelTooLong(offset: Int)
    case nameTooLong(offset: Int)
    case pointerOutOfBounds(offset: Int)
    case pointerNotBackward(offset: Int)
    case tooManyPointers(offset: Int)
    case rdataLengthMismatch(RecordType, offset: Int)
    case invalidRData(RecordType, String)
    case misplacedOPT(DNSWire.Section)
    case multipleOPT
    // Encoding.
    case characterStringTooLong
    case rdataTooLong(RecordType)
    case extendedRCodeWithoutEDNS
    // A well-formed message that is not the answer to our query.
    case notAResponse
    case idMismatch(expected: UInt16, received: UInt16)
    case opcodeMismatch(UInt8)
    case questionMismatch(String)

    public var description: String {
        switch self {
        case .truncated(let section): "message ends inside the \(section.rawValue) section"
        case .messageTooLarge(let size): "message of \(size) octets is too large"
        case .countExceedsMessage(let section, let count): "\(count) \(section.rawValue) entries cannot fit in the message"
        case .tooManyRecords(let section, let count): "\(count) \(section.rawValue) entries exceed the limit"
        case .labelTooLong(let offset): "label longer than 63 octets at offset \(offset)"
        case .nameTooLong(let offset): "name at offset \(offset) longer than 255 octets"
        case .pointerOutOfBounds(let offset): "compression pointer at offset \(offset) points past the end"
        case .pointerNotBackward(let offset): "compression pointer at offset \(offset) does not point to a prior name"
        case .tooManyPointers(let offset): "too many compression pointers in the name at offset \(offset)"
        case .rdataLengthMismatch(let type, let offset): "\(type) RDATA at offset \(offset) does not match its length"
        case .invalidRData(let type, let reason): "invalid \(type) RDATA: \(reason)"
        case .misplacedOPT(let section): "OPT record in the \(section.rawValue) section"
        case .multipleOPT: "more than one OPT record"
        case .characterStringTooLong: "character-string longer than 255 octets"
        case .rdataTooLong(let type): "\(type) RDATA longer than 65535 octets"
        case .extendedRCodeWithoutEDNS: "extended RCODE needs an OPT record"
        case .notAResponse: "message is a query, not a response"
        case .idMismatch(let expected, let received): "response ID \(received) does not match query ID \(expected)"
        case .opcodeMismatch(let opcode): "response has opcode \(opcode)"
        case .questionMismatch(let question): "response is for another question (\(question))"
        }
    }
}
