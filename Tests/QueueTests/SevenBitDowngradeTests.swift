import MessageFormat
import Queue
import Testing
import TestRandom

/// RFC 6152 §3 conversion for servers without 8BITMIME.
@Suite struct SevenBitDowngradeTests {
    func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func plainMessageBecomesQuotedPrintable() throws {
        let input = bytes("From: a@example.org\r\nSubject: hi\r\n\r\nCafé = 3 €\r\nsecond line \r\n")
        let out = try #require(SevenBitDowngrade.convert(input))
        #expect(!out.contains { $0 >= 0x80 })
        let s = text(out)
        #expect(s.hasPrefix("From: a@example.org\r\nSubject: hi\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(s.hasSuffix("\r\n\r\nCaf=C3=A9 =3D 3 =E2=82=AC\r\nsecond line=20\r\n"))
        let m = MessageParser.parse(out)
        #expect(m.decodedBody(m.root) == bytes("Café = 3 €\r\nsecond line \r\n"))
    }

    @Test func sevenBitContentIsUnchanged() {
        let input = bytes("Subject: x\r\n\r\nplain\r\n")
        #expect(SevenBitDowngrade.convert(input) == input)
    }

    @Test func onlyTheEightBitPartOfAMultipartChanges() throws {
        let input = bytes("""
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b"\r
            \r
            preamble\r
            --b\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            Grüße\r
            --b\r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: base64\r
            \r
            AAEC\r
            --b--\r

            """)
        let out = try #require(SevenBitDowngrade.convert(input))
        let s = text(out)
        #expect(s.contains("Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n--b\r\n"))
        #expect(s.contains("Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n"))
        #expect(!s.contains("8bit"))
        let m = MessageParser.parse(out)
        #expect(m.root.children.count == 2)
        #expect(m.decodedBody(m.root.children[0]) == bytes("Grüße"))
    }

    @Test func encapsulatedMessageIsConvertedAndRelabelled() throws {
        let input = bytes("""
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b"\r
            \r
            --b\r
            Content-Type: message/rfc822\r
            Content-Transfer-Encoding: 8bit\r
            \r
            Subject: inner\r
            \r
            naïve\r
            --b--\r

            """)
        let out = try #require(SevenBitDowngrade.convert(input))
        let s = text(out)
        #expect(s.contains("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n"))
        #expect(s.contains("Subject: inner\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nna=C3=AFve"))
    }

    @Test(arguments: [
        "Subject: Grüße\r\n\r\nbody\r\n",                                              // 8-bit header
        "Content-Transfer-Encoding: base64\r\n\r\nw6k=é\r\n",                            // 8-bit inside base64
        "Content-Type: multipart/mixed; boundary=b\r\n\r\npré\r\n--b\r\n\r\nx\r\n--b--\r\n",  // 8-bit preamble
    ])
    func refusesWhatCannotBeConverted(_ input: String) {
        #expect(SevenBitDowngrade.convert(bytes(input)) == nil)
    }

    @Test func encodedLinesStayWithin76Characters() {
        let long = String(repeating: "é", count: 100) + " " + String(repeating: "x", count: 200) + "\t\r\n.dot\r\n"
        let out = SevenBitDowngrade.quotedPrintable(bytes(long))
        for line in text(out).components(separatedBy: "\r\n") { #expect(line.utf8.count <= 76) }
        #expect(text(out).contains("=09\r\n.dot\r\n"))
    }

    /// Random bodies: always 7-bit, always decodes back (line ends as CRLF).
    @Test func randomizedRoundTrip() throws {
        var rng = SplitMix64(seed: 6152)
        let alphabet: [UInt8] = [0x41, 0x20, 0x09, 0x3D, 0x2E, 0x0D, 0x0A, 0xC3, 0xA9, 0xFF, 0x00]
        for _ in 0..<500 {
            var body = (0..<Int(rng.next() % 300)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            body.append(0x80)
            let message = bytes("Subject: r\r\n\r\n") + body
            let out = try #require(SevenBitDowngrade.convert(message))
            #expect(!out.contains { $0 >= 0x80 })
            let m = MessageParser.parse(out)
            var expected: [UInt8] = []
            var i = 0
            while i < body.count {
                if body[i] == 0x0A || (body[i] == 0x0D && i + 1 < body.count && body[i + 1] == 0x0A) {
                    expected += [0x0D, 0x0A]
                    i += body[i] == 0x0D ? 2 : 1
                } else {
                    expected.append(body[i]); i += 1
                }
            }
            #expect(m.decodedBody(m.root) == expected)
        }
    }
}
