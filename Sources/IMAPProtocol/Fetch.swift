/// A body section (RFC 9051 §9):
///
/// ```
/// section         = "[" [section-spec] "]"
/// section-spec    = section-msgtext / (section-part ["." section-text])
/// section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
/// section-part    = nz-number *("." nz-number)
/// section-text    = section-msgtext / "MIME"
/// ```
public struct Section: Hashable, Sendable, CustomStringConvertible {
    public enum Text: Hashable, Sendable {
        case header
        case headerFields([String])
        case headerFieldsNot([String])
        case text
        /// Only after a part number (`section-text`).
        case mime
    }

    /// `1.2.3`; empty for the whole message.
    public var part: [UInt32]
    public var text: Text?

    public init(part: [UInt32] = [], text: Text? = nil) {
        self.part = part
        self.text = text
    }

    /// `BODY[]`
    public static let whole = Section()

    /// The text between the brackets, as the FETCH response repeats it.
    public var description: String {
        var s = part.map(String.init).joined(separator: ".")
        guard let text else { return s }
        if !s.isEmpty { s += "." }
        switch text {
        case .header: s += "HEADER"
        case .headerFields(let names): s += "HEADER.FIELDS (" + names.joined(separator: " ") + ")"
        case .headerFieldsNot(let names): s += "HEADER.FIELDS.NOT (" + names.joined(separator: " ") + ")"
        case .text: s += "TEXT"
        case .mime: s += "MIME"
        }
        return s
    }
}

/// `partial = "<" number64 "." nz-number64 ">"` (RFC 9051 §9).
public struct Partial: Hashable, Sendable {
    public var offset: UInt64
    public var length: UInt64

    public init(offset: UInt64, length: UInt64) {
        self.offset = offset
        self.length = length
    }
}

/// What FETCH asks for (RFC 9051 §6.4.5), with RFC822* of RFC 3501, MODSEQ of RFC 7162 §3.1.4.1
/// and BINARY of RFC 3516. The macros ALL, FAST and FULL are expanded by the parser.
public enum FetchAttribute: Hashable, Sendable {
    case envelope
    case flags
    case internalDate
    case rfc822Size
    /// RFC 3501: like BODY[] (sets \Seen).
    case rfc822
    /// RFC 3501: like BODY.PEEK[HEADER].
    case rfc822Header
    /// RFC 3501: like BODY[TEXT] (sets \Seen).
    case rfc822Text
    /// `BODY`: the non-extensible body structure.
    case body
    case bodyStructure
    case uid
    case modSeq
    /// `BODY[section]<partial>` or, with `peek`, `BODY.PEEK[...]`.
    case bodySection(Section, partial: Partial?, peek: Bool)
    /// `BINARY[part]<partial>` / `BINARY.PEEK[...]` (`section-binary = "[" [section-part] "]"`).
    case binary(part: [UInt32], partial: Partial?, peek: Bool)
    /// `BINARY.SIZE[part]`
    case binarySize(part: [UInt32])

    /// RFC 9051 §6.4.5: `ALL` = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE).
    public static let all: [FetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope]
    /// `FAST` = (FLAGS INTERNALDATE RFC822.SIZE).
    public static let fast: [FetchAttribute] = [.flags, .internalDate, .rfc822Size]
    /// `FULL` = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY).
    public static let full: [FetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope, .body]
}

/// FETCH modifiers (RFC 4466 §2.4), those of RFC 7162:
///
/// ```
/// fetch-modifier =/ chgsince-fetch-mod / "VANISHED"
/// chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value
/// ```
public struct FetchModifiers: Hashable, Sendable {
    public var changedSince: UInt64?
    /// RFC 7162 §3.2.6: only with UID FETCH and CHANGEDSINCE (the parser checks).
    public var vanished: Bool

    public init(changedSince: UInt64? = nil, vanished: Bool = false) {
        self.changedSince = changedSince
        self.vanished = vanished
    }
}

public struct FetchCommand: Hashable, Sendable {
    public var sequenceSet: SequenceSet
    public var attributes: [FetchAttribute]
    public var modifiers: FetchModifiers

    public init(sequenceSet: SequenceSet, attributes: [FetchAttribute], modifiers: FetchModifiers = FetchModifiers()) {
        self.sequenceSet = sequenceSet
        self.attributes = attributes
        self.modifiers = modifiers
    }
}
