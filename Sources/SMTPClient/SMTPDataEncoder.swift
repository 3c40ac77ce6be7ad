// The DATA content as it goes on the wire (RFC 5321 §4.1.1.4, §4.5.2). Every line ending
// in the content, CRLF, bare LF or bare CR, leaves as CRLF (§2.3.8: bare CR and LF must
// not be sent); every line that starts with "." gets a second one (§4.5.2 transparency);
// lines longer than the limit are broken with CRLF SP; the content ends with CRLF and the
// terminating "." line. So the only <CRLF>.<CRLF> we send is our own, whatever the queue
// holds: no "\n.\n" or "\r.\r" can reach a server that would read it as the end of data
// (SMTP smuggling). Maildir and queue content may use LF line ends; the result is the same.

/// Incremental: feed the content in pieces of any size, then `finish`.
public struct SMTPDataEncoder: Sendable {
    let maxLineOctets: Int
    /// Octets written on the current output line.
    var column = 0
    /// The previous piece ended with a CR whose line ending is not decided yet.
    var pendingCR = false

    public init(maxLineOctets: Int = SMTPClientLimits().contentLineOctets) {
        self.maxLineOctets = max(maxLineOctets, 2)
    }

    /// Appends the encoding of `piece` to `out`.
    public mutating func encode(_ piece: some Collection<UInt8>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + piece.count + piece.count / 64 + 8)
        for byte in piece {
            if pendingCR {
                pendingCR = false
                // CR LF is one line ending; a CR followed by anything else was bare.
                endLine(&out)
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D:
                pendingCR = true
            case 0x0A:
                endLine(&out)
            default:
                if column == 0 && byte == UInt8(ascii: ".") {
                    out.append(UInt8(ascii: "."))
                    column = 1
                }
                if column >= maxLineOctets {
                    // Postfix's smtp_line_length_limit: break with CRLF SP, which keeps
                    // header fields folded rather than cut.
                    out.append(contentsOf: [0x0D, 0x0A, 0x20])
                    column = 1
                }
                out.append(byte)
                column += 1
            }
        }
    }

    /// The end of the content: a final CRLF if the content did not end with a line
    /// ending, then `.` CRLF.
    public mutating func finish(into out: inout [UInt8]) {
        if pendingCR {
            pendingCR = false
            endLine(&out)
        }
        if column > 0 { endLine(&out) }
        out.append(contentsOf: [UInt8(ascii: "."), 0x0D, 0x0A])
    }

    mutating func endLine(_ out: inout [UInt8]) {
        out.append(0x0D)
        out.append(0x0A)
        column = 0
    }

    /// The whole encoding of `content` in one call.
    public static func encode(_ content: some Collection<UInt8>, maxLineOctets: Int = SMTPClientLimits().contentLineOctets) -> [UInt8] {
        var encoder = SMTPDataEncoder(maxLineOctets: maxLineOctets)
        var out: [UInt8] = []
        encoder.encode(content, into: &out)
        encoder.finish(into: &out)
        return out
    }
}
