// The document structure of TOML v1.0.0: expressions, keys, tables, arrays of tables and the
// rules about defining a table or key only once. Values are in TOMLParser+Values.swift,
// strings in TOMLParser+Strings.swift, numbers and date-times in TOMLParser+Numbers.swift.

/// Parses TOML v1.0.0 documents.
public enum TOMLParser {
    /// Parses a document. A leading byte order mark is skipped.
    public static func parse(_ text: String, limits: TOMLLimits = TOMLLimits()) throws(TOMLError) -> TOMLTable {
        try parse(utf8: Array(text.utf8), limits: limits)
    }

    /// Parses a document given as bytes, as read from a file. TOML spec §"Spec": the document
    /// must be valid UTF-8; invalid sequences are reported with their position, never
    /// replaced.
    public static func parse(utf8 bytes: [UInt8], limits: TOMLLimits = TOMLLimits()) throws(TOMLError) -> TOMLTable {
        var parser = Parser(bytes: bytes, limits: limits)
        return try parser.parseDocument()
    }
}

/// Byte values the grammar names.
enum ASCII {
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22           // "
    static let hash: UInt8 = 0x23            // #
    static let apostrophe: UInt8 = 0x27      // '
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let equals: UInt8 = 0x3D
    static let openBracket: UInt8 = 0x5B     // [
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D    // ]
    static let underscore: UInt8 = 0x5F
    static let openBrace: UInt8 = 0x7B       // {
    static let closeBrace: UInt8 = 0x7D      // }
    static let delete: UInt8 = 0x7F

    static func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }
    static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }
    static func hexValue(_ b: UInt8) -> UInt32 {
        if isDigit(b) { return UInt32(b - zero) }
        return UInt32((b | 0x20) - 0x61 + 10)
    }
    /// ABNF `unquoted-key = 1*( ALPHA / DIGIT / %x2D / %x5F )`
    static func isBareKey(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == minus || b == underscore
    }
    /// ABNF `wschar = %x20 / %x09`
    static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab }
}

/// Maps byte offsets to line and column. It walks forward from the last answer and restarts
/// from the top only when asked for an earlier offset, so the parser asks for positions in
/// document order (a value's position before its elements'), which keeps a whole parse
/// linear; only error messages look back.
struct Locator {
    let start: Int
    private var offset: Int
    private var line = 1
    private var column = 1

    init(start: Int) {
        self.start = start
        self.offset = start
    }

    mutating func position(of target: Int, in bytes: [UInt8]) -> TOMLPosition {
        if target < offset {
            offset = start
            line = 1
            column = 1
        }
        let end = min(target, bytes.count)
        while offset < end {
            let b = bytes[offset]
            if b == ASCII.lf {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {  // not a UTF-8 continuation byte: a new scalar
                column += 1
            }
            offset += 1
        }
        return TOMLPosition(line: line, column: column)
    }
}

/// One part of a (possibly dotted) key.
struct KeyPart {
    var name: String
    var position: TOMLPosition
    /// Byte offset of the key's first character, for error positions.
    var offset: Int
}

/// A table while the document is being read. Tables live in an arena and refer to each
/// other by index, so that a header deep in the document can add to a table made earlier.
struct DraftTable {
    /// How a table came to exist decides what may still be added to it (TOML spec "Table",
    /// "Inline Table", "Array of Tables").
    enum Origin: Equatable {
        case root
        /// Named only as a parent in a longer header (`[a]` for `[a.b]`): may still be
        /// defined once by its own header.
        case implied
        /// Defined by `[header]`.
        case header
        /// An element of an array of tables, defined by `[[header]]`.
        case arrayElement
        /// Made by dotted keys in one section (the key/values under one header, or one
        /// inline table); only that section may add to it.
        case dotted(section: Int)
        /// The root of an inline table being read.
        case inline
    }

    enum Slot {
        /// A finished value: scalar, static array or (frozen) inline table.
        case value(TOMLNode)
        case table(Int)
        /// An array of tables made by `[[header]]`, with the position of its first header.
        case tableArray([Int], TOMLPosition)
    }

    struct Entry {
        var key: String
        var keyPosition: TOMLPosition
        var slot: Slot

        /// Appends to an array of tables in place: the slot lets go of the array first, so
        /// that a document of many `[[x]]` headers stays linear.
        mutating func appendElement(_ id: Int) {
            guard case .tableArray(var elements, let first) = slot else { return }
            slot = .table(id)
            elements.append(id)
            slot = .tableArray(elements, first)
        }
    }

    var entries: [Entry] = []
    var index: [String: Int] = [:]
    var origin: Origin
    var position: TOMLPosition
    var depth: Int
    /// Full key path from the root, for messages.
    var path: [String]

    mutating func add(_ key: KeyPart, _ slot: Slot) {
        index[key.name] = entries.count
        entries.append(Entry(key: key.name, keyPosition: key.position, slot: slot))
    }
}

struct Parser {
    let bytes: [UInt8]
    let limits: TOMLLimits
    /// Offset of the next byte to read.
    var i: Int
    var locator: Locator
    var tables: [DraftTable] = []
    /// Numbers the sections (header blocks and inline tables) for the dotted-key rule.
    var sectionCount = 0

    init(bytes: [UInt8], limits: TOMLLimits) {
        self.bytes = bytes
        self.limits = limits
        // TOML spec "Spec": a UTF-8 byte order mark at the start is not part of the text.
        let bom = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        self.i = bom
        self.locator = Locator(start: bom)
    }

    // MARK: reading helpers

    func peek(_ ahead: Int = 0) -> UInt8? {
        let at = i + ahead
        return at < bytes.count ? bytes[at] : nil
    }

    mutating func position(_ offset: Int) -> TOMLPosition {
        locator.position(of: offset, in: bytes)
    }

    mutating func error(_ message: String, at offset: Int) -> TOMLError {
        TOMLError(position: position(offset), message: message)
    }

    /// The character at `offset`, for messages: `"x"`, `U+0007` or `end of file`.
    func describe(_ offset: Int) -> String {
        guard offset < bytes.count else { return "end of file" }
        let b = bytes[offset]
        if b == ASCII.lf || (b == ASCII.cr && offset + 1 < bytes.count && bytes[offset + 1] == ASCII.lf) {
            return "end of line"
        }
        if b >= 0x21 && b < 0x7F { return "\"\(Character(Unicode.Scalar(b)))\"" }
        return "U+" + hex(scalar(at: offset), width: 4)
    }

    /// Decodes the scalar starting at `offset` (the bytes are already valid UTF-8).
    func scalar(at offset: Int) -> UInt32 {
        let b = bytes[offset]
        let length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
        guard length > 1, offset + length <= bytes.count else { return UInt32(b) }
        var value = UInt32(b) & (0xFF >> (length + 1))
        for k in 1..<length { value = value << 6 | UInt32(bytes[offset + k] & 0x3F) }
        return value
    }

    mutating func skipWhitespace() {
        while let b = peek(), ASCII.isWhitespace(b) { i += 1 }
    }

    /// ABNF `comment = comment-start-symbol *non-eol`, `non-eol = %x09 / %x20-7E / non-ascii`.
    /// Leaves `i` at the end of the line.
    mutating func skipComment() throws(TOMLError) {
        i += 1
        while let b = peek() {
            if b == ASCII.lf || (b == ASCII.cr && peek(1) == ASCII.lf) { return }
            guard b == ASCII.tab || (b >= 0x20 && b != ASCII.delete) else {
                throw error("control character \(describe(i)) is not allowed in a comment", at: i)
            }
            i += 1
        }
    }

    /// Consumes a newline (LF or CRLF) if one is next.
    mutating func skipNewline() -> Bool {
        if peek() == ASCII.lf {
            i += 1
            return true
        }
        if peek() == ASCII.cr && peek(1) == ASCII.lf {
            i += 2
            return true
        }
        return false
    }

    /// ABNF `ws-comment-newline = *( wschar / [ comment ] newline )`: inside arrays.
    mutating func skipWhitespaceCommentsAndNewlines() throws(TOMLError) {
        while true {
            skipWhitespace()
            if peek() == ASCII.hash { try skipComment() }
            if !skipNewline() {
                if peek() == ASCII.cr { throw error("carriage return must be followed by a line feed", at: i) }
                return
            }
        }
    }

    // MARK: document

    /// ABNF `toml = expression *( newline expression )`
    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        guard bytes.count <= limits.maxDocumentBytes else {
            throw TOMLError(position: TOMLPosition(line: 1, column: 1),
                            message: "document is larger than \(limits.maxDocumentBytes) bytes")
        }
        if let bad = UTF8Validation.firstInvalidOffset(in: bytes, from: i) {
            throw error("invalid UTF-8 byte 0x\(hex(UInt32(bytes[bad]), width: 2))", at: bad)
        }
        tables.append(DraftTable(origin: .root, position: TOMLPosition(line: 1, column: 1), depth: 0, path: []))
        var current = 0
        var section = 0
        while true {
            skipWhitespace()
            guard let b = peek() else { break }
            switch b {
            case ASCII.lf:
                i += 1
                continue
            case ASCII.cr where peek(1) == ASCII.lf:
                i += 2
                continue
            case ASCII.hash:
                break
            case ASCII.openBracket:
                current = try parseHeader()
                section = sectionCount
            default:
                try parseKeyValue(into: current, section: section)
            }
            try finishLine()
        }
        return finish(0)
    }

    /// ABNF `expression = ws [ comment ] / ws keyval ws [ comment ] / ws table ws [ comment ]`
    /// followed by a newline or the end: "There must be a newline (or EOF) after a key/value
    /// pair."
    mutating func finishLine() throws(TOMLError) {
        skipWhitespace()
        if peek() == ASCII.hash { try skipComment() }
        guard peek() == nil || skipNewline() else {
            if peek() == ASCII.cr { throw error("carriage return must be followed by a line feed", at: i) }
            throw error("expected the end of the line, found \(describe(i))", at: i)
        }
    }

    // MARK: keys

    /// ABNF `key = simple-key / dotted-key`, `dotted-key = simple-key 1*( dot-sep simple-key )`,
    /// `dot-sep = ws %x2E ws`
    mutating func parseKey() throws(TOMLError) -> [KeyPart] {
        var parts = [try parseSimpleKey()]
        while true {
            let save = i
            skipWhitespace()
            guard peek() == ASCII.dot else {
                i = save
                return parts
            }
            i += 1
            skipWhitespace()
            guard parts.count < limits.maxDepth else {
                throw error("key has more than \(limits.maxDepth) parts (TOMLLimits.maxDepth)", at: i)
            }
            parts.append(try parseSimpleKey())
        }
    }

    /// ABNF `simple-key = quoted-key / unquoted-key`, `quoted-key = basic-string / literal-string`
    mutating func parseSimpleKey() throws(TOMLError) -> KeyPart {
        let start = i
        let keyPosition = position(start)
        let name: String
        switch peek() {
        case ASCII.quote?, ASCII.apostrophe?:
            let delimiter = bytes[i]
            if peek(1) == delimiter && peek(2) == delimiter {
                throw error("a multi-line string cannot be a key", at: start)
            }
            name = delimiter == ASCII.quote ? try parseBasicString() : try parseLiteralString()
        case let b? where ASCII.isBareKey(b):
            while let b = peek(), ASCII.isBareKey(b) { i += 1 }
            name = String(decoding: bytes[start..<i], as: UTF8.self)
        case ASCII.equals?:
            throw error("missing key before \"=\"", at: start)
        default:
            throw error("expected a key, found \(describe(start))", at: start)
        }
        guard name.utf8.count <= limits.maxKeyBytes else {
            throw error("key is longer than \(limits.maxKeyBytes) bytes (TOMLLimits.maxKeyBytes)", at: start)
        }
        return KeyPart(name: name, position: keyPosition, offset: start)
    }

    /// ABNF `keyval = key keyval-sep val`, `keyval-sep = ws %x3D ws`
    mutating func parseKeyValue(into table: Int, section: Int) throws(TOMLError) {
        let key = try parseKey()
        skipWhitespace()
        guard peek() == ASCII.equals else {
            throw error("expected \"=\" after key \(render(key)), found \(describe(i))", at: i)
        }
        i += 1
        skipWhitespace()
        // The value's own depth if it is an array or inline table.
        let depth = tables[table].depth + key.count
        let node = try parseValue(depth: depth, path: tables[table].path + key.map(\.name))
        try insert(key, node, into: table, section: section)
    }

    // MARK: message helpers

    func render(_ key: [KeyPart]) -> String { render(key.map(\.name)) }
    func render(_ path: [String]) -> String { path.map(TOMLValue.renderKey).joined(separator: ".") }
}

func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
