// Defining keys and tables exactly once (TOML spec "Keys", "Table", "Inline Table", "Array of
// Tables"): where a key/value or a header may add to the tree, and the errors when it may not.

extension Parser {
    /// Adds `key = node` to `table`, making the tables named by the leading parts of a dotted
    /// key. TOML spec "Keys": defining a key twice is invalid; "Table": dotted keys create
    /// and define a table for each key part before the last one, and cannot add to a table
    /// defined by a header or by another section; "Inline Table": inline tables are closed.
    mutating func insert(_ key: [KeyPart], _ node: TOMLNode, into table: Int, section: Int) throws(TOMLError) {
        var current = table
        for (n, part) in key.dropLast().enumerated() {
            // Only error messages need the full path; building it per key would cost
            // O(depth²) on every line.
            var path: [String] { tables[table].path + key[...n].map(\.name) }
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
                case .tableArray(_, let firstHeader):
                    throw error("cannot add to \(render(path)) with dotted keys: it is an array of tables "
                                + "(\(firstHeader))", at: part.offset)
                case .value(let value):
                    if case .table = value.value {
                        throw error("cannot add to inline table \(render(path)) (\(value.position)): "
                                    + "an inline table is complete as written", at: part.offset)
                    }
                    throw error("cannot use \(render(path)) as a table: it is already \(value.value.aTypeName) "
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
        // Positions are asked for in document order (see Locator), so before the key's.
        let headerPosition = position(start)
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
            var path: [String] { key[...n].map(\.name) }
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
                    throw error("cannot use \(render(path)) as a table: it is already \(value.value.aTypeName) "
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
            throw error("cannot define table \(render(path)): the key already holds \(value.value.aTypeName) "
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
        switch tables[parent].entries[at].slot {
        case .tableArray:
            break
        case .table(let id):
            throw error("cannot define array of tables \(render(path)): a table with that name exists "
                        + "(\(tables[id].position))", at: last.offset)
        case .value(let value):
            if case .array = value.value {
                throw error("cannot append to \(render(path)) with [[ ]]: it is a static array "
                            + "(\(value.position))", at: last.offset)
            }
            throw error("cannot define array of tables \(render(path)): the key already holds "
                        + "\(value.value.aTypeName) (\(tables[parent].entries[at].keyPosition))", at: last.offset)
        }
        // An existing array of tables: append a new element (after the switch, so that no
        // copy of the slot keeps the array shared).
        let id = tables.count
        tables.append(element)
        tables[parent].entries[at].appendElement(id)
        return id
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
}
