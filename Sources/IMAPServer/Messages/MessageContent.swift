// The content FETCH serves from a message file (RFC 9051 §6.4.5 body sections, RFC 3516
// BINARY): byte ranges found by MessageFormat's parser, turned into their CRLF form (see
// LineEndings). Parsing happens once per message and only as far as needed: the header
// alone for BODY[HEADER...] of the message, the whole MIME tree for part numbers.

import IMAPProtocol
import MessageFormat
import NIOCore

struct MessageContent {
    let bytes: [UInt8]
    private var parsedMessage: Message?
    private var parsedHeader: Header?

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    enum Failure: Error {
        /// RFC 3516 §4.3: a Content-Transfer-Encoding the server cannot decode.
        case unknownTransferEncoding
    }

    mutating func message() -> Message {
        if let parsedMessage { return parsedMessage }
        let parsed = MessageParser.parse(bytes)
        parsedMessage = parsed
        return parsed
    }

    mutating func header() -> Header {
        if let parsedMessage { return parsedMessage.header }
        if let parsedHeader { return parsedHeader }
        let parsed = MessageParser.parseHeader(bytes)
        parsedHeader = parsed
        return parsed
    }

    /// `BODY[section]` in CRLF form; nil when the section does not exist (sent as NIL).
    mutating func section(_ section: Section) -> [UInt8]? {
        let part = section.part.map { Int($0) }
        if part.isEmpty {
            switch section.text {
            case nil:
                return LineEndings.crlf(bytes)
            case .header:
                return LineEndings.crlf(bytes[clamped(header().range)])
            case .text:
                let start = min(header().range.upperBound, bytes.count)
                return LineEndings.crlf(bytes[start...])
            case .headerFields(let names):
                return LineEndings.crlf(header().selectedFieldBytes(names, excluding: false))
            case .headerFieldsNot(let names):
                return LineEndings.crlf(header().selectedFieldBytes(names, excluding: true))
            case .mime:
                // The grammar allows MIME only after a part number.
                return nil
            }
        }
        let message = message()
        switch section.text {
        case nil:
            return message.range(of: part, .full).map { LineEndings.crlf(bytes[clamped($0)]) }
        case .header:
            return message.range(of: part, .header).map { LineEndings.crlf(bytes[clamped($0)]) }
        case .text:
            return message.range(of: part, .text).map { LineEndings.crlf(bytes[clamped($0)]) }
        case .mime:
            return message.range(of: part, .mime).map { LineEndings.crlf(bytes[clamped($0)]) }
        case .headerFields(let names):
            return message.header(at: part).map { LineEndings.crlf($0.selectedFieldBytes(names, excluding: false)) }
        case .headerFieldsNot(let names):
            return message.header(at: part).map { LineEndings.crlf($0.selectedFieldBytes(names, excluding: true)) }
        }
    }

    /// `BINARY[part]` (RFC 3516 §4.2): the part with its transfer encoding undone; the whole
    /// message for an empty part. Nil when the part does not exist.
    mutating func binary(_ part: [UInt32]) throws(Failure) -> [UInt8]? {
        guard !part.isEmpty else { return LineEndings.crlf(bytes) }
        let message = message()
        guard let mimePart = message.part(at: part.map { Int($0) }) else { return nil }
        if case .other = mimePart.transferEncoding { throw .unknownTransferEncoding }
        // Decoded from the CRLF form: quoted-printable hard line breaks and identity
        // encodings then give CRLF, as in the canonical form.
        let canonical = LineEndings.crlf(bytes[clamped(mimePart.bodyRange)])
        return TransferDecoding.decode(canonical, encoding: mimePart.transferEncoding)
    }

    /// BODY: the structure without extension data.
    mutating func bodyStructure() -> IMAPBodyStructure {
        IMAPBodyStructure(message().bodyStructure(lineEndings: .crlf))
    }

    private func clamped(_ range: Range<Int>) -> Range<Int> {
        let low = min(max(range.lowerBound, 0), bytes.count)
        return low..<min(max(range.upperBound, low), bytes.count)
    }
}

/// `<offset.length>` applied to section data (RFC 9051 §6.4.5: an offset beyond the end
/// gives an empty string).
func applyPartial(_ data: [UInt8], _ partial: Partial?) -> [UInt8] {
    guard let partial else { return data }
    let start = min(UInt64(data.count), partial.offset)
    let end = min(UInt64(data.count), start + min(partial.length, UInt64(Int.max) - start))
    return Array(data[Int(start)..<Int(end)])
}
