import Testing
@testable import TOML

/// Writing TOML for generated configuration files.
@Suite struct RenderTests {
    @Test(arguments: [
        (TOMLValue.string("plain"), #""plain""#),
        (.string("quote \" and backslash \\"), #""quote \" and backslash \\""#),
        (.string("tab\tnewline\ncr\rbs\u{08}ff\u{0C}"), "\"tab\tnewline\\ncr\\rbs\\bff\\f\""),
        (.string("nul\u{0}esc\u{1B}del\u{7F}"), #""nul\u0000esc\u001Bdel\u007F""#),
        (.string("ünïcödé 😀 \u{2028}"), "\"ünïcödé 😀 \u{2028}\""),
        (.string(""), #""""#),
        (.integer(0), "0"), (.integer(-42), "-42"),
        (.integer(.max), "9223372036854775807"), (.integer(.min), "-9223372036854775808"),
        (.float(1), "1.0"), (.float(-0.5), "-0.5"), (.float(1e22), "1e+22"), (.float(1e-7), "1e-07"),
        (.float(-0.0), "-0.0"), (.float(.infinity), "inf"), (.float(-.infinity), "-inf"), (.float(.nan), "nan"),
        (.boolean(true), "true"), (.boolean(false), "false"),
        (.array([]), "[]"),
        (.array([TOMLNode(.integer(1), at: TOMLPosition(line: 1, column: 1)),
                 TOMLNode(.string("a"), at: TOMLPosition(line: 1, column: 1))]), #"[1, "a"]"#),
        (.table(TOMLTable()), "{}"),
        (.localDate(TOMLDateTime(date: .init(year: 2024, month: 2, day: 29))), "2024-02-29"),
        (.offsetDateTime(TOMLDateTime(date: .init(year: 1979, month: 5, day: 27),
                                      time: .init(hour: 0, minute: 32, second: 0, nanosecond: 999_000_000),
                                      offsetMinutes: -420)), "1979-05-27T00:32:00.999-07:00"),
    ])
    func scalars(value: TOMLValue, text: String) throws {
        #expect(value.render() == text)
        // And the text reads back as the same value.
        let read = try #require(try parse("v = " + text)["v"]).value
        if case .float(let x) = value, x.isNaN {
            #expect(read.float?.isNaN == true)
        } else {
            #expect(canonical(read) == canonical(value))
        }
    }

    @Test(arguments: [
        ("bare_key-1", "bare_key-1"), ("1234", "1234"), ("", #""""#), ("with space", #""with space""#),
        ("dotted.key", #""dotted.key""#), ("ünï", #""ünï""#), ("q\"", #""q\"""#),
    ])
    func keys(key: String, text: String) throws {
        #expect(TOMLValue.renderKey(key) == text)
        #expect(try parse(text + " = 1").keys == [key])
    }

    @Test func document() throws {
        let source = """
            hostname = "mail.example.org"
            [listen]
            smtp = "0.0.0.0:25"
            [dns]
            nameservers = ["127.0.0.1:53"]
            [[user]]
            name = "alice"
            limits.quota = 100
            [[user]]
            name = "bob"
            inline = { a = 1, "b c" = [] }
            """
        let rendered = try parse(source).render()
        #expect(rendered == """
            hostname = "mail.example.org"

            [listen]
            smtp = "0.0.0.0:25"

            [dns]
            nameservers = ["127.0.0.1:53"]

            [[user]]
            name = "alice"

            [user.limits]
            quota = 100

            [[user]]
            name = "bob"

            [user.inline]
            a = 1
            "b c" = []

            """)
        #expect(canonical(try parse(rendered), sorted: true) == canonical(try parse(source), sorted: true))
    }

    /// A table built in code, as `postern quickstart` would, renders to a valid document.
    @Test func builtTable() throws {
        let here = TOMLPosition(line: 1, column: 1)
        func entry(_ key: String, _ value: TOMLValue) -> TOMLTable.Entry {
            TOMLTable.Entry(key: key, keyPosition: here, node: TOMLNode(value, at: here))
        }
        let listen = TOMLTable(entries: [entry("smtp", .string("0.0.0.0:25"))])
        let root = TOMLTable(entries: [
            entry("hostname", .string("mail.example.org")),
            entry("listen", .table(listen)),
            entry("password_file", .string("C:\\secret \"x\"")),
        ])
        let text = root.render()
        #expect(text == "hostname = \"mail.example.org\"\npassword_file = \"C:\\\\secret \\\"x\\\"\"\n\n[listen]\nsmtp = \"0.0.0.0:25\"\n")
        let back = try parse(text)
        #expect(back["password_file"]?.value == .string("C:\\secret \"x\""))
        #expect(back["listen"]?.value.table?["smtp"]?.value == .string("0.0.0.0:25"))
    }
}
