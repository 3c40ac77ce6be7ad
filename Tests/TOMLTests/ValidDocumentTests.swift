import Testing
@testable import TOML

/// The valid examples of the TOML v1.0.0 specification, section by section, and the shapes
/// around them, with the structure each must produce.
@Suite struct ValidDocumentTests {
    @Test(arguments: [
        // "Comment"
        ("""
         # This is a full-line comment
         key = "value"  # This is a comment at the end of a line
         another = "# This is not a comment"
         """, ##"{"key": "value", "another": "# This is not a comment"}"##),
        // "Keys": bare keys, quoted keys, empty quoted keys
        ("""
         key = "value"
         bare_key = "value"
         bare-key = "value"
         1234 = "value"
         """, #"{"key": "value", "bare_key": "value", "bare-key": "value", "1234": "value"}"#),
        ("""
         "127.0.0.1" = "value"
         "character encoding" = "value"
         "ʎǝʞ" = "value"
         'key2' = "value"
         'quoted "value"' = "value"
         """, #"{"127.0.0.1": "value", "character encoding": "value", "ʎǝʞ": "value", "key2": "value", "quoted \"value\"": "value"}"#),
        (#""" = "blank""#, #"{"": "blank"}"#),
        ("'' = 'blank'", #"{"": "blank"}"#),
        // Dotted keys
        ("""
         name = "Orange"
         physical.color = "orange"
         physical.shape = "round"
         site."google.com" = true
         """, #"{"name": "Orange", "physical": {"color": "orange", "shape": "round"}, "site": {"google.com": true}}"#),
        ("""
         fruit.name = "banana"     # this is best practice
         fruit. color = "yellow"    # same as fruit.color
         fruit . flavor = "banana"   # same as fruit.flavor
         """, #"{"fruit": {"name": "banana", "color": "yellow", "flavor": "banana"}}"#),
        ("""
         # This makes the key "fruit" into a table.
         fruit.apple.smooth = true

         # So then you can add to the table "fruit" like so:
         fruit.orange = 2
         """, #"{"fruit": {"apple": {"smooth": true}, "orange": 2}}"#),
        ("""
         apple.type = "fruit"
         orange.type = "fruit"

         apple.skin = "thin"
         orange.skin = "thick"
         """, #"{"apple": {"type": "fruit", "skin": "thin"}, "orange": {"type": "fruit", "skin": "thick"}}"#),
        (#"3.14159 = "pi""#, #"{"3": {"14159": "pi"}}"#),
        ("  \tindented = 1\n", #"{"indented": 1}"#),
        ("a=1\nb\t=\t2", #"{"a": 1, "b": 2}"#),
        // "Table"
        ("[table]", #"{"table": {}}"#),
        ("""
         [table-1]
         key1 = "some string"
         key2 = 123

         [table-2]
         key1 = "another string"
         key2 = 456
         """, #"{"table-1": {"key1": "some string", "key2": 123}, "table-2": {"key1": "another string", "key2": 456}}"#),
        ("""
         [dog."tater.man"]
         type.name = "pug"
         """, #"{"dog": {"tater.man": {"type": {"name": "pug"}}}}"#),
        ("""
         [a.b.c]            # this is best practice
         [ d.e.f ]          # same as [d.e.f]
         [ g .  h  . i ]    # same as [g.h.i]
         [ j . "ʞ" . 'l' ]  # same as [j."ʞ".'l']
         """, #"{"a": {"b": {"c": {}}}, "d": {"e": {"f": {}}}, "g": {"h": {"i": {}}}, "j": {"ʞ": {"l": {}}}}"#),
        ("""
         # [x] you
         # [x.y] don't
         # [x.y.z] need these
         [x.y.z.w] # for this to work

         [x] # defining a super-table afterward is ok
         """, #"{"x": {"y": {"z": {"w": {}}}}}"#),
        ("""
         [fruit.apple]
         [animal]
         [fruit.orange]
         """, #"{"fruit": {"apple": {}, "orange": {}}, "animal": {}}"#),
        ("""
         # Top-level table begins.
         name = "Fido"
         breed = "pug"

         # Top-level table ends.
         [owner]
         name = "Regina Dogman"
         member_since = 1999-08-04
         """, #"{"name": "Fido", "breed": "pug", "owner": {"name": "Regina Dogman", "member_since": ld(1999-08-04)}}"#),
        ("""
         fruit.apple.color = "red"
         # Defines a table named fruit
         # Defines a table named fruit.apple

         fruit.apple.taste.sweet = true
         # Defines a table named fruit.apple.taste
         # fruit and fruit.apple were already created
         """, #"{"fruit": {"apple": {"color": "red", "taste": {"sweet": true}}}}"#),
        ("""
         [fruit]
         apple.color = "red"
         apple.taste.sweet = true

         [fruit.apple.texture]  # you can add sub-tables
         smooth = true
         """, #"{"fruit": {"apple": {"color": "red", "taste": {"sweet": true}, "texture": {"smooth": true}}}}"#),
        // A table implied by a longer header may take keys from dotted keys under its parent.
        ("""
         [a.b.c]
         z = 9
         [a]
         b.y = 8
         """, #"{"a": {"b": {"c": {"z": 9}, "y": 8}}}"#),
        // "Inline Table"
        ("""
         name = { first = "Tom", last = "Preston-Werner" }
         point = { x = 1, y = 2 }
         animal = { type.name = "pug" }
         """, #"{"name": {"first": "Tom", "last": "Preston-Werner"}, "point": {"x": 1, "y": 2}, "animal": {"type": {"name": "pug"}}}"#),
        ("empty = {}\nspaced = {   }", #"{"empty": {}, "spaced": {}}"#),
        ("t = { a.b = 1, a.c = 2, d = { e = [1, 2] } }", #"{"t": {"a": {"b": 1, "c": 2}, "d": {"e": [1, 2]}}}"#),
        // Newlines are allowed inside a value within an inline table.
        ("t = { list = [\n 1,\n 2,\n], s = \"\"\"\nx\"\"\" }", #"{"t": {"list": [1, 2], "s": "x"}}"#),
        // "Array"
        ("""
         integers = [ 1, 2, 3 ]
         colors = [ "red", "yellow", "green" ]
         nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]
         nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
         string_array = [ "all", 'strings', \"\"\"are the same\"\"\", '''type''' ]
         """, #"{"integers": [1, 2, 3], "colors": ["red", "yellow", "green"], "nested_arrays_of_ints": [[1, 2], [3, 4, 5]], "nested_mixed_array": [[1, 2], ["a", "b", "c"]], "string_array": ["all", "strings", "are the same", "type"]}"#),
        ("""
         numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
         contributors = [
           "Foo Bar <foo@example.com>",
           { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
         ]
         """, #"{"numbers": [float(0.1), float(0.2), float(0.5), 1, 2, 5], "contributors": ["Foo Bar <foo@example.com>", {"name": "Baz Qux", "email": "bazqux@example.com", "url": "https://example.com/bazqux"}]}"#),
        ("""
         integers2 = [
           1, 2, 3
         ]

         integers3 = [
           1,
           2, # this is ok
         ]
         """, #"{"integers2": [1, 2, 3], "integers3": [1, 2]}"#),
        ("empty = [ ]\ncommented = [ # nothing\n]\nnested = [[[]]]", #"{"empty": [], "commented": [], "nested": [[[]]]}"#),
        ("a = [\n  # first\n  1 # one\n  , # comma\n  2\n  # before close\n]", #"{"a": [1, 2]}"#),
        // "Array of Tables"
        ("""
         [[products]]
         name = "Hammer"
         sku = 738594937

         [[products]]  # empty table within the array

         [[products]]
         name = "Nail"
         sku = 284758393

         color = "gray"
         """, #"{"products": [{"name": "Hammer", "sku": 738594937}, {}, {"name": "Nail", "sku": 284758393, "color": "gray"}]}"#),
        ("""
         [[fruits]]
         name = "apple"

         [fruits.physical]  # subtable
         color = "red"
         shape = "round"

         [[fruits.varieties]]  # nested array of tables
         name = "red delicious"

         [[fruits.varieties]]
         name = "granny smith"


         [[fruits]]
         name = "banana"

         [[fruits.varieties]]
         name = "plantain"
         """, #"{"fruits": [{"name": "apple", "physical": {"color": "red", "shape": "round"}, "varieties": [{"name": "red delicious"}, {"name": "granny smith"}]}, {"name": "banana", "varieties": [{"name": "plantain"}]}]}"#),
        ("""
         points = [ { x = 1, y = 2, z = 3 },
                    { x = 7, y = 8, z = 9 },
                    { x = 2, y = 4, z = 8 } ]
         """, #"{"points": [{"x": 1, "y": 2, "z": 3}, {"x": 7, "y": 8, "z": 9}, {"x": 2, "y": 4, "z": 8}]}"#),
        // Shapes from the toml-test suite's valid cases.
        ("1.2 = 3\n''.x = 'empty.x'", #"{"1": {"2": 3}, "": {"x": "empty.x"}}"#),
        ("['']\n\"\" = 1", #"{"": {"": 1}}"#),
        ("[[a.b]]\nx = 1\n\n[a]\ny = 2", #"{"a": {"b": [{"x": 1}], "y": 2}}"#),
        ("[[p.arr]]\n[[p.arr]]\n[p]\nnot-arr = 1", #"{"p": {"arr": [{}, {}], "not-arr": 1}}"#),
        ("[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2", #"{"a": [{"b": {"x": 1}}, {"b": {"x": 2}}]}"#),
        ("s = \"\"\"\nheeee\ngeeee\\  \n\n\n      \"\"\"", #"{"s": "heeee\ngeeee"}"#),
        ("\"\\n\" = 1\n\"\\u00c0\" = 2", #"{"\n": 1, "À": 2}"#),
        // Line endings and the byte order mark.
        ("a = 1\r\n[t]\r\nb = \"x\"\r\n# c\r\n", #"{"a": 1, "t": {"b": "x"}}"#),
        ("\u{FEFF}a = 1", #"{"a": 1}"#),
        ("", "{}"),
        ("\n\n# only a comment", "{}"),
        ("# comment with tab\tand ünïcödé ✓\na = 1 #\t", #"{"a": 1}"#),
    ])
    func parses(document: String, expected: String) throws {
        #expect(canonical(try parse(document)) == expected)
    }

    /// The example at the top of toml.io, as a whole.
    @Test func specificationExample() throws {
        let document = """
            # This is a TOML document

            title = "TOML Example"

            [owner]
            name = "Tom Preston-Werner"
            dob = 1979-05-27T07:32:00-08:00

            [database]
            enabled = true
            ports = [ 8000, 8001, 8002 ]
            data = [ ["delta", "phi"], [3.14] ]
            temp_targets = { cpu = 79.5, case = 72.0 }

            [servers]

            [servers.alpha]
            ip = "10.0.0.1"
            role = "frontend"

            [servers.beta]
            ip = "10.0.0.2"
            role = "backend"
            """
        let expected = #"{"title": "TOML Example", "owner": {"name": "Tom Preston-Werner", "dob": odt(1979-05-27T07:32:00-08:00)}, "#
            + #""database": {"enabled": true, "ports": [8000, 8001, 8002], "data": [["delta", "phi"], [float(3.14)]], "#
            + #""temp_targets": {"cpu": float(79.5), "case": float(72.0)}}, "servers": {"alpha": {"ip": "10.0.0.1", "#
            + #""role": "frontend"}, "beta": {"ip": "10.0.0.2", "role": "backend"}}}"#
        #expect(canonical(try parse(document)) == expected)
    }

    @Test func lookups() throws {
        let doc = try parse("""
            hostname = "mail.example.org"
            [listen]
            smtp = "0.0.0.0:25"
            imap = "0.0.0.0:143"
            """)
        #expect(doc.keys == ["hostname", "listen"])
        #expect(doc["hostname"]?.value.string == "mail.example.org")
        #expect(doc["missing"] == nil)
        let listen = try #require(doc["listen"]?.value.table)
        #expect(listen.keys == ["smtp", "imap"])
        #expect(listen["imap"]?.value == .string("0.0.0.0:143"))
        #expect(listen.entry("imap")?.keyPosition == TOMLPosition(line: 4, column: 1))
        #expect(listen.count == 2 && !listen.isEmpty)
        #expect(doc["listen"]?.value.typeName == "table")
        #expect(listen["smtp"]?.value.integer == nil)
    }
}
