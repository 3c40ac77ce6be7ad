import Testing
@testable import MessageFormat

/// Shape of a tree without offsets: types and nesting, for comparing LF and CRLF parses.
private func shape(_ part: MIMEPart) -> String {
    var s = part.contentType.mimeType
    if let e = part.encapsulatedMessage { s += "{" + shape(e) + "}" }
    if !part.children.isEmpty { s += "(" + part.children.map(shape).joined(separator: ",") + ")" }
    return s
}

/// Body bytes of every part, pre-order, with CRLF folded to LF.
private func bodies(_ m: Message) -> [String] {
    var out: [String] = []
    var stack = [m.root]
    while let p = stack.popLast() {
        out.append(String(decoding: m[p.bodyRange], as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"))
        if let e = p.encapsulatedMessage { stack.append(e) }
        stack.append(contentsOf: p.children.reversed())
    }
    return out
}

@Suite struct MIMEStructureTests {
    /// Golden structure, ranges, line counts and ENVELOPE for every real-world sample
    /// (expected/*.expected, reviewed by hand against RFC 2046 and Python's email tests).
    @Test(arguments: Fixture.samples)
    func golden(name: String) throws {
        let m = MessageParser.parse(try Fixture.bytes(name))
        let expected = try Fixture.text("expected/" + name.replacingOccurrences(of: ".txt", with: ".expected"))
        let actual = describe(m) + "\nENV " + describe(m.envelope) + "\n"
        #expect(actual == expected)
    }

    /// Golden results for the hand-written hostile fixtures, plus their search text.
    @Test(arguments: Fixture.hostile)
    func hostileGolden(name: String) throws {
        let m = MessageParser.parse(try Fixture.bytes(name))
        let expected = try Fixture.text("expected/" + name.replacingOccurrences(of: ".eml", with: ".expected"))
        let search = m.textForSearch()
        let actual = describe(m) + "\nENV " + describe(m.envelope) + "\nHEADER " + search.header.debugDescription
            + "\nBODY " + search.body.debugDescription + "\n"
        #expect(actual == expected)
    }

    /// The same message with CRLF line endings has the same tree and the same part bodies,
    /// and the CRLF sizes the LF parse predicts are the real ones.
    @Test(arguments: Fixture.samples)
    func crlfFormIsEquivalent(name: String) throws {
        let lf = MessageParser.parse(try Fixture.bytes(name))
        let wire = MessageParser.parse(crlf(try Fixture.text(name)))
        #expect(shape(lf.root) == shape(wire.root))
        #expect(bodies(lf) == bodies(wire))
        #expect(lf.crlfSize == wire.bytes.count)
        #expect(lf.bodyStructure(lineEndings: .crlf) == wire.bodyStructure(lineEndings: .asStored))
        #expect(describe(lf.envelope) == describe(wire.envelope))
    }

    @Test func simpleMultipartRanges() {
        let text = "Content-Type: multipart/mixed; boundary=XYZ\r\n\r\npreamble\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nhello\r\nworld\r\n--XYZ\r\n\r\nsecond\r\n--XYZ--\r\nepilogue\r\n"
        let m = MessageParser.parse(Array(text))
        let root = m.root
        #expect(root.contentType.mimeType == "multipart/mixed")
        #expect(root.children.count == 2)
        let first = root.children[0]
        #expect(m[first.headerRange].string == "Content-Type: text/plain\r\n\r\n")
        #expect(m[first.bodyRange].string == "hello\r\nworld")
        #expect(first.bodyLineCount == 1)
        let second = root.children[1]
        #expect(second.contentType == .textPlainDefault)
        #expect(m[second.headerRange].string == "\r\n")
        #expect(m[second.bodyRange].string == "second")
        #expect(m[root.bodyRange].string.hasSuffix("epilogue\r\n"))
        // Sections (RFC 9051 §6.4.5).
        #expect(m.range(of: [1]).map { m[$0].string } == "hello\r\nworld")
        #expect(m.range(of: [1], .mime).map { m[$0].string } == "Content-Type: text/plain\r\n\r\n")
        #expect(m.range(of: [2]).map { m[$0].string } == "second")
        #expect(m.range(of: [3]) == nil)
        #expect(m.range(of: [1, 1]) == nil)
        #expect(m.range(of: [1], .header) == nil)
        #expect(m.range(of: [], .header) == 0..<47)
    }

    @Test func nonMultipartBodyIsPartOne() {
        let m = MessageParser.parse(Array("Subject: x\n\nbody\n"))
        #expect(m.range(of: [1]).map { m[$0].string } == "body\n")
        #expect(m.range(of: [], .text).map { m[$0].string } == "body\n")
        #expect(m.range(of: [2]) == nil)
    }

    @Test func encapsulatedMessageSections() {
        let text = """
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain

        one
        --b
        Content-Type: message/rfc822

        Subject: inner
        Content-Type: multipart/alternative; boundary=c

        --c

        plain
        --c
        Content-Type: text/html

        <b>html</b>
        --c--
        --b--

        """
        let m = MessageParser.parse(Array(text))
        #expect(m.range(of: [2], .header).map { m[$0].string } == "Subject: inner\nContent-Type: multipart/alternative; boundary=c\n\n")
        #expect(m.header(at: [2])?.first("subject")?.text == "inner")
        #expect(m.range(of: [2, 1]).map { m[$0].string } == "plain")
        #expect(m.range(of: [2, 2]).map { m[$0].string } == "<b>html</b>")
        #expect(m.range(of: [2, 2], .mime).map { m[$0].string } == "Content-Type: text/html\n\n")
        #expect(m.range(of: [2, 3]) == nil)
        #expect(m.range(of: [2]).map { m[$0].string }?.hasPrefix("Subject: inner") == true)
        #expect(m.range(of: [2], .text).map { m[$0].string }?.hasPrefix("--c") == true)
    }

    @Test func encapsulatedNonMultipartBodyIsPartNOne() {
        let text = "Content-Type: message/rfc822\n\nSubject: inner\n\ninner body\n"
        let m = MessageParser.parse(Array(text))
        #expect(m.range(of: [1]).map { m[$0].string } == "Subject: inner\n\ninner body\n")
        #expect(m.range(of: [1, 1]).map { m[$0].string } == "inner body\n")
        #expect(m.range(of: [1], .header).map { m[$0].string } == "Subject: inner\n\n")
    }

    /// IMAP BINARY (RFC 3516): bodies with the transfer encoding undone.
    @Test func decodedBodies() throws {
        let m = MessageParser.parse(try Fixture.bytes("msg_10.txt"))
        #expect(m.part(at: [2]).map(m.decodedBody) == [0xA1] + Array("This is a Quoted Printable encoded message!\n".utf8))
        #expect(m.part(at: [3]).map(m.decodedBody)?.string == "This is a Base64 encoded message.")
        #expect(m.part(at: [1]).map(m.decodedBody)?.string == "This is a 7bit encoded message.\n")
        let gif = MessageParser.parse(try Fixture.bytes("msg_07.txt"))
        #expect(gif.part(at: [2]).map(gif.decodedBody)?.prefix(6).string == "GIF87a")
    }

    @Test func missingBoundaryParameterIsTextPlain() {
        let m = MessageParser.parse(Array("Content-Type: multipart/mixed\n\n--x\nbody\n"))
        #expect(m.root.contentType.mimeType == "text/plain")
        #expect(m.root.children.isEmpty)
    }

    @Test func missingFinalBoundaryRunsToEnd() {
        let m = MessageParser.parse(Array("Content-Type: multipart/mixed; boundary=q\n\n--q\n\nlast part\nno end"))
        #expect(m.root.children.count == 1)
        #expect(m[m.root.children[0].bodyRange].string == "last part\nno end")
    }

    /// RFC 2046 §5.1.1: a boundary that is a prefix of a nested one; an outer delimiter
    /// closes an unterminated inner multipart.
    @Test func boundaryPrefixOfNestedBoundary() {
        let text = """
        Content-Type: multipart/mixed; boundary="=_a"

        --=_a
        Content-Type: multipart/alternative; boundary="=_a_1"

        --=_a_1

        inner one
        --=_a_1

        inner two
        --=_a

        outer two
        --=_a--

        """
        let m = MessageParser.parse(Array(text))
        #expect(shape(m.root) == "multipart/mixed(multipart/alternative(text/plain,text/plain),text/plain)")
        #expect(m.range(of: [1, 2]).map { m[$0].string } == "inner two")
        #expect(m.range(of: [2]).map { m[$0].string } == "outer two")
    }

    /// Dovecot's rules: a delimiter line only has to start with the boundary, the longest
    /// matching boundary wins (message-parser "garbage suffix" and "continuing" cases).
    @Test func boundaryMatchingLikeDovecot() {
        let garbage = "Content-Type: multipart/mixed; boundary=\"a\"\n\n--ab\nContent-Type: multipart/mixed; boundary=\"a\"\n\n--ac\nContent-Type: text/plain\n\nbody\n"
        let g = MessageParser.parse(Array(garbage))
        #expect(shape(g.root) == "multipart/mixed(multipart/mixed(text/plain))")
        #expect(g.root.children[0].bodyRange.count == 36)
        let continuing = "Content-Type: multipart/mixed; boundary=\"ab\"\n\n--ab\nContent-Type: multipart/mixed; boundary=\"a\"\n\n--ab\nContent-Type: text/plain\n\n--a\n\n"
        let c = MessageParser.parse(Array(continuing))
        // "--ab" is the outer boundary (longer match), so the inner multipart stays empty.
        #expect(shape(c.root) == "multipart/mixed(multipart/mixed,text/plain)")
        #expect(c.root.children[1].bodyLineCount == 2)
        #expect(c.root.children[1].bodyRange.count == 5)
        #expect(BodyStructure(c.root.children[0]) == .multipart(.init(
            children: [BodyStructure.emptyTextPart], subtype: Array("mixed"),
            parameters: [.init(name: Array("boundary"), value: Array("a"))], disposition: nil, language: [],
            location: nil)))
    }

    /// A delimiter inside a part's header ends the part (Dovecot "truncated MIME headers").
    @Test func delimiterInsideHeader() {
        let text = "Content-Type: multipart/mixed; boundary=\"a\"\n\n--a\nContent-Type: multipart/mixed; boundary=\"ab\"\nMIME-Version: 1.0\n--ab\nContent-Type: text/plain\n\n--ab--\n--a--\n\n"
        let m = MessageParser.parse(Array(text))
        #expect(shape(m.root) == "multipart/mixed(multipart/mixed,text/plain,text/plain)")
        let cut = m.root.children[0]
        #expect(cut.headerRange == 49..<(49 + 45 + 17))
        #expect(cut.bodyRange.isEmpty)
        #expect(cut.limitReached)
    }

    @Test func sameBoundaryNested() throws {
        let m = MessageParser.parse(try Fixture.bytes("msg_15.txt"))
        #expect(shape(m.root) == "multipart/mixed(multipart/alternative(text/plain,text/html),image/gif)")
    }

    @Test func digestDefaultsToMessage() throws {
        let m = MessageParser.parse(try Fixture.bytes("msg_30.txt"))
        #expect(m.root.children.allSatisfy { $0.contentType == .messageRFC822Default })
        #expect(m.root.children[0].encapsulatedMessage?.header.first("Subject")?.text == "ee")
    }

    @Test func encodedMessageRFC822IsOpaque() {
        let m = MessageParser.parse(Array("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA0KDQp5DQo=\n"))
        #expect(m.root.encapsulatedMessage == nil)
        guard case .single(let s) = m.bodyStructure() else { Issue.record("not single"); return }
        #expect(s.type.string == "application" && s.subtype.string == "octet-stream" && s.message == nil)
    }

    @Test func messageGlobalIsEncapsulated() {
        let m = MessageParser.parse(Array("Content-Type: message/global\n\nSubject: ü\n\nx\n"))
        #expect(m.root.encapsulatedMessage?.header.first("Subject")?.text == "ü")
    }

    @Test func bareLFAndCRLFMixed() {
        let text = "Content-Type: multipart/mixed; boundary=m\r\n\n--m\r\n\r\na\nb\r\n--m--\n"
        let m = MessageParser.parse(Array(text))
        #expect(m.root.children.count == 1)
        let p = m.root.children[0]
        #expect(m[p.bodyRange].string == "a\nb")
        #expect(p.bodyLineCount == 1 && p.bodyBareLineFeeds == 1)
        #expect(m.root.headerBareLineFeeds == 1)
    }

    @Test func nulBytesAndEightBitHeaders() {
        var bytes = Array("Subject: caf\u{e9} \0 x\nFrom: J\u{f6}rg <j@example.org>\n\nbody\0with nul\n".utf8)
        bytes.append(contentsOf: [0xFF, 0xFE, 0x0A])
        let m = MessageParser.parse(bytes)
        #expect(m.header.fields.count == 2)
        #expect(m.envelope.from.first?.name == Array("J\u{f6}rg".utf8))
        #expect(m.root.bodyLineCount == 2)
        #expect(m.header.first("subject")?.decodedText == "caf\u{e9} \0 x")
    }

    @Test func headerOnlyMessage() {
        let m = MessageParser.parse(Array("Subject: no body"))
        #expect(m.header.first("Subject")?.text == "no body")
        #expect(m.root.bodyRange == 16..<16)
        #expect(!m.header.hasTerminatingBlankLine)
    }

    @Test func emptyMessage() {
        let m = MessageParser.parse([])
        #expect(m.root.header.fields.isEmpty)
        #expect(m.root.bodyRange == 0..<0)
        #expect(m.range(of: [1]) == 0..<0)
    }

    @Test func firstLineNotAFieldMeansNoHeader() throws {
        let m = MessageParser.parse(try Fixture.bytes("msg_19.txt"))
        #expect(m.root.headerRange == 0..<0)
        #expect(m[m.root.bodyRange].string.hasPrefix("Send Ppp mailing list"))
        // An mbox "From " line does not count: the header follows it.
        let mbox = MessageParser.parse(try Fixture.bytes("msg_25.txt"))
        #expect(mbox.envelope.subject?.string.hasPrefix("Returned mail") == true)
    }
}

@Suite struct MIMELimitTests {
    /// 10,000 nested multiparts: bounded depth, the rest is one opaque part; no recursion.
    @Test func tenThousandNestedMultiparts() {
        var text = ""
        // "x1x" is no prefix of "x12x": every level has its own boundary (Dovecot's prefix
        // rule would otherwise let "--b1" close "b12").
        for i in 0..<10_000 { text += "Content-Type: multipart/mixed; boundary=\"x\(i)x\"\n\n--x\(i)x\n" }
        text += "Content-Type: text/plain\n\ndeep\n"
        let m = MessageParser.parse(Array(text))
        var depth = 0
        var part = m.root
        while let child = part.children.first {
            part = child
            depth += 1
        }
        #expect(depth == MessageLimits().maxNestingDepth)
        #expect(part.limitReached)
        #expect(part.contentType.isMultipart && part.children.isEmpty)
        #expect(part.bodyRange.upperBound == text.utf8.count)
    }

    @Test func tenThousandNestedMessages() {
        let text = String(repeating: "Content-Type: message/rfc822\n\n", count: 10_000) + "Subject: deep\n\nx\n"
        let m = MessageParser.parse(Array(text))
        var depth = 0
        var part = m.root
        while let e = part.encapsulatedMessage {
            part = e
            depth += 1
        }
        #expect(depth == MessageLimits().maxNestingDepth)
        #expect(part.limitReached)
    }

    /// Dovecot's "mime part nested limit" case with a nesting limit of 2 parts: here the
    /// message is depth 0, so a limit of 1 stops at the same place.
    @Test func nestingLimit() {
        let text = "Content-Type: multipart/mixed; boundary=\"1\"\n\n--1\nContent-Type: multipart/mixed; boundary=\"2\"\n\n--2\nContent-Type: text/plain\n\n1\n--2\nContent-Type: text/plain\n\n22\n--1\nContent-Type: text/plain\n\n333\n"
        var limits = MessageLimits()
        limits.maxNestingDepth = 1
        let m = MessageParser.parse(Array(text), limits: limits)
        #expect(shape(m.root) == "multipart/mixed(multipart/mixed,text/plain)")
        let opaque = m.root.children[0]
        #expect(opaque.limitReached && opaque.bodyRange.count == 64 && opaque.bodyLineCount == 7)
        #expect(m.root.children[1].bodyRange.count == 4)
    }

    /// Dovecot's "mime part limit" case: the part that reaches the limit runs to the end.
    @Test func partLimit() {
        let text = "Content-Type: multipart/mixed; boundary=\"1\"\n\n--1\nContent-Type: multipart/mixed; boundary=\"2\"\n\n--2\nContent-Type: text/plain\n\n1\n--2\nContent-Type: text/plain\n\n22\n--1\nContent-Type: text/plain\n\n333\n"
        var limits = MessageLimits()
        limits.maxParts = 4
        let m = MessageParser.parse(Array(text), limits: limits)
        #expect(shape(m.root) == "multipart/mixed(multipart/mixed(text/plain,text/plain))")
        let last = m.root.children[0].children[1]
        #expect(last.limitReached && last.bodyRange.count == 37 && last.bodyLineCount == 5)
        #expect(m.root.children[0].children[0].bodyRange.count == 1)
        #expect(m.root.bodyRange.count == 148 && m.root.bodyLineCount == 15)
    }

    @Test func manyPartsStopAtDefaultLimit() {
        let text = "Content-Type: multipart/mixed; boundary=z\n\n" + String(repeating: "--z\n\nx\n", count: 20_000) + "--z--\n"
        let m = MessageParser.parse(Array(text))
        #expect(m.root.children.count == MessageLimits().maxParts - 1)
        #expect(m.root.children.last?.limitReached == true)
    }

    @Test func giantHeader() {
        let many = (0..<5000).map { "X-Field-\($0): value \($0)\n" }.joined()
        let text = "Subject: first\n" + many + "From: late@example.org\n\nbody\n"
        let m = MessageParser.parse(Array(text))
        #expect(m.header.fields.count == MessageLimits().maxHeaderFields)
        #expect(m.header.isTruncated)
        #expect(m.header.first("From") == nil)
        #expect(m[m.root.bodyRange].string == "body\n")
        let long = "Subject: " + String(repeating: "a", count: 3_000_000) + "\n\nb"
        let l = MessageParser.parse(Array(long))
        #expect(l.header.fields.count == 1)
        // The cut is taken before the space after the colon is trimmed.
        #expect(l.envelope.subject?.count == MessageLimits().maxFieldLength - 1)
        #expect(l[l.root.bodyRange].string == "b")
    }

    @Test func longBoundaryIsIgnored() {
        let b = String(repeating: "x", count: 300)
        let m = MessageParser.parse(Array("Content-Type: multipart/mixed; boundary=\(b)\n\n--\(b)\n\nx\n--\(b)--\n"))
        #expect(m.root.contentType.mimeType == "text/plain")
    }
}

@Suite struct GoldenDump {
    /// Prints the current rendering of the hostile fixtures (for reviewing new goldens).
    @Test(.disabled("prints goldens for review")) func dump() throws {
        for name in Fixture.hostile {
            let m = MessageParser.parse(try Fixture.bytes(name))
            let search = m.textForSearch()
            print("=== \(name)\n" + describe(m) + "\nENV " + describe(m.envelope) + "\nHEADER " + search.header.debugDescription
                  + "\nBODY " + search.body.debugDescription)
        }
    }
}
