/// Modified UTF-7, the IMAP4rev1 encoding of international mailbox names (RFC 3501 §5.1.3,
/// RFC 9051 Appendix A): printable US-ASCII stands for itself, `&` is written `&-`, and any
/// other run of characters is UTF-16BE in modified base64 (`,` for `/`, no padding) between
/// `&` and `-`.
public enum ModifiedUTF7 {
    public enum DecodingError: Error, Hashable, Sendable {
        /// A byte outside printable US-ASCII (8-bit or a control) appears unencoded.
        case unencodedCharacter
        /// `&` without a closing `-`.
        case unterminatedShift
        /// A character not in the modified base64 alphabet inside a shift.
        case invalidBase64
        /// Leftover bits that are not zero padding, or an odd number of octets.
        case invalidPadding
        /// A lone UTF-16 surrogate.
        case invalidSurrogate
        /// Printable US-ASCII encoded in base64: RFC 3501 §5.1.3 forbids it ("MUST NOT").
        case nonCanonical
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    private static func value(of byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: ","): 63
        default: nil
        }
    }

    /// Encodes a Unicode mailbox name.
    public static func encode(_ name: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count)
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            out.append(UInt8(ascii: "&"))
            var bits: UInt32 = 0
            var count = 0
            for unit in pending {
                bits = (bits << 16) | UInt32(unit)
                count += 16
                while count >= 6 {
                    count -= 6
                    out.append(alphabet[Int((bits >> UInt32(count)) & 0x3F)])
                }
                bits &= (1 << UInt32(count)) - 1
            }
            if count > 0 {
                out.append(alphabet[Int((bits << UInt32(6 - count)) & 0x3F)])
            }
            out.append(UInt8(ascii: "-"))
            pending.removeAll(keepingCapacity: true)
        }
        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                out.append(UInt8(scalar.value))
                if scalar == "&" { out.append(UInt8(ascii: "-")) }
            } else {
                if scalar.value > 0xFFFF {
                    let v = scalar.value - 0x10000
                    pending.append(UInt16(0xD800 + (v >> 10)))
                    pending.append(UInt16(0xDC00 + (v & 0x3FF)))
                } else {
                    pending.append(UInt16(scalar.value))
                }
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a modified UTF-7 name, strictly: only the canonical form RFC 3501 §5.1.3
    /// describes is accepted, so that one mailbox has one name on the wire.
    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodingError) -> String {
        var scalars = String.UnicodeScalarView()
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            guard byte >= 0x20 && byte <= 0x7E else { throw .unencodedCharacter }
            guard byte == UInt8(ascii: "&") else {
                scalars.append(Unicode.Scalar(byte))
                continue
            }
            var bits: UInt32 = 0
            var count = 0
            var units: [UInt16] = []
            var terminated = false
            var empty = true
            while let b = iterator.next() {
                if b == UInt8(ascii: "-") { terminated = true; break }
                guard let v = value(of: b) else { throw .invalidBase64 }
                empty = false
                bits = (bits << 6) | v
                count += 6
                if count >= 16 {
                    count -= 16
                    units.append(UInt16(truncatingIfNeeded: bits >> UInt32(count)))
                    bits &= (1 << UInt32(count)) - 1
                }
            }
            guard terminated else { throw .unterminatedShift }
            if empty {
                scalars.append("&")
                continue
            }
            // Leftover must be fewer than 6 zero bits (RFC 2152 §2 padding rule).
            guard count < 6, bits == 0, !units.isEmpty else { throw .invalidPadding }
            var index = 0
            while index < units.count {
                let unit = units[index]
                let scalar: Unicode.Scalar?
                if UTF16.isLeadSurrogate(unit) {
                    guard index + 1 < units.count, UTF16.isTrailSurrogate(units[index + 1]) else { throw .invalidSurrogate }
                    let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(units[index + 1]) - 0xDC00)
                    scalar = Unicode.Scalar(value)
                    index += 2
                } else {
                    guard !UTF16.isTrailSurrogate(unit) else { throw .invalidSurrogate }
                    scalar = Unicode.Scalar(UInt32(unit))
                    index += 1
                }
                guard let scalar else { throw .invalidSurrogate }
                guard !(scalar.value >= 0x20 && scalar.value <= 0x7E) else { throw .nonCanonical }
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}
