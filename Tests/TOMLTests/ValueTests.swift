import Testing
@testable import TOML

/// Scalar values: every example of the specification's String, Integer, Float, Boolean and
/// date-time sections, and the edges of their rules.
@Suite struct ValueTests {
    func value(_ literal: String) throws -> TOMLValue {
        let doc = try parse("v = " + literal)
        return try #require(doc["v"]).value
    }

    @Test(arguments: [
        // "Basic strings"
        (#""I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF.""#,
         "I'm a string. \"You can quote me\". Name\tJos\u{E9}\nLocation\tSF."),
        (#""\b\t\n\f\r\"\\""#, "\u{08}\t\n\u{0C}\r\"\\"),
        (#""\u0000\u007F\u00e9\uFFFF\U0001F600\U0010FFFF""#, "\u{0}\u{7F}\u{E9}\u{FFFF}\u{1F600}\u{10FFFF}"),
        ("\"tab\there\"", "tab\there"),
        ("\"ünïcödé ✓ 😀\"", "ünïcödé ✓ 😀"),
        ("\"\"", ""),
        ("\"# not a comment\"", "# not a comment"),
        // "Multi-line basic strings"
        ("\"\"\"\nRoses are red\nViolets are blue\"\"\"", "Roses are red\nViolets are blue"),
        ("\"\"\"\r\nRoses are red\r\nViolets are blue\"\"\"", "Roses are red\nViolets are blue"),
        ("\"\"\"\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\"",
         "The quick brown fox jumps over the lazy dog."),
        ("\"\"\"\\\n       The quick brown \\\n       fox jumps over \\\n       the lazy dog.\\\n       \"\"\"",
         "The quick brown fox jumps over the lazy dog."),
        // Whitespace after the line-ending backslash, and CRLF.
        ("\"\"\"a \\  \t\r\n  \r\n b\"\"\"", "a b"),
        (#""""Here are two quotation marks: "". Simple enough.""""#, "Here are two quotation marks: \"\". Simple enough."),
        (#""""Here are three quotation marks: ""\".""""#, "Here are three quotation marks: \"\"\"."),
        (#""""Here are fifteen quotation marks: ""\"""\"""\"""\"""\".""""#,
         "Here are fifteen quotation marks: " + String(repeating: "\"", count: 15) + "."),
        (#"""""This," she said, "is just a pointless statement."""""#,
         "\"This,\" she said, \"is just a pointless statement.\""),
        ("\"\"\"\"\"\"", ""),
        ("\"\"\"\n\"\"\"", ""),
        ("\"\"\"\n\n\"\"\"", "\n"),
        ("\"\"\"a\tb \\u00E9\"\"\"", "a\tb é"),
        // "Literal strings"
        (#"'C:\Users\nodejs\templates'"#, #"C:\Users\nodejs\templates"#),
        (#"'\\ServerX\admin$\system32\'"#, #"\\ServerX\admin$\system32\"#),
        (#"'Tom "Dubs" Preston-Werner'"#, #"Tom "Dubs" Preston-Werner"#),
        (#"'<\i\c*\s*>'"#, #"<\i\c*\s*>"#),
        ("''", ""),
        // "Multi-line literal strings"
        (#"'''I [dw]on't need \d{2} apples'''"#, #"I [dw]on't need \d{2} apples"#),
        ("'''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''",
         "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"),
        (#"'''Here are fifteen quotation marks: """""""""""""""'''"#,
         "Here are fifteen quotation marks: " + String(repeating: "\"", count: 15)),
        (#""Here are fifteen apostrophes: '''''''''''''''""#,
         "Here are fifteen apostrophes: " + String(repeating: "'", count: 15)),
        (#"''''That,' she said, 'is still pointless.''''"#, "'That,' she said, 'is still pointless.'"),
        ("'''\\no \\escapes\\'''", "\\no \\escapes\\"),
        ("'''a\r\nb'''", "a\nb"),
    ])
    func strings(literal: String, expected: String) throws {
        #expect(try value(literal) == .string(expected))
    }

    @Test(arguments: [
        // "Integer"
        ("+99", 99), ("42", 42), ("0", 0), ("-17", -17),
        ("1_000", 1000), ("5_349_221", 5_349_221), ("53_49_221", 5_349_221), ("1_2_3_4_5", 12345),
        ("-0", 0), ("+0", 0),
        ("0xDEADBEEF", 0xDEAD_BEEF), ("0xdeadbeef", 0xDEAD_BEEF), ("0xdead_beef", 0xDEAD_BEEF),
        ("0o01234567", 0o1234567), ("0o755", 0o755), ("0b11010110", 0b1101_0110),
        ("0x0", 0), ("0b0", 0), ("0o0", 0), ("0x00000001", 1),
        // "Arbitrary 64-bit signed integers (from −2^63 to 2^63−1) should be accepted"
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
        ("+9_223_372_036_854_775_807", Int64.max),
        ("0x7FFFFFFFFFFFFFFF", Int64.max), ("0o777777777777777777777", Int64.max),
        ("0b111111111111111111111111111111111111111111111111111111111111111", Int64.max),
    ] as [(String, Int64)])
    func integers(literal: String, expected: Int64) throws {
        #expect(try value(literal) == .integer(expected))
    }

    @Test(arguments: [
        // "Float"
        ("+1.0", 1.0), ("3.1415", 3.1415), ("-0.01", -0.01),
        ("5e+22", 5e22), ("1e06", 1e6), ("-2E-2", -2e-2), ("6.626e-34", 6.626e-34),
        ("224_617.445_991_228", 224_617.445_991_228),
        ("0.0", 0.0), ("1e1_0", 1e10), ("1_0.0_1e0_1", 100.1), ("0e0", 0), ("0.1e-0_1", 0.01),
        ("inf", .infinity), ("+inf", .infinity), ("-inf", -.infinity),
        ("1.7976931348623157e308", .greatestFiniteMagnitude), ("5e-324", 5e-324),
    ] as [(String, Double)])
    func floats(literal: String, expected: Double) throws {
        #expect(try value(literal) == .float(expected))
    }

    @Test func signedZerosAndNaN() throws {
        let doc = try parse("a = -0.0\nb = +0.0\nc = nan\nd = +nan\ne = -nan")
        let a = try #require(doc["a"]?.value.float)
        let b = try #require(doc["b"]?.value.float)
        #expect(a == 0 && a.sign == .minus)
        #expect(b == 0 && b.sign == .plus)
        for key in ["c", "d", "e"] {
            #expect(try #require(doc[key]?.value.float).isNaN)
        }
    }

    @Test func booleans() throws {
        #expect(try value("true") == .boolean(true))
        #expect(try value("false") == .boolean(false))
    }

    typealias Date = TOMLDateTime.LocalDate
    typealias Time = TOMLDateTime.LocalTime

    @Test(arguments: [
        // "Offset Date-Time"
        ("1979-05-27T07:32:00Z",
         TOMLValue.offsetDateTime(.init(date: Date(year: 1979, month: 5, day: 27), time: Time(hour: 7, minute: 32, second: 0), offsetMinutes: 0))),
        ("1979-05-27T00:32:00-07:00",
         .offsetDateTime(.init(date: Date(year: 1979, month: 5, day: 27), time: Time(hour: 0, minute: 32, second: 0), offsetMinutes: -420))),
        ("1979-05-27T00:32:00.999999-07:00",
         .offsetDateTime(.init(date: Date(year: 1979, month: 5, day: 27),
                               time: Time(hour: 0, minute: 32, second: 0, nanosecond: 999_999_000), offsetMinutes: -420))),
        ("1979-05-27 07:32:00Z",
         .offsetDateTime(.init(date: Date(year: 1979, month: 5, day: 27), time: Time(hour: 7, minute: 32, second: 0), offsetMinutes: 0))),
        ("1979-05-27t07:32:00z",
         .offsetDateTime(.init(date: Date(year: 1979, month: 5, day: 27), time: Time(hour: 7, minute: 32, second: 0), offsetMinutes: 0))),
        ("2000-02-29T23:59:60+05:45",
         .offsetDateTime(.init(date: Date(year: 2000, month: 2, day: 29), time: Time(hour: 23, minute: 59, second: 60), offsetMinutes: 345))),
        // "Local Date-Time"
        ("1979-05-27T07:32:00",
         .localDateTime(.init(date: Date(year: 1979, month: 5, day: 27), time: Time(hour: 7, minute: 32, second: 0)))),
        ("1979-05-27T00:32:00.999999",
         .localDateTime(.init(date: Date(year: 1979, month: 5, day: 27), time: Time(hour: 0, minute: 32, second: 0, nanosecond: 999_999_000)))),
        // Precision beyond nanoseconds is truncated, not rounded.
        ("1979-05-27T00:32:00.1234567899999",
         .localDateTime(.init(date: Date(year: 1979, month: 5, day: 27), time: Time(hour: 0, minute: 32, second: 0, nanosecond: 123_456_789)))),
        // "Local Date"
        ("1979-05-27", .localDate(.init(date: Date(year: 1979, month: 5, day: 27)))),
        ("2024-02-29", .localDate(.init(date: Date(year: 2024, month: 2, day: 29)))),
        ("0000-01-01", .localDate(.init(date: Date(year: 0, month: 1, day: 1)))),
        // "Local Time"
        ("07:32:00", .localTime(.init(time: Time(hour: 7, minute: 32, second: 0)))),
        ("00:32:00.999999", .localTime(.init(time: Time(hour: 0, minute: 32, second: 0, nanosecond: 999_999_000)))),
        ("23:59:59.5", .localTime(.init(time: Time(hour: 23, minute: 59, second: 59, nanosecond: 500_000_000)))),
    ])
    func dateTimes(literal: String, expected: TOMLValue) throws {
        #expect(try value(literal) == expected)
    }

    /// A date followed by a space and something that is not a time stays a local date.
    @Test func dateThenComment() throws {
        let doc = try parse("d = 1979-05-27 # a date\n")
        #expect(doc["d"]?.value == .localDate(.init(date: Date(year: 1979, month: 5, day: 27))))
    }

    @Test(arguments: [
        ("1979-05-27T07:32:00Z", "1979-05-27T07:32:00Z"),
        ("1979-05-27 00:32:00.5-07:00", "1979-05-27T00:32:00.5-07:00"),
        ("1979-05-27T00:32:00.000001+14:00", "1979-05-27T00:32:00.000001+14:00"),
        ("1979-05-27T00:32:00", "1979-05-27T00:32:00"),
        ("0001-01-01", "0001-01-01"),
        ("07:32:00.25", "07:32:00.25"),
    ])
    func dateTimeDescriptions(literal: String, text: String) throws {
        #expect(try value(literal).dateTime?.description == text)
    }

    @Test func typeNames() throws {
        let doc = try parse("""
            s = ""
            i = 1
            f = 1.0
            b = true
            odt = 1979-05-27T07:32:00Z
            ldt = 1979-05-27T07:32:00
            ld = 1979-05-27
            lt = 07:32:00
            a = []
            t = {}
            """)
        #expect(doc.entries.map(\.node.value.typeName) == [
            "string", "integer", "float", "boolean", "offset date-time", "local date-time", "local date",
            "local time", "array", "table",
        ])
    }
}
