// RFC 6152 §3 (and RFC 1652 before it): 8-bit MIME content may go to a server without
// 8BITMIME only after conversion to 7 bit. As Postfix does (disable_mime_output_conversion
// = no), each leaf part whose body has 8-bit octets is re-encoded as quoted-printable
// (RFC 2045 §6.7) and its Content-Transfer-Encoding changed; message/rfc822 parts are
// converted inside and relabelled 7bit (RFC 2046 §5.2.1). A message that cannot be
// converted this way comes back nil and is returned to its sender (5.6.3): 8-bit octets in
// a header (those would need RFC 2047 re-encoding of arbitrary fields), in a multipart
// preamble or epilogue, or in a body that claims base64 or quoted-printable already.
// Pure: bytes in, bytes or nil out; the MIME structure is MessageFormat's, within its
// limits.

import MessageFormat

public enum SevenBitDowngrade {
    /// RFC 2045 §6.7 rule 5: encoded lines are at most 76 characters.
    static let maxEncodedLine = 76

    /// The 7-bit form of `content`, or nil when it cannot be converted.
    public static func convert(_ content: [UInt8]) -> [UInt8]? {
        guard content.contains(where: { $0 >= 0x80 }) else { return content }
        let message = MessageParser.parse(content)
        var edits: [(range: Range<Int>, bytes: [UInt8])] = []
        guard visit(message.root, in: content, top: true, edits: &edits) else { return nil }
        edits.sort { $0.range.lowerBound < $1.range.lowerBound }
        var out: [UInt8] = []
        out.reserveCapacity(content.count + content.count / 3)
        var position = 0
        for edit in edits {
            guard edit.range.lowerBound >= position else { return nil }   // overlapping edits: refuse
            out.append(contentsOf: content[position..<edit.range.lowerBound])
            out.append(contentsOf: edit.bytes)
            position = edit.range.upperBound
        }
        out.append(contentsOf: content[position...])
        return out.contains(where: { $0 >= 0x80 }) ? nil : out
    }

    /// Adds the edits that make `part` 7-bit; false when it cannot be done.
    static func visit(_ part: MIMEPart, in content: [UInt8], top: Bool, edits: inout [(range: Range<Int>, bytes: [UInt8])]) -> Bool {
        guard part.limitReached == false else { return false }
        if content[part.header.range].contains(where: { $0 >= 0x80 }) { return false }
        let body = content[part.bodyRange]
        guard body.contains(where: { $0 >= 0x80 }) else { return true }
        let lineEnd: [UInt8] = lineEnding(of: part, in: content)
        if part.isMultipart {
            // Outside the children only boundary lines, preamble and epilogue remain.
            var covered = part.children.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
            covered.append(part.bodyRange.upperBound..<part.bodyRange.upperBound)
            var start = part.bodyRange.lowerBound
            for r in covered {
                if start < r.lowerBound && content[start..<min(r.lowerBound, part.bodyRange.upperBound)].contains(where: { $0 >= 0x80 }) {
                    return false
                }
                start = max(start, r.upperBound)
            }
            return part.children.allSatisfy { visit($0, in: content, top: false, edits: &edits) }
        }
        if let inner = part.encapsulatedMessage {
            guard visit(inner, in: content, top: false, edits: &edits) else { return false }
            return relabel(part, as: "7bit", lineEnd: lineEnd, top: top, edits: &edits)
        }
        switch part.transferEncoding {
        case .base64, .quotedPrintable, .other:
            return false
        case .sevenBit, .eightBit, .binary:
            edits.append((part.bodyRange, quotedPrintable(body, lineEnd: lineEnd)))
            return relabel(part, as: "quoted-printable", lineEnd: lineEnd, top: top, edits: &edits)
        }
    }

    /// Replaces (or adds) the part's Content-Transfer-Encoding field; a top-level message
    /// without MIME-Version gets one (RFC 2045 §4).
    static func relabel(_ part: MIMEPart, as encoding: String, lineEnd: [UInt8], top: Bool, edits: inout [(range: Range<Int>, bytes: [UInt8])]) -> Bool {
        let field = Array("Content-Transfer-Encoding: \(encoding)".utf8) + lineEnd
        let fields = part.header.all("Content-Transfer-Encoding")
        if let first = fields.first {
            edits.append((first.range, field))
            for extra in fields.dropFirst() { edits.append((extra.range, [])) }
            return true
        }
        guard part.header.hasTerminatingBlankLine else { return false }
        let insertAt = part.header.range.upperBound - lineEnd.count
        var added = field
        if top && !part.header.contains("MIME-Version") { added = Array("MIME-Version: 1.0".utf8) + lineEnd + added }
        edits.append((insertAt..<insertAt, added))
        return true
    }

    /// The line ending the part's header uses (CRLF in the queue; LF when stored so).
    static func lineEnding(of part: MIMEPart, in content: [UInt8]) -> [UInt8] {
        let h = part.header.range
        if h.count >= 2 && content[h.upperBound - 2] == 0x0D && content[h.upperBound - 1] == 0x0A { return [0x0D, 0x0A] }
        if let lf = content[part.range].firstIndex(of: 0x0A), lf > part.range.lowerBound, content[lf - 1] != 0x0D { return [0x0A] }
        return [0x0D, 0x0A]
    }

    /// RFC 2045 §6.7: line breaks of the body kept as hard breaks, `=XX` for octets
    /// outside 33-126 (and for "="), space and tab literal except before a line break,
    /// soft breaks ("=" at the end) to keep lines within 76 characters. A bare CR is
    /// encoded, never left to end a line.
    public static func quotedPrintable(_ body: some Collection<UInt8>, lineEnd: [UInt8] = [0x0D, 0x0A]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        let bytes = Array(body)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 2)
        var column = 0
        func emit(_ token: [UInt8]) {
            if column + token.count > maxEncodedLine - 1 {
                out.append(UInt8(ascii: "="))
                out.append(contentsOf: lineEnd)
                column = 0
            }
            out.append(contentsOf: token)
            column += token.count
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let atLineEnd = i + 1 >= bytes.count || bytes[i + 1] == 0x0A || (bytes[i + 1] == 0x0D && i + 2 < bytes.count && bytes[i + 2] == 0x0A)
            if b == 0x0A || (b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) {
                out.append(contentsOf: lineEnd)
                column = 0
                i += b == 0x0D ? 2 : 1
                continue
            }
            if (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 0x20 || b == 0x09) && !atLineEnd) {
                // A line-leading "." stays literal: SMTP transparency (dot-stuffing) handles it.
                emit([b])
            } else {
                emit([UInt8(ascii: "="), hex[Int(b >> 4)], hex[Int(b & 15)]])
            }
            i += 1
        }
        return out
    }
}
