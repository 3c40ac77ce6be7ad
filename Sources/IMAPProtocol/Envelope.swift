/// The octets of an IMAP string value as they come from a message (header bytes, possibly not
/// UTF-8); the encoder chooses quoted or literal form.
public struct IMAPString: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }
    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// ```
/// address         = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
/// addr-adl        = nstring
/// addr-host       = nstring
/// addr-mailbox    = nstring
/// addr-name       = nstring
/// ```
public struct IMAPAddress: Hashable, Sendable {
    public var name: IMAPString?
    /// The source route (obsolete; normally nil).
    public var adl: IMAPString?
    public var mailbox: IMAPString?
    public var host: IMAPString?

    public init(name: IMAPString?, adl: IMAPString? = nil, mailbox: IMAPString?, host: IMAPString?) {
        self.name = name
        self.adl = adl
        self.mailbox = mailbox
        self.host = host
    }
}

/// An element of an address list: RFC 9051 §7.5.2 encodes a group as a start marker
/// `(NIL NIL "name" NIL)`, its members, and an end marker `(NIL NIL NIL NIL)`.
public enum IMAPAddressListItem: Hashable, Sendable {
    case address(IMAPAddress)
    case group(name: IMAPString, members: [IMAPAddress])
}

/// ```
/// envelope        = "(" env-date SP env-subject SP env-from SP
///                   env-sender SP env-reply-to SP env-to SP env-cc SP
///                   env-bcc SP env-in-reply-to SP env-message-id ")"
/// env-from        = "(" 1*address ")" / nil      ; likewise sender, reply-to, to, cc, bcc
/// env-date        = nstring                      ; likewise subject, in-reply-to, message-id
/// ```
/// An empty address list is written NIL. RFC 9051 §7.5.2 says the server fills sender and
/// reply-to from From when absent; that defaulting is the caller's (it knows the headers).
public struct IMAPEnvelope: Hashable, Sendable {
    public var date: IMAPString?
    public var subject: IMAPString?
    public var from: [IMAPAddressListItem]
    public var sender: [IMAPAddressListItem]
    public var replyTo: [IMAPAddressListItem]
    public var to: [IMAPAddressListItem]
    public var cc: [IMAPAddressListItem]
    public var bcc: [IMAPAddressListItem]
    public var inReplyTo: IMAPString?
    public var messageID: IMAPString?

    public init(date: IMAPString? = nil, subject: IMAPString? = nil, from: [IMAPAddressListItem] = [],
                sender: [IMAPAddressListItem] = [], replyTo: [IMAPAddressListItem] = [], to: [IMAPAddressListItem] = [],
                cc: [IMAPAddressListItem] = [], bcc: [IMAPAddressListItem] = [], inReplyTo: IMAPString? = nil,
                messageID: IMAPString? = nil) {
        self.date = date
        self.subject = subject
        self.from = from
        self.sender = sender
        self.replyTo = replyTo
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.inReplyTo = inReplyTo
        self.messageID = messageID
    }
}

/// `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil`
public struct BodyParameter: Hashable, Sendable {
    public var name: IMAPString
    public var value: IMAPString

    public init(_ name: IMAPString, _ value: IMAPString) {
        self.name = name
        self.value = value
    }
}

/// `body-fld-dsp = "(" string SP body-fld-param ")" / nil`
public struct BodyDisposition: Hashable, Sendable {
    public var kind: IMAPString
    public var parameters: [BodyParameter]

    public init(_ kind: IMAPString, parameters: [BodyParameter] = []) {
        self.kind = kind
        self.parameters = parameters
    }
}

/// `body-extension = nstring / number64 / "(" body-extension *(SP body-extension) ")"`:
/// extension data after body-fld-loc, for future RFCs.
public indirect enum BodyExtension: Hashable, Sendable {
    case string(IMAPString?)
    case number(UInt64)
    case list([BodyExtension])
}

/// The extension data common to both kinds of part, after md5 (single) or the parameters
/// (multipart): `[SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]`.
public struct BodyExtensionFields: Hashable, Sendable {
    public var disposition: BodyDisposition?
    /// `body-fld-lang = nstring / "(" string *(SP string) ")"`: empty is NIL.
    public var language: [IMAPString]
    public var location: IMAPString?
    public var extensions: [BodyExtension]

    public init(disposition: BodyDisposition? = nil, language: [IMAPString] = [], location: IMAPString? = nil,
                extensions: [BodyExtension] = []) {
        self.disposition = disposition
        self.language = language
        self.location = location
        self.extensions = extensions
    }
}

/// `body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets`
public struct BodyFields: Hashable, Sendable {
    public var parameters: [BodyParameter]
    public var id: IMAPString?
    public var description: IMAPString?
    /// `body-fld-enc`: "7BIT", "BASE64"...
    public var encoding: IMAPString
    public var octets: UInt32

    public init(parameters: [BodyParameter] = [], id: IMAPString? = nil, description: IMAPString? = nil,
                encoding: IMAPString = "7BIT", octets: UInt32) {
        self.parameters = parameters
        self.id = id
        self.description = description
        self.encoding = encoding
        self.octets = octets
    }
}

/// The BODY / BODYSTRUCTURE tree (RFC 9051 §7.5.2 and §9):
///
/// ```
/// body            = "(" (body-type-1part / body-type-mpart) ")"
/// body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
/// body-type-basic = media-basic SP body-fields
/// body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
/// body-type-text  = media-text SP body-fields SP body-fld-lines
/// body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
/// body-ext-1part  = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
/// body-ext-mpart  = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
/// ```
public indirect enum IMAPBodyStructure: Hashable, Sendable {
    case singlePart(SinglePart)
    case multipart(Multipart)

    public struct SinglePart: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            /// `media-basic`: any type but TEXT and MESSAGE/RFC822|GLOBAL.
            case basic(type: IMAPString, subtype: IMAPString)
            /// `media-text`, with `body-fld-lines`.
            case text(subtype: IMAPString, lines: UInt32)
            /// `media-message` (MESSAGE/RFC822 or MESSAGE/GLOBAL) with the inner message.
            case message(subtype: IMAPString, envelope: IMAPEnvelope, body: IMAPBodyStructure, lines: UInt32)
        }

        public var kind: Kind
        public var fields: BodyFields
        /// `body-fld-md5` (extension data).
        public var md5: IMAPString?
        /// Disposition, language, location (extension data).
        public var extensionFields: BodyExtensionFields

        public init(kind: Kind, fields: BodyFields, md5: IMAPString? = nil,
                    extensionFields: BodyExtensionFields = BodyExtensionFields()) {
            self.kind = kind
            self.fields = fields
            self.md5 = md5
            self.extensionFields = extensionFields
        }
    }

    public struct Multipart: Hashable, Sendable {
        public var parts: [IMAPBodyStructure]
        public var subtype: IMAPString
        /// The Content-Type parameters (extension data, `body-fld-param`).
        public var parameters: [BodyParameter]
        public var extensionFields: BodyExtensionFields

        public init(parts: [IMAPBodyStructure], subtype: IMAPString, parameters: [BodyParameter] = [],
                    extensionFields: BodyExtensionFields = BodyExtensionFields()) {
            self.parts = parts
            self.subtype = subtype
            self.parameters = parameters
            self.extensionFields = extensionFields
        }
    }
}
