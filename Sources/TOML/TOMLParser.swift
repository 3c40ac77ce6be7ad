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

/// Maps byte offsets to line and column. Positions are mostly asked for in increasing order,
/// so it walks forward from the last answer and restarts from the top only when asked for an
/// earlier offset: linear overall for a normal parse.
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
        return KeyPart(name: name, position: position(start), offset: start)
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

    // MARK: defining keys and tables

    /// Adds `key = node` to `table`, making the tables named by the leading parts of a dotted
    /// key. TOML spec "Keys": defining a key twice is invalid; "Table": dotted keys create
    /// and define a table for each key part before the last one, and cannot add to a table
    /// defined by a header or by another section; "Inline Table": inline tables are closed.
    mutating func insert(_ key: [KeyPart], _ node: TOMLNode, into table: Int, section: Int) throws(TOMLError) {
        var current = table
        for (n, part) in key.dropLast().enumerated() {
            let path = tables[table].path + key[...n].map(\.name)
            if let at = tables[current].index[part.name] {
                let existing = tables[current].entries[at]
                switch existing.slot {
                case .table(let child):
                    switch tables[child].origin {
                    case .dotted(let owner) where owner == section:
                        current = child
                    case .implied:
                        // Only implied by a longer header so far: these dotted keys define it.
                        tables[child].origin = .dotted(section: section)
                        current = child
                    case .dotted:
                        throw error("cannot add to table \(render(path)): it was defined with dotted keys "
                                    + "under another header (\(tables[child].position))", at: part.offset)
                    case .header, .arrayElement, .root, .inline:
                        throw error("cannot add to table \(render(path)) with dotted keys: it is defined by "
                                    + "its header at \(tables[child].position)", at: part.offset)
                    }
                case .tableArray(_, let where_):
                    throw error("cannot add to \(render(path)) with dotted keys: it is an array of tables "
                                + "(\(where_))", at: part.offset)
                case .value(let value):
                    if case .table = value.value {
                        throw error("cannot add to inline table \(render(path)) (\(value.position)): "
                                    + "an inline table is complete as written", at: part.offset)
                    }
                    throw error("cannot use \(render(path)) as a table: it is already a \(value.value.typeName) "
                                + "(\(existing.keyPosition))", at: part.offset)
                }
            } else {
                current = try addTable(part, origin: .dotted(section: section), to: current, path: path)
            }
        }
        guard let last = key.last else { return }
        if let at = tables[current].index[last.name] {
            let first = tables[current].entries[at].keyPosition
            throw error("duplicate key \(render(tables[table].path + key.map(\.name))) "
                        + "(first defined at \(first))", at: last.offset)
        }
        tables[current].add(last, .value(node))
    }

    /// Appends a new empty table named `part` to `parent`.
    mutating func addTable(_ part: KeyPart, origin: DraftTable.Origin, to parent: Int, path: [String],
                           position: TOMLPosition? = nil) throws(TOMLError) -> Int {
        let depth = tables[parent].depth + 1
        guard depth <= limits.maxDepth else {
            throw error("tables nested deeper than \(limits.maxDepth) levels (TOMLLimits.maxDepth)", at: part.offset)
        }
        let id = tables.count
        tables.append(DraftTable(origin: origin, position: position ?? part.position, depth: depth, path: path))
        tables[parent].add(part, .table(id))
        return id
    }

    /// ABNF `table = std-table / array-table`, `std-table = "[" ws key ws "]"`,
    /// `array-table = "[[" ws key ws "]]"`. Returns the table that key/values below it go to.
    mutating func parseHeader() throws(TOMLError) -> Int {
        let start = i
        let isArray = peek(1) == ASCII.openBracket
        i += isArray ? 2 : 1
        skipWhitespace()
        let key = try parseKey()
        skipWhitespace()
        if isArray {
            guard peek() == ASCII.closeBracket && peek(1) == ASCII.closeBracket else {
                throw error("expected \"]]\" to close the array of tables header, found \(describe(i))", at: i)
            }
            i += 2
        } else {
            guard peek() == ASCII.closeBracket else {
                throw error("expected \"]\" to close the table header, found \(describe(i))", at: i)
            }
            i += 1
        }
        sectionCount += 1
        let headerPosition = position(start)
        let parent = try walkHeaderParents(key)
        guard let last = key.last else { return parent }
        let path = key.map(\.name)
        return isArray ? try defineTableArrayElement(last, in: parent, path: path, header: headerPosition)
                       : try defineTable(last, in: parent, path: path, header: headerPosition)
    }

    /// Follows the leading parts of a header's key from the root, making implied tables.
    /// TOML spec "Array of Tables": a name that is an array of tables means its latest element.
    mutating func walkHeaderParents(_ key: [KeyPart]) throws(TOMLError) -> Int {
        var current = 0
        for (n, part) in key.dropLast().enumerated() {
            let path = key[...n].map(\.name)
            guard let at = tables[current].index[part.name] else {
                current = try addTable(part, origin: .implied, to: current, path: path)
                continue
            }
            let existing = tables[current].entries[at]
            switch existing.slot {
            case .table(let child):
                current = child
            case .tableArray(let elements, _):
                guard let latest = elements.last else { return current }
                current = latest
            case .value(let value):
                switch value.value {
                case .table:
                    throw error("cannot add to inline table \(render(path)) (\(value.position)): "
                                + "an inline table is complete as written", at: part.offset)
                case .array:
                    throw error("cannot add to \(render(path)): it is a static array (\(value.position)), "
                                + "not an array of tables", at: part.offset)
                default:
                    throw error("cannot use \(render(path)) as a table: it is already a \(value.value.typeName) "
                                + "(\(existing.keyPosition))", at: part.offset)
                }
            }
        }
        return current
    }

    /// `[a.b]`: TOML spec "Table": a table may be defined only once, and not at all if dotted
    /// keys or an inline table already made it.
    mutating func defineTable(_ last: KeyPart, in parent: Int, path: [String],
                              header: TOMLPosition) throws(TOMLError) -> Int {
        guard let at = tables[parent].index[last.name] else {
            return try addTable(last, origin: .header, to: parent, path: path, position: header)
        }
        let existing = tables[parent].entries[at]
        switch existing.slot {
        case .table(let id):
            switch tables[id].origin {
            case .implied:
                tables[id].origin = .header
                tables[id].position = header
                return id
            case .dotted:
                throw error("table \(render(path)) is already defined by dotted keys at \(tables[id].position)",
                            at: last.offset)
            case .header, .arrayElement, .root, .inline:
                throw error("table \(render(path)) is already defined at \(tables[id].position)",
                            at: last.offset)
            }
        case .tableArray(_, let first):
            throw error("\(render(path)) is already an array of tables (\(first)); use [[\(render(path))]] "
                        + "to add an element", at: last.offset)
        case .value(let value):
            if case .table = value.value {
                throw error("table \(render(path)) is already defined as an inline table at \(value.position)",
                            at: last.offset)
            }
            throw error("cannot define table \(render(path)): the key already holds a \(value.value.typeName) "
                        + "(\(existing.keyPosition))", at: last.offset)
        }
    }

    /// `[[a.b]]`: TOML spec "Array of Tables": the first header makes the array, later ones
    /// append; appending to a static array or turning a table into an array is an error.
    mutating func defineTableArrayElement(_ last: KeyPart, in parent: Int, path: [String],
                                          header: TOMLPosition) throws(TOMLError) -> Int {
        let depth = tables[parent].depth + 1
        guard depth <= limits.maxDepth else {
            throw error("tables nested deeper than \(limits.maxDepth) levels (TOMLLimits.maxDepth)", at: last.offset)
        }
        let element = DraftTable(origin: .arrayElement, position: header, depth: depth, path: path)
        guard let at = tables[parent].index[last.name] else {
            let id = tables.count
            tables.append(element)
            tables[parent].add(last, .tableArray([id], header))
            return id
        }
        let existing = tables[parent].entries[at]
        switch existing.slot {
        case .tableArray(var elements, let first):
            let id = tables.count
            tables.append(element)
            elements.append(id)
            tables[parent].entries[at].slot = .tableArray(elements, first)
            return id
        case .table(let id):
            throw error("cannot define array of tables \(render(path)): a table with that name exists "
                        + "(\(tables[id].position))", at: last.offset)
        case .value(let value):
            if case .array = value.value {
                throw error("cannot append to \(render(path)) with [[ ]]: it is a static array "
                            + "(\(value.position))", at: last.offset)
            }
            throw error("cannot define array of tables \(render(path)): the key already holds a "
                        + "\(value.value.typeName) (\(existing.keyPosition))", at: last.offset)
        }
    }

    // MARK: finishing

    /// Turns a draft table into its final value. Recursion is bounded by TOMLLimits.maxDepth,
    /// which every table and array creation checks.
    func finish(_ id: Int) -> TOMLTable {
        let draft = tables[id]
        var table = TOMLTable(position: draft.position)
        for entry in draft.entries {
            let node: TOMLNode
            switch entry.slot {
            case .value(let value):
                node = value
            case .table(let child):
                let finished = finish(child)
                node = TOMLNode(.table(finished), at: finished.position)
            case .tableArray(let elements, let first):
                node = TOMLNode(.array(elements.map { element in
                    let finished = finish(element)
                    return TOMLNode(.table(finished), at: finished.position)
                }), at: first)
            }
            table.append(TOMLTable.Entry(key: entry.key, keyPosition: entry.keyPosition, node: node))
        }
        return table
    }

    // MARK: message helpers

    func render(_ key: [KeyPart]) -> String { render(key.map(\.name)) }
    func render(_ path: [String]) -> String { path.map(TOMLValue.renderKey).joined(separator: ".") }
}

func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
