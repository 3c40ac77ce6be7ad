import Foundation
import Testing
@testable import MessageFormat
import TestRandom

/// Hand-written hostile seeds beside the real-world samples.
private let hostileSeeds: [String] = [
    "Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n--a--\n--a--\n",
    "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\n",
    "Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nContent-Type: multipart/digest; boundary=d\n\n--d\n\n--d\n",
    "Subject: =?utf-8?b?=?= =?utf-8?q?=?= =?=?=\nFrom: (((((\nTo: \"\\\n\n",
    "\r\n\r\n\r\n",
    "From: <<<<>>>>,,,;;;:::@@@\nDate: 99 99 99 99:99:99 +9999\n\n",
    "Content-Type: text/plain; a*0*=''%; a*1*=%%%; a*99999=x; charset*=x'y'\n\n",
    "Content-Type: multipart/alternative; boundary=x\nContent-Transfer-Encoding: base64\n\n--x\r\nContent-Type: text/html; charset=iso-2022-jp\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=1B$B=\r\n--x--",
]

/// Checks the structural promises of a parse: ranges inside the message and nested
/// properly, line counts that match the bytes, sections that resolve, and that every
/// derived view (envelope, BODYSTRUCTURE, search text) can be computed.
private func checkInvariants(_ m: Message, _ context: String) {
    let bytes = m.bytes
    func lineFeeds(_ r: Range<Int>) -> (Int, Int) {
        var lf = 0, bare = 0
        for i in r where bytes[i] == 10 {
            lf += 1
            if i == 0 || bytes[i - 1] != 13 { bare += 1 }
        }
        return (lf, bare)
    }
    var stack: [(MIMEPart, [Int])] = [(m.root, [])]
    var visited = 0
    while let (part, section) = stack.popLast() {
        visited += 1
        let h = part.headerRange, b = part.bodyRange
        #expect(h.lowerBound >= 0 && h.upperBound <= b.lowerBound && b.upperBound <= bytes.count, "\(context) \(section)")
        let (hl, hb) = lineFeeds(h)
        let (bl, bb) = lineFeeds(b)
        #expect(part.headerLineCount == hl && part.headerBareLineFeeds == hb, "\(context) header lines \(section)")
        #expect(part.bodyLineCount == bl && part.bodyBareLineFeeds == bb, "\(context) body lines \(section)")
        for f in part.header.fields {
            #expect(f.range.lowerBound >= h.lowerBound && f.range.upperBound <= max(h.upperBound, b.lowerBound), "\(context) field")
        }
        var last = b.lowerBound
        for child in part.children {
            #expect(child.range.lowerBound >= last && child.range.upperBound <= b.upperBound, "\(context) child \(section)")
            last = child.range.upperBound
        }
        if let e = part.encapsulatedMessage {
            #expect(e.range.lowerBound == b.lowerBound && e.range.upperBound <= b.upperBound, "\(context) message")
            stack.append((e, section))
        }
        for (i, c) in part.children.enumerated() { stack.append((c, section + [i + 1])) }
    }
    // Every section number that exists resolves, and one past the end does not.
    // A multipart without parts has no part 1.
    let top = m.root.isMultipart ? m.root.children.count : 1
    var sections: [[Int]] = (0..<top).map { [$0 + 1] }
    #expect(m.part(at: [top + 1]) == nil)
    var checked = 0
    while let s = sections.popLast(), checked < 2000 {
        checked += 1
        guard let part = m.part(at: s) else {
            Issue.record("\(context): section \(s) missing")
            continue
        }
        let kids = part.sectionChildren
        for i in 0..<kids.count { sections.append(s + [i + 1]) }
        #expect(m.part(at: s + [kids.count + 1]) == nil)
        _ = m.range(of: s, .mime)
        _ = m.range(of: s, .header)
    }
    _ = describe(m.envelope)
    _ = m.bodyStructure()
    let search = m.textForSearch(maxBytes: 4096)
    #expect(search.body.utf8.count <= 4096 && search.header.utf8.count <= 4096)
}

@Suite struct RobustnessTests {
    @Test func seedsHoldInvariants() throws {
        for name in Fixture.samples {
            checkInvariants(MessageParser.parse(try Fixture.bytes(name)), name)
            checkInvariants(MessageParser.parse(crlf(try Fixture.text(name))), name + " crlf")
        }
        for (i, s) in hostileSeeds.enumerated() { checkInvariants(MessageParser.parse(Array(s.utf8)), "hostile \(i)") }
    }

    /// Random mutations of every seed (fixed seed, bounded iterations): the parser never
    /// traps, never loops, and its results keep the invariants.
    @Test func randomMutations() throws {
        // MIME_FUZZ_SEED / MIME_FUZZ_ROUNDS run a longer campaign by hand; the default is
        // fixed and short.
        let env = ProcessInfo.processInfo.environment
        var rng = SplitMix64(seed: env["MIME_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_2045)
        let rounds = env["MIME_FUZZ_ROUNDS"].flatMap { Int($0) } ?? 1500
        var seeds = try (Fixture.samples + Fixture.hostile).map { try Fixture.bytes($0) }
        seeds += hostileSeeds.map { Array($0.utf8) }
        let tokens: [[UInt8]] = ["\n--", "--", "\r\n\r\n", "\n\n", "Content-Type: multipart/mixed; boundary=", "BOUNDARY",
                                 "Content-Type: message/rfc822\n\n", "=?utf-8?b?", "?=", "\0", "\u{FF}", "(", "\"", "<",
                                 ">", ":", ";", "*0*=", "'", "%", "\\", " ", "\t"].map { Array($0.utf8) }
        var limits = MessageLimits()
        limits.maxParts = 200
        limits.maxNestingDepth = 20
        for round in 0..<rounds {
            var b = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let at = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count))
                switch rng.next() % 6 {
                case 0 where !b.isEmpty: b[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.insert(contentsOf: tokens[Int(rng.next() % UInt64(tokens.count))], at: at)
                case 2 where !b.isEmpty: b.removeSubrange(at..<min(b.count, at + Int(rng.next() % 64)))
                case 3 where !b.isEmpty:
                    let chunk = b[at..<min(b.count, at + Int(rng.next() % 128))]
                    b.insert(contentsOf: chunk, at: Int(rng.next() % UInt64(b.count)))
                case 4: b = Array(b.prefix(at))
                default: if !b.isEmpty { b[at] = [10, 13, 45, 0][Int(rng.next() % 4)] }
                }
            }
            checkInvariants(MessageParser.parse(b, limits: limits), "round \(round)")
            _ = EncodedWords.decode(b.prefix(512))
            _ = RFC5322Date.parse(b.prefix(128))
            _ = AddressParser.parse(b.prefix(2048))
            _ = TransferDecoding.quotedPrintable(b.prefix(2048))
            _ = Charset.decode(b.prefix(256), charset: ["iso-2022-jp", "shift_jis", "utf-7", "big5"][round % 4])
        }
    }
}
