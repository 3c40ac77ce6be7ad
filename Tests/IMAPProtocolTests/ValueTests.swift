import IMAPProtocol
import Testing

@Suite struct ModifiedUTF7Tests {
    static let pairs: [(String, String)] = [
        ("INBOX", "INBOX"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),  // RFC 3501 §5.1.3 example
        ("&", "&-"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("😀", "&2D3eAA-"),
        ("a\u{7F}b", "a&AH8-b"),
        ("", ""),
        ("Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"),
    ]

    @Test(arguments: 0..<pairs.count)
    func roundTrips(_ index: Int) throws {
        let (unicode, encoded) = ModifiedUTF7Tests.pairs[index]
        #expect(ModifiedUTF7.encode(unicode) == encoded)
        #expect(try ModifiedUTF7.decode(Array(encoded.utf8)) == unicode)
    }

    @Test func refusesNonCanonicalAndBrokenForms() {
        let cases: [(String, ModifiedUTF7.DecodingError)] = [
            ("&U,BTFw", .unterminatedShift),
            ("&U,B/Fw-", .invalidBase64),
            ("&AGE-", .nonCanonical),          // "a" encoded
            ("&2D1-", .invalidPadding),        // leftover bits not zero
            ("&2D3eAA", .unterminatedShift),
            ("&2D0AYQ-", .invalidSurrogate),   // lead surrogate then "a"
            ("&3gA-", .invalidSurrogate),      // lone trail surrogate
            ("caf\u{E9}", .unencodedCharacter),
            ("a\tb", .unencodedCharacter),
        ]
        for (text, error) in cases {
            #expect(throws: error, "\(text)") { try ModifiedUTF7.decode(Array(text.utf8)) }
        }
    }

    @Test func mailboxNameRefusesControlCharactersInEitherMode() {
        #expect(throws: MailboxNameError.controlCharacter) { try MailboxName("a&AAk-b").decoded(utf8: false) }
        #expect(throws: MailboxNameError.controlCharacter) { try MailboxName(bytes: [0x61, 0x09]).decoded(utf8: true) }
        #expect(throws: MailboxNameError.invalidUTF8) { try MailboxName(bytes: [0xFF]).decoded(utf8: true) }
    }
}

@Suite struct SequenceSetTests {
    @Test func normalizesRangesInAnyOrder() {
        let s = set("7:3,*,1,10:9,2")
        #expect(s.normalized(largest: 20) == [1...7, 9...10, 20...20])
        #expect(s.contains(5, largest: 20))
        #expect(!s.contains(8, largest: 20))
        #expect(s.contains(20, largest: 20))
        #expect(set("5:*").normalized(largest: 3) == [3...5])
        #expect(SequenceSet.lastSearchResult.normalized(largest: 3) == nil)
    }

    @Test func sizeIsBounded() throws {
        let limits = IMAPLimits(sequenceSetRanges: 100)
        let ok = (1...100).map(String.init).joined(separator: ",")
        #expect(throws: Never.self) { try parse("a FETCH \(ok) FLAGS", limits: limits) }
        let tooMany = (1...101).map(String.init).joined(separator: ",")
        #expect { try parse("a FETCH \(tooMany) FLAGS", limits: limits) } throws: { ($0 as? ParseError)?.reason == .sequenceSetTooLarge }
        // Numbers beyond 32 bits are refused, not wrapped.
        #expect(throws: ParseError.self) { try parse("a FETCH 99999999999999999999999 FLAGS") }
        #expect(try parse("a FETCH 4294967295 FLAGS").command == .fetch(FetchCommand(sequenceSet: SequenceSet([4_294_967_295...4_294_967_295]), attributes: [.flags]), uid: false))
    }
}

@Suite struct DateTests {
    @Test func dateTimeWireFormAndEpoch() throws {
        let t = try #require(IMAPDateTime(date: date(1996, 7, 17), hour: 2, minute: 44, second: 25, zoneMinutes: -420))
        #expect(t.description == "17-Jul-1996 02:44:25 -0700")
        #expect(t.secondsSince1970 == 837_596_665)
        let back = try #require(IMAPDateTime(secondsSince1970: 837_596_665, zoneMinutes: -420))
        #expect(back == t)
        let padded = try #require(IMAPDateTime(secondsSince1970: 0))
        #expect(padded.description == " 1-Jan-1970 00:00:00 +0000")
        #expect(IMAPDateTime(secondsSince1970: -1)?.description == "31-Dec-1969 23:59:59 +0000")
    }

    @Test func calendarChecks() {
        #expect(IMAPDate(year: 2024, month: 2, day: 29) != nil)
        #expect(IMAPDate(year: 2026, month: 2, day: 29) == nil)
        #expect(IMAPDate(year: 1900, month: 2, day: 29) == nil)
        #expect(IMAPDate(year: 2000, month: 2, day: 29) != nil)
        #expect(IMAPDate(year: 2026, month: 4, day: 31) == nil)
        #expect(IMAPDate(year: 2026, month: 13, day: 1) == nil)
        #expect(date(2026, 11, 25).description == "25-Nov-2026")
        #expect(IMAPDate(daysSince1970: date(2026, 11, 25).daysSince1970) == date(2026, 11, 25))
        #expect(date(1970, 1, 1).daysSince1970 == 0)
    }
}

@Suite struct Base64Tests {
    @Test func roundTripAndStrictness() {
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "\u{0}user\u{0}pass"] {
            let encoded = Base64.encode(Array(text.utf8))
            #expect(Base64.decode(encoded) == Array(text.utf8))
        }
        #expect(String(decoding: Base64.encode(Array("foobar".utf8)), as: UTF8.self) == "Zm9vYmFy")
        for bad in ["Zm9", "Zm9v=", "Zg=a", "Z===", "Zh==", "Zm9v\n", "Zm 9v", "Zm9v====", "Zm==Zm9v"] {
            #expect(Base64.decode(Array(bad.utf8)) == nil, "\(bad)")
        }
    }
}
