// Writing TOML: values in the forms the parser reads back to the same value, and whole
// documents for files we generate (`postern quickstart`).

extension TOMLValue {
    /// The value as TOML text: strings as basic strings with every needed escape, floats in
    /// a form that keeps them floats, arrays and tables inline (`[1, 2]`, `{ a = 1 }`).
    public func render() -> String {
        switch self {
        case .string(let s): TOMLValue.renderString(s)
        case .integer(let n): String(n)
        case .float(let x): TOMLValue.renderFloat(x)
        case .boolean(let b): b ? "true" : "false"
        case .offsetDateTime(let d), .localDateTime(let d), .localDate(let d), .localTime(let d): d.description
        case .array(let elements): "[" + elements.map { $0.value.render() }.joined(separator: ", ") + "]"
        case .table(let table):
            table.isEmpty ? "{}"
                : "{ " + table.entries.map { TOMLValue.renderKey($0.key) + " = " + $0.node.value.render() }
                    .joined(separator: ", ") + " }"
        }
    }

    /// A key as TOML text: bare if it is made only of `A-Za-z0-9_-` (TOML spec "Keys"), else a
    /// quoted basic string.
    public static func renderKey(_ key: String) -> String {
        !key.isEmpty && key.utf8.allSatisfy(ASCII.isBareKey) ? key : renderString(key)
    }

    /// A basic string. TOML spec "String": quotation mark, backslash and the control
    /// characters other than tab must be escaped; everything else may be written as is.
    static func renderString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\u" + hex(scalar.value, width: 4)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Swift's shortest round-trip form, which is TOML's float syntax except that the
    /// special values are spelled `inf`, `-inf` and `nan` (TOML spec "Float").
    static func renderFloat(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        let text = x.description  // "1.0", "0.1", "1e-07", "5e+22"
        // A bare integer-looking result cannot happen with Double.description, but a float
        // must keep a fraction or exponent to stay a float.
        return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
    }
}

extension TOMLTable {
    /// The table as a TOML document: plain keys first, then each sub-table under its
    /// `[header]` and each array of tables under `[[header]]` (an array whose elements are all
    /// tables and which is not empty). Entry order within each group is kept.
    public func render() -> String {
        var out = ""
        render(into: &out, path: [])
        return out
    }

    private func render(into out: inout String, path: [String]) {
        for entry in entries where !TOMLTable.isSection(entry.node.value) {
            out += TOMLValue.renderKey(entry.key) + " = " + entry.node.value.render() + "\n"
        }
        for entry in entries {
            let childPath = path + [entry.key]
            let header = childPath.map(TOMLValue.renderKey).joined(separator: ".")
            switch entry.node.value {
            case .table(let table):
                out += (out.isEmpty ? "" : "\n") + "[" + header + "]\n"
                table.render(into: &out, path: childPath)
            case .array(let elements) where TOMLTable.isSection(entry.node.value):
                for element in elements {
                    guard case .table(let table) = element.value else { continue }
                    out += (out.isEmpty ? "" : "\n") + "[[" + header + "]]\n"
                    table.render(into: &out, path: childPath)
                }
            default:
                continue
            }
        }
    }

    /// Tables and non-empty arrays of only tables are written as sections, not inline.
    private static func isSection(_ value: TOMLValue) -> Bool {
        switch value {
        case .table: return true
        case .array(let elements):
            return !elements.isEmpty && elements.allSatisfy { if case .table = $0.value { true } else { false } }
        default: return false
        }
    }
}
