// Charset conversion to Unicode for MIME text (RFC 2046 §4.1.2 charset parameter, RFC 2047
// encoded words, RFC 2231 parameter values). UTF-8, US-ASCII, ISO-8859-1 and Windows-1252
// are converted here; everything else goes through the C library's iconv.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum Charset {
    /// Converts `bytes` in `charset` to a String. Nil when the charset is not known (to us
    /// or to iconv). Invalid sequences in a known charset become U+FFFD.
    public static func convert<C: Collection<UInt8>>(_ bytes: C, from charset: String) -> String? {
        switch canonicalName(charset) {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .ascii:
            // Mail labelled US-ASCII that has 8-bit bytes is, in practice, UTF-8 or Latin-1.
            let array = Array(bytes)
            if array.allSatisfy({ $0 < 0x80 }) { return String(decoding: array, as: UTF8.self) }
            if let s = validUTF8(array) { return s }
            return windows1252(array)
        case .latin1:
            // WHATWG Encoding: ISO-8859-1 labels mean Windows-1252, which is what mailers send.
            return windows1252(Array(bytes))
        case .iconv(let name):
            return iconvConvert(Array(bytes), from: name)
        case .unknown:
            return nil
        }
    }

    /// Like `convert`, but an unknown charset gives lossy UTF-8: the text always comes out.
    public static func decode<C: Collection<UInt8>>(_ bytes: C, charset: String) -> String {
        convert(bytes, from: charset) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `convert` knows this charset.
    public static func isSupported(_ charset: String) -> Bool {
        switch canonicalName(charset) {
        case .unknown: return false
        case .iconv(let name): return iconvAvailable(name)
        default: return true
        }
    }

    enum Canonical: Equatable {
        case utf8, ascii, latin1, iconv(String), unknown
    }

    /// Maps the labels mail uses to one converter. Supersets replace the labels senders use
    /// loosely (GB2312 mail is GBK, Shift_JIS mail is CP932, KS C 5601 mail is CP949).
    static func canonicalName(_ label: String) -> Canonical {
        var name = label.lowercased()
        name = String(name.drop { $0 == " " || $0 == "\"" || $0 == "'" })
        while let last = name.last, last == " " || last == "\"" || last == "'" { name.removeLast() }
        // RFC 2231 §5 / RFC 2184 allow a "*language" suffix in encoded words' charset.
        if let star = name.firstIndex(of: "*") { name = String(name[..<star]) }
        // iconv parses "//" suffixes and, in some versions, module paths from the name: only
        // plain charset names get through.
        guard !name.isEmpty, name.utf8.count <= 40,
              name.utf8.allSatisfy({ ASCII.isAlpha($0) || ASCII.isDigit($0) || $0 == 45 || $0 == 95 || $0 == 46 || $0 == 58 })
        else { return .unknown }
        switch name {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-utf-8", "utf-8-bom":
            return .utf8
        case "us-ascii", "ascii", "ansi_x3.4-1968", "ansi-x3.4-1968", "iso646-us", "us", "iso-ir-6", "cp367", "ibm367":
            return .ascii
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "iso-ir-100", "cp819", "ibm819",
             "windows-1252", "cp1252", "x-cp1252", "iso_8859-1:1987":
            return .latin1
        case "gb2312", "gb_2312-80", "gb_2312", "euc-cn", "x-euc-cn", "gbk", "x-gbk", "cp936", "ms936", "windows-936",
             "gb18030", "chinese", "csgb2312":
            return .iconv("GB18030")
        case "ks_c_5601-1987", "ks_c_5601", "ksc5601", "ksc_5601", "euc-kr", "x-euc-kr", "cp949", "windows-949",
             "korean", "csksc56011987", "iso-ir-149":
            return .iconv("CP949")
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932", "ms932",
             "x-ms-cp932":
            return .iconv("CP932")
        case "big5", "big-5", "x-x-big5", "cn-big5", "csbig5", "cp950", "big5-hkscs":
            return .iconv("BIG5-HKSCS")
        case "iso-8859-8-i", "iso-8859-8-e":
            return .iconv("ISO-8859-8")
        case "iso-8859-6-i", "iso-8859-6-e":
            return .iconv("ISO-8859-6")
        case "utf-7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7":
            return .iconv("UTF-7")
        case "macintosh", "mac", "x-mac-roman", "csmacintosh":
            return .iconv("MACINTOSH")
        case "unknown-8bit", "x-unknown", "unknown", "default", "x-user-defined", "8bit", "7bit", "none", "charset":
            return .unknown
        default:
            if name.hasPrefix("windows-"), let n = Int(name.dropFirst(8)) { return .iconv("CP\(n)") }
            if name.hasPrefix("x-cp"), let n = Int(name.dropFirst(4)) { return .iconv("CP\(n)") }
            return .iconv(name.uppercased())
        }
    }

    static func validUTF8(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// Windows-1252: Latin-1 plus the C1 range reassigned to punctuation.
    static func windows1252(_ bytes: [UInt8]) -> String {
        let c1: [UInt32] = [
            0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
            0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
            0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
        ]
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for b in bytes {
            let v: UInt32 = (b >= 0x80 && b < 0xA0) ? c1[Int(b - 0x80)] : UInt32(b)
            scalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    /// iconv_open's failure value, `(iconv_t)-1`.
    private static var invalidDescriptor: iconv_t? { iconv_t(bitPattern: -1) }

    static func iconvAvailable(_ name: String) -> Bool {
        let cd = iconv_open("UTF-8", name)
        guard cd != invalidDescriptor else { return false }
        iconv_close(cd)
        return true
    }

    /// Converts through iconv to UTF-8. An invalid or truncated sequence becomes U+FFFD and
    /// conversion resumes one byte later, so every call makes progress and ends.
    static func iconvConvert(_ input: [UInt8], from name: String) -> String? {
        let cd = iconv_open("UTF-8", name)
        guard cd != invalidDescriptor else { return nil }
        defer { iconv_close(cd) }
        if input.isEmpty { return "" }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 2)
        var chunk = [UInt8](repeating: 0, count: max(256, min(input.count * 4, 1 << 16)))
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        var mutableInput = input
        mutableInput.withUnsafeMutableBufferPointer { inBuf in
            guard let inBase = inBuf.baseAddress else { return }
            var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBase).assumingMemoryBound(to: CChar.self)
            var inLeft = inBuf.count
            chunk.withUnsafeMutableBufferPointer { outBuf in
                guard let outBase = outBuf.baseAddress else { return }
                while true {
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBase).assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuf.count
                    let flushing = inLeft == 0
                    let r = flushing ? iconv(cd, nil, nil, &outPtr, &outLeft) : iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    let produced = outBuf.count - outLeft
                    output.append(contentsOf: UnsafeBufferPointer(start: outBase, count: produced))
                    if flushing { break }
                    if r != -1 { continue }
                    switch errno {
                    case E2BIG:
                        continue
                    case EILSEQ, EINVAL:
                        output.append(contentsOf: replacement)
                        inPtr = inPtr.map { $0 + 1 }
                        inLeft -= 1
                    default:
                        output.append(contentsOf: replacement)
                        inLeft = 0
                    }
                }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
