import Testing
@testable import TOML

/// Documents TOML v1.0.0 rejects, with where and why. First every example the specification
/// marks invalid, then the rules of each section.
@Suite struct InvalidDocumentTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var document: String
        var line: Int
        var column: Int
        var message: String
        init(_ document: String, _ line: Int, _ column: Int, _ message: String) {
            self.document = document
            self.line = line
            self.column = column
            self.message = message
        }
        var testDescription: String { document.debugDescription }
    }

    static let specificationExamples: [Case] = [
        // "Key/Value Pair": "Unspecified values are invalid."
        Case("key = # INVALID", 1, 7, "missing value"),
        // "There must be a newline (or EOF) after a key/value pair."
        Case(#"first = "Tom" last = "Preston-Werner" # INVALID"#, 1, 15, "expected the end of the line, found \"l\""),
        // "Keys": "A bare key must be non-empty"
        Case(#"= "no key name"  # INVALID"#, 1, 1, "missing key before \"=\""),
        // "Defining a key multiple times is invalid."
        Case("name = \"Tom\"\nname = \"Pradyun\"", 2, 1, "duplicate key name (first defined at line 1, column 1)"),
        // "Note that bare keys and quoted keys are equivalent"
        Case("spelling = \"favorite\"\n\"spelling\" = \"favourite\"", 2, 1, "duplicate key spelling"),
        // "You can't turn an integer into a table."
        Case("fruit.apple = 1\nfruit.apple.smooth = true", 2, 7,
             "cannot use fruit.apple as a table: it is already an integer (line 1, column 7)"),
        // "String": three quotation marks inside a multi-line basic string
        Case(#"str5 = """Here are three quotation marks: """.""""#, 1, 46, "expected the end of the line, found \".\""),
        // fifteen apostrophes in a multi-line literal string
        Case("apos15 = '''Here are fifteen apostrophes: ''''''''''''''''''", 1, 43,
             "three or more apostrophes in a row inside a multi-line string"),
        // "Float": "The decimal point, if used, must be surrounded by at least one digit on each side."
        Case("invalid_float_1 = .7", 1, 19, "expected a value, found \".\""),
        Case("invalid_float_2 = 7.", 1, 20, "a decimal point must be followed by a digit"),
        Case("invalid_float_3 = 3.e+20", 1, 20, "a decimal point must be followed by a digit"),
        // "Table": "you cannot define a table more than once"
        Case("[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"", 4, 2,
             "table fruit is already defined at line 1, column 1"),
        Case("[fruit]\napple = \"red\"\n\n[fruit.apple]\ntexture = \"smooth\"", 4, 8,
             "cannot define table fruit.apple: the key already holds a string (line 2, column 1)"),
        // "redefining such tables using a [table] header is not allowed"
        Case("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n\n[fruit.apple]", 5, 8,
             "table fruit.apple is already defined by dotted keys at line 2, column 1"),
        Case("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n\n[fruit.apple.taste]", 5, 14,
             "table fruit.apple.taste is already defined by dotted keys at line 3, column 7"),
        // "Inline Table": "Keys and sub-tables cannot be added outside the braces."
        Case("[product]\ntype = { name = \"Nail\" }\ntype.edible = false", 3, 1,
             "cannot add to inline table product.type (line 2, column 8)"),
        // "inline tables cannot be used to add keys or sub-tables to an already-defined table"
        Case("[product]\ntype.name = \"Nail\"\ntype = { edible = false }", 3, 1,
             "duplicate key product.type (first defined at line 2, column 1)"),
        // "Array of Tables": the parent of a table must exist before its array
        Case("[fruit.physical]\ncolor = \"red\"\nshape = \"round\"\n\n[[fruit]]\nname = \"apple\"", 5, 3,
             "cannot define array of tables fruit: a table with that name exists (line 1, column 2)"),
        // "Attempting to append to a statically defined array, even if that array is empty"
        Case("fruits = []\n\n[[fruits]] # Not allowed", 3, 3,
             "cannot append to fruits with [[ ]]: it is a static array (line 1, column 10)"),
        // "define a normal table with the same name as an already established array"
        Case("[[fruits]]\nname = \"apple\"\n\n[[fruits.varieties]]\nname = \"red delicious\"\n\n[fruits.varieties]\nname = \"granny smith\"",
             7, 9, "fruits.varieties is already an array of tables (line 4, column 1)"),
        // "Attempting to redefine a normal table as an array must likewise produce a parse-time error."
        Case("[[fruits]]\nname = \"apple\"\n\n[fruits.physical]\ncolor = \"red\"\nshape = \"round\"\n\n[[fruits.physical]]\ncolor = \"green\"",
             8, 10, "cannot define array of tables fruits.physical: a table with that name exists (line 4, column 1)"),
    ]

    static let keysAndStructure: [Case] = [
        Case("key", 1, 4, "expected \"=\" after key key, found end of file"),
        Case("key\n= 1", 1, 4, "expected \"=\" after key key, found end of line"),
        Case("key =\n1", 1, 6, "missing value: found end of line"),
        Case("key = ", 1, 7, "missing value: found end of file"),
        Case("a = 1 = 2", 1, 7, "expected the end of the line"),
        Case("a b = 1", 1, 3, "expected \"=\" after key a, found \"b\""),
        Case("a. = 1", 1, 4, "missing key before \"=\""),
        Case(".a = 1", 1, 1, "expected a key, found \".\""),
        Case("a..b = 1", 1, 3, "expected a key, found \".\""),
        Case("ä = 1", 1, 1, "expected a key, found U+00E4"),
        Case("a = 1\n\u{01} = 2", 2, 1, "expected a key, found U+0001"),
        Case(#""""key""" = 1"#, 1, 1, "a multi-line string cannot be a key"),
        Case("'''key''' = 1", 1, 1, "a multi-line string cannot be a key"),
        Case("\"key\nx\" = 1", 1, 1, "unterminated string"),
        Case("[a]\nb = 1\nb = 2", 3, 1, "duplicate key a.b (first defined at line 2, column 1)"),
        Case("a.b = 1\na.b = 2", 2, 3, "duplicate key a.b"),
        Case("a = {}\na.b = 1", 2, 1, "cannot add to inline table a"),
        Case("a = [1]\na.b = 1", 2, 1, "cannot use a as a table: it is already an array"),
        Case("a = [1]\n[a.b]", 2, 2, "cannot add to a: it is a static array (line 1, column 5), not an array of tables"),
        Case("a = {}\n[a]", 2, 2, "table a is already defined as an inline table at line 1, column 5"),
        Case("a = {}\n[a.b]", 2, 2, "cannot add to inline table a (line 1, column 5)"),
        Case("a = { b = {} }\n[a.b.c]", 2, 2, "cannot add to inline table a"),
        Case("a = 1\n[a]", 2, 2, "cannot define table a: the key already holds an integer"),
        Case("a = 1\n[[a]]", 2, 3, "cannot define array of tables a: the key already holds an integer"),
        Case("[a]\n[[a]]", 2, 3, "cannot define array of tables a: a table with that name exists"),
        Case("[[a]]\n[a]", 2, 2, "a is already an array of tables"),
        Case("[a.b]\n[a]\nb = 1", 3, 1, "duplicate key a.b"),
        Case("[a]\nb.c = 1\n[a.b]", 3, 4, "table a.b is already defined by dotted keys"),
        // A table defined by a header cannot be extended by dotted keys from its parent.
        Case("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 3, "cannot add to table a.b.c with dotted keys: it is defined by its header at line 1, column 1"),
        Case("[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 1", 4, 5, "cannot add to table a.b.c.d with dotted keys"),
        Case("[[a]]\n[b]\n[a]", 3, 2, "a is already an array of tables"),
        Case("[[a]]\nb = 1\n[a.b]", 3, 4, "cannot define table a.b: the key already holds an integer"),
        Case("[[x.a]]\n[x]\na.b = 1\n", 3, 1, "cannot add to x.a with dotted keys: it is an array of tables (line 1, column 1)"),
        Case("[[a]]\nx = 1\n[b]\n[a]\ny = 2", 4, 2, "a is already an array of tables"),
        Case("[x.y]\n[x]\ny = 1", 3, 1, "duplicate key x.y"),
        Case("[a]\nb = { c = 1 }\n[a.b.d]", 3, 4, "cannot add to inline table a.b"),
        Case("a = { b = 1 }\n[[a.c]]", 2, 3, "cannot add to inline table a"),
        // Shapes from the toml-test suite's invalid cases.
        Case("[t1]\nt2.t3.v = 0\n[t1.t2]", 3, 5, "table t1.t2 is already defined by dotted keys at line 2, column 1"),
        Case("[t1]\nt2.t3.v = 0\n[t1.t2.t3]", 3, 8, "table t1.t2.t3 is already defined by dotted keys"),
        Case("[a.b]\n[a]\n[a]", 3, 2, "table a is already defined at line 2, column 1"),
        Case("[[a.b]]\n\n[a]\nb.y = 2", 4, 1, "cannot add to a.b with dotted keys: it is an array of tables"),
        Case("[[albums.songs]]\nname = \"Glory Days\"\n\n[[albums]]", 4, 3, "cannot define array of tables albums"),
        Case("a.b = 0\na = {}", 2, 1, "duplicate key a"),
        Case("''.x = 1\n['']", 2, 2, "table \"\" is already defined by dotted keys at line 1, column 1"),
        Case("bare!key = 123", 1, 5, "expected \"=\" after key bare, found \"!\""),
        Case("partial\"quoted\" = 5", 1, 8, "expected \"=\" after key partial"),
        Case("\\u00c0 = \"latin\"", 1, 1, "expected a key, found \"\\\""),
        Case("a# = 1", 1, 2, "expected \"=\" after key a, found \"#\""),
        Case("key= = 1", 1, 6, "expected a value, found \"=\""),
        Case("no-t = 1987-07-0517:45:00Z", 1, 18, "expected the end of the line, found \"1\""),
        Case("[naughty..naughty]", 1, 10, "expected a key, found \".\""),
        Case("[name=bad]", 1, 6, "expected \"]\" to close the table header, found \"=\""),
        Case("[a]b]", 1, 4, "expected the end of the line, found \"b\""),
        Case("[a[b]", 1, 3, "expected \"]\" to close the table header, found \"[\""),
        Case("[\"where will it end]", 1, 2, "unterminated string"),
        Case("[key#group]", 1, 5, "expected \"]\" to close the table header, found \"#\""),
        Case("[error] this shouldn't be here", 1, 9, "expected the end of the line, found \"t\""),
        // Headers
        Case("[]", 1, 2, "expected a key, found \"]\""),
        Case("[[]]", 1, 3, "expected a key, found \"]\""),
        Case("[a", 1, 3, "expected \"]\" to close the table header, found end of file"),
        Case("[a\n]", 1, 3, "expected \"]\" to close the table header, found end of line"),
        Case("[[a]", 1, 4, "expected \"]]\" to close the array of tables header"),
        Case("[[a] ]", 1, 4, "expected \"]]\" to close the array of tables header"),
        Case("[ [a]]", 1, 3, "expected a key, found \"[\""),
        Case("[a]]", 1, 4, "expected the end of the line, found \"]\""),
        Case("[a] b = 1", 1, 5, "expected the end of the line, found \"b\""),
        Case("[a.]", 1, 4, "expected a key, found \"]\""),
        Case("[a b]", 1, 4, "expected \"]\" to close the table header, found \"b\""),
        Case("[\"a\nb\"]", 1, 2, "unterminated string"),
        // Whitespace and line endings
        Case("a = 1\rb = 2", 1, 6, "carriage return must be followed by a line feed"),
        Case("a = 1 # x\r", 1, 10, "control character U+000D is not allowed in a comment"),
        Case("\r", 1, 1, "expected a key, found U+000D"),
        Case("a = [1,\r2]", 1, 8, "carriage return must be followed by a line feed"),
        Case("# \u{7F}", 1, 3, "control character U+007F is not allowed in a comment"),
        Case("a = 1 # \u{00}", 1, 9, "control character U+0000 is not allowed in a comment"),
        Case("# \u{1B}[31m", 1, 3, "control character U+001B is not allowed in a comment"),
        Case("\u{FEFF}\u{FEFF}a = 1", 1, 1, "expected a key, found U+FEFF"),
        Case("\u{A0}a = 1", 1, 1, "expected a key, found U+00A0"),
    ]

    static let strings: [Case] = [
        Case(#"s = "unterminated"#, 1, 5, "unterminated string"),
        Case("s = \"line\nbreak\"", 1, 5, "unterminated string: a basic string must end on the line it starts"),
        Case(#"s = "\q""#, 1, 6, "invalid escape sequence \\q"),
        Case(#"s = "\x41""#, 1, 6, "invalid escape sequence \\x"),
        Case(#"s = "\e""#, 1, 6, "invalid escape sequence \\e"),
        Case(#"s = "\ ""#, 1, 6, "invalid escape sequence \\ followed by U+0020"),
        Case(#"s = "\'""#, 1, 6, "invalid escape sequence \\'"),
        Case(#"s = "\/""#, 1, 6, "invalid escape sequence \\/"),
        Case(#"s = "\u12""#, 1, 6, "\\u must be followed by 4 hexadecimal digits"),
        Case(#"s = "\u12G4""#, 1, 6, "\\u must be followed by 4 hexadecimal digits"),
        Case(#"s = "\U0001F60""#, 1, 6, "\\U must be followed by 8 hexadecimal digits"),
        Case(#"s = "\uD800""#, 1, 6, "escape \\uD800 is not a Unicode scalar value"),
        Case(#"s = "\uDFFF""#, 1, 6, "escape \\uDFFF is not a Unicode scalar value"),
        Case(#"s = "\U0000D800""#, 1, 6, "escape \\U0000D800 is not a Unicode scalar value"),
        Case(#"s = "\U00110000""#, 1, 6, "escape \\U00110000 is not a Unicode scalar value"),
        Case(#"s = "\UFFFFFFFF""#, 1, 6, "escape \\UFFFFFFFF is not a Unicode scalar value"),
        Case(#"s = "\"#, 1, 6, "unterminated string: expected an escape sequence"),
        Case("s = \"a\u{00}b\"", 1, 7, "control character U+0000 must be escaped in a string"),
        Case("s = \"a\u{1F}b\"", 1, 7, "control character U+001F must be escaped"),
        Case("s = \"a\u{7F}b\"", 1, 7, "control character U+007F must be escaped"),
        Case("s = \"a\rb\"", 1, 7, "control character U+000D must be escaped"),
        Case("s = \"\"\"\na\u{0B}b\"\"\"", 2, 2, "control character U+000B must be escaped"),
        Case("s = \"\"\"\na\u{0C}b\"\"\"", 2, 2, "control character U+000C must be escaped"),
        Case("s = \"\"\"a\rb\"\"\"", 1, 9, "control character U+000D must be escaped"),
        Case("s = \"\"\"a\u{7F}\"\"\"", 1, 9, "control character U+007F must be escaped"),
        Case("s = \"\"\"\nabc", 1, 5, "unterminated multi-line string"),
        Case("s = \"\"\"abc\"\"", 1, 5, "unterminated multi-line string"),
        Case("s = \"\"\"a\"\"\"\"\"\"", 1, 9, "three or more quotation marks in a row inside a multi-line string must be escaped"),
        Case("s = \"\"\"a \\ b\"\"\"", 1, 10, "invalid escape sequence \\ followed by U+0020"),
        Case("s = \"\"\"a \\q\"\"\"", 1, 10, "invalid escape sequence \\q"),
        Case("s = \"\"\"\\\r\"\"\"", 1, 8, "invalid escape sequence \\ followed by U+000D"),
        Case("s = \"\"\"\\\n\r\"\"\"", 2, 1, "carriage return must be followed by a line feed"),
        Case("s = 'unterminated", 1, 5, "unterminated literal string"),
        Case("s = 'line\nbreak'", 1, 5, "unterminated literal string: a literal string must end on the line it starts"),
        Case("s = 'a\u{00}'", 1, 7, "control character U+0000 is not allowed in a literal string"),
        Case("s = 'a\u{7F}'", 1, 7, "control character U+007F is not allowed in a literal string"),
        Case("s = 'a\rb'", 1, 7, "control character U+000D is not allowed in a literal string"),
        Case("s = '''a\u{08}'''", 1, 9, "control character U+0008 is not allowed in a literal string"),
        Case("s = '''\nabc", 1, 5, "unterminated multi-line literal string"),
        Case("s = '''a''''''", 1, 9, "three or more apostrophes"),
        Case("s = 'a'b'", 1, 8, "expected the end of the line, found \"b\""),
        Case("s = \"a\"b\"", 1, 8, "expected the end of the line, found \"b\""),
    ]

    static let numbers: [Case] = [
        Case("n = 01", 1, 5, "leading zeros are not allowed in a decimal number"),
        Case("n = -01", 1, 6, "leading zeros are not allowed"),
        Case("n = 0_0", 1, 5, "leading zeros are not allowed"),
        Case("n = 00.5", 1, 5, "leading zeros are not allowed"),
        Case("n = 01e3", 1, 5, "leading zeros are not allowed"),
        Case("n = 1__000", 1, 6, "an underscore in a number must be between two digits"),
        Case("n = _1000", 1, 5, "expected a value, found \"_\""),
        Case("n = 1000_", 1, 9, "an underscore in a number must be between two digits"),
        Case("n = 1_.5", 1, 6, "an underscore in a number must be between two digits"),
        Case("n = 1._5", 1, 6, "a decimal point must be followed by a digit"),
        Case("n = 1.5_", 1, 8, "an underscore in a number must be between two digits"),
        Case("n = 1e_5", 1, 7, "expected a digit in the exponent, found \"_\""),
        Case("n = 1_e5", 1, 6, "an underscore in a number must be between two digits"),
        Case("n = 1e", 1, 7, "expected a digit in the exponent, found end of file"),
        Case("n = 1e+", 1, 8, "expected a digit in the exponent"),
        Case("n = 1e5.0", 1, 8, "invalid character \".\" in number"),
        Case("n = 1.2.3", 1, 8, "invalid character \".\" in number"),
        Case("n = 1.", 1, 6, "a decimal point must be followed by a digit"),
        Case("n = +", 1, 6, "expected a digit in the number, found end of file"),
        Case("n = ++1", 1, 6, "expected a digit in the number, found \"+\""),
        Case("n = +-1", 1, 6, "expected a digit in the number, found \"-\""),
        Case("n = 1-2", 1, 6, "invalid character \"-\" in number"),
        Case("n = 123abc", 1, 8, "invalid character \"a\" in number"),
        Case("n = 9223372036854775808", 1, 5, "integer does not fit in 64 bits"),
        Case("n = -9223372036854775809", 1, 5, "integer does not fit in 64 bits"),
        Case("n = 99999999999999999999999", 1, 5, "integer does not fit in 64 bits"),
        Case("n = 0x8000000000000000", 1, 5, "integer does not fit in 64 bits"),
        Case("n = 0xFFFFFFFFFFFFFFFFFF", 1, 5, "integer does not fit in 64 bits"),
        Case("n = +0x1F", 1, 5, "a sign is not allowed on a hexadecimal, octal or binary integer"),
        Case("n = -0b1", 1, 5, "a sign is not allowed"),
        Case("n = 0X1F", 1, 6, "invalid character \"X\" in number"),
        Case("n = 0x", 1, 5, "expected hexadecimal digits after the prefix"),
        Case("n = 0x_1", 1, 7, "an underscore in a number must be between two digits"),
        Case("n = 0x1__2", 1, 8, "an underscore in a number must be between two digits"),
        Case("n = 0x1_", 1, 8, "an underscore in a number must be between two digits"),
        Case("n = 0xG", 1, 7, "invalid hexadecimal digit \"G\""),
        Case("n = 0o8", 1, 7, "invalid octal digit \"8\""),
        Case("n = 0b102", 1, 9, "invalid binary digit \"2\""),
        Case("n = 0x1.5", 1, 8, "invalid hexadecimal digit \".\""),
        Case("n = 1_000.0_", 1, 12, "an underscore in a number must be between two digits"),
        Case("n = Inf", 1, 5, "expected a value, found \"I\""),
        Case("n = NaN", 1, 5, "expected a value, found \"N\""),
        Case("n = infinity", 1, 5, "expected a digit in the number, found \"i\""),
        Case("n = -inf_", 1, 6, "expected a digit in the number, found \"i\""),
        Case("n = nan1", 1, 5, "expected a digit in the number"),
        Case("b = True", 1, 5, "expected a value, found \"T\""),
        Case("b = tru", 1, 5, "expected a value, found \"t\""),
        Case("b = truely", 1, 9, "expected the end of the line, found \"l\""),
        Case("b = falsey", 1, 10, "expected the end of the line, found \"y\""),
    ]

    static let dateTimes: [Case] = [
        Case("d = 1979-13-27", 1, 10, "month 13 is out of range (1 to 12)"),
        Case("d = 1979-00-27", 1, 10, "month 0 is out of range"),
        Case("d = 1979-05-00", 1, 13, "day 0 is out of range (1 to 31)"),
        Case("d = 1979-05-32", 1, 13, "day 32 is out of range"),
        Case("d = 1979-04-31", 1, 13, "day 31 does not exist in month 4 of 1979"),
        Case("d = 2023-02-29", 1, 13, "day 29 does not exist in month 2 of 2023"),
        Case("d = 1900-02-29", 1, 13, "day 29 does not exist in month 2 of 1900"),
        Case("d = 1979-5-27", 1, 10, "expected a two-digit month, found \"5\""),
        Case("d = 1979-05-7", 1, 13, "expected a two-digit day, found \"7\""),
        Case("d = 1979-05", 1, 12, "expected \"-\" after the month, found end of file"),
        Case("d = 1979-05-27T", 1, 16, "expected a time (HH:MM:SS) after \"T\""),
        Case("d = 1979-05-27T07:32", 1, 21, "expected \":\" and seconds after the minute"),
        Case("d = 1979-05-27 07:32", 1, 21, "expected \":\" and seconds after the minute"),
        Case("d = 1979-05-27T24:00:00", 1, 16, "hour 24 is out of range (0 to 23)"),
        Case("d = 1979-05-27T07:60:00", 1, 19, "minute 60 is out of range"),
        Case("d = 1979-05-27T07:32:61", 1, 22, "second 61 is out of range (0 to 60)"),
        Case("d = 1979-05-27T7:32:00", 1, 16, "expected a time (HH:MM:SS) after \"T\""),
        Case("d = 1979-05-27T07:32:00.", 1, 25, "expected digits after the decimal point in the seconds"),
        Case("d = 1979-05-27T07:32:00+7:00", 1, 25, "expected a two-digit offset hour"),
        Case("d = 1979-05-27T07:32:00+24:00", 1, 25, "offset hour 24 is out of range"),
        Case("d = 1979-05-27T07:32:00+07:60", 1, 28, "offset minute 60 is out of range"),
        Case("d = 1979-05-27T07:32:00+0700", 1, 27, "expected \":\" in the UTC offset"),
        Case("d = 1979-05-27T07:32:00Zulu", 1, 25, "expected the end of the line, found \"u\""),
        Case("d = 1979-05-27 07:32:00 Z", 1, 25, "expected the end of the line, found \"Z\""),
        Case("d = 1979-05-27X", 1, 15, "expected the end of the line, found \"X\""),
        Case("d = 1979-05-27T07:32:00ZZ", 1, 25, "expected the end of the line"),
        Case("d = 197-05-27", 1, 8, "invalid character \"-\" in number"),
        Case("d = 07:32", 1, 10, "expected \":\" and seconds after the minute"),
        Case("d = 7:32:00", 1, 6, "expected the end of the line, found \":\""),
        Case("d = 07:32:00Z", 1, 5, "a time of day without a date cannot have a UTC offset"),
        Case("d = 07:32:00-07:00", 1, 5, "a time of day without a date cannot have a UTC offset"),
        Case("d = 25:00:00", 1, 5, "hour 25 is out of range"),
        Case("d = 1979-05-27T07:32:00.123X", 1, 28, "expected the end of the line"),
    ]

    static let arraysAndInlineTables: [Case] = [
        Case("a = [1 2]", 1, 8, "expected \",\" or \"]\" after an array element, found \"2\""),
        Case("a = [,]", 1, 6, "expected a value, found \",\""),
        Case("a = [1,,2]", 1, 8, "expected a value, found \",\""),
        Case("a = [1", 1, 5, "unterminated array"),
        Case("a = [1,", 1, 5, "unterminated array"),
        Case("a = [\n1,\n2\n", 1, 5, "unterminated array"),
        Case("a = [1]]", 1, 8, "expected the end of the line, found \"]\""),
        Case("a = [1] 2", 1, 9, "expected the end of the line"),
        Case("a = [\"a\" \"b\"]", 1, 10, "expected \",\" or \"]\" after an array element"),
        Case("a = [1 # c\n 2]", 2, 2, "expected \",\" or \"]\" after an array element"),
        Case("a = [a = 1]", 1, 6, "expected a value, found \"a\""),
        Case("t = {", 1, 5, "unterminated inline table"),
        Case("t = { a = 1", 1, 5, "unterminated inline table"),
        Case("t = { a = 1, }", 1, 14, "trailing comma is not allowed in an inline table"),
        Case("t = { , }", 1, 7, "expected a key, found \",\""),
        Case("t = { a = 1 b = 2 }", 1, 13, "expected \",\" or \"}\" in inline table, found \"b\""),
        Case("t = {\na = 1 }", 1, 6, "newline in inline table: TOML 1.0 inline tables must be on one line (expected a key)"),
        Case("t = { a = 1\n}", 1, 12, "newline in inline table"),
        Case("t = { a = 1,\n b = 2 }", 1, 13, "newline in inline table"),
        Case("t = { a = 1 # c\n}", 1, 13, "comment in inline table"),
        Case("t = { a = 1, a = 2 }", 1, 14, "duplicate key t.a (first defined at line 1, column 7)"),
        Case("t = { a.b = 1, a = 2 }", 1, 16, "duplicate key t.a"),
        Case("t = { a = { b = 1 }, a.c = 2 }", 1, 22, "cannot add to inline table t.a"),
        Case("t = { a = 1, a.b = 2 }", 1, 14, "cannot use t.a as a table: it is already an integer"),
        Case("t = { a = }", 1, 11, "expected a value, found \"}\""),
        Case("t = { = 1 }", 1, 7, "missing key before \"=\""),
        Case("t = { a }", 1, 9, "expected \"=\" after key a, found \"}\""),
        Case("t = {}}", 1, 7, "expected the end of the line, found \"}\""),
        Case("t = {}\nt.a = 1", 2, 1, "cannot add to inline table t"),
        Case("t = { a = 1 }\n[t]", 2, 2, "table t is already defined as an inline table"),
        Case("a = [ { b = 1 } ]\n[[a]]", 2, 3, "cannot append to a with [[ ]]: it is a static array"),
        Case("a = [ { b = 1 } ]\n[a.c]", 2, 2, "cannot add to a: it is a static array"),
    ]

    static let allCases = specificationExamples + keysAndStructure + strings + numbers + dateTimes + arraysAndInlineTables

    @Test(arguments: allCases)
    func rejects(_ c: Case) {
        let error = parseError(c.document)
        #expect(error != nil, "parsed but should not have")
        guard let error else { return }
        #expect(error.position == TOMLPosition(line: c.line, column: c.column), "\(error)")
        #expect(error.message.contains(c.message), "\(error)")
    }

    /// TOML spec "Spec": "A TOML file must be a valid UTF-8 encoded Unicode document."
    @Test(arguments: [
        ([0x61, 0x20, 0x3D, 0x20, 0x22, 0xFF, 0x22] as [UInt8], 1, 6, "invalid UTF-8 byte 0xFF"),
        ([0x23, 0x20, 0xC0, 0x80], 1, 3, "invalid UTF-8 byte 0xC0"),               // overlong NUL
        ([0x61, 0x3D, 0x31, 0x0A, 0x23, 0xED, 0xA0, 0x80], 2, 2, "0xED"),          // surrogate U+D800
        ([0x23, 0xF4, 0x90, 0x80, 0x80], 1, 2, "0xF4"),                            // above U+10FFFF
        ([0x23, 0xE2, 0x82], 1, 2, "0xE2"),                                        // truncated
        ([0x23, 0x80], 1, 2, "0x80"),                                              // lone continuation
        ([0x23, 0xE0, 0x80, 0x80], 1, 2, "0xE0"),                                  // overlong 3-byte
        ([0x23, 0xF0, 0x80, 0x80, 0x80], 1, 2, "0xF0"),                            // overlong 4-byte
    ] as [([UInt8], Int, Int, String)])
    func rejectsInvalidUTF8(bytes: [UInt8], line: Int, column: Int, message: String) {
        #expect {
            _ = try TOMLParser.parse(utf8: bytes)
        } throws: { error in
            guard let error = error as? TOMLError else { return false }
            return error.position == TOMLPosition(line: line, column: column) && error.message.contains(message)
        }
    }

    @Test func acceptsValidUTF8Bytes() throws {
        let doc = try TOMLParser.parse(utf8: Array("s = \"é€😀\" # ✓".utf8))
        #expect(doc["s"]?.value == .string("é€😀"))
        // A byte order mark given as bytes is skipped too.
        #expect(try TOMLParser.parse(utf8: [0xEF, 0xBB, 0xBF, 0x61, 0x3D, 0x31])["a"]?.value == .integer(1))
    }
}
