// RFC 2045 §6 Content-Transfer-Encoding: the encodings and their lenient decoders. Broken
// encodings are common (missing padding, stray characters, lower-case hex, soft breaks
// without a following line), so decoding never fails: it skips what it cannot use.

/// RFC 2045 §6.1 mechanism of a part.
public enum TransferEncoding: Sendable, Equatable, CustomStringConvertible {
    case sevenBit, eightBit, binary, quotedPrintable, base64
    /// An unknown mechanism (RFC 2045 §6.4: treat the body as application/octet-stream),
    /// lower-cased.
    case other(String)

    /// Parses a Content-Transfer-Encoding value (case-insensitive, comments allowed).
    public init(_ value: ArraySlice<UInt8>) {
        var lx = MIMELexer(value)
        lx.skipCFWS()
        guard let tok = lx.token() else { self = .sevenBit; return }
        switch ASCII.lowercasedString(tok) {
        case "7bit": self = .sevenBit
        case "8bit": self = .eightBit
        case "binary": self = .binary
        case "quoted-printable": self = .quotedPrintable
        case "base64": self = .base64
        case let other: self = .other(other)
        }
    }

    /// The lower-case RFC 2045 name.
    public var description: String {
        switch self {
        case .sevenBit: return "7bit"
        case .eightBit: return "8bit"
        case .binary: return "binary"
        case .quotedPrintable: return "quoted-printable"
        case .base64: return "base64"
        case .other(let name): return name
        }
    }

    /// Identity encodings (RFC 2045 §6.2): the body is its own content.
    public var isIdentity: Bool {
        switch self {
        case .sevenBit, .eightBit, .binary: return true
        default: return false
        }
    }
}

public enum TransferDecoding {
    /// Decodes `body` according to `encoding`; identity and unknown encodings return it as is.
    public static func decode<C: Collection<UInt8>>(_ body: C, encoding: TransferEncoding) -> [UInt8] {
        switch encoding {
        case .base64: return base64(body)
        case .quotedPrintable: return quotedPrintable(body)
        default: return Array(body)
        }
    }

    private static let base64Table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            t[Int(c)] = UInt8(i)
        }
        // RFC 4648 §5 URL-safe letters, seen in broken mail.
        t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// RFC 2045 §6.8 base64, leniently: characters outside the alphabet are skipped (§6.8
    /// says to ignore them), missing padding is tolerated, and "=" ends a quantum so that
    /// concatenated encoded blocks decode one after another.
    public static func base64<C: Collection<UInt8>>(_ input: C) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3 + 3)
        var acc: UInt32 = 0
        var n = 0
        base64Table.withUnsafeBufferPointer { table in
            for c in input {
                let v = table[Int(c)]
                if v == 0xFF {
                    if c == ASCII.equals {
                        // Padding: flush the partial quantum (2 or 3 sextets carry 1 or 2 bytes).
                        if n == 2 { out.append(UInt8(truncatingIfNeeded: acc >> 4)) }
                        if n == 3 {
                            out.append(UInt8(truncatingIfNeeded: acc >> 10))
                            out.append(UInt8(truncatingIfNeeded: acc >> 2))
                        }
                        acc = 0
                        n = 0
                    }
                    continue
                }
                acc = acc << 6 | UInt32(v)
                n += 1
                if n == 4 {
                    out.append(UInt8(truncatingIfNeeded: acc >> 16))
                    out.append(UInt8(truncatingIfNeeded: acc >> 8))
                    out.append(UInt8(truncatingIfNeeded: acc))
                    acc = 0
                    n = 0
                }
            }
        }
        if n == 2 { out.append(UInt8(truncatingIfNeeded: acc >> 4)) }
        if n == 3 {
            out.append(UInt8(truncatingIfNeeded: acc >> 10))
            out.append(UInt8(truncatingIfNeeded: acc >> 2))
        }
        return out
    }

    /// RFC 2045 §6.7 quoted-printable, leniently: `=XX` in either case, `=` before a line
    /// break (after optional trailing whitespace) is a soft break, trailing whitespace on a
    /// line is dropped (rule 3), and an `=` that starts neither is kept as a literal.
    /// Line breaks are kept as they are (CRLF or LF).
    public static func quotedPrintable<C: Collection<UInt8>>(_ input: C) -> [UInt8] {
        let s = Array(input)
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        let n = s.count
        while i < n {
            let b = s[i]
            if b == ASCII.equals {
                if i + 2 < n, let h = ASCII.hexValue(s[i + 1]), let l = ASCII.hexValue(s[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                    continue
                }
                // Soft line break: "=" WSP* (CRLF | LF | end of input).
                var j = i + 1
                while j < n, ASCII.isWSP(s[j]) { j += 1 }
                if j == n { i = n; continue }
                if s[j] == ASCII.lf { i = j + 1; continue }
                if s[j] == ASCII.cr, j + 1 < n, s[j + 1] == ASCII.lf { i = j + 2; continue }
                out.append(b)
                i += 1
                continue
            }
            if ASCII.isWSP(b) {
                // Rule 3: whitespace at the end of an encoded line is padding, not content.
                var j = i
                while j < n, ASCII.isWSP(s[j]) { j += 1 }
                if j == n || s[j] == ASCII.lf || (s[j] == ASCII.cr && j + 1 < n && s[j + 1] == ASCII.lf) {
                    i = j
                    continue
                }
                out.append(contentsOf: s[i..<j])
                i = j
                continue
            }
            out.append(b)
            i += 1
        }
        return out
    }
}
