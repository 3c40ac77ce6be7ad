// Pure naming rules: modified UTF-7, mailbox names, account directories, Maildir file names,
// Dovecot's uidlist and keywords files (with a randomized robustness pass).

import Testing
@testable import Store
import TestRandom

@Suite struct ModifiedUTF7Tests {
    // RFC 3501 §5.1.3 examples and Dovecot-created names.
    @Test(arguments: [
        ("INBOX", "INBOX"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("a&b", "a&-b"),
        ("Gesendete Objekte", "Gesendete Objekte"),
        ("📧", "&2D3c5w-"),
    ])
    func roundTrip(unicode: String, encoded: String) {
        #expect(ModifiedUTF7.encode(unicode) == encoded)
        #expect(ModifiedUTF7.decode(encoded) == unicode)
    }

    @Test(arguments: ["&", "&U,BTFw", "&AGE-", "&Jjo!", "caf\u{e9}", "&2D0-", "&U,BTF2-"])
    func rejectsInvalid(encoded: String) {
        #expect(ModifiedUTF7.decode(encoded) == nil)
    }
}

@Suite struct MailboxNameTests {
    @Test func inboxIsCaseInsensitive() throws {
        #expect(try MailboxName("inbox").isInbox)
        #expect(try MailboxName("Inbox.Sub").name == "INBOX.Sub")
        #expect(try MailboxName("inboxes").isInbox == false)
    }

    @Test(arguments: ["", ".A", "A.", "A..B", "A/B", "A%", "A*", "A\u{1}B"])
    func rejects(text: String) {
        #expect(throws: StoreError.self) { try MailboxName(text) }
    }

    @Test func directoryNames() throws {
        #expect(MailboxName.inbox.directoryName == "")
        #expect(try MailboxName("Sent").directoryName == ".Sent")
        #expect(try MailboxName("Archive.2025.Entwürfe").directoryName == ".Archive.2025.Entw&APw-rfe")
        #expect(MailboxName.fromDirectoryName(".Archive.2025.Entw&APw-rfe", limits: StoreLimits())?.name == "Archive.2025.Entwürfe")
        #expect(MailboxName.fromDirectoryName("..postern-deleted-1", limits: StoreLimits()) == nil)
        #expect(MailboxName.fromDirectoryName("cur", limits: StoreLimits()) == nil)
        #expect(MailboxName.fromDirectoryName(".A&", limits: StoreLimits()) == nil)
    }

    @Test func tooDeepOrLong() {
        #expect(throws: StoreError.self) { try MailboxName(Array(repeating: "a", count: 17).joined(separator: ".")) }
        #expect(throws: StoreError.self) { try MailboxName(String(repeating: "x", count: 201)) }
    }
}

@Suite struct AccountDirectoryTests {
    @Test(arguments: [
        ("john.doe", "john.doe"),
        (".hidden", "%2Ehidden"),
        ("..", "%2E."),
        ("a/b", "a%2Fb"),
        ("100%", "100%25"),
        ("josé", "jos%C3%A9"),
        ("\"x y\"", "%22x%20y%22"),
        ("user+tag", "user+tag"),
    ])
    func escaping(local: String, escaped: String) {
        #expect(AccountDirectory.escapeLocalPart(local) == escaped)
        #expect(AccountDirectory.unescapeLocalPart(escaped) == local)
    }

    @Test func rejectsNonCanonicalEscapes() {
        #expect(AccountDirectory.unescapeLocalPart("%41") == nil)  // "A" is never escaped
        #expect(AccountDirectory.unescapeLocalPart("%2") == nil)
        #expect(AccountDirectory.unescapeLocalPart("%zz") == nil)
    }

    @Test func accountPathUsesCanonicalAddress() {
        #expect(AccountDirectory.relativePath(for: bob) == "example.org/bob")
    }
}

@Suite struct MaildirFileNameTests {
    @Test func dovecotNames() {
        let name = MaildirFileName("1700000007.M7P1.maillab,S=812,W=835:2,FS")
        #expect(name.base == "1700000007.M7P1.maillab,S=812,W=835")
        #expect(name.physicalSize == 812)
        #expect(name.virtualSize == 835)
        #expect(name.timePrefix == 1_700_000_007)
        #expect(name.flags().0 == [.flagged, .seen])
    }

    @Test func flagLettersInASCIIOrderThenKeywords() {
        let info = MaildirFileName.info(flags: [.seen, .deleted, .draft, .answered, .flagged, .passed],
                                        keywords: KeywordSet(bits: 0b101))
        #expect(info == "2,DFPRSTac")
        let (flags, keywords) = MaildirFileName(base: "x", info: info).flags()
        #expect(flags == [.seen, .deleted, .draft, .answered, .flagged, .passed])
        #expect(keywords == KeywordSet(bits: 0b101))
    }

    @Test func namesWithoutFieldsOrInfo() {
        let mutt = MaildirFileName("1732441234.12345_1.host")
        #expect(mutt.info.isEmpty && mutt.physicalSize == nil && mutt.virtualSize == nil)
        #expect(MaildirFileName("x,S=12a").physicalSize == nil)
        #expect(MaildirFileName("x:1,FS").flags().0 == [])
    }

    @Test func virtualSizeCountsBareLF() {
        #expect(MaildirFileName.virtualSize(of: Array("a\nb\r\nc\n".utf8)) == 9)
    }

    @Test func uniqueNamesCarrySizes() {
        let names = UniqueNames(host: "mx/a:b,c")
        let a = names.next(size: 10, virtualSize: 12)
        let b = names.next(size: 10, virtualSize: 12)
        #expect(a != b)
        #expect(a.hasSuffix(".mx\\057a\\072b\\054c,S=10,W=12"))
        #expect(MaildirFileName(a).physicalSize == 10 && MaildirFileName(a).virtualSize == 12)
    }
}

@Suite struct DovecotFileTests {
    static let uidlist3 = """
        3 V1700000000 N5 G3085f01b7f11094c501100008c4a11c1
        1 :1700000001.M1P1.host,S=10,W=11
        2 W120 S110 :1700000002.M2P1.host,S=110,W=120
        4 G0 :1700000004.M4P1.host

        """

    @Test func uidlistVersion3() throws {
        let list = try DovecotUIDList.parse(Array(Self.uidlist3.utf8), limits: StoreLimits())
        #expect(list.uidValidity == 1_700_000_000)
        #expect(list.nextUID == 5)
        #expect(list.uids == ["1700000001.M1P1.host,S=10,W=11": 1, "1700000002.M2P1.host,S=110,W=120": 2, "1700000004.M4P1.host": 4])
    }

    @Test func uidlistVersion1() throws {
        let list = try DovecotUIDList.parse(Array("1 1234 3\n1 a.b.c\n2 d.e.f:2,S\n".utf8), limits: StoreLimits())
        #expect(list.uidValidity == 1234 && list.nextUID == 3 && list.uids == ["a.b.c": 1, "d.e.f": 2])
    }

    @Test(arguments: ["", "9 V1 N2\n", "3 N2\n", "3 V1 N2\nx :a\n", "3 V1 N2\n1 nocolon\n", "1 1 2\n5 a\n"])
    func uidlistRejects(text: String) {
        #expect(throws: DovecotUIDList.ParseError.self) { try DovecotUIDList.parse(Array(text.utf8), limits: StoreLimits()) }
    }

    @Test func keywords() {
        let parsed = DovecotKeywords.parse(Array("0 $Forwarded\n1 Junk\nx bad\n30 TooFar\n2 sp ace\n3 $Label1\n".utf8), limits: StoreLimits())
        #expect(parsed == [0: "$Forwarded", 1: "Junk", 3: "$Label1"])
        #expect(String(decoding: DovecotKeywords.render(["$Forwarded", "", "Junk"]), as: UTF8.self) == "0 $Forwarded\n1 \n2 Junk\n")
    }

    /// Mutations of the fixtures never trap and never hang (fixed seed, bounded).
    @Test func robustness() {
        var rng = SplitMix64(seed: 0x5eed)
        let seeds = [Self.uidlist3, "1 1234 3\n1 a.b.c\n", "0 $Forwarded\n1 Junk\n"].map { Array($0.utf8) }
        let alphabet = Array(" :\n0123456789VNG&-,S=W.ab\u{ff}".utf8)
        for i in 0..<3000 {
            var bytes = seeds[i % seeds.count]
            for _ in 0..<Int(rng.next() % 6 + 1) {
                let op = rng.next() % 3
                let at = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch op {
                case 0 where !bytes.isEmpty: bytes.remove(at: at)
                case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                default: if !bytes.isEmpty { bytes[at] = UInt8(truncatingIfNeeded: rng.next()) }
                }
            }
            _ = try? DovecotUIDList.parse(bytes, limits: StoreLimits())
            _ = DovecotKeywords.parse(bytes, limits: StoreLimits())
            let text = String(decoding: bytes, as: UTF8.self)
            _ = ModifiedUTF7.decode(text)
            _ = MailboxName.fromDirectoryName("." + text, limits: StoreLimits())
            let name = MaildirFileName(text)
            _ = (name.flags(), name.physicalSize, name.virtualSize, name.timePrefix)
            _ = AccountDirectory.unescapeLocalPart(text)
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
