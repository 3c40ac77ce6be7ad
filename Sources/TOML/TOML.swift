// TOML v1.0.0 (https://toml.io/en/v1.0.0, grammar in toml.abnf of the 1.0.0 tag), parsed into
// values that remember where they came from: every key, value and table header carries its
// line and column, so configuration errors can say "postern.toml:12: [listen] smtp: ...".
//
// Untrusted input: the configuration file's bytes. The parser is pure (bytes in, a table or a
// TOMLError out), never recurses deeper than TOMLLimits.maxDepth, and bounds keys and the
// document size before allocating anything proportional to them.

/// A place in the document. Both numbers are 1-based; the column counts Unicode scalars
/// (a tab is one column), so it matches what an editor shows for most text. A UTF-8 byte
/// order mark at the start of the document is not counted.
public struct TOMLPosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column)" }

    public static func < (a: TOMLPosition, b: TOMLPosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// Why a document is not valid TOML 1.0, and where.
public struct TOMLError: Error, Hashable, Sendable, CustomStringConvertible {
    public var position: TOMLPosition
    public var message: String

    public init(position: TOMLPosition, message: String) {
        self.position = position
        self.message = message
    }

    /// "line L, column C: message"
    public var description: String { "\(position): \(message)" }
}

/// Bounds on what one document may contain. The defaults are far beyond any real
/// configuration file and small enough that a hostile one costs little.
public struct TOMLLimits: Hashable, Sendable {
    /// Largest document accepted, in bytes (the configuration loader usually caps it first).
    public var maxDocumentBytes: Int
    /// Deepest nesting of tables and arrays, counting every level: each part of a table
    /// header or dotted key, each inline table and each array. The root table is level 0.
    /// The parser recurses once per array or inline table level, so this bounds its stack.
    public var maxDepth: Int
    /// Longest single key (one part of a dotted key), in UTF-8 bytes after unescaping.
    public var maxKeyBytes: Int

    public init(maxDocumentBytes: Int = 4 << 20, maxDepth: Int = 64, maxKeyBytes: Int = 1024) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxDepth = maxDepth
        self.maxKeyBytes = maxKeyBytes
    }
}

/// A date, a time of day, or both, with an optional UTC offset: the four date-time kinds of
/// TOML (RFC 3339 §5.6 profiles). Which fields are present tells the kind; `TOMLValue`
/// repeats it in its case so that callers can switch on it.
public struct TOMLDateTime: Hashable, Sendable, CustomStringConvertible {
    public struct LocalDate: Hashable, Sendable {
        public var year: Int
        public var month: Int
        public var day: Int

        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }
    }

    public struct LocalTime: Hashable, Sendable {
        public var hour: Int
        public var minute: Int
        /// 0...60: RFC 3339 §5.7 allows a leap second.
        public var second: Int
        /// Fractional seconds, truncated (not rounded) to nanoseconds as TOML requires.
        public var nanosecond: Int

        public init(hour: Int, minute: Int, second: Int, nanosecond: Int = 0) {
            self.hour = hour
            self.minute = minute
            self.second = second
            self.nanosecond = nanosecond
        }
    }

    public var date: LocalDate?
    public var time: LocalTime?
    /// Minutes east of UTC; `Z` is 0. Nil for local date-times, dates and times.
    public var offsetMinutes: Int?

    public init(date: LocalDate? = nil, time: LocalTime? = nil, offsetMinutes: Int? = nil) {
        self.date = date
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    /// RFC 3339 text, as TOML writes it: `1979-05-27T07:32:00.5-07:00`, `07:32:00`, ...
    public var description: String {
        var parts = ""
        if let date {
            parts += TOMLDateTime.pad(date.year, 4) + "-" + TOMLDateTime.pad(date.month, 2) + "-"
                + TOMLDateTime.pad(date.day, 2)
        }
        if let time {
            if date != nil { parts += "T" }
            parts += TOMLDateTime.pad(time.hour, 2) + ":" + TOMLDateTime.pad(time.minute, 2) + ":"
                + TOMLDateTime.pad(time.second, 2)
            if time.nanosecond > 0 {
                var fraction = TOMLDateTime.pad(time.nanosecond, 9)
                while fraction.hasSuffix("0") { fraction.removeLast() }
                parts += "." + fraction
            }
        }
        if let offsetMinutes {
            if offsetMinutes == 0 {
                parts += "Z"
            } else {
                let magnitude = Int(clamping: offsetMinutes.magnitude)  // abs() would trap on Int.min
                parts += (offsetMinutes < 0 ? "-" : "+") + TOMLDateTime.pad(magnitude / 60, 2) + ":"
                    + TOMLDateTime.pad(magnitude % 60, 2)
            }
        }
        return parts
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// One TOML value. Arrays hold nodes so that every element keeps its position.
public indirect enum TOMLValue: Hashable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case offsetDateTime(TOMLDateTime)
    case localDateTime(TOMLDateTime)
    case localDate(TOMLDateTime)
    case localTime(TOMLDateTime)
    case array([TOMLNode])
    case table(TOMLTable)

    /// The type's name as the TOML specification spells it, for error messages.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .offsetDateTime: "offset date-time"
        case .localDateTime: "local date-time"
        case .localDate: "local date"
        case .localTime: "local time"
        case .array: "array"
        case .table: "table"
        }
    }

    /// The type name with its indefinite article, for messages: "an integer", "a string".
    var aTypeName: String {
        let name = typeName
        return (name.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + name
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var integer: Int64? { if case .integer(let n) = self { n } else { nil } }
    public var float: Double? { if case .float(let x) = self { x } else { nil } }
    public var boolean: Bool? { if case .boolean(let b) = self { b } else { nil } }
    public var array: [TOMLNode]? { if case .array(let a) = self { a } else { nil } }
    public var table: TOMLTable? { if case .table(let t) = self { t } else { nil } }

    /// Any of the four date-time kinds.
    public var dateTime: TOMLDateTime? {
        switch self {
        case .offsetDateTime(let d), .localDateTime(let d), .localDate(let d), .localTime(let d): d
        default: nil
        }
    }
}

/// A value and the position of its first character.
public struct TOMLNode: Hashable, Sendable {
    public var value: TOMLValue
    public var position: TOMLPosition

    public init(_ value: TOMLValue, at position: TOMLPosition) {
        self.value = value
        self.position = position
    }
}

/// A table: key/value pairs in document order, each with the position of its key.
///
/// Position of the table itself: the `[` of its `[header]` or `[[header]]` line; for a
/// table made by a dotted key or implied by a longer header, the key part that named it
/// first; for an inline table, its `{`; for the root table, line 1 column 1.
public struct TOMLTable: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var key: String
        /// Where this key is written: the last part of a dotted key names the entry.
        public var keyPosition: TOMLPosition
        public var node: TOMLNode

        public init(key: String, keyPosition: TOMLPosition, node: TOMLNode) {
            self.key = key
            self.keyPosition = keyPosition
            self.node = node
        }
    }

    public private(set) var entries: [Entry]
    public var position: TOMLPosition
    /// Key to index in `entries`; always derived from `entries`.
    private var index: [String: Int]

    /// A table of the given entries. If a key repeats, lookups find its first entry (the
    /// parser never produces repeated keys).
    public init(entries: [Entry] = [], position: TOMLPosition = TOMLPosition(line: 1, column: 1)) {
        self.entries = []
        self.index = [:]
        self.position = position
        for entry in entries { append(entry) }
    }

    /// Adds an entry at the end. A key that is already present is not looked up again.
    public mutating func append(_ entry: Entry) {
        if index[entry.key] == nil { index[entry.key] = entries.count }
        entries.append(entry)
    }

    public subscript(key: String) -> TOMLNode? {
        guard let at = index[key] else { return nil }
        return entries[at].node
    }

    /// The entry for `key`, with its key position.
    public func entry(_ key: String) -> Entry? {
        guard let at = index[key] else { return nil }
        return entries[at]
    }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.position == b.position && a.entries == b.entries
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(position)
        hasher.combine(entries)
    }
}
