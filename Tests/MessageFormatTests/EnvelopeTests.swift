import Testing
@testable import MessageFormat

private func envelopeAddresses(_ value: String) -> String {
    EnvelopeAddress.list(AddressParser.parse(Array(value.utf8))).map(describe).joined()
}

@Suite struct AddressTests {
    /// RFC 5322 §3.4 and §4.4 forms and the broken forms seen in the wild, in IMAP's
    /// (name adl mailbox host) form.
    @Test(arguments: [
        ("user@example.org", "(NIL NIL \"user\" \"example.org\")"),
        ("John Doe <jdoe@example.org>", "(\"John Doe\" NIL \"jdoe\" \"example.org\")"),
        ("\"Doe, John\" <jdoe@example.org>", "(\"Doe, John\" NIL \"jdoe\" \"example.org\")"),
        ("\"Joe Q. Public\" <john.q.public@example.com>", "(\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")"),
        ("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
         "(\"Mary Smith\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"example.org\")(\"Who?\" NIL \"one\" \"y.test\")"),
        ("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
         "(NIL NIL \"boss\" \"nil.test\")(\"Giant; \"Big\" Box\" NIL \"sysservices\" \"example.net\")"),
        // RFC 5322 A.1.3 group.
        ("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
         "(NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL)"),
        ("Undisclosed recipients:;", "(NIL NIL \"Undisclosed recipients\" NIL)(NIL NIL NIL NIL)"),
        ("group: a@b.c", "(NIL NIL \"group\" NIL)(NIL NIL \"a\" \"b.c\")(NIL NIL NIL NIL)"),
        // RFC 5322 A.5 comments and folding.
        ("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "(\"Pete\" NIL \"pete\" \"silly.test\")"),
        ("bbb@ddd.com (John X. Doe)", "(\"John X. Doe\" NIL \"bbb\" \"ddd.com\")"),
        ("John\r\n Doe <jdoe@machine.example>", "(\"John Doe\" NIL \"jdoe\" \"machine.example\")"),
        // RFC 5322 §4.4 obs-route.
        ("<@a.test,@b.test:joe@c.test>", "(NIL \"@a.test,@b.test\" \"joe\" \"c.test\")"),
        // Obsolete and broken forms.
        ("Dr. Sender <s@example.net>", "(\"Dr. Sender\" NIL \"s\" \"example.net\")"),
        ("john . doe @ example . org", "(NIL NIL \"john.doe\" \"example.org\")"),
        ("foo", "(NIL NIL \"foo\" \"MISSING_DOMAIN\")"),
        ("@example.org", "(NIL NIL \"MISSING_MAILBOX\" \"example.org\")"),
        ("MAILER DAEMON <>", "(\"MAILER DAEMON\" NIL \"\" \"\")"),
        ("a@b.c; d@e.f", "(NIL NIL \"a\" \"b.c\")(NIL NIL \"d\" \"e.f\")"),
        ("Name <a@b.c", "(\"Name\" NIL \"a\" \"b.c\")"),
        ("Name <a@b.c> trailing junk", "(\"Name\" NIL \"a\" \"b.c\")"),
        ("broken <<x@y>>", "(\"broken\" NIL \"x\" \"y\")"),
        (", , a@b.c,,", "(NIL NIL \"a\" \"b.c\")"),
        ("\"quoted local\"@example.org", "(NIL NIL \"quoted local\" \"example.org\")"),
        ("user@[192.0.2.1]", "(NIL NIL \"user\" \"[192.0.2.1]\")"),
        ("=?utf-8?q?J=C3=B6rg?= <j@example.org>", "(\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"example.org\")"),
        ("Jörg Ü <jörg@bücher.example>", "(\"Jörg Ü\" NIL \"jörg\" \"bücher.example\")"),
        ("foo@bar.com <foo@bar.com>", "(\"foo@bar.com\" NIL \"foo\" \"bar.com\")"),
        ("", ""),
        ("(only a comment)", ""),
    ])
    func parses(input: String, expected: String) {
        #expect(envelopeAddresses(input) == expected)
    }

    @Test func mailboxHelpers() throws {
        let list = AddressParser.mailboxes(Array("=?utf-8?q?J=C3=B6rg?= <Joerg@Example.ORG>, g: \"a b\"@c.d;".utf8))
        #expect(list.count == 2)
        #expect(list[0].decodedDisplayName == "Jörg")
        #expect(list[0].address == "Joerg@Example.ORG")
        #expect(try #require(list[0].emailAddress).canonical.description == "joerg@example.org")
        #expect(list[1].address == "\"a b\"@c.d")
        #expect(AddressParser.mailboxes(Array("foo".utf8)).first?.emailAddress == nil)
    }

    @Test func fromAndSenderForSubmission() {
        let h = MessageParser.parseHeader(Array("From: a@example.org, B <b@example.org>\nSender: s@example.org\nfrom: late@example.org\n\n".utf8))
        #expect(h.fromMailboxes.map(\.address) == ["a@example.org", "b@example.org", "late@example.org"])
        #expect(h.senderMailboxes.map(\.address) == ["s@example.org"])
    }

    @Test func hugeAddressListIsBounded() {
        let value = Array((0..<50_000).map { "u\($0)@example.org" }.joined(separator: ", ").utf8)
        let list = AddressParser.parse(value, maxLength: 102_400)
        #expect(list.count < 6000 && list.count > 5000)
    }
}

@Suite struct EnvelopeTests {
    @Test func rfc9051Defaults() {
        let h = MessageParser.parseHeader(Array("""
            Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)
            From: Terry Gray <gray@cac.washington.edu>
            Subject: IMAP4rev2 WG mtg summary and minutes
            To: imap@cac.washington.edu
            cc: minutes@CNRI.Reston.VA.US,
             John Klensin <KLENSIN@MIT.EDU>
            Message-Id: <B27397-0100000@cac.washington.edu>
            MIME-Version: 1.0
            Content-Type: TEXT/PLAIN; CHARSET=US-ASCII


            """.utf8))
        let e = Envelope(header: h)
        // The RFC 9051 §7.4.2 FETCH example's ENVELOPE.
        #expect(describe(e) == """
            "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev2 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>"
            """)
    }

    @Test func presentButEmptyFields() {
        let e = Envelope(header: MessageParser.parseHeader(Array("Subject:\nDate: \nFrom: a@b.c\nSender:\nReply-To: (nobody)\nIn-Reply-To: <x@y>\n\n".utf8)))
        #expect(e.subject == [])
        #expect(e.date == [])
        #expect(e.messageID == nil)
        #expect(e.inReplyTo?.string == "<x@y>")
        // RFC 9051 §7.5.2: empty Sender and Reply-To take From's value.
        #expect(e.sender == e.from && e.replyTo == e.from && e.from.count == 1)
        #expect(e.to.isEmpty)
    }

    @Test func foldedAndEncodedSubject() {
        let e = Envelope(header: MessageParser.parseHeader(Array("Subject: =?utf-8?q?Caf=C3=A9?=\r\n =?utf-8?q?_au_lait?=\r\n\r\n".utf8)))
        #expect(e.subject?.string == "=?utf-8?q?Caf=C3=A9?= =?utf-8?q?_au_lait?=")
        #expect(e.decodedSubject == "Café au lait")
    }

    @Test func parsedDate() {
        let e = Envelope(header: MessageParser.parseHeader(Array("Date: Fri, 4 May 2001 14:05:44 -0400\n\n".utf8)))
        #expect(e.parsedDate?.seconds == 988_999_544)
    }
}

@Suite struct HeaderTests {
    @Test func fieldsAndRanges() throws {
        let text = "Subject: one\r\nX-Folded: a\r\n\tb\r\n c\r\nFrom : obs@example.org\r\n\r\nbody"
        let h = MessageParser.parseHeader(Array(text.utf8))
        #expect(h.fields.map(\.name) == ["Subject", "X-Folded", "From"])
        let folded = try #require(h.first("x-folded"))
        #expect(folded.rawValue.string == " a\r\n\tb\r\n c")
        #expect(folded.value.string == "a\tb c")
        #expect(folded.raw.string == "X-Folded: a\r\n\tb\r\n c\r\n")
        #expect(folded.range == 14..<35)
        // RFC 5322 §4.5: whitespace before the colon.
        #expect(h.first("FROM")?.text == "obs@example.org")
        #expect(h.range == 0..<(text.utf8.count - 4))
        #expect(h.hasTerminatingBlankLine)
        #expect(h["subject"]?.string == "one")
        #expect(h.all("subject").count == 1)
    }

    @Test func malformedLinesAreSkipped() {
        let h = MessageParser.parseHeader(Array("From MAILER-DAEMON Fri Apr 06 16:46:09 2001\nSubject: s\nno colon here\n\tcontinuation of junk\nBad Name: x\n: empty name\nTo: t@example.org\n\nbody".utf8))
        #expect(h.fields.map(\.name) == ["Subject", "To"])
        #expect(h.first("subject")?.text == "s")
    }

    @Test func headerFieldsSelection() {
        let text = "Subject: s\r\nFrom: f@example.org\r\nTo: t@example.org\r\nsubject: again\r\n\r\nbody"
        let h = MessageParser.parseHeader(Array(text.utf8))
        #expect(h.selectedFieldBytes(["SUBJECT", "to"], excluding: false).string
            == "Subject: s\r\nTo: t@example.org\r\nsubject: again\r\n\r\n")
        #expect(h.selectedFieldBytes(["Subject"], excluding: true).string == "From: f@example.org\r\nTo: t@example.org\r\n\r\n")
        #expect(h.selectedFieldBytes(["X-None"], excluding: false).string == "\r\n")
        let cut = MessageParser.parseHeader(Array("Subject: end".utf8))
        #expect(cut.selectedFieldBytes(["subject"], excluding: false).string == "Subject: end\r\n\r\n")
    }

    @Test func bareLFAndWhitespaceOnlyLines() {
        // A whitespace-only line is a fold (RFC 5322 §4.2 obs-FWS), not the end.
        let h = MessageParser.parseHeader(Array("A: 1\n \nB: 2\n\nbody".utf8))
        #expect(h.fields.map(\.name) == ["A", "B"])
    }

    @Test func headerByteLimit() {
        var limits = MessageLimits()
        limits.maxHeaderBytes = 20
        let h = MessageParser.parseHeader(Array("A: 1\nB: 2\nC: 3\nD: 4\nE: 5\nF: 6\n\nbody".utf8), limits: limits)
        #expect(h.fields.map(\.name) == ["A", "B", "C", "D", "E"])
        #expect(h.isTruncated)
    }
}
