// Maildir message file names (cr.yp.to/proto/maildir.html) with Dovecot's extensions
// (doc.dovecot.org "Maildir mailbox format"): `base[,S=size][,W=vsize][:2,info]`.
// The base is unique within a Maildir and never changes; flags live in the info after `:2,`:
// system-flag letters in ASCII order, then keyword letters a-z mapped by `dovecot-keywords`.

/// A file name split into its unique base and its info (after the first `:`).
struct MaildirFileName: Hashable, Sendable {
    /// Up to (not including) the first `:`; unique within a Maildir.
    var base: String
    /// After the `:`, e.g. `2,FS`; empty when the name has no `:`.
    var info: String

    init(base: String, info: String) {
        self.base = base
        self.info = info
    }

    /// Splits any file name; never fails (a name without `:` has an empty info).
    init(_ name: String) {
        if let colon = name.utf8.firstIndex(of: UInt8(ascii: ":")) {
            base = String(name[..<colon])
            info = String(name[name.index(after: colon)...])
        } else {
            base = name
            info = ""
        }
    }

    var fileName: String { info.isEmpty ? base : base + ":" + info }

    /// The `S=` (physical size) field of the base, if written (Dovecot, Postern).
    var physicalSize: Int? { Self.field("S", in: base) }
    /// The `W=` (RFC 822 size, CRLF line endings) field of the base, if written.
    var virtualSize: Int? { Self.field("W", in: base) }

    /// The seconds-since-epoch prefix of qmail/Dovecot names (`1700000000.M...`), used to
    /// order new messages before UIDs are given.
    var timePrefix: Int64 {
        var value: Int64 = 0
        var digits = 0
        for byte in base.utf8 {
            guard byte >= 0x30, byte <= 0x39, digits < 18 else { break }
            value = value * 10 + Int64(byte - 0x30)
            digits += 1
        }
        return value
    }

    /// Parses `,<letter>=<digits>` in the part of the base after its first `,`.
    static func field(_ letter: Character, in base: String) -> Int? {
        let utf8 = base.utf8
        guard let letterByte = letter.asciiValue else { return nil }
        var parts = utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).dropFirst()
        while let part = parts.first {
            parts = parts.dropFirst()
            guard part.count >= 3, part.first == letterByte,
                  part[part.index(after: part.startIndex)] == UInt8(ascii: "=") else { continue }
            var value = 0
            var digits = 0
            for byte in part.dropFirst(2) {
                guard byte >= 0x30, byte <= 0x39, digits < 15 else { return nil }
                value = value * 10 + Int(byte - 0x30)
                digits += 1
            }
            return digits > 0 ? value : nil
        }
        return nil
    }

    /// Flags and keyword letters of an info string. Only `2,` infos carry flags; other
    /// versions (`1,` experimental) are kept verbatim but read as no flags.
    func flags() -> (MessageFlags, KeywordSet) {
        var flags = MessageFlags()
        var keywords = KeywordSet()
        guard info.hasPrefix("2,") else { return (flags, keywords) }
        for byte in info.utf8.dropFirst(2) {
            switch byte {
            case UInt8(ascii: "D"): flags.insert(.draft)
            case UInt8(ascii: "F"): flags.insert(.flagged)
            case UInt8(ascii: "P"): flags.insert(.passed)
            case UInt8(ascii: "R"): flags.insert(.answered)
            case UInt8(ascii: "S"): flags.insert(.seen)
            case UInt8(ascii: "T"): flags.insert(.deleted)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): keywords.insert(Int(byte - UInt8(ascii: "a")))
            default: continue  // unknown letters (other programs' experiments) are ignored
            }
        }
        return (flags, keywords)
    }

    /// `2,` followed by the flag letters in ASCII order and the keyword letters (only keyword
    /// indices below 26 have letters), as Dovecot writes them.
    static func info(flags: MessageFlags, keywords: KeywordSet) -> String {
        var s = "2,"
        for (letter, flag) in MessageFlags.letters where flags.contains(flag) { s.append(letter) }
        if !keywords.isEmpty {
            for index in 0..<26 where keywords.contains(index) {
                s.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "a") + UInt8(index)))
            }
        }
        return s
    }

    /// RFC 822 size of `bytes` as IMAP reports it (RFC822.SIZE): each bare LF counts as CRLF.
    static func virtualSize<C: Collection<UInt8>>(of bytes: C) -> Int {
        var size = 0
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0A, previous != 0x0D { size += 1 }
            size += 1
            previous = byte
        }
        return size
    }
}

/// Host name part of unique names: `/` and `:` are replaced as the Maildir spec asks
/// (`\057`, `\072`); `,` too, since Dovecot reads `,S=` fields after it.
func maildirHostName(_ host: String) -> String {
    var out = ""
    for ch in host {
        switch ch {
        case "/": out += "\\057"
        case ":": out += "\\072"
        case ",": out += "\\054"
        default: out.append(ch)
        }
    }
    return out.isEmpty ? "localhost" : out
}
