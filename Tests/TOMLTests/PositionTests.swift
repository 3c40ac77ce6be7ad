import Testing
@testable import TOML

/// Every key, value and table keeps where it was written: the point of this parser.
@Suite struct PositionTests {
    func at(_ line: Int, _ column: Int) -> TOMLPosition { TOMLPosition(line: line, column: column) }

    @Test func keysValuesAndHeaders() throws {
        let doc = try parse("""
            hostname = "mail.example.org"

            [listen]
              smtp = 25
            submission =   "0.0.0.0:587" # comment
            [dns]
            nameservers = [ "127.0.0.1:53",
                "[::1]:53" ]
            """)
        #expect(doc.position == at(1, 1))
        #expect(doc.entry("hostname")?.keyPosition == at(1, 1))
        #expect(doc["hostname"]?.position == at(1, 12))

        let listenEntry = try #require(doc.entry("listen"))
        #expect(listenEntry.keyPosition == at(3, 2))
        #expect(listenEntry.node.position == at(3, 1))
        let listen = try #require(listenEntry.node.value.table)
        #expect(listen.position == at(3, 1))
        #expect(listen.entry("smtp")?.keyPosition == at(4, 3))
        #expect(listen["smtp"]?.position == at(4, 10))
        #expect(listen.entry("submission")?.keyPosition == at(5, 1))
        #expect(listen["submission"]?.position == at(5, 16))

        let servers = try #require(doc["dns"]?.value.table?["nameservers"])
        #expect(servers.position == at(7, 15))
        #expect(servers.value.array?.map(\.position) == [at(7, 17), at(8, 5)])
    }

    @Test func dottedKeysAndImpliedTables() throws {
        let doc = try parse("""
            a.b.c = 1
            [x.y.z]
            [x]
            """)
        let a = try #require(doc.entry("a"))
        #expect(a.keyPosition == at(1, 1))
        let tableA = try #require(a.node.value.table)
        #expect(tableA.position == at(1, 1))
        let b = try #require(tableA.entry("b"))
        #expect(b.keyPosition == at(1, 3))
        #expect(b.node.value.table?.position == at(1, 3))
        #expect(b.node.value.table?.entry("c")?.keyPosition == at(1, 5))
        #expect(b.node.value.table?["c"]?.position == at(1, 9))

        // x was implied by [x.y.z] on line 2 and defined by its own header on line 3.
        let x = try #require(doc.entry("x"))
        #expect(x.keyPosition == at(2, 2))
        #expect(x.node.value.table?.position == at(3, 1))
        let y = try #require(x.node.value.table?.entry("y"))
        #expect(y.node.value.table?.position == at(2, 4))
        #expect(y.node.value.table?.entry("z")?.node.position == at(2, 1))
    }

    @Test func arraysOfTablesAndInlineTables() throws {
        let doc = try parse("""
            [[user]]
            name = "a"
              [[user]]
            name = "b"
            point = { x = 1, y = { z = 2 } }
            """)
        let users = try #require(doc["user"])
        #expect(users.position == at(1, 1))
        #expect(users.value.array?.map(\.position) == [at(1, 1), at(3, 3)])
        let second = try #require(users.value.array?[1].value.table)
        #expect(second.position == at(3, 3))
        #expect(second.entry("name")?.keyPosition == at(4, 1))
        let point = try #require(second["point"])
        #expect(point.position == at(5, 9))
        #expect(point.value.table?.position == at(5, 9))
        #expect(point.value.table?.entry("y")?.keyPosition == at(5, 18))
        #expect(point.value.table?["y"]?.value.table?.entry("z")?.keyPosition == at(5, 24))
        #expect(point.value.table?["y"]?.value.table?["z"]?.position == at(5, 28))
    }

    /// Columns count Unicode scalars, not bytes; a byte order mark is not a column; CRLF
    /// counts as one line break; a multi-line string moves the lines on.
    @Test func columnsAndLines() throws {
        let doc = try parse("\u{FEFF}\"ключ\" = \"значение\"\r\n'α' = 'β'\r\n")
        #expect(doc.entry("ключ")?.keyPosition == at(1, 1))
        #expect(doc["ключ"]?.position == at(1, 10))
        #expect(doc.entry("α")?.keyPosition == at(2, 1))
        #expect(doc["α"]?.position == at(2, 7))
        let err = parseError("\u{FEFF}k = 1\nαβ = 2")
        #expect(err?.position == at(2, 1))

        let emoji = try parse("\"😀😀\" = 1")
        #expect(emoji["😀😀"]?.position == at(1, 8))
        #expect(try parse("s = \"\"\"\none\ntwo\"\"\"\nafter = 1").entry("after")?.keyPosition == at(4, 1))
        #expect(try parse("a = 1\r\n\r\nb = 2").entry("b")?.keyPosition == at(3, 1))
    }

    @Test func errorDescription() {
        let err = TOMLError(position: at(12, 3), message: "expected a value")
        #expect(err.description == "line 12, column 3: expected a value")
    }
}
