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
    }
}
