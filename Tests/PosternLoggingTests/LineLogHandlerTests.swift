import Foundation
import Logging
import Testing
@testable import PosternLogging

@Suite struct LineLogHandlerTests {
    @Test func textLinesAreOrderedQuotedAndRedacted() {
        let sink = MemoryLogSink()
        var logger = Logger(label: "smtp") { LineLogHandler(label: $0, sink: sink) }
        logger[metadataKey: "conn"] = "c1"
        logger.info("rcpt refused", metadata: ["result": "rejected", "remote": "192.0.2.1", "helo": "evil result=ok\nx", "password": "hunter2"])
        let line = sink.lines.first ?? ""
        #expect(line.contains(" info smtp conn=c1 remote=192.0.2.1 result=rejected helo=\"evil result=ok\\nx\" password=[redacted]: rcpt refused"))
        #expect(!line.contains("hunter2"))
    }

    @Test func jsonLines() {
        let sink = MemoryLogSink()
        let logger = Logger(label: "imap") { LineLogHandler(label: $0, format: .json, sink: sink) }
        logger.warning("login failed", metadata: ["user": "a\"b@example.org", "remote": "::1"])
        let line = sink.lines.first ?? ""
        #expect(line.hasPrefix("{\"time\":\""))
        #expect(line.contains("\"level\":\"warning\",\"label\":\"imap\",\"msg\":\"login failed\",\"remote\":\"::1\",\"user\":\"a\\\"b@example.org\"}"))
    }

    @Test func levelFilter() {
        let sink = MemoryLogSink()
        let logger = Logger(label: "x") { LineLogHandler(label: $0, level: .warning, sink: sink) }
        logger.info("hidden")
        logger.error("shown")
        #expect(sink.lines.count == 1)
    }

    @Test func timestampIsUTCWithMilliseconds() throws {
        let before = Date()
        let stamp = LineLogHandler.timestamp()
        #expect(stamp.utf8.count == 24)
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = try #require(parser.date(from: stamp), "\(stamp)")
        #expect(abs(parsed.timeIntervalSince(before)) < 5)
    }

    @Test func controlCharactersAreEscaped() {
        #expect(LineLogHandler.quoteIfNeeded("a\u{1B}b\u{7F}") == "\"a\\x1bb\\x7f\"")
        #expect(LineLogHandler.json("\u{01}x") == "\"\\u0001x\"")
    }
}
