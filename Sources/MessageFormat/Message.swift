// A parsed message and the entry points: full MIME parse, and a header-only fast path for
// ENVELOPE. Section addressing follows RFC 9051 §6.4.5.

/// A message: its bytes and the MIME tree over them.
public struct Message: Sendable {
    /// The message as given; every range in the tree is an offset into it.
    public let bytes: [UInt8]
    /// The message as a MIME entity: header = the message header.
    public let root: MIMEPart

    public var header: Header { root.header }

    /// RFC 9051 §7.5.2 ENVELOPE of the message.
    public var envelope: Envelope { Envelope(header: root.header) }

    /// The bytes of a range of this message.
    public subscript(_ range: Range<Int>) -> ArraySlice<UInt8> {
        let lo = min(max(range.lowerBound, 0), bytes.count)
        let hi = min(max(range.upperBound, lo), bytes.count)
        return bytes[lo..<hi]
    }

    /// The part at an IMAP section number (RFC 9051 §6.4.5), e.g. `[1, 2]` for "1.2".
    /// A non-multipart message's body is part 1; the parts of an encapsulated message are
    /// numbered under the message/rfc822 part. Nil for a number that does not exist.
    public func part(at section: [Int]) -> MIMEPart? {
        guard !section.isEmpty else { return nil }
        var candidates = root.isMultipart ? root.children : [root]
        var current: MIMEPart? = nil
        for n in section {
            guard n >= 1, n <= candidates.count else { return nil }
            let part = candidates[n - 1]
            current = part
            candidates = part.sectionChildren
        }
        return current
    }

    /// Byte range of a section part (RFC 9051 §6.4.5), or nil when it does not exist:
    /// - `.full` with an empty section: the whole message; `[n]`: the part's body (for a
    ///   message/rfc822 part, the whole encapsulated message);
    /// - `.header` / `.text`: the message's header/body with an empty section, else those of
    ///   the encapsulated message of a message/rfc822 part (nil for other parts);
    /// - `.mime`: the part's MIME header (not valid with an empty section).
    public func range(of section: [Int], _ specifier: SectionSpecifier = .full) -> Range<Int>? {
        if section.isEmpty {
            switch specifier {
            case .full: return 0..<bytes.count
            case .header: return root.headerRange
            case .text: return root.bodyRange
            case .mime: return nil
            }
        }
        guard let part = part(at: section) else { return nil }
        switch specifier {
        case .full: return part.bodyRange
        case .mime: return part.headerRange
        case .header: return part.encapsulatedMessage?.headerRange
        case .text: return part.encapsulatedMessage?.bodyRange
        }
    }

    /// A part's body with its Content-Transfer-Encoding undone: IMAP BINARY (RFC 3516 §4.2)
    /// and attachment extraction. Identity and unknown encodings come back as stored
    /// (`part.transferEncoding` says which; RFC 3516 answers UNKNOWN-CTE for `.other`).
    public func decodedBody(_ part: MIMEPart) -> [UInt8] {
        TransferDecoding.decode(self[part.bodyRange], encoding: part.transferEncoding)
    }

    /// The header addressed by HEADER / HEADER.FIELDS at a section: the message's header
    /// for an empty section, the encapsulated message's for a message/rfc822 part.
    public func header(at section: [Int]) -> Header? {
        if section.isEmpty { return root.header }
        return part(at: section)?.encapsulatedMessage?.header
    }
}

/// The section-text kinds of RFC 9051 §6.4.5 that address a byte range.
public enum SectionSpecifier: Sendable, Equatable {
    case full, header, text, mime
}

public enum MessageParser {
    /// Parses the whole MIME structure. Never fails: malformed input degrades to opaque
    /// parts, and `limits` bound the work and the tree.
    public static func parse(_ bytes: [UInt8], limits: MessageLimits = .init()) -> Message {
        Message(bytes: bytes, root: MIMEStructureParser.parse(bytes, limits: limits))
    }

    /// Parses only the header block (up to the first empty line): the fast path for
    /// ENVELOPE and header searches. The body is not read.
    public static func parseHeader(_ bytes: [UInt8], limits: MessageLimits = .init()) -> Header {
        bytes.withUnsafeBufferPointer { buf in
            HeaderParser.scan(bytes, buf, start: 0, end: buf.count, limits: limits).header
        }
    }
}
