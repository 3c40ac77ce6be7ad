import Testing
@testable import TOML

/// TOMLLimits: nesting, key length and document size are bounded, and hostile shapes that
/// stay within them cost linear time.
@Suite struct LimitsTests {
    let depth = TOMLLimits().maxDepth

    @Test func arrayNestingUpToTheLimit() throws {
        // `a = [` is at depth 1 (the root table is 0), so maxDepth brackets fit exactly.
        let fits = "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try #require(try parse(fits)["a"]).value
        for _ in 1..<depth { value = try #require(value.array?.first).value }
        #expect(value == .array([]))

        let deeper = "a = " + String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        let error = parseError(deeper)
        #expect(error?.position == TOMLPosition(line: 1, column: 5 + depth))
        #expect(error?.message.contains("nested deeper than 64 levels (TOMLLimits.maxDepth)") == true)
    }

    @Test func inlineTableNestingUpToTheLimit() throws {
        let fits = "a = " + String(repeating: "{b=", count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(throws: Never.self) { try parse(fits) }
        let deeper = "a = " + String(repeating: "{b=", count: depth) + "{}" + String(repeating: "}", count: depth)
        #expect(parseError(deeper)?.message.contains("TOMLLimits.maxDepth") == true)
    }

    /// A hostile document far deeper than the limit fails fast instead of exhausting the stack.
    @Test(arguments: [
        "a = " + String(repeating: "[", count: 100_000),
        "a = " + String(repeating: "{a=", count: 100_000),
        "a = " + String(repeating: "[{a=", count: 50_000),
        String(repeating: "[", count: 100_000),
        "[" + Array(repeating: "a", count: 100_000).joined(separator: ".") + "]",
        Array(repeating: "a", count: 100_000).joined(separator: ".") + " = 1",
    ])
    func hostileNesting(document: String) {
        #expect(parseError(document) != nil)
    }

    @Test func headersAndDottedKeysCountTowardsDepth() throws {
        let parts = (1...depth).map { "k\($0)" }
        let header = "[" + parts.joined(separator: ".") + "]\n"
        #expect(throws: Never.self) { try parse(header + "x = 1") }
        // One more level below a table at the limit is refused, whether table or array.
        #expect(parseError(header + "x.y = 1")?.message.contains("tables nested deeper than 64 levels") == true)
        #expect(parseError(header + "x = []")?.message.contains("nested deeper than 64 levels") == true)
        #expect(parseError(header + "x = {}")?.message.contains("nested deeper than 64 levels") == true)
        #expect(parseError("[" + parts.joined(separator: ".") + ".more]")?.message
            .contains("key has more than 64 parts") == true)
        #expect(throws: Never.self) { try parse(parts.joined(separator: ".") + " = 1") }
    }

    @Test func keyLength() throws {
        let longest = String(repeating: "k", count: TOMLLimits().maxKeyBytes)
        #expect(throws: Never.self) { try parse(longest + " = 1") }
        let error = parseError("a = 1\n\"" + longest + "k\" = 1")
        #expect(error?.position == TOMLPosition(line: 2, column: 1))
        #expect(error?.message == "key is longer than 1024 bytes (TOMLLimits.maxKeyBytes)")
        // Measured after unescaping, in UTF-8 bytes.
        #expect(parseError("\"" + String(repeating: "é", count: 513) + "\" = 1") != nil)
        #expect(throws: Never.self) { try parse("\"" + String(repeating: "\\u00E9", count: 512) + "\" = 1") }
    }

    @Test func documentSize() throws {
        let limits = TOMLLimits(maxDocumentBytes: 16)
        #expect(throws: Never.self) { try TOMLParser.parse("a = \"0123456789\"", limits: limits) }
        #expect(throws: TOMLError(position: TOMLPosition(line: 1, column: 1),
                                  message: "document is larger than 16 bytes")) {
            try TOMLParser.parse("a = \"01234567890\"", limits: limits)
        }
    }

    @Test func customLimits() throws {
        let limits = TOMLLimits(maxDepth: 2, maxKeyBytes: 3)
        #expect(throws: Never.self) { try TOMLParser.parse("abc = [[1]]", limits: limits) }
        #expect(throws: TOMLError.self) { try TOMLParser.parse("abcd = 1", limits: limits) }
        #expect(throws: TOMLError.self) { try TOMLParser.parse("a = [[[1]]]", limits: limits) }
        #expect(throws: TOMLError.self) { try TOMLParser.parse("[a.b.c]", limits: limits) }
    }

    /// Shapes that would be quadratic in a naive parser stay fast: many array-of-tables
    /// headers, many keys in one table, long lines with many positions, deep dotted keys.
    @Test func linearTime() throws {
        let clock = ContinuousClock()
        var documents: [String] = []
        documents.append(String(repeating: "[[a]]\nx = 1\n", count: 50_000))
        documents.append((0..<50_000).map { "key\($0) = \($0)" }.joined(separator: "\n"))
        documents.append("a = [" + Array(repeating: "1", count: 100_000).joined(separator: ",") + "]")
        let deepKey = (1..<depth).map { "k\($0)" }.joined(separator: ".")
        documents.append((0..<5_000).map { deepKey + ".v\($0) = 1" }.joined(separator: "\n"))
        documents.append("a = [" + Array(repeating: "[{ x = [1, \"s\"], y.z = {} }]", count: 20_000).joined(separator: ", ") + "]")
        documents.append("[t]\n" + (0..<20_000).map { "s\($0) = \"\"\"\nline\nline\"\"\"" }.joined(separator: "\n"))
        for document in documents {
            let elapsed = try clock.measure { _ = try parse(document) }
            // Generous for a debug build on a shared machine; a quadratic path takes minutes.
            #expect(elapsed < .seconds(10), "\(document.prefix(40))... took \(elapsed)")
        }
    }
}
