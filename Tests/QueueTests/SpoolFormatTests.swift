import Foundation
import MailCore
import Queue
import SMTPProtocol
import Testing
import TestRandom

@Suite struct SpoolFormatTests {
    @Test func roundTrip() throws {
        var e = sampleEnvelope(recipients: ["bob@example.net", "\"odd name\"@example.net", "carol@example.org"])
        e.recipients[0].notify = DSNNotify(failure: true, delay: true)
        e.recipients[1].originalRecipient = "rfc822;Odd Name@example.net"
        e.recipients[2].transport = .local
        e.recipients[2].notify = DSNNotify(never: true)
        e.eightBit = true
        let file = SpoolFormat.encode(e, content: sampleContent)
        let (decoded, content) = try SpoolFormat.decode(file)
        #expect(decoded == e)
        #expect(Array(content) == sampleContent)
    }

    @Test func nullSender() throws {
        let e = sampleEnvelope(sender: nil)
        let (decoded, _) = try SpoolFormat.decode(SpoolFormat.encode(e, content: []))
        #expect(decoded.reversePath == .null)
    }

    /// A file cut anywhere (a crash during the write) never decodes.
    @Test func everyTruncationIsDetected() {
        let file = SpoolFormat.encode(sampleEnvelope(), content: sampleContent)
        for length in 0..<file.count {
            #expect(throws: SpoolFormatError.self) { try SpoolFormat.decode(Array(file.prefix(length))) }
        }
    }

    /// Any changed octet is caught (by the parser or the end marker's checksum).
    @Test func everyFlippedOctetIsDetected() {
        let file = SpoolFormat.encode(sampleEnvelope(), content: sampleContent)
        for i in file.indices {
            var damaged = file
            damaged[i] ^= 0x01
            #expect(throws: SpoolFormatError.self) { try SpoolFormat.decode(damaged) }
        }
    }

    @Test func limits() {
        var limits = SpoolLimits()
        limits.recipients = 2
        let file = SpoolFormat.encode(sampleEnvelope(recipients: ["a@example.net", "b@example.net", "c@example.net"]), content: [])
        #expect(throws: SpoolFormatError.limit("recipients")) { try SpoolFormat.decode(file, limits: limits) }
        var short = SpoolLimits()
        short.headerLine = 10
        #expect(throws: SpoolFormatError.self) { try SpoolFormat.decode(SpoolFormat.encode(sampleEnvelope(), content: []), limits: short) }
    }

    @Test func headerOnlyReadsNoContent() throws {
        let file = SpoolFormat.encode(sampleEnvelope(), content: sampleContent)
        let (e, start, length) = try SpoolFormat.decodeHeader(file)
        #expect(e.id == "ABC123")
        #expect(length == sampleContent.count)
        #expect(Array(file[start..<(start + length)]) == sampleContent)
    }

    @Test func randomizedRobustness() {
        var rng = SplitMix64(seed: 7)
        let fixture = SpoolFormat.encode(sampleEnvelope(recipients: ["a@example.net", "b@example.org"]), content: sampleContent)
        for _ in 0..<3000 {
            var bytes = fixture
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let pos = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[pos] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.insert(UInt8(ascii: "\n"), at: pos)
                default: bytes.remove(at: pos)
                }
            }
            _ = try? SpoolFormat.decode(bytes)
            _ = try? SpoolFormat.decodeHeader(bytes)
        }
    }
}

@Suite struct JournalTests {
    let t = Date(timeIntervalSince1970: 1_800_000_100)

    var records: [JournalRecord] {
        [.deferred(recipient: 0, time: t, relay: "mx.example.net[192.0.2.1]:25", reply: SMTPReply(451, EnhancedStatus(4, 7, 1), "try later")),
         .delivered(recipient: 1, time: t, relay: "local", reply: SMTPReply(250, EnhancedStatus(2, 0, 0), "delivered to maildir")),
         .warned(time: t),
         .bounced(recipient: 0, time: t, relay: "none", reply: SMTPReply(550, EnhancedStatus(5, 1, 1), "no such user"))]
    }

    @Test func roundTripAndReplay() {
        let bytes = records.flatMap(Journal.encode)
        let (decoded, valid) = Journal.decode(bytes)
        #expect(decoded == records)
        #expect(valid == bytes.count)
        let (progress, warned) = Journal.replay(decoded, recipients: 2)
        #expect(warned)
        #expect(progress[0].state == .bounced && progress[0].deferrals == 1)
        #expect(progress[0].lastReply?.code == 550)
        #expect(progress[1].state == .delivered && progress[1].lastRelay == "local")
    }

    /// A torn last line (crash during the append) is cut off; earlier records stay.
    @Test func tornTail() {
        let whole = records.flatMap(Journal.encode)
        let firstTwo = records.prefix(2).flatMap(Journal.encode)
        for cut in (firstTwo.count + 1)..<(firstTwo.count + Journal.encode(records[2]).count) {
            let (decoded, valid) = Journal.decode(Array(whole.prefix(cut)))
            #expect(decoded == Array(records.prefix(2)))
            #expect(valid == firstTwo.count)
        }
    }

    /// A damaged line ends the journal there: nothing after it is trusted.
    @Test func damagedLineStopsReplay() {
        var bytes = records.flatMap(Journal.encode)
        let firstLength = Journal.encode(records[0]).count
        bytes[firstLength + 6] ^= 0x20
        let (decoded, valid) = Journal.decode(bytes)
        #expect(decoded == [records[0]])
        #expect(valid == firstLength)
    }

    @Test func recipientIndexOutOfRangeIsIgnoredInReplay() {
        let r: [JournalRecord] = [.delivered(recipient: 7, time: t, relay: "x", reply: SMTPReply(250, nil, "ok"))]
        let (progress, _) = Journal.replay(r, recipients: 1)
        #expect(progress[0].state == .pending)
    }
}

@Suite struct RetryScheduleTests {
    @Test func postfixLikeDoubling() {
        let s = RetrySchedule(minimum: 300, maximum: 4000)
        #expect((1...7).map { s.delay(afterDeferrals: $0) } == [300, 600, 1200, 2400, 4000, 4000, 4000])
        #expect(s.delay(afterDeferrals: 0) == 300)
        #expect(s.delay(afterDeferrals: 10_000) == 4000)
    }

    @Test func maximumNeverBelowMinimum() {
        let s = RetrySchedule(minimum: 600, maximum: 60)
        #expect(s.delay(afterDeferrals: 3) == 600)
    }
}
