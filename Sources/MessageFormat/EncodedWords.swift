// RFC 2047 encoded words: "=?" charset ["*" language] "?" encoding "?" encoded-text "?=".
// Decoding follows RFC 2047 §6: whitespace between two adjacent encoded words is dropped
// (§6.2), a word that does not parse is left as it is (§6.3). Lenient like Dovecot and
// Thunderbird: words glued to surrounding text are decoded too, and adjacent words in the
// same charset are joined before conversion so a character split across words survives.

public enum EncodedWords {
    /// Longest charset name and encoded text we look at in one word; RFC 2047 §2 caps a
    /// whole word at 75 characters, real mail exceeds that, so this is generous.
    static let maxCharsetLength = 64

    /// Decodes the encoded words in a header value; the rest is read as UTF-8 (RFC 6532).
    public static func decode<C: Collection<UInt8>>(_ input: C) -> String {
        let s = Array(input)
        // Fast path: nothing to decode.
        guard s.count >= 8, containsEncodedWordStart(s) else { return String(decoding: s, as: UTF8.self) }
        var result = ""
        var pendingCharset: String? = nil
        var pendingBytes: [UInt8] = []
        var literalStart = 0
        var i = 0
        func flushPending() {
            if let cs = pendingCharset {
                result += Charset.decode(pendingBytes, charset: cs)
                pendingCharset = nil
                pendingBytes.removeAll(keepingCapacity: true)
            }
        }
        var lastWordEnd: Int? = nil
        while i + 1 < s.count {
            guard s[i] == ASCII.equals, s[i + 1] == ASCII.question, let word = parseWord(s, at: i) else {
                i += 1
                continue
            }
            // Text between the previous word and this one.
            let between = s[literalStart..<i]
            let adjacent = lastWordEnd == literalStart && between.allSatisfy(ASCII.isWhitespace)
            if !adjacent {
                flushPending()
                result += String(decoding: between, as: UTF8.self)
            }
            if pendingCharset != nil && pendingCharset != word.charset { flushPending() }
            pendingCharset = word.charset
            pendingBytes.append(contentsOf: word.bytes)
            i = word.end
            literalStart = i
            lastWordEnd = i
        }
        flushPending()
        result += String(decoding: s[literalStart...], as: UTF8.self)
        return result
    }

    private static func containsEncodedWordStart(_ s: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < s.count {
            if s[i] == ASCII.equals && s[i + 1] == ASCII.question { return true }
            i += 1
        }
        return false
    }

    struct Word {
        var charset: String
        var bytes: [UInt8]
        var end: Int
    }

    /// Parses one encoded word at `start` ("=?"), or nil when it is not one.
    static func parseWord(_ s: [UInt8], at start: Int) -> Word? {
        var i = start + 2
        let csStart = i
        // charset = token (RFC 2047 §2: no especials, SP or CTLs).
        while i < s.count, s[i] != ASCII.question, s[i] > 32, s[i] < 127, i - csStart <= maxCharsetLength { i += 1 }
        guard i < s.count, s[i] == ASCII.question, i > csStart else { return nil }
        var charset = String(decoding: s[csStart..<i], as: UTF8.self)
        // RFC 2231 §5: charset*language.
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        i += 1
        guard i + 1 < s.count, s[i + 1] == ASCII.question else { return nil }
        let encoding = ASCII.lower(s[i])
        guard encoding == UInt8(ascii: "b") || encoding == UInt8(ascii: "q") else { return nil }
        i += 2
        let textStart = i
        // encoded-text: printable ASCII except "?" and SP (RFC 2047 §2); ends at "?=".
        while i < s.count, s[i] != ASCII.question, s[i] > 32, s[i] < 127 { i += 1 }
        guard i + 1 < s.count, s[i] == ASCII.question, s[i + 1] == ASCII.equals else { return nil }
        let text = s[textStart..<i]
        let bytes: [UInt8]
        if encoding == UInt8(ascii: "b") {
            bytes = TransferDecoding.base64(text)
        } else {
            bytes = qDecode(text)
        }
        return Word(charset: charset, bytes: bytes, end: i + 2)
    }

    /// RFC 2047 §4.2 "Q": quoted-printable where "_" is a space; a broken "=" is literal.
    static func qDecode(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            let b = text[i]
            if b == UInt8(ascii: "_") {
                out.append(ASCII.space)
            } else if b == ASCII.equals, i + 2 < text.endIndex, let h = ASCII.hexValue(text[i + 1]),
                      let l = ASCII.hexValue(text[i + 2]) {
                out.append(h << 4 | l)
                i += 3
                continue
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }

    /// Encodes `text` as RFC 2047 "B" words in UTF-8 when it needs encoding (non-ASCII,
    /// or something that looks like an encoded word); ASCII text comes back as is. Words
    /// are at most 75 characters (§2) and never split a UTF-8 sequence (§5).
    public static func encode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let needs = bytes.contains { $0 >= 0x80 || $0 < 0x20 && $0 != ASCII.tab } || text.contains("=?")
        guard needs else { return text }
        // "=?UTF-8?B?" + "?=" is 12 characters; 63 characters of base64 = 45 bytes, at most.
        let maxChunk = 45
        var words: [String] = []
        var start = 0
        while start < bytes.count {
            var end = min(start + maxChunk, bytes.count)
            // Back off to a scalar boundary (UTF-8 continuation bytes are 10xxxxxx).
            while end < bytes.count, end > start + 1, bytes[end] & 0xC0 == 0x80 { end -= 1 }
            words.append("=?UTF-8?B?" + base64Encode(bytes[start..<end]) + "?=")
            start = end
        }
        return words.joined(separator: " ")
    }

    static func base64Encode(_ bytes: ArraySlice<UInt8>) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.endIndex ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.endIndex ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(i + 1 < bytes.endIndex ? alphabet[Int(v >> 6 & 63)] : ASCII.equals)
            out.append(i + 2 < bytes.endIndex ? alphabet[Int(v & 63)] : ASCII.equals)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
