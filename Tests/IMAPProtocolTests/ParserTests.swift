import IMAPProtocol
import NIOCore
import Testing

/// Every command, every argument form; most lines are the examples of RFC 9051 §6 and §8.
@Suite struct ParserTests {
    static let commands: [ParseCase] = [
        // RFC 9051 §6.1
        ParseCase("abcd CAPABILITY", .capability),
        ParseCase("a002 NOOP", .noop),
        ParseCase("A023 LOGOUT", .logout),
        ParseCase("a006 logout", .logout),
        // RFC 2971 §3.1 / §3.3
        ParseCase("a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" \"Pink Floyd Music Limited\")",
                  .id([IDField("name", "sodr"), IDField("version", "19.34"), IDField("vendor", "Pink Floyd Music Limited")])),
        ParseCase("a024 ID NIL", .id(nil)),
        ParseCase("a025 ID (\"os\" NIL)", .id([IDField("os", nil)])),
        ParseCase("a026 ID ()", .id([])),
        // RFC 9051 §6.2
        ParseCase("a000 starttls", .starttls),
        ParseCase("a001 AUTHENTICATE GSSAPI", .authenticate(mechanism: "GSSAPI", initialResponse: nil)),
        ParseCase("A001 AUTHENTICATE SCRAM-SHA-256 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=",
                  .authenticate(mechanism: "SCRAM-SHA-256", initialResponse: Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8))),
        // RFC 4959 §3: "=" is an empty initial response.
        ParseCase("A01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=", .authenticate(mechanism: "PLAIN", initialResponse: Array("test\u{0}test\u{0}test".utf8))),
        ParseCase("a1 AUTHENTICATE plain =", .authenticate(mechanism: "PLAIN", initialResponse: [])),
        ParseCase("a001 LOGIN SMITH SESAME", .login(user: "SMITH", password: "SESAME")),
        ParseCase("a001 LOGIN \"alice@example.org\" \"p a\\\"ss\\\\\"", .login(user: "alice@example.org", password: "p a\"ss\\")),
        ParseCase("a001 LOGIN {17+}\r\nalice@example.org {6+}\r\nsecret", .login(user: "alice@example.org", password: "secret")),
        // RFC 9051 §6.3.1 / RFC 5161
        ParseCase("babc ENABLE UTF8=ACCEPT", .enable(["UTF8=ACCEPT"])),
        ParseCase("t1 ENABLE CONDSTORE QRESYNC", .enable(["CONDSTORE", "QRESYNC"])),
        ParseCase("t2 ENABLE CONDSTORE X-GOOD-IDEA", .enable(["CONDSTORE", "X-GOOD-IDEA"])),
        // §6.3.2 / §6.3.3, RFC 7162
        ParseCase("A142 SELECT INBOX", .select(.inbox, SelectParameters())),
        ParseCase("a002 select inbox", .select(.inbox, SelectParameters())),
        ParseCase("A932 EXAMINE blurdybloop", .examine(mailbox("blurdybloop"), SelectParameters())),
        ParseCase("a SELECT \"Inbox\" (CONDSTORE)", .select(.inbox, SelectParameters(condstore: true))),
        ParseCase("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))",
                  .select(.inbox, SelectParameters(qresync: QResyncParameters(
                      uidValidity: 67_890_007, modSeq: 20_050_715_194_045_000, knownUIDs: SequenceSet([41...41, 43...211, 214...541]))))),
        ParseCase("B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))",
                  .select(.inbox, SelectParameters(qresync: QResyncParameters(
                      uidValidity: 67_890_007, modSeq: 90_060_115_194_045_000, knownUIDs: SequenceSet([1...29997]),
                      knownSequenceSet: SequenceSet([5000...5000, 7500...7500, 9000...9000, 9990...9999]),
                      knownUIDSet: SequenceSet([15000, 22500, 27000, 29970, 29973, 29976, 29979, 29982, 29985, 29988, 29991, 29994, 29997].map { $0...$0 }))))),
        ParseCase("A03 EXAMINE INBOX (QRESYNC (1 2))", .examine(.inbox, SelectParameters(qresync: QResyncParameters(uidValidity: 1, modSeq: 2)))),
        ParseCase("A03 SELECT x (QRESYNC (1 2 (1:3 5:7)) CONDSTORE)",
                  .select(mailbox("x"), SelectParameters(condstore: true, qresync: QResyncParameters(
                      uidValidity: 1, modSeq: 2, knownSequenceSet: SequenceSet([1...3]), knownUIDSet: SequenceSet([5...7]))))),
        // §6.3.4, RFC 6154 §5.3
        ParseCase("A003 CREATE owatagusiam/", .create(mailbox("owatagusiam/"), specialUse: [])),
        ParseCase("A004 CREATE owatagusiam/blurdybloop", .create(mailbox("owatagusiam/blurdybloop"), specialUse: [])),
        ParseCase("t1 CREATE \"Important Messages\" (USE (\\Important))", .create(mailbox("Important Messages"), specialUse: [.other("Important")])),
        ParseCase("t2 CREATE MySpecial (USE (\\Drafts \\Sent))", .create(mailbox("MySpecial"), specialUse: [.drafts, .sent])),
        ParseCase("t3 CREATE x (USE ())", .create(mailbox("x"), specialUse: [])),
        // §6.3.5 - §6.3.8
        ParseCase("A683 DELETE blurdybloop", .delete(mailbox("blurdybloop"))),
        ParseCase("A683 RENAME blurdybloop sarasoop", .rename(from: mailbox("blurdybloop"), to: mailbox("sarasoop"))),
        ParseCase("Z432 RENAME INBOX old-mail", .rename(from: .inbox, to: mailbox("old-mail"))),
        ParseCase("A002 SUBSCRIBE #news.comp.mail.mime", .subscribe(mailbox("#news.comp.mail.mime"))),
        ParseCase("A002 UNSUBSCRIBE #news.comp.mail.mime", .unsubscribe(mailbox("#news.comp.mail.mime"))),
        ParseCase("A300 DELETE {3}\r\nfoo", .delete(mailbox("foo"))),
        // §6.3.9 LIST, RFC 5258 LIST-EXTENDED, RFC 5819, RFC 6154
        ParseCase("A101 LIST \"\" \"\"", .list(ListCommand(reference: mailbox(""), patterns: [MailboxPattern("")]))),
        ParseCase("A102 LIST #news.comp.mail.misc \"\"", .list(ListCommand(reference: mailbox("#news.comp.mail.misc"), patterns: [MailboxPattern("")]))),
        ParseCase("A202 LIST ~/Mail/ %", .list(ListCommand(reference: mailbox("~/Mail/"), patterns: [MailboxPattern("%")]))),
        ParseCase("A682 LIST \"\" *", .list(ListCommand(reference: mailbox(""), patterns: [MailboxPattern("*")]))),
        ParseCase("A01 LIST \"\" % RETURN (CHILDREN)",
                  .list(ListCommand(reference: mailbox(""), patterns: [MailboxPattern("%")], returnOptions: ListReturnOptions(children: true), isExtended: true))),
        ParseCase("A02 LIST (SUBSCRIBED) \"\" \"*\"",
                  .list(ListCommand(selectionOptions: [.subscribed], reference: mailbox(""), patterns: [MailboxPattern("*")], isExtended: true))),
        ParseCase("A03 LIST () \"\" \"%\" RETURN (CHILDREN)",
                  .list(ListCommand(reference: mailbox(""), patterns: [MailboxPattern("%")], returnOptions: ListReturnOptions(children: true), isExtended: true))),
        ParseCase("A05 LIST (REMOTE SUBSCRIBED) \"\" \"*\"",
                  .list(ListCommand(selectionOptions: [.remote, .subscribed], reference: mailbox(""), patterns: [MailboxPattern("*")], isExtended: true))),
        ParseCase("C04 LIST (RECURSIVEMATCH SUBSCRIBED) \"\" \"*\" RETURN (SUBSCRIBED CHILDREN)",
                  .list(ListCommand(selectionOptions: [.recursiveMatch, .subscribed], reference: mailbox(""), patterns: [MailboxPattern("*")],
                                    returnOptions: ListReturnOptions(subscribed: true, children: true), isExtended: true))),
        ParseCase("G LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")",
                  .list(ListCommand(reference: mailbox(""), patterns: [MailboxPattern("INBOX"), MailboxPattern("Drafts"), MailboxPattern("Sent/%")], isExtended: true))),
        ParseCase("A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))",
                  .list(ListCommand(reference: mailbox(""), patterns: [MailboxPattern("%")], returnOptions: ListReturnOptions(status: [.messages, .unseen]), isExtended: true))),
        ParseCase("t1 LIST (SPECIAL-USE) \"\" \"*\" RETURN (SPECIAL-USE)",
                  .list(ListCommand(selectionOptions: [.specialUse], reference: mailbox(""), patterns: [MailboxPattern("*")], returnOptions: ListReturnOptions(specialUse: true), isExtended: true))),
        ParseCase("A001 LSUB \"#news.\" \"comp.mail.*\"", .lsub(reference: mailbox("#news."), pattern: MailboxPattern("comp.mail.*"))),
        // RFC 2342
        ParseCase("A001 NAMESPACE", .namespace),
        // §6.3.11
        ParseCase("A042 STATUS blurdybloop (UIDNEXT MESSAGES)", .status(mailbox("blurdybloop"), [.uidNext, .messages])),
        ParseCase("A043 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ)",
                  .status(.inbox, [.messages, .uidNext, .uidValidity, .unseen, .deleted, .size, .recent, .highestModSeq])),
        // §6.3.13, RFC 2177
        ParseCase("A001 IDLE", .idle),
        // §6.4
        ParseCase("FXXZ CHECK", .check),
        ParseCase("A341 CLOSE", .close),
        ParseCase("A342 UNSELECT", .unselect),
        ParseCase("A202 EXPUNGE", .expunge),
        ParseCase("A003 UID EXPUNGE 3000:3002", .uidExpunge(SequenceSet([3000...3002]))),
        // §6.4.6 STORE
        ParseCase("A003 STORE 2:4 +FLAGS (\\Deleted)",
                  .store(StoreCommand(sequenceSet: SequenceSet([2...4]), operation: .add, flags: [.deleted]), uid: false)),
        ParseCase("a005 store 12 +flags \\deleted",
                  .store(StoreCommand(sequenceSet: SequenceSet([12...12]), operation: .add, flags: [.deleted]), uid: false)),
        ParseCase("A004 STORE 1:* -FLAGS.SILENT (\\Seen $Forwarded)",
                  .store(StoreCommand(sequenceSet: .all, operation: .remove, silent: true, flags: [.seen, .keyword("$Forwarded")]), uid: false)),
        ParseCase("A005 UID STORE 7 FLAGS ()",
                  .store(StoreCommand(sequenceSet: SequenceSet([7...7]), operation: .replace, flags: []), uid: true)),
        ParseCase("a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)",
                  .store(StoreCommand(sequenceSet: SequenceSet([6...6, 4...4, 8...8]), unchangedSince: 12_121_230_045, operation: .add, silent: true, flags: [.deleted]), uid: true)),
        ParseCase("a104 STORE 1 (UNCHANGEDSINCE 0) FLAGS \\Seen \\Answered",
                  .store(StoreCommand(sequenceSet: SequenceSet([1...1]), unchangedSince: 0, operation: .replace, flags: [.seen, .answered]), uid: false)),
        // §6.4.7, RFC 6851
        ParseCase("A003 COPY 2:4 MEETING", .copy(SequenceSet([2...4]), mailbox("MEETING"), uid: false)),
        ParseCase("a UID COPY 1:3 \"Saved Mail\"", .copy(SequenceSet([1...3]), mailbox("Saved Mail"), uid: true)),
        ParseCase("a MOVE $ Trash", .move(.lastSearchResult, mailbox("Trash"), uid: false)),
        ParseCase("a UID MOVE 42:69 foo", .move(SequenceSet([42...69]), mailbox("foo"), uid: true)),
    ]

    @Test(arguments: commands)
    func parsesCommand(_ fixture: ParseCase) throws {
        let parsed = try parse(fixture.line)
        #expect(parsed.command == fixture.expected)
        #expect(parsed.tag == String(fixture.line.prefix { $0 != " " }))
    }

    static let refusals: [RefusalCase] = [
        RefusalCase("", .invalidTag),
        RefusalCase(" NOOP", .invalidTag),
        RefusalCase("+tag NOOP", .invalidTag),
        RefusalCase("a+b NOOP", .invalidTag),
        RefusalCase("a*b NOOP", .invalidTag),
        RefusalCase("a(b NOOP", .invalidTag),
        RefusalCase("a%b NOOP", .invalidTag),
        RefusalCase("a\"b NOOP", .invalidTag),
        RefusalCase("a{b NOOP", .invalidTag),
        RefusalCase("\u{7F}a NOOP", .invalidTag),
        RefusalCase("t\u{E9} NOOP", .invalidTag),
        RefusalCase("tag", .invalidTag),
        RefusalCase("tag ", .missingCommand),
        RefusalCase("tag FROB", .unknownCommand("FROB")),
        RefusalCase("tag UID FROB 1", .unknownCommand("UID FROB")),
        RefusalCase("tag NOOP extra"),
        RefusalCase("tag NOOP "),
        RefusalCase("tag  NOOP"),
        RefusalCase("tag LOGIN alice"),
        RefusalCase("tag LOGIN alice \"unterminated"),
        RefusalCase("tag LOGIN alice \"bad\\escape\""),
        RefusalCase("tag LOGIN alice \"nul\u{0}\""),
        RefusalCase("tag LOGIN al\u{E9}ice pw"),
        RefusalCase("tag SELECT"),
        RefusalCase("tag SELECT INBOX (FROB)"),
        RefusalCase("tag SELECT INBOX (QRESYNC (0 1))"),
        RefusalCase("tag SELECT INBOX (QRESYNC (1 0))"),
        RefusalCase("tag SELECT INBOX (CONDSTORE"),
        RefusalCase("tag SELECT INBOX (QRESYNC (1 2 1:*))"),
        RefusalCase("tag SELECT INBOX (QRESYNC (1 2 $))"),
        RefusalCase("tag CREATE x (USE (Drafts))"),
        RefusalCase("tag CREATE x (FROB)"),
        RefusalCase("tag LIST (FROB) \"\" *"),
        RefusalCase("tag LIST (RECURSIVEMATCH) \"\" *"),
        RefusalCase("tag LIST \"\" * RETURN (FROB)"),
        RefusalCase("tag LIST \"\" ()"),
        RefusalCase("tag STATUS INBOX ()"),
        RefusalCase("tag STATUS INBOX (FROB)"),
        RefusalCase("tag STATUS INBOX MESSAGES"),
        RefusalCase("tag STORE 1 FLAGS"),
        RefusalCase("tag STORE 1 +FLAGZ (\\Seen)"),
        RefusalCase("tag STORE 0 FLAGS (\\Seen)"),
        RefusalCase("tag STORE 1 (UNCHANGEDSINCE) FLAGS (\\Seen)"),
        RefusalCase("tag STORE 1 FLAGS (\\Seen"),
        RefusalCase("tag COPY 1:2"),
        RefusalCase("tag COPY 4294967296 x"),
        RefusalCase("tag COPY 1,,2 x"),
        RefusalCase("tag COPY 1: x"),
        RefusalCase("tag COPY $,1 x"),
        RefusalCase("tag UID EXPUNGE"),
        RefusalCase("tag ENABLE"),
        RefusalCase("tag AUTHENTICATE"),
        RefusalCase("tag AUTHENTICATE PLAIN not*base64", .invalidBase64),
        RefusalCase("tag AUTHENTICATE PLAIN abc", .invalidBase64),
        RefusalCase("tag ID"),
        RefusalCase("tag ID (\"a\")"),
        RefusalCase("tag APPEND INBOX"),
        RefusalCase("tag APPEND INBOX (\\Seen)"),
        RefusalCase("tag APPEND INBOX \"x\""),
        RefusalCase("tag RENAME a"),
        RefusalCase("tag DELETE {3}\r\nf\u{0}o"),
    ]

    @Test(arguments: refusals)
    func refusesCommand(_ fixture: RefusalCase) {
        #expect(throws: ParseError.self) { try parse(fixture.line) }
        if let reason = fixture.reason {
            #expect { try parse(fixture.line) } throws: { ($0 as? ParseError)?.reason == reason }
        }
    }

    @Test func errorIsTaggedWhenTheTagIsReadable() throws {
        let error = try #require(throws: ParseError.self) { try parse("A17 FROB x") }
        #expect(error.tag == "A17")
        #expect(error.response == .tagged(TaggedResponse(tag: "A17", status: .bad, text: ResponseText("Unknown command"))))
        #expect(encode(error.response) == "A17 BAD Unknown command\r\n")
    }

    @Test func errorIsUntaggedWhenTheTagIsNot() throws {
        let error = try #require(throws: ParseError.self) { try parse("+ NOOP") }
        #expect(error.tag == nil)
        #expect(encode(error.response) == "* BAD Invalid tag\r\n")
    }

    @Test func tagMayContainResponseSpecialAndOddCharacters() throws {
        // tag = 1*<any ASTRING-CHAR except "+">; "]" is a resp-special and allowed.
        #expect(try parse("a]b NOOP").tag == "a]b")
        #expect(try parse("~!#$&'-./:;<=>?@[^_`|}~ NOOP").tag == "~!#$&'-./:;<=>?@[^_`|}~")
    }

    @Test func inboxIsCaseInsensitive() throws {
        for spelling in ["INBOX", "inbox", "InBoX", "\"iNbOx\"", "{5}\r\ninbox"] {
            #expect(try parse("a SELECT \(spelling)").command == .select(.inbox, SelectParameters()))
        }
        // Only the whole name: "INBOX.sub" and "INBOXES" are not INBOX.
        #expect(try parse("a SELECT inbox.sub").command == .select(mailbox("inbox.sub"), SelectParameters()))
        #expect(!MailboxName("inboxes").isInbox)
    }

    @Test func quotedStringsMayHoldUTF8ButOnlyValidUTF8() throws {
        #expect(try parse("a LOGIN \"jos\u{E9}\" pw").command == .login(user: "jos\u{E9}", password: "pw"))
        var bytes = Array("a LOGIN \"x".utf8)
        bytes += [0xC3, 0x28]  // invalid sequence
        bytes += Array("\" pw\r\n".utf8)
        #expect { try CommandParser.parse(bytes) } throws: { ($0 as? ParseError)?.reason == .invalidUTF8 }
    }

    @Test func utf8MailboxNameIsKeptAsSentAndDecodedPerMode() throws {
        guard case .select(let name, _) = try parse("a SELECT \"Entw&APw-rfe\"").command else {
            Issue.record("not a SELECT")
            return
        }
        #expect(try name.decoded(utf8: false) == "Entwürfe")
        #expect(try name.decoded(utf8: true) == "Entw&APw-rfe")
        guard case .select(let utf8Name, _) = try parse("a SELECT \"Entwürfe\"").command else { return }
        #expect(try utf8Name.decoded(utf8: true) == "Entwürfe")
        #expect(throws: MailboxNameError.self) { try utf8Name.decoded(utf8: false) }
    }

    @Test func appendForms() throws {
        let plain = try parse("A003 APPEND saved-messages (\\Seen) {22}\r\nSubject: hi\r\n\r\nhello\r\n")
        guard case .append(let append) = plain.command else {
            Issue.record("not APPEND")
            return
        }
        #expect(append.mailbox == mailbox("saved-messages"))
        #expect(append.flags == [.seen])
        #expect(append.internalDate == nil)
        #expect(String(buffer: append.message) == "Subject: hi\r\n\r\nhello\r\n")
        #expect(append.form == .literal)

        let dated = try parse("A004 APPEND INBOX \"25-Nov-2026 10:00:00 +0000\" {5+}\r\nhello")
        guard case .append(let withDate) = dated.command else { return }
        #expect(withDate.flags == [])
        #expect(withDate.internalDate == IMAPDateTime(date: date(2026, 11, 25), hour: 10, minute: 0, second: 0, zoneMinutes: 0))

        let both = try parse("A005 APPEND {5}\r\nDraft (\\Draft $MDNSent) \" 5-Jan-2026 23:59:60 -0830\" ~{3}\r\na\u{0}b")
        guard case .append(let binary) = both.command else { return }
        #expect(binary.mailbox == mailbox("Draft"))
        #expect(binary.flags == [.draft, .keyword("$MDNSent")])
        #expect(binary.internalDate?.zoneMinutes == -510)
        #expect(binary.internalDate?.date.day == 5)
        #expect(binary.form == .literal8)
        #expect(Array(binary.message.readableBytesView) == [0x61, 0, 0x62])

        let utf8 = try parse("A006 APPEND INBOX UTF8 (~{2+}\r\nhi)")
        guard case .append(let utf8Append) = utf8.command else { return }
        #expect(utf8Append.form == .utf8)
        #expect(String(buffer: utf8Append.message) == "hi")
    }

    @Test func appendRefusals() {
        for line in [
            "a APPEND INBOX {2}\r\nhi extra",
            "a APPEND INBOX {2}\r\nhi {2}\r\nho",
            "a APPEND INBOX \"31-Feb-2026 10:00:00 +0000\" {1}\r\nx",
            "a APPEND INBOX \"01-Jan-2026 24:00:00 +0000\" {1}\r\nx",
            "a APPEND INBOX \"01-Jan-2026 10:00:00 +0060\" {1}\r\nx",
            "a APPEND INBOX \"01-Foo-2026 10:00:00 +0000\" {1}\r\nx",
            "a APPEND INBOX UTF8 ({1}\r\nx)",
            "a APPEND INBOX (\\Seen {1}\r\nx",
        ] {
            #expect(throws: ParseError.self, "\(line)") { try parse(line) }
        }
    }
}
