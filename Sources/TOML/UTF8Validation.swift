// TOML spec "Spec": "A TOML file must be a valid UTF-8 encoded Unicode document."
// Well-formed UTF-8 per RFC 3629 §4 (Unicode Table 3-7): no overlong forms, no surrogates,
// nothing above U+10FFFF.

enum UTF8Validation {
    /// The offset of the first byte that does not begin a well-formed sequence, or nil.
    static func firstInvalidOffset(in bytes: [UInt8], from start: Int) -> Int? {
        var i = start
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            // Allowed range of the second byte and the total length, by lead byte.
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0          // no overlong 3-byte forms
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F         // no surrogates (U+D800...U+DFFF)
            case 0xF0: length = 4; low = 0x90          // no overlong 4-byte forms
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F         // nothing above U+10FFFF
            default: return i
            }
            guard i + length <= n, bytes[i + 1] >= low, bytes[i + 1] <= high else { return i }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }
}
