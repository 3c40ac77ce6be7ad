// RFC 9051 §7.5.2 BODYSTRUCTURE values: every field IMAP sends for a part, decided here
// (defaults, sizes, what an unparsed container becomes) so the IMAP server only encodes
// them (strings as quoted/literal, nil as NIL).

/// A part's BODYSTRUCTURE.
public indirect enum BodyStructure: Sendable, Equatable {
    /// body-type-1part: basic, text (`lines` set) or message (`message` and `lines` set).
    case single(SinglePart)
    /// body-type-mpart: at least one child (RFC 9051 §9 `1*body`).
    case multipart(Multipart)

    /// How sizes are counted. IMAP sizes are octets of the CRLF form (RFC 9051 §7.5.2
    /// body-fld-octets); a store that keeps bare-LF files asks for `.crlf`.
    public enum LineEndings: Sendable {
        case asStored, crlf
    }

    public struct Parameter: Sendable, Equatable {
        public var name: [UInt8]
        public var value: [UInt8]
    }

    public struct Disposition: Sendable, Equatable {
        public var type: [UInt8]
        public var parameters: [Parameter]
    }

    public struct SinglePart: Sendable, Equatable {
        public var type: [UInt8]
        public var subtype: [UInt8]
        /// body-fld-param (NIL when empty).
        public var parameters: [Parameter]
        public var id: [UInt8]?
        public var description: [UInt8]?
        /// body-fld-enc, e.g. "7BIT", "BASE64".
        public var encoding: [UInt8]
        /// body-fld-octets.
        public var size: Int
        /// body-fld-lines, for text/* and message/rfc822 / message/global.
        public var lines: Int?
        /// For message/rfc822 and message/global: the encapsulated message's envelope and
        /// body structure.
        public var message: EncapsulatedMessage?
        // Extension data (body-ext-1part).
        public var md5: [UInt8]?
        public var disposition: Disposition?
        public var language: [[UInt8]]
        public var location: [UInt8]?
    }

    public struct EncapsulatedMessage: Sendable, Equatable {
        public var envelope: Envelope
        public var body: BodyStructure
    }

    public struct Multipart: Sendable, Equatable {
        public var children: [BodyStructure]
        public var subtype: [UInt8]
        // Extension data (body-ext-mpart).
        public var parameters: [Parameter]
        public var disposition: Disposition?
        public var language: [[UInt8]]
        public var location: [UInt8]?
    }

    /// Dovecot's stand-in for a multipart without parts (the grammar needs one): an empty
    /// text/plain part.
    static let emptyTextPart = BodyStructure.single(SinglePart(
        type: Array("text".utf8), subtype: Array("plain".utf8),
        parameters: [Parameter(name: Array("charset".utf8), value: Array("us-ascii".utf8))],
        id: nil, description: nil, encoding: Array("7BIT".utf8), size: 0, lines: 0, message: nil,
        md5: nil, disposition: nil, language: [], location: nil))

    /// The structure of `part`. Recursion follows the parsed tree, whose depth
    /// `MessageLimits.maxNestingDepth` bounds.
    public init(_ part: MIMEPart, lineEndings: LineEndings = .crlf) {
        let ext = (disposition: BodyStructure.disposition(part), language: part.contentLanguage.map { Array($0.utf8) },
                   location: part.contentLocation)
        let params = part.contentType.parameters.map { p -> Parameter in
            let pair = p.imapPair
            return Parameter(name: pair.name, value: pair.value)
        }
        if part.isMultipart {
            var children = part.children.map { BodyStructure($0, lineEndings: lineEndings) }
            if children.isEmpty { children = [BodyStructure.emptyTextPart] }
            self = .multipart(Multipart(children: children, subtype: Array(part.contentType.subtype.utf8),
                                        parameters: params, disposition: ext.disposition, language: ext.language,
                                        location: ext.location))
            return
        }
        var type = part.contentType.type
        var subtype = part.contentType.subtype
        var parameters = params
        var message: EncapsulatedMessage? = nil
        if let entity = part.encapsulatedMessage {
            message = EncapsulatedMessage(envelope: Envelope(header: entity.header),
                                          body: BodyStructure(entity, lineEndings: lineEndings))
        } else if part.contentType.isMultipart || part.contentType.isEncapsulatedMessage {
            // A container that was not parsed (a limit, or an encoded message/rfc822):
            // what it holds is opaque, so say so rather than promise a structure.
            type = "application"
            subtype = "octet-stream"
            parameters = []
        }
        if type == "text" && !parameters.contains(where: { $0.name == Array("charset".utf8) }) {
            // RFC 2045 §5.2 default charset, stated explicitly as Dovecot does.
            parameters.append(Parameter(name: Array("charset".utf8), value: Array("us-ascii".utf8)))
        }
        let size = part.bodyRange.count + (lineEndings == .crlf ? part.bodyBareLineFeeds : 0)
        let hasLines = type == "text" || message != nil
        self = .single(SinglePart(
            type: Array(type.utf8), subtype: Array(subtype.utf8), parameters: parameters,
            id: part.contentID, description: part.contentDescription,
            encoding: Array(BodyStructure.encodingName(part.transferEncoding).utf8), size: size,
            lines: hasLines ? part.bodyLineCount : nil, message: message, md5: part.contentMD5,
            disposition: ext.disposition, language: ext.language, location: ext.location))
    }

    static func encodingName(_ e: TransferEncoding) -> String {
        switch e {
        case .sevenBit: return "7BIT"
        case .eightBit: return "8BIT"
        case .binary: return "BINARY"
        case .quotedPrintable: return "QUOTED-PRINTABLE"
        case .base64: return "BASE64"
        case .other(let name): return name
        }
    }

    static func disposition(_ part: MIMEPart) -> Disposition? {
        guard let d = part.contentDisposition else { return nil }
        return Disposition(type: Array(d.type.utf8), parameters: d.parameters.map {
            let pair = $0.imapPair
            return Parameter(name: pair.name, value: pair.value)
        })
    }
}

extension Message {
    /// RFC 9051 §7.5.2 BODYSTRUCTURE of the message.
    public func bodyStructure(lineEndings: BodyStructure.LineEndings = .crlf) -> BodyStructure {
        BodyStructure(root, lineEndings: lineEndings)
    }

    /// RFC 9051 §7.5.2 RFC822.SIZE: the message's size in octets of its CRLF form.
    public var crlfSize: Int {
        bytes.count + root.headerBareLineFeeds + root.bodyBareLineFeeds
    }
}
