import Testing
@testable import MessageFormat

private func p(_ name: String, _ value: String) -> BodyStructure.Parameter {
    .init(name: Array(name.utf8), value: Array(value.utf8))
}

@Suite struct BodyStructureTests {
    @Test func multipartWithDisposition() throws {
        let m = MessageParser.parse(try Fixture.bytes("msg_04.txt"))
        let part = BodyStructure.SinglePart(
            type: Array("text"), subtype: Array("plain"), parameters: [p("charset", "us-ascii")], id: nil,
            description: nil, encoding: Array("7BIT"), size: 50, lines: 2, message: nil, md5: nil,
            disposition: .init(type: Array("inline"), parameters: [p("filename", "msg.txt")]), language: [],
            location: nil)
        let expected = BodyStructure.multipart(.init(
            children: [.single(part), .single(part)], subtype: Array("mixed"),
            parameters: [p("boundary", "h90VIIIKmx")], disposition: nil, language: [], location: nil))
        #expect(m.bodyStructure() == expected)
        // Stored (bare LF) sizes when asked for.
        guard case .multipart(let mp) = m.bodyStructure(lineEndings: .asStored),
              case .single(let first) = mp.children[0] else { Issue.record("shape"); return }
        #expect(first.size == 48)
    }

    @Test func messageRFC822Part() throws {
        let m = MessageParser.parse(try Fixture.bytes("msg_05.txt"))
        guard case .multipart(let mp) = m.bodyStructure(), case .single(let msg) = mp.children[2] else {
            Issue.record("shape")
            return
        }
        #expect(msg.type.string == "message" && msg.subtype.string == "rfc822")
        #expect(msg.lines == 3 && msg.size == 46)
        let inner = try #require(msg.message)
        #expect(inner.envelope.from.first?.mailbox?.string == "nobody")
        guard case .single(let text) = inner.body else { Issue.record("inner shape"); return }
        #expect(text.type.string == "text" && text.lines == 1 && text.size == 19)
    }

    @Test func partFieldsAndExtendedParameters() {
        let text = "Content-Type: application/pdf; name*=UTF-8''%E2%82%AC.pdf\nContent-ID: <id@x>\nContent-Description: d\nContent-Transfer-Encoding: base64\nContent-Language: en\nContent-Location: loc\nContent-MD5: md5\nContent-Disposition: attachment; filename*=UTF-8''%E2%82%AC.pdf\n\nAAAA\n"
        guard case .single(let s) = MessageParser.parse(Array(text.utf8)).bodyStructure() else {
            Issue.record("shape")
            return
        }
        #expect(s.parameters == [p("name*", "UTF-8''%E2%82%AC.pdf")])
        #expect(s.id?.string == "<id@x>" && s.description?.string == "d" && s.encoding.string == "BASE64")
        #expect(s.lines == nil && s.size == 6)
        #expect(s.md5?.string == "md5" && s.language == [Array("en".utf8)] && s.location?.string == "loc")
        #expect(s.disposition == .init(type: Array("attachment"), parameters: [p("filename*", "UTF-8''%E2%82%AC.pdf")]))
    }

    @Test func multipartWithoutPartsGetsEmptyTextPart() throws {
        let m = MessageParser.parse(try Fixture.bytes("msg_17.txt"))
        guard case .multipart(let mp) = m.bodyStructure() else { Issue.record("shape"); return }
        #expect(mp.children == [BodyStructure.emptyTextPart])
    }

    @Test func rfc822Size() throws {
        for name in Fixture.samples {
            let bytes = try Fixture.bytes(name)
            #expect(MessageParser.parse(bytes).crlfSize == crlf(String(decoding: bytes, as: UTF8.self)).count)
        }
    }
}

@Suite struct SearchTextTests {
    @Test func decodesTextParts() throws {
        let m = MessageParser.parse(try Fixture.bytes("msg_10.txt"))
        let t = m.textForSearch()
        #expect(t.header.contains("Subject: Lyrics\n"))
        #expect(t.body.contains("This is a 7bit encoded message."))
        #expect(t.body.contains("¡This is a Quoted Printable encoded message!"))
        #expect(t.body.contains("This is a Base64 encoded message."))
        #expect(t.body.contains("This has no Content-Transfer-Encoding: header."))
        #expect(!t.isTruncated)
    }

    @Test func charsetsAndEncapsulatedHeaders() {
        let text = """
            Subject: =?koi8-r?b?8NLJ18XU?=
            Content-Type: multipart/mixed; boundary=b

            --b
            Content-Type: text/plain; charset=koi8-r
            Content-Transfer-Encoding: base64

            8NLJ18XU
            --b
            Content-Type: message/rfc822

            Subject: =?utf-8?q?inner_caf=C3=A9?=

            inner body
            --b
            Content-Type: image/png; name=picture.png
            Content-Transfer-Encoding: base64

            iVBORw0KGgo=
            --b--
            """
        let t = MessageParser.parse(Array(text.utf8)).textForSearch()
        #expect(t.header.contains("Subject: Привет"))
        #expect(t.body.contains("Привет"))
        #expect(t.body.contains("Subject: inner café"))
        #expect(t.body.contains("inner body"))
        #expect(t.body.contains("picture.png"))
        #expect(!t.body.contains("iVBOR"))
    }

    @Test func htmlIsReduced() {
        let text = "Content-Type: text/html; charset=utf-8\n\n<html><head><style>p{color:red}</style><script>var x=1;</script></head><body><p>Hello&nbsp;<b>world</b> &amp; caf&#233; &#x263A;</p><!-- hidden --><br>next</body></html>\n"
        let t = MessageParser.parse(Array(text.utf8)).textForSearch()
        // Paragraph end and <br>: one blank line at most.
        #expect(t.body == "Hello world & café ☺\n\nnext")
    }

    @Test func capIsHonoured() throws {
        let m = MessageParser.parse(try Fixture.bytes("msg_02.txt"))
        let t = m.textForSearch(maxBytes: 100)
        #expect(t.isTruncated)
        #expect(t.body.utf8.count <= 100)
        #expect(t.header.utf8.count <= 100)
        let big = "Content-Type: text/plain; charset=utf-8\n\n" + String(repeating: "日本語 ", count: 100_000)
        let b = MessageParser.parse(Array(big.utf8)).textForSearch(maxBytes: 1000)
        #expect(b.body.utf8.count <= 1000 && b.body.utf8.count > 990 && b.isTruncated)
    }
}

@Suite struct HeaderEditingTests {
    @Test func shortFieldIsOneLine() {
        #expect(HeaderEditing.field(name: "Subject", value: "  hello  world ").string == "Subject: hello  world\r\n")
        #expect(HeaderEditing.field(name: "X-Empty", value: "").string == "X-Empty:\r\n")
    }

    @Test func longFieldIsFoldedAt78() throws {
        let value = "from mail.example.org (mail.example.org [192.0.2.1]) by mx.example.net (Postern) with ESMTPS id 4AbCdEf for <someone@example.net>; Fri, 4 May 2001 14:05:44 -0400"
        let field = HeaderEditing.field(name: "Received", value: value)
        let lines = field.string.components(separatedBy: "\r\n").dropLast()
        #expect(lines.count > 2)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        // Unfolding gives the value back.
        let h = MessageParser.parseHeader(field + Array("\r\n".utf8))
        #expect(h.first("Received")?.text == value)
    }

    @Test func longWordStaysWhole() {
        let word = String(repeating: "x", count: 120)
        let field = HeaderEditing.field(name: "Message-ID", value: "<\(word)@example.org>").string
        #expect(field == "Message-ID: <\(word)@example.org>\r\n")
    }

    @Test func noHeaderInjection() {
        let field = HeaderEditing.field(name: "Sub\r\nject", value: "a\r\nBcc: victim@example.org\0").string
        #expect(field == "Subject: a  Bcc: victim@example.org\r\n")
        #expect(MessageParser.parseHeader(Array(field.utf8)).fields.count == 1)
    }

    @Test func prependingKeepsLineEndings() {
        let f = HeaderEditing.field(name: "Received", value: "by x")
        #expect(HeaderEditing.prepending([f], to: Array("A: b\r\n\r\nc".utf8)).string == "Received: by x\r\nA: b\r\n\r\nc")
        #expect(HeaderEditing.prepending([f], to: Array("A: b\n\nc".utf8)).string == "Received: by x\nA: b\n\nc")
    }
}
