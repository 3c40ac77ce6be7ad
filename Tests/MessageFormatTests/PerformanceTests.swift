import Foundation
import Testing
@testable import MessageFormat

/// Throughput measurement, reported, never asserted (benchmarks report, they do not
/// pass or fail on time). Run in release for meaningful numbers:
/// `swift test -c release --filter MessageFormatTests.PerformanceTests`.
@Suite struct PerformanceTests {
    private func measure(_ label: String, iterations: Int, _ body: () -> Int) -> Double {
        let clock = ContinuousClock()
        var sink = 0
        let start = clock.now
        for _ in 0..<iterations { sink &+= body() }
        let elapsed = clock.now - start
        let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
        let per = micros / Double(iterations)
        print("PERF \(label): \(String(format: "%.2f", per)) µs per message (sink \(sink % 10))")
        return per
    }

    @Test func typicalMessages() throws {
        // A ~3 KiB multipart (msg_16, a bounce with an encapsulated message) and a ~1 KiB
        // simple message (msg_04), in CRLF wire form.
        let bounce = crlf(try Fixture.text("msg_16.txt"))
        let simple = crlf(try Fixture.text("msg_04.txt"))
        // MIME_PERF_ITERATIONS=20000 for stable numbers; the default keeps the suite quick.
        let n = ProcessInfo.processInfo.environment["MIME_PERF_ITERATIONS"].flatMap { Int($0) } ?? 2000
        let full = measure("full parse \(bounce.count) B multipart", iterations: n) {
            MessageParser.parse(bounce).root.children.count
        }
        _ = measure("full parse \(simple.count) B", iterations: n) { MessageParser.parse(simple).root.children.count }
        _ = measure("header-only + ENVELOPE \(bounce.count) B", iterations: n) {
            Envelope(header: MessageParser.parseHeader(bounce)).from.count
        }
        _ = measure("BODYSTRUCTURE from parsed \(bounce.count) B", iterations: n / 4) {
            if case .multipart(let m) = MessageParser.parse(bounce).bodyStructure() { return m.children.count }
            return 0
        }
        let big = crlf(try Fixture.text("msg_07.txt") + String(repeating: "line of body text\n", count: 50_000))
        let perBig = measure("full parse \(big.count) B", iterations: max(1, n / 400)) { MessageParser.parse(big).root.children.count }
        print("PERF large body: \(String(format: "%.0f", Double(big.count) / perBig)) MB/s")
        #expect(full > 0)
    }
}
