// The store does not parse messages. The composition layer injects an analyser built on the
// MIME parser; the store calls it when it fills the search index and caches what it returns.

/// Turns a message's bytes into what the store indexes. Must be pure and must not trap on any
/// input (messages are untrusted).
public protocol MessageAnalyzer: Sendable {
    func analyze(_ message: [UInt8]) -> MessageAnalysis
}

/// What the analyser extracts. Header values are decoded (RFC 2047) Unicode text; the store
/// case-folds them for SEARCH (RFC 9051 §6.4.4: case-insensitive substring matching).
public struct MessageAnalysis: Sendable, Hashable {
    public var subject: String
    public var from: String
    public var to: String
    public var cc: String
    public var bcc: String
    public var date: String
    /// All header text, decoded, for SEARCH TEXT.
    public var headerText: String
    /// Decoded text of the body parts (text/* and what the analyser can render as text).
    public var bodyText: String
    /// Opaque cache blobs for the IMAP layer (its ENVELOPE and BODYSTRUCTURE encodings).
    public var envelope: [UInt8]?
    public var bodyStructure: [UInt8]?

    public init(
        subject: String = "", from: String = "", to: String = "", cc: String = "", bcc: String = "",
        date: String = "", headerText: String = "", bodyText: String = "",
        envelope: [UInt8]? = nil, bodyStructure: [UInt8]? = nil
    ) {
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.date = date
        self.headerText = headerText
        self.bodyText = bodyText
        self.envelope = envelope
        self.bodyStructure = bodyStructure
    }
}

/// Header fields the index keeps for fast SEARCH (RFC 9051 §6.4.4 FROM, TO, CC, BCC, SUBJECT;
/// `date` is the Date: header text for SORT/diagnostics).
public enum SearchableHeader: String, Sendable, CaseIterable {
    case subject = "subject"
    case from = "fromText"
    case to = "toText"
    case cc = "ccText"
    case bcc = "bccText"
    case date = "dateText"
}

/// Where SEARCH looks for text (RFC 9051 §6.4.4 TEXT: header and body; BODY: body only).
public enum TextSearchScope: Sendable, Hashable {
    case text
    case body
}

/// Cached blobs of one message, as set by the IMAP layer or the analyser.
public struct CachedBlobs: Sendable, Hashable {
    public var envelope: [UInt8]?
    public var bodyStructure: [UInt8]?
    public init(envelope: [UInt8]? = nil, bodyStructure: [UInt8]? = nil) {
        self.envelope = envelope
        self.bodyStructure = bodyStructure
    }
}
