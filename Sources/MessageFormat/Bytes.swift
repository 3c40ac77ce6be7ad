// Byte-level helpers shared by the parsers: ASCII classes, case-insensitive comparison,
// fast line scanning.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ASCII {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let space: UInt8 = 32
    static let tab: UInt8 = 9
    static let colon: UInt8 = 58
    static let dash: UInt8 = 45
    static let quote: UInt8 = 34
    static let backslash: UInt8 = 92
    static let equals: UInt8 = 61
    static let semicolon: UInt8 = 59
    static let question: UInt8 = 63

    @inline(__always) static func isWSP(_ b: UInt8) -> Bool { b == space || b == tab }
    @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab || b == cr || b == lf }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b | 0x20 : b }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 97 && (b | 0x20) <= 122 }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }

    /// ASCII case-insensitive equality of a byte collection with a lower-case ASCII key.
    static func equalsLowercased<C: Collection<UInt8>>(_ bytes: C, _ lowerKey: [UInt8]) -> Bool {
        guard bytes.count == lowerKey.count else { return false }
        var i = 0
        for b in bytes {
            if lower(b) != lowerKey[i] { return false }
            i += 1
        }
        return true
    }

    static func lowercased<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] { bytes.map(lower) }

    static func lowercasedString<C: Collection<UInt8>>(_ bytes: C) -> String {
        String(decoding: bytes.map(lower), as: UTF8.self)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Index of the first LF in `from..<to`, or nil; memchr is vectorised in libc.
    @inline(__always)
    func firstLF(from: Int, to: Int) -> Int? {
        guard from < to, let base = baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(ASCII.lf), to - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
}

/// Trims leading and trailing whitespace (SP, HTAB, CR, LF) from a byte slice.
func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var lo = s.startIndex, hi = s.endIndex
    while lo < hi, ASCII.isWhitespace(s[lo]) { lo += 1 }
    while hi > lo, ASCII.isWhitespace(s[hi - 1]) { hi -= 1 }
    return s[lo..<hi]
}

/// RFC 5322 §2.2.3 unfolding: the CRLF (or bare LF) of each fold is removed and its WSP
/// kept. Stray CR bytes inside a line (broken input) are dropped too.
func unfold<C: Collection<UInt8>>(_ value: C) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(value.count)
    for b in value where b != ASCII.cr {
        if b == ASCII.lf { continue }
        out.append(b)
    }
    return out
}

/// `unfold` and `trimmed` in one pass with one allocation.
func unfoldedTrimmed(_ value: ArraySlice<UInt8>) -> [UInt8] {
    var lo = value.startIndex, hi = value.endIndex
    while lo < hi, ASCII.isWhitespace(value[lo]) { lo += 1 }
    while hi > lo, ASCII.isWhitespace(value[hi - 1]) { hi -= 1 }
    var out: [UInt8] = []
    out.reserveCapacity(hi - lo)
    for i in lo..<hi {
        let b = value[i]
        if b != ASCII.cr && b != ASCII.lf { out.append(b) }
    }
    return out
}
