// MIME structured field values: RFC 2045 §5.1 Content-Type (type "/" subtype *(";"
// parameter)), RFC 2183 Content-Disposition, and RFC 2231 parameter value continuations,
// charsets and languages. Lenient like Dovecot: comments anywhere (RFC 2045 §5.1 allows
// RFC 822 comments), unquoted values with spaces, missing separators, RFC 2047 encoded
// words inside quoted values (not standard, but what many mailers send for filenames).

/// A MIME parameter after RFC 2231 continuations are joined.
public struct MIMEParameter: Sendable, Equatable {
    /// Lower-cased attribute, without RFC 2231 `*n` / `*` markers.
    public var name: String
    /// The value's bytes: unquoted (quoted-pairs resolved), or for an RFC 2231 extended
    /// value the percent-decoded bytes, which are in `charset`.
    public var value: [UInt8]
    /// RFC 2231 §4 charset of an extended value.
    public var charset: String?
    /// RFC 2231 §4 language of an extended value (may be empty).
    public var language: String?
    /// Whether the value used RFC 2231 §4 extended (`name*=charset'lang'%XX`) syntax.
    public var isExtended: Bool

    /// The value as text: charset-converted for RFC 2231 values, RFC 2047 words decoded
    /// otherwise, raw UTF-8 (RFC 6532) with U+FFFD for invalid bytes.
    public var text: String {
        if isExtended {
            return Charset.decode(value, charset: charset ?? "us-ascii")
        }
        return EncodedWords.decode(value)
    }

    /// The value as an IMAP BODYSTRUCTURE parameter pair: extended values stay in RFC 2231
    /// form (`name*` = `charset'language'%XX...`, continuations joined), like Dovecot, so
    /// the pair is ASCII.
    public var imapPair: (name: [UInt8], value: [UInt8]) {
        guard isExtended else { return (Array(name.utf8), value) }
        var out = Array((charset ?? "").utf8) + [39] + Array((language ?? "").utf8) + [39]
        let hex = Array("0123456789ABCDEF".utf8)
        for b in value {
            // RFC 2231 §7 attribute-char: ASCII printable except SP, *, ', %, tspecials.
            if b > 32, b < 127, !MIMELexer.isTSpecial(b), b != 42, b != 39, b != 37 {
                out.append(b)
            } else {
                out.append(37)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        return (Array((name + "*").utf8), out)
    }
}

/// Lexer for RFC 2045 structured values.
struct MIMELexer {
    let s: ArraySlice<UInt8>
    var i: Int

    init(_ s: ArraySlice<UInt8>) {
        self.s = s
        self.i = s.startIndex
    }

    var atEnd: Bool { i >= s.endIndex }
    var peek: UInt8? { i < s.endIndex ? s[i] : nil }

    /// RFC 2045 §5.1 tspecials.
    static func isTSpecial(_ b: UInt8) -> Bool {
        switch b {
        case 40, 41, 60, 62, 64, 44, 59, 58, 92, 34, 47, 91, 93, 63, 61: return true
        default: return false
        }
    }

    /// Skips whitespace, line breaks and RFC 5322 §3.2.2 comments (nesting tracked by a
    /// counter, not recursion; an unterminated comment runs to the end).
    mutating func skipCFWS() {
        while i < s.endIndex {
            let b = s[i]
            if ASCII.isWhitespace(b) {
                i += 1
            } else if b == 40 {
                var depth = 0
                while i < s.endIndex {
                    let c = s[i]
                    if c == ASCII.backslash { i += 2; continue }
                    if c == 40 { depth += 1 } else if c == 41 {
                        depth -= 1
                        if depth == 0 { i += 1; break }
                    }
                    i += 1
                }
                if i > s.endIndex { i = s.endIndex }
            } else {
                return
            }
        }
    }

    /// RFC 2045 token: 1*<any CHAR except SPACE, CTLs, or tspecials>; 8-bit bytes are
    /// accepted (RFC 6532 and broken mailers).
    mutating func token() -> ArraySlice<UInt8>? {
        let start = i
        while i < s.endIndex {
            let b = s[i]
            if b <= 32 || b == 127 || MIMELexer.isTSpecial(b) { break }
            i += 1
        }
        return i > start ? s[start..<i] : nil
    }

    /// RFC 5322 §3.2.4 quoted-string content, quoted-pairs resolved and folds removed. The
    /// opening quote must be at `i`; an unterminated string runs to the end.
    mutating func quotedString() -> [UInt8] {
        var out: [UInt8] = []
        i += 1
        while i < s.endIndex {
            let b = s[i]
            if b == ASCII.quote { i += 1; return out }
            if b == ASCII.backslash, i + 1 < s.endIndex {
                out.append(s[i + 1])
                i += 2
                continue
            }
            if b != ASCII.cr && b != ASCII.lf { out.append(b) }
            i += 1
        }
        return out
    }
}

/// A raw `attribute=value` pair before RFC 2231 joining.
struct RawParameter {
    var name: [UInt8]   // lower-cased, with any `*n*` suffix
    var value: [UInt8]
}

enum MIMEParameterParser {
    /// Parses `*(";" parameter)` from the lexer position.
    static func parseRaw(_ lx: inout MIMELexer, limit: Int) -> [RawParameter] {
        var out: [RawParameter] = []
        while !lx.atEnd && out.count < limit {
            lx.skipCFWS()
            guard let b = lx.peek else { break }
            if b == ASCII.semicolon { lx.i += 1; continue }
            guard let name = lx.token() else {
                // Garbage: skip to the next ";" so one bad byte does not lose the rest.
                while let c = lx.peek, c != ASCII.semicolon { lx.i += 1 }
                continue
            }
            lx.skipCFWS()
            guard lx.peek == ASCII.equals else {
                while let c = lx.peek, c != ASCII.semicolon { lx.i += 1 }
                continue
            }
            lx.i += 1
            lx.skipCFWS()
            var value: [UInt8]
            if lx.peek == ASCII.quote {
                value = lx.quotedString()
                // Junk after the closing quote up to ";" is dropped.
                while let c = lx.peek, c != ASCII.semicolon { lx.i += 1 }
            } else {
                // Lenient: an unquoted value runs to ";" (`name=my file.txt`), trimmed,
                // with comments dropped (RFC 2045 §5.1 allows them between tokens).
                value = []
                while let c = lx.peek, c != ASCII.semicolon {
                    if c == 40 {
                        lx.skipCFWS()
                        value.append(ASCII.space)
                        continue
                    }
                    if c != ASCII.cr && c != ASCII.lf { value.append(c) }
                    lx.i += 1
                }
                value = Array(trimmed(ArraySlice(value)))
            }
            out.append(RawParameter(name: ASCII.lowercased(name), value: value))
        }
        return out
    }

    /// RFC 2231 §3-§4: joins `name*0`, `name*1*`... continuations, decodes `name*` extended
    /// values (charset'language'%XX), and keeps the first occurrence of a plain duplicate.
    /// An extended value wins over a plain one of the same name (RFC 2231 §4.1 intent).
    static func join(_ raw: [RawParameter], limit: Int) -> [MIMEParameter] {
        struct Section { var number: Int; var extended: Bool; var value: [UInt8] }
        // Parameters are few: linear lists keep this allocation-light (no hashing).
        struct Entry { var name: [UInt8]; var plain: [UInt8]?; var sections: [Section] }
        var entries: [Entry] = []
        for p in raw {
            var name = p.name
            var extended = false
            if name.last == 42 { // "*"
                extended = true
                name.removeLast()
            }
            var number: Int? = nil
            if let star = name.lastIndex(of: 42) {
                let digits = name[(star + 1)...]
                if !digits.isEmpty, digits.count <= 4, digits.allSatisfy(ASCII.isDigit) {
                    number = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
                    name = Array(name[..<star])
                }
            }
            var index = entries.firstIndex { $0.name == name }
            if index == nil {
                entries.append(Entry(name: name, plain: nil, sections: []))
                index = entries.count - 1
            }
            guard let k = index else { continue }
            if number == nil && !extended {
                if entries[k].plain == nil { entries[k].plain = p.value }
                continue
            }
            guard entries[k].sections.count < limit else { continue }
            // A bare `name*` is section 0.
            let n = number ?? 0
            if !entries[k].sections.contains(where: { $0.number == n }) {
                entries[k].sections.append(Section(number: n, extended: extended, value: p.value))
            }
        }
        var out: [MIMEParameter] = []
        out.reserveCapacity(entries.count)
        for entry in entries {
            let key = String(decoding: entry.name, as: UTF8.self)
            if !entry.sections.isEmpty {
                let list = entry.sections.sorted { $0.number < $1.number }
                var value: [UInt8] = []
                var charset: String? = nil
                var language: String? = nil
                let anyExtended = list.contains { $0.extended }
                for (idx, sec) in list.enumerated() {
                    var v = ArraySlice(sec.value)
                    if sec.extended && idx == 0 {
                        // charset'language'value; both quotes required, either part may be empty.
                        if let q1 = v.firstIndex(of: 39), let q2 = v[(q1 + 1)...].firstIndex(of: 39) {
                            charset = String(decoding: v[v.startIndex..<q1], as: UTF8.self)
                            language = String(decoding: v[(q1 + 1)..<q2], as: UTF8.self)
                            v = v[(q2 + 1)...]
                        }
                    }
                    if sec.extended { value.append(contentsOf: percentDecode(v)) } else { value.append(contentsOf: v) }
                }
                if charset?.isEmpty == true { charset = nil }
                if language?.isEmpty == true && charset == nil { language = nil }
                out.append(MIMEParameter(name: key, value: value, charset: anyExtended ? (charset ?? "us-ascii") : nil,
                                         language: language, isExtended: anyExtended))
            } else if let v = entry.plain {
                out.append(MIMEParameter(name: key, value: v, charset: nil, language: nil, isExtended: false))
            }
        }
        return out
    }

    static func percentDecode(_ v: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        var i = v.startIndex
        while i < v.endIndex {
            let b = v[i]
            if b == 37, i + 2 < v.endIndex,
               let h = ASCII.hexValue(v[i + 1]), let l = ASCII.hexValue(v[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }
}

/// RFC 2045 §5 Content-Type.
public struct ContentType: Sendable, Equatable {
    /// Lower-cased top-level type (`text`, `multipart`...).
    public var type: String
    /// Lower-cased subtype.
    public var subtype: String
    public var parameters: [MIMEParameter]

    public init(type: String, subtype: String, parameters: [MIMEParameter] = []) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// RFC 2045 §5.2: what a part without (or with an unusable) Content-Type is.
    public static let textPlainDefault = ContentType(
        type: "text", subtype: "plain",
        parameters: [MIMEParameter(name: "charset", value: Array("us-ascii".utf8), charset: nil,
                                   language: nil, isExtended: false)])

    /// RFC 2046 §5.1.5: the default inside multipart/digest.
    public static let messageRFC822Default = ContentType(type: "message", subtype: "rfc822")

    /// `type/subtype`.
    public var mimeType: String { type + "/" + subtype }

    public func parameter(_ name: String) -> MIMEParameter? {
        let key = name.lowercased()
        return parameters.first { $0.name == key }
    }

    /// A parameter's value as text.
    public subscript(_ name: String) -> String? { parameter(name)?.text }

    public var charset: String? { parameter("charset").map { String(decoding: $0.value, as: UTF8.self) } }
    public var isMultipart: Bool { type == "multipart" }
    public var isText: Bool { type == "text" }
    /// message/rfc822 or RFC 6532 §3.7 message/global: an encapsulated message.
    public var isEncapsulatedMessage: Bool { type == "message" && (subtype == "rfc822" || subtype == "global") }

    /// Parses a Content-Type value. Nil when there is no usable `type/subtype` (the caller
    /// then applies the RFC 2045 §5.2 default).
    ///
    ///     content   := "Content-Type" ":" type "/" subtype *(";" parameter)  ; RFC 2045 §5.1
    ///     parameter := attribute "=" value
    ///     value     := token / quoted-string
    ///     parameter := regular-parameter / extended-parameter                ; RFC 2231 §7
    public static func parse(_ value: ArraySlice<UInt8>, limits: MessageLimits = .init()) -> ContentType? {
        var lx = MIMELexer(value)
        lx.skipCFWS()
        guard let type = lx.token() else { return nil }
        lx.skipCFWS()
        guard lx.peek == 47 else { return nil } // "/"
        lx.i += 1
        lx.skipCFWS()
        guard let subtype = lx.token() else { return nil }
        let raw = MIMEParameterParser.parseRaw(&lx, limit: limits.maxParameters)
        return ContentType(type: ASCII.lowercasedString(type), subtype: ASCII.lowercasedString(subtype),
                           parameters: MIMEParameterParser.join(raw, limit: limits.maxParameters))
    }

    /// Parses only the parameters of a Content-Type whose type is unusable
    /// (`Content-Type: text; charset=...`), so the charset survives the default.
    static func parametersOfBroken(_ value: ArraySlice<UInt8>, limits: MessageLimits) -> [MIMEParameter] {
        var lx = MIMELexer(value)
        while let b = lx.peek, b != ASCII.semicolon { lx.i += 1 }
        let raw = MIMEParameterParser.parseRaw(&lx, limit: limits.maxParameters)
        return MIMEParameterParser.join(raw, limit: limits.maxParameters)
    }
}

/// RFC 2183 Content-Disposition.
public struct ContentDisposition: Sendable, Equatable {
    /// Lower-cased disposition type (`inline`, `attachment`, or an extension).
    public var type: String
    public var parameters: [MIMEParameter]

    public func parameter(_ name: String) -> MIMEParameter? {
        let key = name.lowercased()
        return parameters.first { $0.name == key }
    }

    public subscript(_ name: String) -> String? { parameter(name)?.text }

    public static func parse(_ value: ArraySlice<UInt8>, limits: MessageLimits = .init()) -> ContentDisposition? {
        var lx = MIMELexer(value)
        lx.skipCFWS()
        guard let type = lx.token() else { return nil }
        let raw = MIMEParameterParser.parseRaw(&lx, limit: limits.maxParameters)
        return ContentDisposition(type: ASCII.lowercasedString(type),
                                  parameters: MIMEParameterParser.join(raw, limit: limits.maxParameters))
    }
}
