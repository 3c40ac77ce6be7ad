// The four string forms of TOML spec "String": basic, multi-line basic, literal, multi-line
// literal. Multi-line strings come back with LF line endings (CRLF is normalised, as the spec
// permits: "TOML parsers should feel free to normalize newline").

extension Parser {
    /// ABNF `basic-string = quotation-mark *basic-char quotation-mark`,
    /// `basic-unescaped = wschar / %x21 / %x23-5B / %x5D-7E / non-ascii`.
    mutating func parseBasicString() throws(TOMLError) -> String {
        let start = i
        i += 1
        var text: [UInt8] = []
        while true {
            guard let b = peek() else {
                throw error("unterminated string: expected a closing quotation mark", at: start)
            }
            switch b {
            case ASCII.quote:
                i += 1
                return String(decoding: text, as: UTF8.self)
            case ASCII.backslash:
                try parseEscape(into: &text)
            case _ where b == ASCII.lf || (b == ASCII.cr && peek(1) == ASCII.lf):
                throw error("unterminated string: a basic string must end on the line it starts "
                            + "(use \"\"\" for a multi-line string)", at: start)
            case _ where isControl(b):
                throw error("control character \(describe(i)) must be escaped in a string", at: i)
            default:
                text.append(b)
                i += 1
            }
        }
    }

    /// ABNF `ml-basic-string = ml-basic-string-delim [ newline ] ml-basic-body
    /// ml-basic-string-delim`, with `mlb-quotes = 1*2quotation-mark` allowed inside and
    /// just before the closing delimiter, and `mlb-escaped-nl = escape ws newline
    /// *( wschar / newline )` (the "line ending backslash").
    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        let start = i
        i += 3
        _ = skipNewline()  // "A newline immediately following the opening delimiter will be trimmed."
        var text: [UInt8] = []
        while true {
            guard let b = peek() else {
                throw error("unterminated multi-line string: expected \"\"\"", at: start)
            }
            switch b {
            case ASCII.quote:
                if try closesMultilineString(ASCII.quote, into: &text) {
                    return String(decoding: text, as: UTF8.self)
                }
            case ASCII.backslash:
                if try skipLineEndingBackslash() { continue }
                try parseEscape(into: &text)
            case ASCII.lf:
                text.append(ASCII.lf)
                i += 1
            case ASCII.cr where peek(1) == ASCII.lf:
                text.append(ASCII.lf)
                i += 2
            case _ where isControl(b):
                throw error("control character \(describe(i)) must be escaped in a string", at: i)
            default:
                text.append(b)
                i += 1
            }
        }
    }

    /// ABNF `literal-string = apostrophe *literal-char apostrophe`,
    /// `literal-char = %x09 / %x20-26 / %x28-7E / non-ascii`.
    mutating func parseLiteralString() throws(TOMLError) -> String {
        let start = i
        i += 1
        while true {
            guard let b = peek() else {
                throw error("unterminated literal string: expected a closing apostrophe", at: start)
            }
            switch b {
            case ASCII.apostrophe:
                i += 1
                return String(decoding: bytes[(start + 1)..<(i - 1)], as: UTF8.self)
            case _ where b == ASCII.lf || (b == ASCII.cr && peek(1) == ASCII.lf):
                throw error("unterminated literal string: a literal string must end on the line it starts "
                            + "(use ''' for a multi-line string)", at: start)
            case _ where isControl(b):
                throw error("control character \(describe(i)) is not allowed in a literal string", at: i)
            default:
                i += 1
            }
        }
    }

    /// ABNF `ml-literal-string = ml-literal-string-delim [ newline ] ml-literal-body
    /// ml-literal-string-delim`; no escapes at all.
    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        let start = i
        i += 3
        _ = skipNewline()
        var text: [UInt8] = []
        while true {
            guard let b = peek() else {
                throw error("unterminated multi-line literal string: expected '''", at: start)
            }
            switch b {
            case ASCII.apostrophe:
                if try closesMultilineString(ASCII.apostrophe, into: &text) {
                    return String(decoding: text, as: UTF8.self)
                }
            case ASCII.lf:
                text.append(ASCII.lf)
                i += 1
            case ASCII.cr where peek(1) == ASCII.lf:
                text.append(ASCII.lf)
                i += 2
            case _ where isControl(b):
                throw error("control character \(describe(i)) is not allowed in a literal string", at: i)
            default:
                text.append(b)
                i += 1
            }
        }
    }

    /// At a run of `delimiter` characters inside a multi-line string. A run of one or two is
    /// text; a run of three to five closes the string, the first one or two being text
    /// (ABNF `ml-basic-body = ... [ mlb-quotes ]`). Six or more cannot be written unescaped.
    mutating func closesMultilineString(_ delimiter: UInt8, into text: inout [UInt8]) throws(TOMLError) -> Bool {
        let runStart = i
        while peek() == delimiter { i += 1 }
        let run = i - runStart
        if run < 3 {
            text.append(contentsOf: repeatElement(delimiter, count: run))
            return false
        }
        guard run <= 5 else {
            let what = delimiter == ASCII.quote ? "quotation marks" : "apostrophes"
            throw error("three or more \(what) in a row inside a multi-line string must be "
                        + (delimiter == ASCII.quote ? "escaped" : "written in a basic string"),
                        at: runStart)
        }
        text.append(contentsOf: repeatElement(delimiter, count: run - 3))
        return true
    }

    /// TOML spec "String": "When the last non-whitespace character on a line is an unescaped
    /// \, it will be trimmed along with all whitespace (including newlines) up to the next
    /// non-whitespace character or closing delimiter." Returns false (consuming nothing) if
    /// the backslash at `i` starts an ordinary escape.
    mutating func skipLineEndingBackslash() throws(TOMLError) -> Bool {
        var at = i + 1
        while at < bytes.count, ASCII.isWhitespace(bytes[at]) { at += 1 }
        let isNewline = at < bytes.count
            && (bytes[at] == ASCII.lf || (bytes[at] == ASCII.cr && at + 1 < bytes.count && bytes[at + 1] == ASCII.lf))
        guard isNewline else { return false }
        i = at
        while true {
            skipWhitespace()
            if !skipNewline() {
                if peek() == ASCII.cr { throw error("carriage return must be followed by a line feed", at: i) }
                return true
            }
        }
    }

    /// ABNF `escaped = escape escape-seq-char`: `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`.
    /// "All other escape sequences not listed above are reserved; if they are used, TOML
    /// should produce an error." `\u` and `\U` must name a Unicode scalar value (no
    /// surrogates, nothing above U+10FFFF).
    mutating func parseEscape(into text: inout [UInt8]) throws(TOMLError) {
        let start = i
        guard let b = peek(1) else {
            throw error("unterminated string: expected an escape sequence after \"\\\"", at: start)
        }
        i += 2
        switch b {
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "r"): text.append(0x0D)
        case ASCII.quote: text.append(ASCII.quote)
        case ASCII.backslash: text.append(ASCII.backslash)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let width = b == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<width {
                guard let digit = peek(), ASCII.isHexDigit(digit) else {
                    throw error("\\\(Character(Unicode.Scalar(b))) must be followed by \(width) hexadecimal digits",
                                at: start)
                }
                value = value << 4 | ASCII.hexValue(digit)
                i += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error("escape \\\(Character(Unicode.Scalar(b)))\(hex(value, width: width)) is not a "
                            + "Unicode scalar value", at: start)
            }
            UTF8.encode(scalar) { text.append($0) }
        default:
            let shown = b >= 0x21 && b < 0x7F ? "\\" + String(Character(Unicode.Scalar(b))) : "\\ followed by \(describe(start + 1))"
            throw error("invalid escape sequence \(shown) (TOML 1.0 allows \\b \\t \\n \\f \\r \\\" \\\\ "
                        + "\\uXXXX \\UXXXXXXXX)", at: start)
        }
    }

    /// Control characters that strings may not hold unescaped: U+0000 to U+0008, U+000A to
    /// U+001F and U+007F; tab is always allowed, and LF (and CR before LF) in multi-line
    /// strings, which their callers handle before asking.
    func isControl(_ b: UInt8) -> Bool {
        (b < 0x20 && b != ASCII.tab) || b == ASCII.delete
    }
}
