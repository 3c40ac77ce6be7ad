@testable import TOML

/// A position-free, tagged text form of parsed values, independent of `render()`, so that
/// expected results read compactly: `{"a": 1, "b": float(1.5), "c": ld(1979-05-27)}`.
/// Keys keep document order unless `sorted` (TOML tables are unordered; the renderer groups
/// sub-tables after plain keys).
func canonical(_ value: TOMLValue, sorted: Bool = false) -> String {
    switch value {
    case .string(let s): return s.debugDescription
    case .integer(let n): return String(n)
    case .float(let x): return "float(\(x.isNaN ? "nan" : String(x)))"
    case .boolean(let b): return String(b)
    case .offsetDateTime(let d): return "odt(\(d))"
    case .localDateTime(let d): return "ldt(\(d))"
    case .localDate(let d): return "ld(\(d))"
    case .localTime(let d): return "lt(\(d))"
    case .array(let elements):
        return "[" + elements.map { canonical($0.value, sorted: sorted) }.joined(separator: ", ") + "]"
    case .table(let table):
        return canonical(table, sorted: sorted)
    }
}

func canonical(_ table: TOMLTable, sorted: Bool = false) -> String {
    var entries = table.entries
    if sorted { entries.sort { $0.key < $1.key } }
    return "{" + entries.map { $0.key.debugDescription + ": " + canonical($0.node.value, sorted: sorted) }
        .joined(separator: ", ") + "}"
}

func parse(_ text: String) throws(TOMLError) -> TOMLTable { try TOMLParser.parse(text) }

/// The error a document fails with, or nil if it parses.
func parseError(_ text: String) -> TOMLError? {
    do {
        _ = try TOMLParser.parse(text)
        return nil
    } catch {
        return error
    }
}

