// A MIME entity (RFC 2045 §2.4) of a parsed message, with the byte ranges IMAP needs to
// serve BODY[section] fetches by slicing the original bytes (RFC 9051 §6.4.5).

/// One part of the MIME tree. The message itself is the root part: its header is the
/// message header.
public struct MIMEPart: Sendable {
    /// This part's header block: the MIME header of a body part, the message header of the
    /// root part and of an encapsulated message's entity.
    public let header: Header
    /// The effective Content-Type: the field's value, or the RFC 2045 §5.2 / RFC 2046
    /// §5.1.5 default, or text/plain when a multipart has no usable boundary.
    public internal(set) var contentType: ContentType
    /// Content-Transfer-Encoding (RFC 2045 §6.1; default 7bit).
    public internal(set) var transferEncoding: TransferEncoding
    /// The body: after the header's blank line, up to (not including) the line break before
    /// the next boundary delimiter (RFC 2046 §5.1.1), or to the end of the enclosing part.
    public internal(set) var bodyRange: Range<Int>
    /// LF characters in the body (IMAP's body-fld-lines for text/* and message/rfc822 counts
    /// lines; Dovecot counts LFs the same way).
    public internal(set) var bodyLineCount: Int
    /// LFs in the body without a CR before them: the body's size in CRLF form is
    /// `bodyRange.count + bodyBareLineFeeds` (IMAP sizes are of the CRLF form).
    public internal(set) var bodyBareLineFeeds: Int
    /// LF characters and bare LFs in the header block.
    public internal(set) var headerLineCount: Int
    public internal(set) var headerBareLineFeeds: Int
    /// Body parts of a multipart, in order.
    public internal(set) var children: [MIMEPart]
    /// For message/rfc822 and message/global parts with an identity transfer encoding: the
    /// encapsulated message's entity (its header is the encapsulated message header).
    var encapsulated: [MIMEPart]
    /// The parser stopped at this part: a container that was not descended (a
    /// `MessageLimits` bound, or a boundary delimiter that cut its header short), or the
    /// part that reached `maxParts` and runs to the end of the message.
    public internal(set) var limitReached: Bool

    public var encapsulatedMessage: MIMEPart? { encapsulated.first }

    /// The header block, blank line included: BODY[n.MIME], or BODY[HEADER] for a message.
    public var headerRange: Range<Int> { header.range }

    /// The whole entity, header and body.
    public var range: Range<Int> { header.range.lowerBound..<max(header.range.lowerBound, bodyRange.upperBound) }

    /// A multipart that was parsed as one (it may still have no children when no delimiter
    /// was found).
    public var isMultipart: Bool { contentType.isMultipart && !limitReached }

    // MARK: fields parsed on demand (RFC 2045 §7-§8, RFC 2183, RFC 3282, RFC 2557, RFC 1864)

    /// Content-ID, unfolded, as written (a msg-id in angle brackets, normally).
    public var contentID: [UInt8]? { header.first("Content-ID")?.value }

    /// Content-Description, unfolded and undecoded (IMAP sends it raw; decode with
    /// `EncodedWords.decode`).
    public var contentDescription: [UInt8]? { header.first("Content-Description")?.value }

    /// RFC 2183 Content-Disposition, when present and parseable.
    public var contentDisposition: ContentDisposition? {
        guard let f = header.first("Content-Disposition") else { return nil }
        return ContentDisposition.parse(f.boundedValue(header.limits.maxFieldLength), limits: header.limits)
    }

    /// RFC 3282 Content-Language tags, in order.
    public var contentLanguage: [String] {
        guard let f = header.first("Content-Language") else { return [] }
        var lx = MIMELexer(f.boundedValue(header.limits.maxFieldLength))
        var tags: [String] = []
        while !lx.atEnd && tags.count < header.limits.maxParameters {
            lx.skipCFWS()
            if let tok = lx.token() {
                tags.append(String(decoding: tok, as: UTF8.self))
            } else if !lx.atEnd {
                lx.i += 1
            }
        }
        return tags
    }

    /// RFC 2557 §4.2 Content-Location: the URI with folding whitespace removed.
    public var contentLocation: [UInt8]? {
        guard let f = header.first("Content-Location") else { return nil }
        return f.value.filter { !ASCII.isWhitespace($0) }
    }

    /// RFC 1864 Content-MD5, as written.
    public var contentMD5: [UInt8]? { header.first("Content-MD5")?.value }

    /// The filename a client would show: Content-Disposition's `filename`, else
    /// Content-Type's `name` (RFC 2183 §2.3; `name` is the older convention).
    public var filename: String? {
        contentDisposition?["filename"] ?? contentType["name"]
    }

    /// The parts that IMAP section numbers index below this part (RFC 9051 §6.4.5): a
    /// multipart's children; for an encapsulated message, its entity's children when that
    /// is a multipart, else the entity itself (as part 1).
    var sectionChildren: [MIMEPart] {
        if let e = encapsulatedMessage {
            return e.isMultipart ? e.children : [e]
        }
        return isMultipart ? children : []
    }
}
