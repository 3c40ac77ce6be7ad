import IMAPProtocol
import NIOCore
import Testing

/// The hot path: `* n FETCH (UID x FLAGS (...))` for a whole mailbox in one response.
@Suite struct PerformanceTests {
    @Test func hundredThousandFlagLines() {
        let encoder = ResponseEncoder()
        let flagSets: [[Flag]] = [[.seen], [.seen, .answered], [], [.seen, .keyword("$Junk")], [.flagged, .deleted, .draft]]
        var buffer = ByteBuffer()
        buffer.reserveCapacity(5_000_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for n in 1...UInt32(100_000) {
                encoder.beginFetch(sequence: n, into: &buffer)
                encoder.writeFetchItem(.uid(n &+ 1000), separated: false, into: &buffer)
                encoder.writeFetchItem(.flags(flagSets[Int(n) % flagSets.count]), separated: true, into: &buffer)
                encoder.endFetch(into: &buffer)
            }
        }
        print("100,000 FETCH (UID FLAGS) lines: \(buffer.readableBytes) bytes in \(elapsed)")
        #expect(buffer.readableBytesView.count(where: { $0 == 0x0A }) == 100_000)
        #expect(String(buffer: buffer).hasPrefix("* 1 FETCH (UID 1001 FLAGS (\\Seen \\Answered))\r\n* 2 FETCH (UID 1002 FLAGS ())\r\n"))
        // A bound loose enough for a debug build on a loaded machine; release is ~100x faster.
        #expect(elapsed < .seconds(20))

        // The one-reservation path writes the same bytes, faster.
        var fast = ByteBuffer()
        fast.reserveCapacity(5_000_000)
        let fastElapsed = clock.measure {
            for n in 1...UInt32(100_000) {
                encoder.writeFlagsFetch(sequence: n, uid: n &+ 1000, modSeq: nil, flags: flagSets[Int(n) % flagSets.count], into: &fast)
            }
        }
        print("100,000 FETCH (UID FLAGS) lines with writeFlagsFetch: \(fast.readableBytes) bytes in \(fastElapsed)")
        #expect(fast == buffer)
    }

    @Test func flagsFetchMatchesTheGeneralEncoder() {
        let encoder = ResponseEncoder()
        let flags: [Flag] = [.answered, .flagged, .deleted, .seen, .draft, .recent, .keyword("$Forwarded"), .extension("Custom"), .wildcard]
        for (uid, modSeq) in [(UInt32?.none, UInt64?.none), (7, nil), (nil, 9), (UInt32.max, UInt64(Int64.max))] {
            var items: [FetchResponseItem] = []
            if let uid { items.append(.uid(uid)) }
            if let modSeq { items.append(.modSeq(modSeq)) }
            items.append(.flags(flags))
            var general = ByteBuffer()
            encoder.write(.untagged(.fetch(sequence: 4_000_000_000, items)), into: &general)
            var fast = ByteBuffer()
            encoder.writeFlagsFetch(sequence: 4_000_000_000, uid: uid, modSeq: modSeq, flags: flags, into: &fast)
            #expect(String(buffer: fast) == String(buffer: general))
        }
        var empty = ByteBuffer()
        encoder.writeFlagsFetch(sequence: 1, uid: nil, modSeq: nil, flags: [], into: &empty)
        #expect(String(buffer: empty) == "* 1 FETCH (FLAGS ())\r\n")
    }
}
