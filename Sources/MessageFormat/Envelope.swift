// RFC 9051 §7.5.2 ENVELOPE: the header fields IMAP clients list messages with, in the
// structure the protocol sends. Strings are raw header text (unfolded, not decoded), as the
// RFC requires; decoded forms are provided for display and search.

/// An address in IMAP's ENVELOPE form: `(name adl mailbox host)`. A group is sent as a start
/// marker (mailbox = group name, host NIL), its members, and an end marker (all NIL).
public struct EnvelopeAddress: Sendable, Equatable {
    public var name: [UInt8]?
    public var adl: [UInt8]?
    public var mailbox: [UInt8]?
    public var host: [UInt8]?

    public init(name: [UInt8]?, adl: [UInt8]?, mailbox: [UInt8]?, host: [UInt8]?) {
        self.name = name
        self.adl = adl
        self.mailbox = mailbox
        self.host = host
    }

    /// RFC 9051 §7.5.2: "[RFC-5322] group syntax is indicated by a special form of address
    /// structure in which the host name field is NIL."
    public var isGroupStart: Bool { host == nil && mailbox != nil }
    public var isGroupEnd: Bool { host == nil && mailbox == nil }

    public var decodedName: String? { name.map { EncodedWords.decode($0) } }

    /// A mailbox without a domain gets Dovecot's placeholders, so that a NIL host never
    /// makes a client read a group marker; `<>` stays an empty mailbox and host.
    init(_ m: Mailbox) {
        name = m.displayName
        adl = m.route
        if m.localPart.isEmpty && m.domain == nil {
            mailbox = []
            host = []
            return
        }
        mailbox = m.localPart.isEmpty ? Array("MISSING_MAILBOX".utf8) : m.localPart
        host = (m.domain?.isEmpty ?? true) ? Array("MISSING_DOMAIN".utf8) : m.domain
    }

    static func list(_ elements: [AddressListElement]) -> [EnvelopeAddress] {
        var out: [EnvelopeAddress] = []
        for element in elements {
            switch element {
            case .mailbox(let m):
                out.append(EnvelopeAddress(m))
            case .group(let name, let members):
                out.append(EnvelopeAddress(name: nil, adl: nil, mailbox: name, host: nil))
                out.append(contentsOf: members.map(EnvelopeAddress.init))
                out.append(EnvelopeAddress(name: nil, adl: nil, mailbox: nil, host: nil))
            }
        }
        return out
    }
}

/// RFC 9051 §7.5.2 ENVELOPE. A nil string is NIL (field absent); a present but empty field
/// is an empty string. An empty address list is NIL.
public struct Envelope: Sendable, Equatable {
    public var date: [UInt8]?
    public var subject: [UInt8]?
    public var from: [EnvelopeAddress]
    public var sender: [EnvelopeAddress]
    public var replyTo: [EnvelopeAddress]
    public var to: [EnvelopeAddress]
    public var cc: [EnvelopeAddress]
    public var bcc: [EnvelopeAddress]
    public var inReplyTo: [UInt8]?
    public var messageID: [UInt8]?

    /// Builds the envelope from a message header (the first field of each name counts;
    /// RFC 5322 §3.6 allows each of these once).
    public init(header: Header) {
        var date: FieldRecord?, subject: FieldRecord?, inReplyTo: FieldRecord?, messageID: FieldRecord?
        var from: FieldRecord?, sender: FieldRecord?, replyTo: FieldRecord?, to: FieldRecord?, cc: FieldRecord?,
            bcc: FieldRecord?
        // One pass over the fields, dispatching on the name's length first.
        header.storage.withUnsafeBufferPointer { buf in
            func named(_ r: FieldRecord, _ key: StaticString) -> Bool {
                key.withUTF8Buffer { k in
                    for i in 0..<k.count where ASCII.lower(buf[r.start + i]) != ASCII.lower(k[i]) { return false }
                    return true
                }
            }
            for r in header.records {
                switch r.nameEnd - r.start {
                case 2:
                    if to == nil, named(r, "To") { to = r } else if cc == nil, named(r, "Cc") { cc = r }
                case 3:
                    if bcc == nil, named(r, "Bcc") { bcc = r }
                case 4:
                    if date == nil, named(r, "Date") { date = r } else if from == nil, named(r, "From") { from = r }
                case 6:
                    if sender == nil, named(r, "Sender") { sender = r }
                case 7:
                    if subject == nil, named(r, "Subject") { subject = r }
                case 8:
                    if replyTo == nil, named(r, "Reply-To") { replyTo = r }
                case 10:
                    if messageID == nil, named(r, "Message-ID") { messageID = r }
                case 11:
                    if inReplyTo == nil, named(r, "In-Reply-To") { inReplyTo = r }
                default:
                    break
                }
            }
        }
        let limit = header.limits.maxFieldLength
        func addresses(_ r: FieldRecord?) -> [EnvelopeAddress] {
            guard let r else { return [] }
            return EnvelopeAddress.list(AddressParser.parse(header.boundedValue(r), maxLength: limit))
        }
        func string(_ r: FieldRecord?) -> [UInt8]? {
            guard let r else { return nil }
            return unfoldedTrimmed(header.boundedValue(r))
        }
        self.date = string(date)
        self.subject = string(subject)
        self.inReplyTo = string(inReplyTo)
        self.messageID = string(messageID)
        self.from = addresses(from)
        // RFC 9051 §7.5.2: absent or empty Sender and Reply-To take the value of From.
        let senderList = addresses(sender)
        self.sender = senderList.isEmpty ? self.from : senderList
        let replyToList = addresses(replyTo)
        self.replyTo = replyToList.isEmpty ? self.from : replyToList
        self.to = addresses(to)
        self.cc = addresses(cc)
        self.bcc = addresses(bcc)
    }

    /// The Subject with RFC 2047 words decoded.
    public var decodedSubject: String? { subject.map { EncodedWords.decode($0) } }

    /// The Date parsed (RFC 5322 §3.3), for sorting and SEARCH SENTBEFORE/SENTON.
    public var parsedDate: (seconds: Int64, offsetSeconds: Int)? { date.flatMap { RFC5322Date.parse($0) } }
}
