// Values: the choice of value kind, booleans, arrays and inline tables (TOML spec "Array",
// "Inline Table", "Boolean").

extension Parser {
    /// ABNF `val = string / boolean / array / inline-table / date-time / float / integer`.
    /// `depth` is the nesting level an array or inline table here would have; `path` names the
    /// key the value belongs to, for messages.
    mutating func parseValue(depth: Int, path: [String]) throws(TOMLError) -> TOMLNode {
        let start = i
        guard let b = peek() else {
            throw error("missing value: found end of file", at: start)
        }
        let valuePosition = position(start)  // before the elements' positions (see Locator)
        let value: TOMLValue
        switch b {
        case ASCII.quote:
            value = .string(peek(1) == ASCII.quote && peek(2) == ASCII.quote
                            ? try parseMultilineBasicString() : try parseBasicString())
        case ASCII.apostrophe:
            value = .string(peek(1) == ASCII.apostrophe && peek(2) == ASCII.apostrophe
                            ? try parseMultilineLiteralString() : try parseLiteralString())
        case ASCII.openBracket:
            value = .array(try parseArray(depth: depth, path: path))
        case ASCII.openBrace:
            value = .table(try parseInlineTable(depth: depth, path: path))
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            value = .boolean(try parseBoolean())
        case UInt8(ascii: "i"), UInt8(ascii: "n"), ASCII.plus, ASCII.minus, ASCII.zero...ASCII.nine:
            value = try parseNumberOrDateTime()
        case ASCII.lf, ASCII.cr, ASCII.hash:
            throw error("missing value: found \(describe(start))", at: start)
        default:
            throw error("expected a value, found \(describe(start))", at: start)
        }
        return TOMLNode(value, at: valuePosition)
    }

    /// ABNF `boolean = true / false` (always lower case).
    mutating func parseBoolean() throws(TOMLError) -> Bool {
        for (word, value) in [("true", true), ("false", false)] where matches(word) {
            i += word.utf8.count
            return value
        }
        throw error("expected a value, found \(describe(i))", at: i)
    }

    /// True if the bytes at `i` spell `word`.
    func matches(_ word: String) -> Bool {
        var at = i
        for b in word.utf8 {
            guard at < bytes.count, bytes[at] == b else { return false }
            at += 1
        }
        return true
    }

    /// ABNF `array = array-open [ array-values ] ws-comment-newline array-close`,
    /// `array-values = ws-comment-newline val ws-comment-newline [ array-sep array-values ]`.
    /// TOML 1.0 allows mixed types, a trailing comma, newlines and comments.
    mutating func parseArray(depth: Int, path: [String]) throws(TOMLError) -> [TOMLNode] {
        let start = i
        guard depth <= limits.maxDepth else {
            throw error("arrays and tables nested deeper than \(limits.maxDepth) levels (TOMLLimits.maxDepth)",
                        at: start)
        }
        i += 1
        var elements: [TOMLNode] = []
        while true {
            try skipWhitespaceCommentsAndNewlines()
            if peek() == ASCII.closeBracket {
                i += 1
                return elements
            }
            guard peek() != nil else {
                throw error("unterminated array: expected \"]\" before the end of the file", at: start)
            }
            elements.append(try parseValue(depth: depth + 1, path: path))
            try skipWhitespaceCommentsAndNewlines()
            switch peek() {
            case ASCII.comma?:
                i += 1
            case ASCII.closeBracket?:
                i += 1
                return elements
            case nil:
                throw error("unterminated array: expected \"]\" before the end of the file", at: start)
            default:
                throw error("expected \",\" or \"]\" after an array element, found \(describe(i))", at: i)
            }
        }
    }

    /// ABNF `inline-table = "{" ws [ inline-table-keyvals ] ws "}"`,
    /// `inline-table-keyvals = keyval [ ws "," ws inline-table-keyvals ]`.
    /// TOML 1.0 "Inline Table": on one line (newlines only inside values), no trailing comma,
    /// and nothing can be added to it afterwards (it is stored as a finished value).
    mutating func parseInlineTable(depth: Int, path: [String]) throws(TOMLError) -> TOMLTable {
        let start = i
        guard depth <= limits.maxDepth else {
            throw error("arrays and tables nested deeper than \(limits.maxDepth) levels (TOMLLimits.maxDepth)",
                        at: start)
        }
        i += 1
        sectionCount += 1
        let section = sectionCount
        let id = tables.count
        tables.append(DraftTable(origin: .inline, position: position(start), depth: depth, path: path))
        skipWhitespace()
        if peek() == ASCII.closeBrace {
            i += 1
            return finishInlineTable(id)
        }
        while true {
            try checkInlineTableContinues(start: start, expecting: "a key")
            try parseKeyValue(into: id, section: section)
            skipWhitespace()
            switch peek() {
            case ASCII.comma?:
                i += 1
                skipWhitespace()
                if peek() == ASCII.closeBrace {
                    throw error("trailing comma is not allowed in an inline table", at: i)
                }
            case ASCII.closeBrace?:
                i += 1
                return finishInlineTable(id)
            default:
                try checkInlineTableContinues(start: start, expecting: "\",\" or \"}\"")
                throw error("expected \",\" or \"}\" in inline table, found \(describe(i))", at: i)
            }
        }
    }

    /// Explains the usual ways an inline table goes wrong: a newline or comment inside it
    /// (TOML 1.0 requires one line), or the end of the file.
    mutating func checkInlineTableContinues(start: Int, expecting: String) throws(TOMLError) {
        switch peek() {
        case nil:
            throw error("unterminated inline table: expected \"}\" before the end of the file", at: start)
        case ASCII.lf?, ASCII.cr?:
            throw error("newline in inline table: TOML 1.0 inline tables must be on one line "
                        + "(expected \(expecting))", at: i)
        case ASCII.hash?:
            throw error("comment in inline table: TOML 1.0 inline tables must be on one line "
                        + "(expected \(expecting))", at: i)
        default:
            return
        }
    }

    /// Freezes an inline table into a value and drops its drafts (it and every table made
    /// inside it come after it in the arena and nothing else refers to them), so that
    /// memory follows the nesting, not the number of inline tables in the document.
    mutating func finishInlineTable(_ id: Int) -> TOMLTable {
        let table = finish(id)
        tables.removeSubrange(id...)
        return table
    }
}
