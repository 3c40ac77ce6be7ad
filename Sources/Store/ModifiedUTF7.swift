// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3), the form Courier and Dovecot use for
// Maildir++ folder directory names: printable US-ASCII except `&` stands for itself, `&` is
// `&-`, and other characters are UTF-16BE in modified BASE64 (`,` for `/`, no padding)
// between `&` and `-`.

enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    static func encode(_ text: String) -> String {
        var out: [UInt8] = []
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            out.append(UInt8(ascii: "&"))
            var bytes: [UInt8] = []
            for unit in pending { bytes.append(UInt8(unit >> 8)); bytes.append(UInt8(unit & 0xFF)) }
            var i = 0
            while i < bytes.count {
                let b0 = bytes[i]
                let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
                let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
                out.append(alphabet[Int(b0 >> 2)])
                out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
                if i + 1 < bytes.count { out.append(alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)]) }
                if i + 2 < bytes.count { out.append(alphabet[Int(b2 & 0x3F)]) }
                i += 3
            }
            out.append(UInt8(ascii: "-"))
            pending.removeAll()
        }
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20, scalar.value <= 0x7E {
                flush()
                out.append(UInt8(scalar.value))
                if scalar == "&" { out.append(UInt8(ascii: "-")) }
            } else {
                pending.append(contentsOf: UTF16.encode(scalar).map { Array($0) } ?? [])
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict decoding: nil for anything RFC 3501 §5.1.3 does not allow (8-bit bytes, an
    /// unterminated shift, printable ASCII encoded in BASE64, non-zero padding bits, unpaired
    /// surrogates).
    static func decode(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            guard byte >= 0x20, byte <= 0x7E else { return nil }
            if byte != UInt8(ascii: "&") {
                scalars.append(Unicode.Scalar(byte))
                i += 1
                continue
            }
            i += 1
            guard let end = bytes[i...].firstIndex(of: UInt8(ascii: "-")) else { return nil }
            if end == i {  // "&-"
                scalars.append("&")
                i += 1
                continue
            }
            var accumulator: UInt32 = 0
            var bits = 0
            var units: [UInt16] = []
            var pendingByte: UInt8?
            for c in bytes[i..<end] {
                guard let v = alphabet.firstIndex(of: c) else { return nil }
                accumulator = accumulator << 6 | UInt32(v)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    let b = UInt8((accumulator >> UInt32(bits)) & 0xFF)
                    if let high = pendingByte {
                        units.append(UInt16(high) << 8 | UInt16(b))
                        pendingByte = nil
                    } else {
                        pendingByte = b
                    }
                }
            }
            // Leftover bits must be zero padding, and no half UTF-16 unit may remain.
            guard pendingByte == nil, bits < 6, accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
            var decoded = String.UnicodeScalarView()
            var iterator = units.makeIterator()
            var decoder = UTF16()
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let s):
                    // Printable ASCII must not be shifted (RFC 3501 §5.1.3).
                    if s.value >= 0x20, s.value <= 0x7E { return nil }
                    decoded.append(s)
                case .emptyInput: break loop
                case .error: return nil
                }
            }
            guard !decoded.isEmpty else { return nil }
            scalars.append(contentsOf: decoded)
            i = end + 1
        }
        return String(scalars)
    }
}
