import Testing
@testable import MessageFormat

@Suite struct EncodedWordTests {
    /// RFC 2047 §8 examples, plus the adjacent-word and invalid-word rules of §6.
    @Test(arguments: [
        ("(=?ISO-8859-1?Q?a?=)", "(a)"),
        ("(=?ISO-8859-1?Q?a?= b)", "(a b)"),
        ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a_b?=)", "(a b)"),
        ("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"),
        ("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"),
        ("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", "Keld Jørn Simonsen"),
        ("=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"),
        ("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
         "If you can read this you understand the example."),
        // RFC 2231 §5 language suffix.
        ("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"),
        // A UTF-8 character split across two words.
        ("=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9t=C3=A9?=", "été"),
        ("=?utf-8?b?w6k=?=", "é"),
        // Glued to text (not RFC-conformant, decoded anyway, like Dovecot).
        ("Re:=?utf-8?q?caf=C3=A9?=!", "Re:café!"),
        // Invalid words stay as they are.
        ("=?utf-8?x?abc?=", "=?utf-8?x?abc?="),
        ("=?utf-8?q?unterminated", "=?utf-8?q?unterminated"),
        ("=??q?a?=", "=??q?a?="),
        ("a =?utf-8?q?has space?= b", "a =?utf-8?q?has space?= b"),
        ("plain text", "plain text"),
        // Unknown charset: bytes as UTF-8, lossy.
        ("=?x-unknown?q?ok?=", "ok"),
        // Lower-case hex and a broken escape.
        ("=?iso-8859-1?q?=e9=zz?=", "é=zz"),
        // Whitespace between a word and text is kept.
        ("=?utf-8?q?a?= text =?utf-8?q?b?=", "a text b"),
    ])
    func decodes(input: String, expected: String) {
        #expect(EncodedWords.decode(Array(input.utf8)) == expected)
    }

    @Test(arguments: ["hello", "héllo wörld", String(repeating: "日本語のテキスト", count: 10), "=?not a word?="])
    func encodeRoundTrips(text: String) {
        let encoded = EncodedWords.encode(text)
        #expect(EncodedWords.decode(Array(encoded.utf8)) == text)
        for word in encoded.split(separator: " ") where word.hasPrefix("=?") {
            #expect(word.utf8.count <= 75)
        }
    }
}

@Suite struct TransferDecodingTests {
    @Test(arguments: [
        ("aGVsbG8gd29ybGQ=", "hello world"),
        ("aGVsbG8gd29ybGQ", "hello world"),          // missing padding
        ("aGVs\r\nbG8g\nd29y bGQ=", "hello world"),   // line breaks and spaces
        ("aGV*sbG8!", "hello"),                        // garbage skipped
        ("QQ==QUI=", "AAB"),                           // concatenated blocks
        ("", ""),
        ("=", ""),
        ("Q", ""),
    ])
    func base64(input: String, expected: String) {
        #expect(TransferDecoding.base64(Array(input.utf8)).string == expected)
    }

    @Test(arguments: [
        ("caf=C3=A9", "café"),
        ("caf=c3=a9", "café"),                         // lower-case hex
        ("soft=\r\nbreak", "softbreak"),
        ("soft=\nbreak", "softbreak"),
        ("soft=  \r\nbreak", "softbreak"),             // whitespace after "="
        ("trailing   \r\nspace", "trailing\r\nspace"),  // rule 3
        ("a = b", "a = b"),                            // literal "="
        ("=XY", "=XY"),
        ("end=", "end"),
        ("tab\tinside", "tab\tinside"),
    ])
    func quotedPrintable(input: String, expected: String) {
        #expect(TransferDecoding.quotedPrintable(Array(input.utf8)).string == expected)
    }

    @Test func encodingNames() {
        #expect(TransferEncoding(ArraySlice(" Base64 (comment)".utf8)) == .base64)
        #expect(TransferEncoding(ArraySlice("QUOTED-PRINTABLE".utf8)) == .quotedPrintable)
        #expect(TransferEncoding(ArraySlice("x-uuencode".utf8)) == .other("x-uuencode"))
        #expect(TransferEncoding(ArraySlice("".utf8)) == .sevenBit)
    }
}

@Suite struct CharsetTests {
    @Test(arguments: [
        ("utf-8", [0xC3, 0xA9], "é"),
        ("UTF8", [0x61], "a"),
        ("us-ascii", [0x61, 0x62], "ab"),
        ("us-ascii", [0xC3, 0xA9], "é"),                 // mislabelled UTF-8
        ("us-ascii", [0xE9], "é"),                       // mislabelled Latin-1
        ("iso-8859-1", [0xE9], "é"),
        ("\"ISO-8859-1\"", [0xE9], "é"),
        ("windows-1252", [0x80, 0x93], "€“"),
        ("iso-8859-2", [0xB1], "ą"),
        ("iso-8859-15", [0xA4], "€"),
        ("koi8-r", [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4], "Привет"),
        ("windows-1251", [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2], "Привет"),
        ("gb2312", [0xC4, 0xE3, 0xBA, 0xC3], "你好"),
        ("GBK", [0xC4, 0xE3, 0xBA, 0xC3], "你好"),
        ("big5", [0xA7, 0x41, 0xA6, 0x6E], "你好"),
        ("shift_jis", [0x82, 0xB1, 0x82, 0xF1], "こん"),
        ("iso-2022-jp", [0x1B, 0x24, 0x42, 0x24, 0x33, 0x24, 0x73, 0x1B, 0x28, 0x42], "こん"),
        ("euc-jp", [0xA4, 0xB3, 0xA4, 0xF3], "こん"),
        ("euc-kr", [0xBE, 0xC8, 0xB3, 0xE7], "안녕"),
        ("ks_c_5601-1987", [0xBE, 0xC8, 0xB3, 0xE7], "안녕"),
        ("utf-8", [0x61, 0xFF, 0x62], "a\u{FFFD}b"),
        ("koi8-r", [], ""),
    ] as [(String, [UInt8], String)])
    func converts(charset: String, bytes: [UInt8], expected: String) {
        #expect(Charset.convert(bytes, from: charset) == expected)
    }

    @Test func invalidSequencesBecomeReplacementCharacters() {
        #expect(Charset.convert([0x82, 0xB1, 0x82], from: "shift_jis") == "こ\u{FFFD}")
        #expect(Charset.convert([0x1B, 0x24, 0x42, 0xFF, 0xFF, 0x1B, 0x28, 0x42, 0x61], from: "iso-2022-jp")?.hasSuffix("a") == true)
    }

    @Test(arguments: ["x-unknown-charset", "../../etc/passwd", "UTF-8//TRANSLIT", "", String(repeating: "a", count: 100)])
    func unknownCharsets(name: String) {
        #expect(Charset.convert([0x61, 0xE9], from: name) == nil)
        #expect(Charset.decode([0x61, 0xE9], charset: name) == "a\u{FFFD}")
    }
}

@Suite struct ParameterTests {
    private func contentType(_ s: String) -> ContentType? { ContentType.parse(ArraySlice(s.utf8)) }

    @Test func basics() throws {
        let ct = try #require(contentType("Text/HTML; Charset=\"UTF-8\"; name=report (a comment) ; format=flowed"))
        #expect(ct.mimeType == "text/html")
        #expect(ct.charset == "UTF-8")
        #expect(ct["name"] == "report")
        #expect(ct["format"] == "flowed")
    }

    @Test func lenientForms() throws {
        let ct = try #require(contentType("application/octet-stream; name=my file.txt;;garbage; x=\"a\\\"b\""))
        #expect(ct["name"] == "my file.txt")
        #expect(ct["x"] == "a\"b")
        #expect(contentType("text") == nil)
        #expect(contentType("/plain") == nil)
        #expect(contentType("") == nil)
        #expect(contentType("text/plain; charset") == ContentType(type: "text", subtype: "plain"))
    }

    /// RFC 2231 §3, §4, §4.1 examples.
    @Test func rfc2231() throws {
        let cont = try #require(contentType("message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\""))
        #expect(cont["url"] == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")
        #expect(cont["access-type"] == "URL")

        let ext = try #require(contentType("application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A"))
        let title = try #require(ext.parameter("title"))
        #expect(title.text == "This is ***fun***")
        #expect(title.charset == "us-ascii" && title.language == "en-us" && title.isExtended)

        let mixed = try #require(contentType("application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\""))
        #expect(mixed["title"] == "This is even more ***fun*** isn't it!")
        let pair = try #require(mixed.parameter("title")).imapPair
        #expect(pair.name.string == "title*")
        #expect(MIMEParameterParser.percentDecode(ArraySlice(pair.value.drop { $0 != 39 }.dropFirst().drop { $0 != 39 }.dropFirst())).string
            == "This is even more ***fun*** isn't it!")

        let utf8 = try #require(contentType("application/pdf; name*=UTF-8''%E2%82%AC%20rates.pdf"))
        #expect(utf8["name"] == "€ rates.pdf")

        // Out of order sections are sorted; a plain duplicate loses to the extended form.
        let order = try #require(contentType("a/b; n*1=\"B\"; n*0=\"A\"; f=plain; f*=utf-8''%C3%A9"))
        #expect(order["n"] == "AB")
        #expect(order["f"] == "é")
    }

    @Test func encodedWordsInQuotedValues() throws {
        let ct = try #require(contentType("application/pdf; name=\"=?UTF-8?B?w6l0w6kucGRm?=\""))
        #expect(ct["name"] == "été.pdf")
    }

    @Test func parameterCountIsBounded() throws {
        let many = (0..<1000).map { "p\($0)=v" }.joined(separator: "; ")
        let ct = try #require(contentType("text/plain; " + many))
        #expect(ct.parameters.count == MessageLimits().maxParameters)
    }

    @Test func disposition() throws {
        let d = try #require(ContentDisposition.parse(ArraySlice("Attachment; filename=\"a b.txt\"; size=12".utf8)))
        #expect(d.type == "attachment" && d["filename"] == "a b.txt" && d["size"] == "12")
    }

    @Test func partFields() {
        let m = MessageParser.parse(Array("""
            Content-Type: text/plain
            Content-ID: <part1@example.org>
            Content-Description: =?utf-8?q?caf=C3=A9?=
            Content-Disposition: inline; filename=x.txt
            Content-Language: en, (comment) de-CH
            Content-Location: http://example.org/
             x.txt
            Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==

            body
            """))
        let p = m.root
        #expect(p.contentID?.string == "<part1@example.org>")
        #expect(p.contentDescription?.string == "=?utf-8?q?caf=C3=A9?=")
        #expect(p.contentDisposition?.type == "inline")
        #expect(p.contentLanguage == ["en", "de-CH"])
        #expect(p.contentLocation?.string == "http://example.org/x.txt")
        #expect(p.contentMD5?.string == "Q2hlY2sgSW50ZWdyaXR5IQ==")
        #expect(p.filename == "x.txt")
    }
}

@Suite struct DateTests {
    @Test(arguments: [
        ("Fri, 4 May 2001 14:05:44 -0400", 988_999_544, -14_400),
        ("Fri,  4 May 2001 14:05:44 -0400 (EDT)", 988_999_544, -14_400),
        ("4 May 2001 14:05:44 EDT", 988_999_544, -14_400),
        ("Fri, 04 May 2001 18:05:44 GMT", 988_999_544, 0),
        ("Friday, 4 May 2001 18:05:44 UT", 988_999_544, 0),
        ("Fri May  4 14:05:44 2001 -0400", 988_999_544, -14_400),      // asctime order
        ("Fri, 4 May 01 14:05:44 -0400", 988_999_544, -14_400),        // two-digit year
        ("01 Jan 2001 00:01+0000", 978_307_260, 0),                     // no seconds, glued zone
        ("Fri, 6 Apr 2001 09:23:06 -0800 (GMT-0800)", 986_577_786, -28_800),
        ("Fri, 31 Dec 99 23:59:59 Z", 946_684_799, 0),
        ("1 Mar 49 12:00:00 +0100", 2_498_209_200, 3600),               // 49 -> 2049
        ("1 Mar 50 12:00:00", -626_011_200, 0),                         // 50 -> 1950, no zone
        ("Sun, 11 Jul 2004 16:09:27 -0300", 1_089_572_967, -10_800),
        ("28 February 2021 23:00:00 +05:30", 1_614_533_400, 19_800),
        ("Thu, 1 Jan 1970 00:00:00 A", 0, 0),                           // military zone = -0000
        ("2000-02-29 01:02:03", 951_786_123, 0),                        // ISO 8601
        ("2010-02-01T12:21:16+01:00", 1_265_023_276, 3600),
        ("mon, 01 feb 2010 12:21:16.123 +0100", 1_265_023_276, 3600),
    ] as [(String, Int64, Int)])
    func parses(input: String, seconds: Int64, offset: Int) throws {
        let d = try #require(RFC5322Date.parse(Array(input.utf8)))
        #expect(d.seconds == seconds)
        #expect(d.offsetSeconds == offset)
    }

    @Test(arguments: ["", "garbage", "Fri, 4 May 2001", "14:05:44", "32 May 2001 14:05:44", "4 Foo 2001 14:05:44",
                      "4 May 2001 25:00:00", "4-May-2001 14:05:44 -0400 extra"])
    func rejects(input: String) {
        if input.hasPrefix("4-May") {
            // Dashes between the date fields are tolerated.
            #expect(RFC5322Date.parse(Array(input.utf8))?.seconds == 988_999_544)
        } else {
            #expect(RFC5322Date.parse(Array(input.utf8)) == nil)
        }
    }

    @Test(arguments: [
        (988_999_544, -14_400, "Fri, 4 May 2001 14:05:44 -0400"),
        (0, 0, "Thu, 1 Jan 1970 00:00:00 +0000"),
        (951_786_123, 19_800, "Tue, 29 Feb 2000 06:32:03 +0530"),
        (-626_011_200, -3600, "Wed, 1 Mar 1950 11:00:00 -0100"),
    ] as [(Int64, Int, String)])
    func formats(seconds: Int64, offset: Int, expected: String) {
        let s = RFC5322Date.format(seconds: seconds, offsetSeconds: offset)
        #expect(s == expected)
        let back = RFC5322Date.parse(Array(s.utf8))
        #expect(back?.seconds == seconds && back?.offsetSeconds == offset)
    }
}
