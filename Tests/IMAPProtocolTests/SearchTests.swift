import IMAPProtocol
import Testing

/// SEARCH and UID SEARCH: every RFC 9051 §6.4.4 key, RFC 3501's NEW/OLD/RECENT, MODSEQ of
/// RFC 7162 §3.1.5, ESEARCH return options (RFC 4731, RFC 5182 SAVE).
@Suite struct SearchTests {
    static let keys: [(String, SearchKey)] = [
        ("ALL", .all), ("ANSWERED", .answered), ("DELETED", .deleted), ("DRAFT", .draft), ("FLAGGED", .flagged),
        ("NEW", .new), ("OLD", .old), ("RECENT", .recent), ("SEEN", .seen), ("UNANSWERED", .unanswered),
        ("UNDELETED", .undeleted), ("UNDRAFT", .undraft), ("UNFLAGGED", .unflagged), ("UNSEEN", .unseen),
        ("BCC bob", .bcc("bob")), ("BODY \"hello world\"", .body("hello world")), ("CC {3}\r\nann", .cc("ann")),
        ("FROM Smith", .from("Smith")), ("SUBJECT \"\"", .subject("")), ("TEXT \"string not in mailbox\"", .text("string not in mailbox")),
        ("TO \"tô\"", .to("tô")),
        ("BEFORE 1-Feb-1994", .before(date(1994, 2, 1))), ("ON \"25-Nov-2026\"", .on(date(2026, 11, 25))),
        ("SINCE 01-feb-1994", .since(date(1994, 2, 1))), ("SENTBEFORE 29-Feb-2024", .sentBefore(date(2024, 2, 29))),
        ("SENTON 31-Dec-1999", .sentOn(date(1999, 12, 31))), ("SENTSINCE 1-Jan-2026", .sentSince(date(2026, 1, 1))),
        ("KEYWORD $Forwarded", .keyword("$Forwarded")), ("UNKEYWORD Junk", .unkeyword("Junk")),
        ("HEADER Message-ID \"<x@y>\"", .header("Message-ID", "<x@y>")), ("HEADER X-Spam \"\"", .header("X-Spam", "")),
        ("LARGER 10000", .larger(10_000)), ("SMALLER 9223372036854775807", .smaller(9_223_372_036_854_775_807)),
        ("UID 1:*", .uid(.all)), ("UID $", .uid(.lastSearchResult)),
        ("2,4:7,9,12:*", .sequenceSet(.ranges([SequenceRange(.number(2)), SequenceRange(.number(4), .number(7)), SequenceRange(.number(9)), SequenceRange(.number(12), .last)]))),
        ("*", .sequenceSet(.ranges([SequenceRange(.last)]))),
        ("$", .sequenceSet(.lastSearchResult)),
        ("7:3", .sequenceSet(.ranges([SequenceRange(.number(7), .number(3))]))),
        ("NOT FROM \"Smith\"", .not(.from("Smith"))),
        ("OR SEEN FLAGGED", .or(.seen, .flagged)),
        ("OR (SEEN DRAFT) NOT (FLAGGED)", .or(.and([.seen, .draft]), .not(.flagged))),
        ("(((SEEN)))", .seen),
        ("MODSEQ 620162338", .modSeq(ModSeqSearch(modSeq: 620_162_338))),
        ("MODSEQ 0", .modSeq(ModSeqSearch(modSeq: 0))),
        ("MODSEQ \"/flags/\\\\draft\" all 620162338", .modSeq(ModSeqSearch(flag: .draft, entryType: .all, modSeq: 620_162_338))),
        ("MODSEQ \"/flags/$Junk\" priv 5", .modSeq(ModSeqSearch(flag: .keyword("$Junk"), entryType: .priv, modSeq: 5))),
    ]

    @Test(arguments: 0..<keys.count)
    func parsesSearchKey(_ index: Int) throws {
        let (text, expected) = SearchTests.keys[index]
        let command = try parse("a SEARCH \(text)").command
        #expect(command == .search(SearchCommand(key: expected), uid: false), "\(text)")
    }

    @Test func rfc9051Examples() throws {
        #expect(try parse("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"").command
                == .search(SearchCommand(returnOptions: [.min, .count], key: .and([.flagged, .since(date(1994, 2, 1)), .not(.from("Smith"))])), uid: false))
        #expect(try parse("A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"").command
                == .search(SearchCommand(returnOptions: [], key: .and([.flagged, .since(date(1994, 2, 1)), .not(.from("Smith"))])), uid: false))
        #expect(try parse("A284 SEARCH TEXT \"string not in mailbox\"").command == .search(SearchCommand(key: .text("string not in mailbox")), uid: false))
        #expect(try parse("A285 SEARCH CHARSET UTF-8 TEXT {18}\r\nнаходится").command
                == .search(SearchCommand(charset: "UTF-8", key: .text("находится")), uid: false))
        #expect(try parse("A301 UID SEARCH RETURN (SAVE MIN MAX ALL) SINCE 1-Feb-1994 FROM Smith").command
                == .search(SearchCommand(returnOptions: [.save, .min, .max, .all], key: .and([.since(date(1994, 2, 1)), .from("Smith")])), uid: true))
        #expect(try parse("a search charset \"us-ascii\" all").command == .search(SearchCommand(charset: "US-ASCII", key: .all), uid: false))
        // RFC 7162 §3.1.5 example
        #expect(try parse("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338").command
                == .search(SearchCommand(key: .modSeq(ModSeqSearch(flag: .draft, entryType: .all, modSeq: 620_162_338))), uid: false))
    }

    @Test func unsupportedCharsetIsNoBadCharset() throws {
        let error = try #require(throws: ParseError.self) { try parse("A286 SEARCH CHARSET INVALID-CHARSET TEXT x") }
        #expect(error.reason == .unsupportedCharset("INVALID-CHARSET"))
        #expect(encode(error.response) == "A286 NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset\r\n")
    }

    @Test func nonUTF8SearchStringIsBadCharset() throws {
        var bytes = Array("a SEARCH SUBJECT {2}\r\n".utf8)
        bytes += [0xE9, 0x41]
        bytes += Array("\r\n".utf8)
        #expect { try CommandParser.parse(bytes) } throws: {
            if case .unsupportedCharset = ($0 as? ParseError)?.reason { return true }
            return false
        }
    }

    @Test func refusals() {
        for text in ["", "FROB", "FROM", "OR SEEN", "NOT", "BEFORE 30-Feb-2026", "BEFORE 1-Feb-94", "BEFORE 1/2/2026",
                     "LARGER -1", "LARGER 9223372036854775808", "(SEEN", "SEEN)", "()", "UID", "KEYWORD \"x\"", "0",
                     "1:0", "MODSEQ", "MODSEQ \"/flags/\\\\seen\" other 1", "MODSEQ \"/other/x\" all 1",
                     "SEEN  FLAGGED"] {
            #expect(throws: ParseError.self, "\(text)") { try parse("a SEARCH \(text)") }
        }
        #expect(throws: ParseError.self) { try parse("a SEARCH RETURN (FROB) ALL") }
        #expect(throws: ParseError.self) { try parse("a SEARCH RETURN (MIN ALL") }
    }

    @Test func nestingIsBounded() throws {
        let limits = IMAPLimits(nesting: 32)
        let ok = String(repeating: "(", count: 31) + "SEEN" + String(repeating: ")", count: 31)
        #expect(try parse("a SEARCH \(ok)", limits: limits).command == .search(SearchCommand(key: .seen), uid: false))
        let deep = String(repeating: "(", count: 40) + "SEEN" + String(repeating: ")", count: 40)
        #expect { try parse("a SEARCH \(deep)", limits: limits) } throws: { ($0 as? ParseError)?.reason == .nestingTooDeep }
        let nots = String(repeating: "NOT ", count: 100) + "SEEN"
        #expect { try parse("a SEARCH \(nots)", limits: limits) } throws: { ($0 as? ParseError)?.reason == .nestingTooDeep }
        let ors = String(repeating: "OR SEEN ", count: 100) + "SEEN"
        #expect { try parse("a SEARCH \(ors)", limits: limits) } throws: { ($0 as? ParseError)?.reason == .nestingTooDeep }
        // A 60 KiB line of nested parentheses is refused without exhausting the stack.
        let bomb = String(repeating: "(", count: 60_000)
        #expect { try parse("a SEARCH \(bomb)") } throws: { ($0 as? ParseError)?.reason == .nestingTooDeep }
    }
}
