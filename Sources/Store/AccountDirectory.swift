// Where an account lives: `<root>/<domain A-label>/<escaped local part>/`.
//
// Local-part escaping (deterministic, reversible, safe as one path component):
//   - the canonical (lower-cased) local part is taken as UTF-8 bytes;
//   - ASCII letters, digits and `-` `_` `+` `=` stay as they are, `.` too except as the
//     first byte;
//   - every other byte (including `%`, `/`, a leading `.`, quotes, spaces, non-ASCII UTF-8)
//     becomes `%XX` with upper-case hex.
// So `john.doe` -> `john.doe`, `.hidden` -> `%2Ehidden`, `a/b` -> `a%2Fb`, `é` -> `%C3%A9`;
// `.` and `..` cannot occur, and decoding `%XX` gives the local part back.

import MailCore

enum AccountDirectory {
    static func escapeLocalPart(_ localPart: String) -> String {
        var out = ""
        for (offset, byte) in localPart.utf8.enumerated() {
            let keep: Bool
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "="):
                keep = true
            case UInt8(ascii: "."):
                keep = offset > 0
            default:
                keep = false
            }
            if keep {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }

    /// Inverse of `escapeLocalPart`; nil for names it could not have produced.
    static func unescapeLocalPart(_ name: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(name.utf8).makeIterator()
        func hexValue(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let h = iterator.next().flatMap(hexValue), let l = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(h << 4 | l)
            } else {
                bytes.append(byte)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return escapeLocalPart(text) == name ? text : nil
    }

    /// Path of an account's Maildir relative to the store root.
    static func relativePath(for address: EmailAddress) -> String {
        let canonical = address.canonical
        return canonical.domain.ascii + "/" + escapeLocalPart(canonical.localPart)
    }
}
