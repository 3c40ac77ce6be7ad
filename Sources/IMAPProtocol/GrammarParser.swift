import NIOCore

/// The lines and literals of one command as `CommandDecoder` assembled them: `literals[i]` is
/// the data announced at the end of `lines[i]` (RFC 9051 §4.3: a literal's data follows the CRLF
/// of its announcement, and the command goes on after it on the same logical line).
struct CommandFrame {
    var lines: [[UInt8]]
    var literals: [ByteBuffer]

    init(lines: [[UInt8]] = [], literals: [ByteBuffer] = []) {
        self.lines = lines
        self.literals = literals
    }
}

/// Where a literal occurs: only APPEND's message may be large (`IMAPLimits.appendLiteral`).
enum LiteralUse: Hashable {
    case message
    case other
}

enum ParseFailure: Error {
    case invalid(ParseError.Reason)
    /// Only when probing: the frame ends on the announcement of a literal of this use.
    case pendingLiteral(LiteralUse)
}

// Character classes of RFC 9051 §9.
enum ByteClass {
    /// `CHAR = %x01-7F`; `CTL = %x00-1F / %x7F`.
    /// `atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials`
    /// `ATOM-CHAR = <any CHAR except atom-specials>`
    @inline(__always) static func isAtomChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x21...0x7E:
            switch b {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "%"), UInt8(ascii: "*"),
                 UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "]"):
                return false
            default:
                return true
            }
        default:
            return false
        }
    }

    /// `ASTRING-CHAR = ATOM-CHAR / resp-specials`
    @inline(__always) static func isAStringChar(_ b: UInt8) -> Bool {
        isAtomChar(b) || b == UInt8(ascii: "]")
    }

    /// `tag = 1*<any ASTRING-CHAR except "+">`
    @inline(__always) static func isTagChar(_ b: UInt8) -> Bool {
        isAStringChar(b) && b != UInt8(ascii: "+")
    }

    /// `list-char = ATOM-CHAR / list-wildcards / resp-specials`
    @inline(__always) static func isListChar(_ b: UInt8) -> Bool {
        isAStringChar(b) || b == UInt8(ascii: "%") || b == UInt8(ascii: "*")
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool {
        (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")
    }
}

/// A recursive-descent parser of one command frame. Every function that consumes input is named
/// after, and documented with, the RFC 9051 §9 rule it implements. Recursion happens only through
/// `enter()`, which bounds it by `IMAPLimits.nesting`.
struct GrammarParser {
    let frame: CommandFrame
    let limits: IMAPLimits
    /// When probing, the parser reports the use of a literal announced at the end of the frame
    /// (its data not there yet) instead of failing: see `CommandDecoder`.
    let probing: Bool
    var lineIndex = 0
    var line: [UInt8]
    var position = 0
    var depth = 0

    init(frame: CommandFrame, limits: IMAPLimits, probing: Bool = false) {
        self.frame = frame
        self.limits = limits
        self.probing = probing
        self.line = frame.lines.first ?? []
    }

    // MARK: primitives

    @inline(__always) func peek() -> UInt8? {
        position < line.count ? line[position] : nil
    }

    @inline(__always) func peek(offset: Int) -> UInt8? {
        position + offset < line.count ? line[position + offset] : nil
    }

    var atLineEnd: Bool { position >= line.count }

    var atCommandEnd: Bool { atLineEnd && lineIndex == frame.lines.count - 1 }

    func fail(_ expected: String) -> ParseFailure {
        .invalid(.syntax(expected))
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(ParseFailure) {
        guard consume(byte) else { throw fail(what) }
    }

    mutating func expectSP() throws(ParseFailure) {
        try expect(UInt8(ascii: " "), "SP")
    }

    mutating func expectEnd() throws(ParseFailure) {
        guard atCommandEnd else { throw fail("end of command") }
    }

    /// Consumes `word` if it is next, case-insensitively (RFC 5234 §2.3: quoted ABNF strings are
    /// case-insensitive), and not followed by another letter, digit or dot.
    mutating func consumeKeyword(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= line.count else { return false }
        let matches = word.withUTF8Buffer { w -> Bool in
            for k in 0..<count where (line[position + k] | 0x20) != (w[k] | 0x20) { return false }
            return true
        }
        guard matches else { return false }
        if let next = position + count < line.count ? line[position + count] : nil,
           ByteClass.isAlpha(next) || ByteClass.isDigit(next) || next == UInt8(ascii: ".") || next == UInt8(ascii: "-") {
            return false
        }
        position += count
        return true
    }

    /// Reads `1*(ALPHA / DIGIT / "." / "-" / "_")`, upper-cased: command names, fetch
    /// attributes and search keys, which contain no other characters.
    mutating func readKeyword() -> String {
        let start = position
        while let b = peek(), ByteClass.isAlpha(b) || ByteClass.isDigit(b) || b == UInt8(ascii: ".")
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: "=") {
            position += 1
        }
        return String(decoding: line[start..<position].map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    /// Opens one level of nesting, bounded by `IMAPLimits.nesting`.
    mutating func enter() throws(ParseFailure) {
        depth += 1
        guard depth <= limits.nesting else { throw .invalid(.nestingTooDeep) }
    }

    mutating func leave() {
        depth -= 1
    }

    // MARK: numbers

    /// `number = 1*DIGIT ; Unsigned 32-bit integer (0 <= n < 4,294,967,296)`
    mutating func parseNumber() throws(ParseFailure) -> UInt32 {
        let value = try parseDigits(max: UInt64(UInt32.max), what: "number")
        return UInt32(value)
    }

    /// `nz-number = digit-nz *DIGIT ; Non-zero unsigned 32-bit integer`
    mutating func parseNZNumber() throws(ParseFailure) -> UInt32 {
        let n = try parseNumber()
        guard n != 0 else { throw fail("non-zero number") }
        return n
    }

    /// `number64 = 1*DIGIT ; Unsigned 63-bit integer (0 <= n <= 9,223,372,036,854,775,807)`
    mutating func parseNumber64() throws(ParseFailure) -> UInt64 {
        try parseDigits(max: UInt64(Int64.max), what: "number")
    }

    /// `mod-sequence-value = 1*DIGIT ; Positive unsigned 63-bit integer` (RFC 7162 §7)
    mutating func parseModSequenceValue() throws(ParseFailure) -> UInt64 {
        let n = try parseNumber64()
        guard n != 0 else { throw fail("non-zero mod-sequence") }
        return n
    }

    mutating func parseDigits(max: UInt64, what: String) throws(ParseFailure) -> UInt64 {
        var value: UInt64 = 0
        var count = 0
        while let b = peek(), ByteClass.isDigit(b) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            guard !o1, !o2, sum <= max else { throw fail("\(what) in range") }
            value = sum
            count += 1
            position += 1
        }
        guard count > 0 else { throw fail(what) }
        return value
    }

    // MARK: strings

    /// `atom = 1*ATOM-CHAR`
    mutating func parseAtom() throws(ParseFailure) -> String {
        let start = position
        while let b = peek(), ByteClass.isAtomChar(b) { position += 1 }
        guard position > start else { throw fail("atom") }
        return String(decoding: line[start..<position], as: UTF8.self)
    }

    /// `astring = 1*ASTRING-CHAR / string`
    mutating func parseAString() throws(ParseFailure) -> [UInt8] {
        switch peek() {
        case UInt8(ascii: "\""), UInt8(ascii: "{"):
            return try parseString()
        default:
            let start = position
            while let b = peek(), ByteClass.isAStringChar(b) { position += 1 }
            guard position > start else { throw fail("astring") }
            return Array(line[start..<position])
        }
    }

    /// An astring that must be UTF-8 text (user names, passwords, header names, search strings).
    mutating func parseAStringText() throws(ParseFailure) -> String {
        try utf8(parseAString())
    }

    func utf8(_ bytes: [UInt8]) throws(ParseFailure) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalid(.invalidUTF8) }
        return text
    }

    /// `string = quoted / literal`
    mutating func parseString() throws(ParseFailure) -> [UInt8] {
        if peek() == UInt8(ascii: "\"") {
            return try parseQuoted()
        }
        var buffer = try parseLiteral(use: .other)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        // literal = "{" number64 ["+"] "}" CRLF *CHAR8, and CHAR8 = %x01-ff: no NUL.
        guard !bytes.contains(0) else { throw fail("literal without NUL") }
        return bytes
    }

    /// `nstring = string / nil`
    mutating func parseNString() throws(ParseFailure) -> [UInt8]? {
        if consumeKeyword("NIL") { return nil }
        return try parseString()
    }

    /// ```
    /// quoted          = DQUOTE *QUOTED-CHAR DQUOTE
    /// QUOTED-CHAR     = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials /
    ///                   UTF8-2 / UTF8-3 / UTF8-4
    /// quoted-specials = DQUOTE / "\"
    /// ```
    /// UTF-8 in quoted strings is IMAP4rev2 grammar (RFC 9051 §9) and RFC 6855 §3; it is
    /// accepted in every mode and must be valid.
    mutating func parseQuoted() throws(ParseFailure) -> [UInt8] {
        try expect(UInt8(ascii: "\""), "quoted string")
        var out: [UInt8] = []
        var eightBit = false
        while true {
            guard let b = peek() else { throw fail("closing quote") }
            position += 1
            switch b {
            case UInt8(ascii: "\""):
                if eightBit, String(validating: out, as: UTF8.self) == nil { throw .invalid(.invalidUTF8) }
                return out
            case UInt8(ascii: "\\"):
                guard let escaped = peek(), escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else {
                    throw fail("quoted-specials after backslash")
                }
                position += 1
                out.append(escaped)
            case 0x00, 0x0D:
                // TEXT-CHAR is CHAR (%x01-7F) except CR and LF: no NUL, no bare CR.
                throw fail("text character")
            case 0x80...:
                eightBit = true
                out.append(b)
            default:
                out.append(b)
            }
        }
    }

    /// ```
    /// literal         = "{" number64 ["+"] "}" CRLF *CHAR8
    /// literal8        = "~{" number64 "}" CRLF *OCTET      ; RFC 3516 §4.2
    /// ```
    /// with `{n-}` of LITERAL- (RFC 7888 §3). The decoder already checked the size against the
    /// limits and stored the data; the announcement must end the line.
    mutating func parseLiteral(use: LiteralUse, allowLiteral8: Bool = false) throws(ParseFailure) -> ByteBuffer {
        try parseLiteralWithForm(use: use, allowLiteral8: allowLiteral8).data
    }

    mutating func parseLiteralWithForm(use: LiteralUse, allowLiteral8: Bool) throws(ParseFailure) -> (data: ByteBuffer, isLiteral8: Bool) {
        let isLiteral8 = allowLiteral8 && consume(UInt8(ascii: "~"))
        try expect(UInt8(ascii: "{"), "string")
        // Saturating: the decoder has compared the size with the limits; an absurd number
        // must reach that comparison (a probe) rather than fail as a syntax error.
        guard let first = peek(), ByteClass.isDigit(first) else { throw fail("literal size") }
        var size: UInt64 = 0
        while let b = peek(), ByteClass.isDigit(b) {
            let (times, o1) = size.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            size = o1 || o2 ? UInt64.max : sum
            position += 1
        }
        // RFC 7888 §3: `{n+}` and `{n-}`, for literal8 as well.
        _ = consume(UInt8(ascii: "+")) || consume(UInt8(ascii: "-"))
        try expect(UInt8(ascii: "}"), "}")
        guard atLineEnd else { throw fail("CRLF after literal") }
        guard lineIndex < frame.literals.count else {
            if probing && lineIndex == frame.lines.count - 1 { throw .pendingLiteral(use) }
            throw fail("literal data")
        }
        let data = frame.literals[lineIndex]
        guard UInt64(data.readableBytes) == size else { throw fail("literal data") }
        lineIndex += 1
        line = lineIndex < frame.lines.count ? frame.lines[lineIndex] : []
        position = 0
        return (data, isLiteral8)
    }

    // MARK: mailbox names

    /// `mailbox = "INBOX" / astring` (RFC 9051 §9; INBOX is case-insensitive, `MailboxName`
    /// normalises it).
    mutating func parseMailbox() throws(ParseFailure) -> MailboxName {
        MailboxName(bytes: try parseAString())
    }

    /// `list-mailbox = 1*list-char / string`
    mutating func parseListMailbox() throws(ParseFailure) -> MailboxPattern {
        switch peek() {
        case UInt8(ascii: "\""), UInt8(ascii: "{"):
            return MailboxPattern(bytes: try parseString())
        default:
            let start = position
            while let b = peek(), ByteClass.isListChar(b) { position += 1 }
            guard position > start else { throw fail("list-mailbox") }
            return MailboxPattern(bytes: Array(line[start..<position]))
        }
    }

    // MARK: sequence sets

    /// ```
    /// sequence-set    = (seq-number / seq-range) ["," sequence-set] / seq-last-command
    /// seq-number      = nz-number / "*"
    /// seq-range       = seq-number ":" seq-number
    /// seq-last-command = "$"
    /// ```
    /// The recursion of the ABNF is a loop here, bounded by `IMAPLimits.sequenceSetRanges`.
    mutating func parseSequenceSet() throws(ParseFailure) -> SequenceSet {
        if consume(UInt8(ascii: "$")) { return .lastSearchResult }
        var ranges: [SequenceRange] = []
        repeat {
            guard ranges.count < limits.sequenceSetRanges else { throw .invalid(.sequenceSetTooLarge) }
            let first = try parseSeqNumber()
            if consume(UInt8(ascii: ":")) {
                ranges.append(SequenceRange(first, try parseSeqNumber()))
            } else {
                ranges.append(SequenceRange(first))
            }
        } while consume(UInt8(ascii: ","))
        return .ranges(ranges)
    }

    /// `seq-number = nz-number / "*"`
    mutating func parseSeqNumber() throws(ParseFailure) -> SequenceNumber {
        if consume(UInt8(ascii: "*")) { return .last }
        guard let b = peek(), ByteClass.isDigit(b) else { throw fail("sequence number") }
        return .number(try parseNZNumber())
    }

    // MARK: flags

    /// ```
    /// flag            = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" /
    ///                   flag-keyword / flag-extension
    /// flag-extension  = "\" atom
    /// flag-keyword    = atom
    /// ```
    mutating func parseFlag() throws(ParseFailure) -> Flag {
        if consume(UInt8(ascii: "\\")) {
            return Flag("\\" + (try parseAtom()))
        }
        return .keyword(try parseAtom())
    }

    /// `flag-list = "(" [flag *(SP flag)] ")"`
    mutating func parseFlagList() throws(ParseFailure) -> [Flag] {
        try expect(UInt8(ascii: "("), "flag list")
        var flags: [Flag] = []
        if consume(UInt8(ascii: ")")) { return flags }
        repeat {
            flags.append(try parseFlag())
        } while consume(UInt8(ascii: " "))
        try expect(UInt8(ascii: ")"), ")")
        return flags
    }

    // MARK: dates

    /// `date-month = "Jan" / "Feb" / ...` (case-insensitive, RFC 5234 §2.3)
    mutating func parseMonth() throws(ParseFailure) -> Int {
        guard position + 3 <= line.count else { throw fail("month") }
        let name = line[position..<position + 3].lowercasedASCIIString()
        guard let index = IMAPDate.monthNames.firstIndex(where: { $0.lowercased() == name }) else { throw fail("month") }
        position += 3
        return index + 1
    }

    /// ```
    /// date            = date-text / DQUOTE date-text DQUOTE
    /// date-text       = date-day "-" date-month "-" date-year
    /// date-day        = 1*2DIGIT
    /// date-year       = 4DIGIT
    /// ```
    mutating func parseDate() throws(ParseFailure) -> IMAPDate {
        let quoted = consume(UInt8(ascii: "\""))
        let day = try parseFixedDigits(min: 1, max: 2)
        try expect(UInt8(ascii: "-"), "-")
        let month = try parseMonth()
        try expect(UInt8(ascii: "-"), "-")
        let year = try parseFixedDigits(min: 4, max: 4)
        if quoted { try expect(UInt8(ascii: "\""), "closing quote") }
        guard let date = IMAPDate(year: year, month: month, day: day) else { throw fail("valid date") }
        return date
    }

    /// ```
    /// date-time       = DQUOTE date-day-fixed "-" date-month "-" date-year
    ///                   SP time SP zone DQUOTE
    /// date-day-fixed  = (SP DIGIT) / 2DIGIT
    /// time            = 2DIGIT ":" 2DIGIT ":" 2DIGIT
    /// zone            = ("+" / "-") 4DIGIT
    /// ```
    /// Leniency: a one-digit day without the padding space is accepted too (Dovecot does the
    /// same; some clients format the day with `%d`).
    mutating func parseDateTime() throws(ParseFailure) -> IMAPDateTime {
        try expect(UInt8(ascii: "\""), "date-time")
        _ = consume(UInt8(ascii: " "))
        let day = try parseFixedDigits(min: 1, max: 2)
        try expect(UInt8(ascii: "-"), "-")
        let month = try parseMonth()
        try expect(UInt8(ascii: "-"), "-")
        let year = try parseFixedDigits(min: 4, max: 4)
        try expectSP()
        let hour = try parseFixedDigits(min: 2, max: 2)
        try expect(UInt8(ascii: ":"), ":")
        let minute = try parseFixedDigits(min: 2, max: 2)
        try expect(UInt8(ascii: ":"), ":")
        let second = try parseFixedDigits(min: 2, max: 2)
        try expectSP()
        let sign: Int
        if consume(UInt8(ascii: "+")) { sign = 1 } else if consume(UInt8(ascii: "-")) { sign = -1 } else { throw fail("zone") }
        let zone = try parseFixedDigits(min: 4, max: 4)
        try expect(UInt8(ascii: "\""), "closing quote")
        guard zone % 100 < 60,
              let date = IMAPDate(year: year, month: month, day: day),
              let dateTime = IMAPDateTime(date: date, hour: hour, minute: minute, second: second,
                                          zoneMinutes: sign * (zone / 100 * 60 + zone % 100)) else {
            throw fail("valid date-time")
        }
        return dateTime
    }

    mutating func parseFixedDigits(min: Int, max: Int) throws(ParseFailure) -> Int {
        var value = 0
        var count = 0
        while count < max, let b = peek(), ByteClass.isDigit(b) {
            value = value * 10 + Int(b - UInt8(ascii: "0"))
            count += 1
            position += 1
        }
        guard count >= min else { throw fail("\(min) digits") }
        return value
    }
}

extension ArraySlice where Element == UInt8 {
    func lowercasedASCIIString() -> String {
        String(decoding: map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
