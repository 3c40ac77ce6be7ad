import IMAPProtocol
import NIOCore
import Testing

/// Golden bytes for every kind of response; the sample session of RFC 9051 §8 first.
@Suite struct EncoderTests {
    static let terryGray = IMAPAddress(name: "Terry Gray", mailbox: "gray", host: "cac.washington.edu")

    static let sampleEnvelope = IMAPEnvelope(
        date: "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
        subject: "IMAP4rev2 WG mtg summary and minutes",
        from: [.address(terryGray)], sender: [.address(terryGray)], replyTo: [.address(terryGray)],
        to: [.address(IMAPAddress(name: nil, mailbox: "imap", host: "cac.washington.edu"))],
        cc: [.address(IMAPAddress(name: nil, mailbox: "minutes", host: "CNRI.Reston.VA.US")),
             .address(IMAPAddress(name: "John Klensin", mailbox: "KLENSIN", host: "MIT.EDU"))],
        messageID: "<B27397-0100000@cac.washington.edu>")

    static let plainText = IMAPBodyStructure.singlePart(.init(
        kind: .text(subtype: "PLAIN", lines: 92),
        fields: BodyFields(parameters: [BodyParameter("CHARSET", "US-ASCII")], encoding: "7BIT", octets: 3028)))

    @Test func rfc9051SampleSession() throws {
        #expect(encode(.untagged(.condition(.ok, ResponseText(code: .capability(["STARTTLS", "AUTH=SCRAM-SHA-256", "LOGINDISABLED", "IMAP4rev2"]), "IMAP4rev2 Service Ready"))))
                == "* OK [CAPABILITY STARTTLS AUTH=SCRAM-SHA-256 LOGINDISABLED IMAP4rev2] IMAP4rev2 Service Ready\r\n")
        #expect(encode(TaggedResponse.ok("a000", "Proceed with TLS negotiation")) == "a000 OK Proceed with TLS negotiation\r\n")
        let challenge = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        #expect(encode(.continuation(.challenge(Array(challenge.utf8))))
                == "+ cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=\r\n")
        #expect(encode(TaggedResponse.ok("A001", "SCRAM-SHA-256 authentication successful")) == "A001 OK SCRAM-SHA-256 authentication successful\r\n")
        #expect(encode(.untagged(.enabled(["UTF8=ACCEPT"]))) == "* ENABLED UTF8=ACCEPT\r\n")
        #expect(encode(.untagged(.exists(18))) == "* 18 EXISTS\r\n")
        #expect(encode(.untagged(.flags([.answered, .flagged, .deleted, .seen, .draft]))) == "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n")
        #expect(encode(.untagged(.condition(.ok, ResponseText(code: .uidValidity(3_857_529_045), "UIDs valid")))) == "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n")
        #expect(encode(.untagged(.list(ListResponse(attributes: [], delimiter: "/", mailbox: "INBOX")))) == "* LIST () \"/\" INBOX\r\n")
        #expect(encode(TaggedResponse.ok("a002", "SELECT completed", code: .readWrite)) == "a002 OK [READ-WRITE] SELECT completed\r\n")

        let date = try #require(IMAPDateTime(date: date(1996, 7, 17), hour: 2, minute: 44, second: 25, zoneMinutes: -420))
        #expect(encode(.untagged(.fetch(sequence: 12, [.flags([.seen]), .internalDate(date), .rfc822Size(4286),
                                                       .envelope(Self.sampleEnvelope), .body(Self.plainText)])))
                == "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev2 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n")

        let header = ByteBuffer(string: "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n\r\n")
        #expect(encode(.untagged(.fetch(sequence: 12, [.bodySection(Section(text: .header), origin: nil, data: header)])))
                == "* 12 FETCH (BODY[HEADER] {47}\r\nDate: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n\r\n)\r\n")
        #expect(encode(.untagged(.fetch(sequence: 12, [.flags([.seen, .deleted])]))) == "* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\n")
        #expect(encode(TaggedResponse.ok("a005", "+FLAGS completed")) == "a005 OK +FLAGS completed\r\n")
        #expect(encode(.fatal(ResponseText("IMAP4rev2 server terminating connection"))) == "* BYE IMAP4rev2 server terminating connection\r\n")
    }

    static let goldens: [(Response, String)] = [
        (.untagged(.condition(.ok, ResponseText(code: .permanentFlags([.deleted, .seen, .wildcard]), "Limited"))), "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited"),
        (.untagged(.condition(.ok, ResponseText(code: .uidNext(4392), "Predicted next UID"))), "* OK [UIDNEXT 4392] Predicted next UID"),
        (.untagged(.condition(.ok, ResponseText(code: .unseen(12), "Message 12 is first unseen"))), "* OK [UNSEEN 12] Message 12 is first unseen"),
        (.untagged(.condition(.ok, ResponseText(code: .highestModSeq(715_194_045_007), "Highest"))), "* OK [HIGHESTMODSEQ 715194045007] Highest"),
        (.untagged(.condition(.ok, ResponseText(code: .noModSeq, "Sorry, this mailbox format doesn't support modsequences"))), "* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences"),
        (.untagged(.condition(.ok, ResponseText(code: .closed, ""))), "* OK [CLOSED]"),
        (.untagged(.condition(.preauth, ResponseText("IMAP4rev2 server logged in as Smith"))), "* PREAUTH IMAP4rev2 server logged in as Smith"),
        (.untagged(.condition(.no, ResponseText(code: .alert, "Disk is 98% full"))), "* NO [ALERT] Disk is 98% full"),
        (.untagged(.condition(.bad, ResponseText("Empty command line"))), "* BAD Empty command line"),
        (TaggedResponse.ok("A003", "APPEND completed", code: .appendUID(uidValidity: 38505, uids: SequenceSet([3955...3955]))), "A003 OK [APPENDUID 38505 3955] APPEND completed"),
        (TaggedResponse.ok("A004", "Done", code: .copyUID(uidValidity: 38505, source: SequenceSet([304...304, 319...320]), destination: SequenceSet([3956...3958]))), "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done"),
        (TaggedResponse.no("d105", "Conditional STORE failed", code: .modified(SequenceSet([7...7, 9...9]))), "d105 NO [MODIFIED 7,9] Conditional STORE failed"),
        (TaggedResponse.no("A1", "Mailbox exists", code: .alreadyExists), "A1 NO [ALREADYEXISTS] Mailbox exists"),
        (TaggedResponse.no("A2", "No such mailbox", code: .tryCreate), "A2 NO [TRYCREATE] No such mailbox"),
        (TaggedResponse.no("A3", "x", code: .nonExistent), "A3 NO [NONEXISTENT] x"),
        (TaggedResponse.no("A4", "x", code: .authenticationFailed), "A4 NO [AUTHENTICATIONFAILED] x"),
        (TaggedResponse.no("A5", "x", code: .authorizationFailed), "A5 NO [AUTHORIZATIONFAILED] x"),
        (TaggedResponse.no("A6", "x", code: .cannot), "A6 NO [CANNOT] x"),
        (TaggedResponse.no("A7", "x", code: .clientBug), "A7 NO [CLIENTBUG] x"),
        (TaggedResponse.no("A8", "x", code: .contactAdmin), "A8 NO [CONTACTADMIN] x"),
        (TaggedResponse.no("A9", "x", code: .expungeIssued), "A9 NO [EXPUNGEISSUED] x"),
        (TaggedResponse.no("B1", "x", code: .inUse), "B1 NO [INUSE] x"),
        (TaggedResponse.no("B2", "x", code: .limit), "B2 NO [LIMIT] x"),
        (TaggedResponse.no("B3", "x", code: .noPerm), "B3 NO [NOPERM] x"),
        (TaggedResponse.no("B4", "x", code: .overQuota), "B4 NO [OVERQUOTA] x"),
        (TaggedResponse.no("B5", "x", code: .privacyRequired), "B5 NO [PRIVACYREQUIRED] x"),
        (TaggedResponse.no("B6", "x", code: .serverBug), "B6 NO [SERVERBUG] x"),
        (TaggedResponse.no("B7", "x", code: .unavailable), "B7 NO [UNAVAILABLE] x"),
        (TaggedResponse.no("B8", "x", code: .tooBig), "B8 NO [TOOBIG] x"),
        (TaggedResponse.no("B9", "x", code: .parse), "B9 NO [PARSE] x"),
        (TaggedResponse.ok("C1", "x", code: .readOnly), "C1 OK [READ-ONLY] x"),
        (TaggedResponse.ok("C2", "x", code: .uidNotSticky), "C2 OK [UIDNOTSTICKY] x"),
        (TaggedResponse.no("C3", "x", code: .badCharset([])), "C3 NO [BADCHARSET] x"),
        (TaggedResponse.no("C4", "x", code: .hasChildren), "C4 NO [HASCHILDREN] x"),
        (TaggedResponse.no("C5", "x", code: .unknownCTE), "C5 NO [UNKNOWN-CTE] x"),
        (TaggedResponse.no("C6", "x", code: .corruption), "C6 NO [CORRUPTION] x"),
        (TaggedResponse.no("C7", "x", code: .expired), "C7 NO [EXPIRED] x"),
        (TaggedResponse.bad("C8", "x", code: .other("INVALID", "bad ] text")), "C8 BAD [INVALID bad   text] x"),
        (TaggedResponse.no("C9", "line one\r\nC9 OK injected"), "C9 NO line one  C9 OK injected"),
        (.untagged(.capability(["IMAP4rev2", "IMAP4rev1", "LITERAL+", "IDLE"])), "* CAPABILITY IMAP4rev2 IMAP4rev1 LITERAL+ IDLE"),
        (.untagged(.recent(5)), "* 5 RECENT"),
        (.untagged(.expunge(44)), "* 44 EXPUNGE"),
        (.untagged(.vanished(earlier: true, SequenceSet([41...41, 43...116, 118...118, 120...211, 214...540]))), "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540"),
        (.untagged(.vanished(earlier: false, SequenceSet([405...405, 407...410]))), "* VANISHED 405,407:410"),
        (.untagged(.status(mailbox: "blurdybloop", [StatusValue(.messages, 231), StatusValue(.uidNext, 44292)])), "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)"),
        (.untagged(.status(mailbox: "Entwürfe", [StatusValue(.highestModSeq, 7), StatusValue(.size, 0)])), "* STATUS Entw&APw-rfe (HIGHESTMODSEQ 7 SIZE 0)"),
        (.untagged(.search([2, 84, 882], modSeq: nil)), "* SEARCH 2 84 882"),
        (.untagged(.search([], modSeq: nil)), "* SEARCH"),
        (.untagged(.search([2, 5, 6], modSeq: 917_162_500)), "* SEARCH 2 5 6 (MODSEQ 917162500)"),
        (.untagged(.esearch(ESearchResponse(tag: "A282", uid: false, min: 2, count: 3))), "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3"),
        (.untagged(.esearch(ESearchResponse(tag: "A283", uid: true, all: SequenceSet([2...2, 10...11])))), "* ESEARCH (TAG \"A283\") UID ALL 2,10:11"),
        (.untagged(.esearch(ESearchResponse(tag: "A284", uid: false, max: 9, modSeq: 12))), "* ESEARCH (TAG \"A284\") MAX 9 MODSEQ 12"),
        (.untagged(.esearch(ESearchResponse(tag: nil, uid: false, count: 0))), "* ESEARCH COUNT 0"),
        (.untagged(.list(ListResponse(attributes: [.hasNoChildren, .sent], delimiter: ".", mailbox: "Sent Items"))), "* LIST (\\HasNoChildren \\Sent) \".\" \"Sent Items\""),
        (.untagged(.list(ListResponse(attributes: [.noSelect], delimiter: nil, mailbox: "NIL"))), "* LIST (\\Noselect) NIL \"NIL\""),
        (.untagged(.list(ListResponse(attributes: [], delimiter: "\\", mailbox: "a\"b%"))), "* LIST () \"\\\\\" \"a\\\"b%\""),
        (.untagged(.list(ListResponse(attributes: [], delimiter: "/", mailbox: "Foo", childInfoSubscribed: true))), "* LIST () \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))"),
        (.untagged(.list(ListResponse(attributes: [.subscribed], delimiter: "/", mailbox: "New", oldName: "Old"))), "* LIST (\\Subscribed) \"/\" New (\"OLDNAME\" (Old))"),
        (.untagged(.lsub(ListResponse(attributes: [], delimiter: ".", mailbox: "#news.comp.mail.misc"))), "* LSUB () \".\" #news.comp.mail.misc"),
        (.untagged(.namespace(NamespaceResponse(personal: [.init(prefix: "", delimiter: "/")]))), "* NAMESPACE ((\"\" \"/\")) NIL NIL"),
        (.untagged(.namespace(NamespaceResponse(personal: [.init(prefix: "INBOX.", delimiter: ".")], otherUsers: [.init(prefix: "~", delimiter: "/")], shared: [.init(prefix: "#shared/", delimiter: "/"), .init(prefix: "#public/", delimiter: "/")]))),
         "* NAMESPACE ((\"INBOX.\" \".\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\"))"),
        (.untagged(.id([IDField("name", "Postern"), IDField("support-url", nil)])), "* ID (\"name\" \"Postern\" \"support-url\" NIL)"),
        (.untagged(.id(nil)), "* ID NIL"),
        (.continuation(.text("Ready for literal data")), "+ Ready for literal data"),
        (.continuation(.challenge([])), "+ "),
        (.untagged(.fetch(sequence: 4, [.uid(1), .modSeq(65402), .flags([.seen, .keyword("$Junk"), .recent, .extension("Custom")])])), "* 4 FETCH (UID 1 MODSEQ (65402) FLAGS (\\Seen $Junk \\Recent \\Custom))"),
        (.untagged(.fetch(sequence: 1, [.binarySize(part: [1, 2], 77), .rfc822Size(0)])), "* 1 FETCH (BINARY.SIZE[1.2] 77 RFC822.SIZE 0)"),
        (.untagged(.fetch(sequence: 1, [.bodySection(Section(part: [1], text: .mime), origin: 0, data: nil)])), "* 1 FETCH (BODY[1.MIME]<0> NIL)"),
        (.untagged(.fetch(sequence: 1, [.bodySection(Section(text: .headerFields(["From", "X Odd"])), origin: nil, data: ByteBuffer(string: "\r\n"))])), "* 1 FETCH (BODY[HEADER.FIELDS (From \"X Odd\")] {2}\r\n\r\n)"),
        (.untagged(.fetch(sequence: 2, [.rfc822(ByteBuffer(string: "x")), .rfc822Header(nil), .rfc822Text(ByteBuffer(string: ""))])), "* 2 FETCH (RFC822 {1}\r\nx RFC822.HEADER NIL RFC822.TEXT {0}\r\n)"),
        (.untagged(.fetch(sequence: 3, [.binary(part: [], origin: nil, data: ByteBuffer(bytes: [0x61, 0x00, 0x62]))])), "* 3 FETCH (BINARY[] ~{3}\r\na\u{0}b)"),
        (.untagged(.fetch(sequence: 3, [.binary(part: [2], origin: 100, data: ByteBuffer(string: "ab"))])), "* 3 FETCH (BINARY[2]<100> {2}\r\nab)"),
        (.encoded(ByteBuffer(string: "* 1 EXISTS\r\n")), "* 1 EXISTS"),
    ]

    @Test(arguments: 0..<goldens.count)
    func golden(_ index: Int) {
        let (response, expected) = EncoderTests.goldens[index]
        #expect(encode(response) == expected + "\r\n")
    }

    @Test func stringsChooseAtomQuotedOrLiteral() {
        func envelopeSubject(_ subject: IMAPString?, utf8: Bool = false) -> String {
            let text = encode(.untagged(.fetch(sequence: 1, [.envelope(IMAPEnvelope(subject: subject))])), utf8: utf8)
            return String(text.dropFirst("* 1 FETCH (ENVELOPE (NIL ".count).dropLast(" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n".count))
        }
        #expect(envelopeSubject(nil) == "NIL")
        #expect(envelopeSubject("") == "\"\"")
        #expect(envelopeSubject("say \"hi\" \\o/") == "\"say \\\"hi\\\" \\\\o/\"")
        #expect(envelopeSubject("two\r\nlines") == "{10}\r\ntwo\r\nlines")
        #expect(envelopeSubject(IMAPString(bytes: [0x61, 0x00])) == "{2}\r\na\u{0}")
        // 8-bit: a literal for IMAP4rev1 clients, quoted UTF-8 once UTF8=ACCEPT is enabled, and
        // a literal in any mode when it is not valid UTF-8.
        #expect(envelopeSubject("Grüße") == "{7}\r\nGrüße")
        #expect(envelopeSubject("Grüße", utf8: true) == "\"Grüße\"")
        #expect(envelopeSubject(IMAPString(bytes: [0x47, 0xFC]), utf8: true) == "{2}\r\nG\u{FFFD}")
    }

    @Test func groupsInAddressLists() {
        let envelope = IMAPEnvelope(to: [.group(name: "undisclosed-recipients", members: []),
                                         .group(name: "team", members: [IMAPAddress(name: nil, mailbox: "a", host: "example.org")]),
                                         .address(IMAPAddress(name: "B", adl: "@relay", mailbox: "b", host: "example.net"))])
        var buffer = ByteBuffer()
        ResponseEncoder().writeEnvelope(envelope, into: &buffer)
        #expect(String(buffer: buffer) == "(NIL NIL NIL NIL NIL ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)(NIL NIL \"team\" NIL)(NIL NIL \"a\" \"example.org\")(NIL NIL NIL NIL)(\"B\" \"@relay\" \"b\" \"example.net\")) NIL NIL NIL NIL)")
    }

    @Test func bodyStructureWithAllExtensionData() {
        // RFC 9051 §7.5.2 (BODY example), then the same with extension data.
        let diff = IMAPBodyStructure.singlePart(.init(
            kind: .text(subtype: "PLAIN", lines: 73),
            fields: BodyFields(parameters: [BodyParameter("CHARSET", "US-ASCII"), BodyParameter("NAME", "cc.diff")],
                               id: "<960723163407.20117h@cac.washington.edu>", description: "Compiler diff", encoding: "BASE64", octets: 4554),
            md5: "Q2hlY2sgSW50ZWdyaXR5IQ==",
            extensionFields: BodyExtensionFields(disposition: BodyDisposition("attachment", parameters: [BodyParameter("filename", "cc.diff")]),
                                                 language: ["en", "de"], location: "http://example.org/cc.diff",
                                                 extensions: [.number(7), .list([.string("x"), .string(nil)])])))
        let first = IMAPBodyStructure.singlePart(.init(kind: .text(subtype: "PLAIN", lines: 23),
                                                       fields: BodyFields(parameters: [BodyParameter("CHARSET", "US-ASCII")], encoding: "7BIT", octets: 1152)))
        let mixed = IMAPBodyStructure.multipart(.init(parts: [first, diff], subtype: "MIXED",
                                                      parameters: [BodyParameter("BOUNDARY", "xyz")],
                                                      extensionFields: BodyExtensionFields(language: ["fr"])))
        var body = ByteBuffer()
        ResponseEncoder().writeBody(mixed, extensions: false, into: &body)
        #expect(String(buffer: body) == "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\")")
        var structure = ByteBuffer()
        ResponseEncoder().writeBody(mixed, extensions: true, into: &structure)
        #expect(String(buffer: structure) == "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23 NIL NIL NIL NIL)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" (\"filename\" \"cc.diff\")) (\"en\" \"de\") \"http://example.org/cc.diff\" 7 (\"x\" NIL)) \"MIXED\" (\"BOUNDARY\" \"xyz\") NIL \"fr\" NIL)")
    }

    @Test func messageRFC822PartAndBasicPart() {
        let inner = IMAPBodyStructure.singlePart(.init(kind: .basic(type: "APPLICATION", subtype: "PDF"),
                                                       fields: BodyFields(parameters: [], encoding: "BASE64", octets: 10)))
        let message = IMAPBodyStructure.singlePart(.init(
            kind: .message(subtype: "RFC822", envelope: IMAPEnvelope(subject: "inner"), body: inner, lines: 3),
            fields: BodyFields(encoding: "7BIT", octets: 200)))
        #expect(encode(.untagged(.fetch(sequence: 9, [.bodyStructure(message)])))
                == "* 9 FETCH (BODYSTRUCTURE (\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 200 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"APPLICATION\" \"PDF\" NIL NIL NIL \"BASE64\" 10 NIL NIL NIL NIL) 3 NIL NIL NIL NIL))\r\n")
    }

    @Test func cachedEnvelopeIsAppendedAsIs() {
        let encoder = ResponseEncoder()
        let cached = encoder.render(.envelope(Self.sampleEnvelope))
        var direct = ByteBuffer()
        encoder.write(.untagged(.fetch(sequence: 12, [.uid(7), .envelope(Self.sampleEnvelope)])), into: &direct)
        var fromCache = ByteBuffer()
        encoder.beginFetch(sequence: 12, into: &fromCache)
        encoder.writeFetchItem(.uid(7), separated: false, into: &fromCache)
        encoder.writeFetchItem(.rendered(cached), separated: true, into: &fromCache)
        encoder.endFetch(into: &fromCache)
        #expect(direct == fromCache)
    }

    @Test func mailboxNamesFollowTheMode() {
        let list = Response.untagged(.list(ListResponse(attributes: [], delimiter: "/", mailbox: "~peter/mail/台北/日本語")))
        #expect(encode(list) == "* LIST () \"/\" ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n")
        #expect(encode(list, utf8: true) == "* LIST () \"/\" \"~peter/mail/台北/日本語\"\r\n")
        #expect(encode(.untagged(.list(ListResponse(attributes: [], delimiter: "/", mailbox: "Tom & Jerry")))) == "* LIST () \"/\" \"Tom &- Jerry\"\r\n")
    }
}
