import NIOCore
import SMTPProtocol
import Testing
@testable import SMTPClient
import TestRandom

/// RFC 5321 §4.2 reply grammar, as servers write it.
@Suite struct ReplyParserTests {
    struct Case: Sendable, CustomStringConvertible {
        var wire: String
        var code: Int
        var enhanced: String?
        var lines: [String]
        var description: String { wire.debugDescription }
    }

    static let cases: [Case] = [
        Case(wire: "220 mx.example.org ESMTP\r\n", code: 220, enhanced: nil, lines: ["mx.example.org ESMTP"]),
        Case(wire: "250-mx.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n", code: 250, enhanced: nil, lines: ["mx.example.org", "PIPELINING", "8BITMIME"]),
        Case(wire: "550 5.1.1 <x@example.org>: Recipient address rejected\r\n", code: 550, enhanced: "5.1.1", lines: ["<x@example.org>: Recipient address rejected"]),
        Case(wire: "451-4.7.1 first\r\n451 4.7.1 second\r\n", code: 451, enhanced: "4.7.1", lines: ["first", "second"]),
        // A code alone (RFC 5321 §4.2: the text is optional).
        Case(wire: "354\r\n", code: 354, enhanced: nil, lines: [""]),
        // Bare LF line ends, as some servers send.
        Case(wire: "250 OK\n", code: 250, enhanced: nil, lines: ["OK"]),
        // An enhanced code of another class than the reply is text, not a code.
        Case(wire: "250 5.1.1 odd\r\n", code: 250, enhanced: nil, lines: ["5.1.1 odd"]),
        // Something that only looks like an enhanced code.
        Case(wire: "250 2.0 accepted\r\n", code: 250, enhanced: nil, lines: ["2.0 accepted"]),
        Case(wire: "250 2.0.0\r\n", code: 250, enhanced: "2.0.0", lines: [""]),
    ]

    @Test(arguments: cases)
    func parses(_ c: Case) throws {
        var parser = SMTPReplyParser()
        var bytes = Array(c.wire.utf8)
        let replies = try parser.parse(&bytes)
        #expect(replies.count == 1)
        #expect(bytes.isEmpty)
        let r = try #require(replies.first)
        #expect(r.code == c.code)
        #expect(r.enhanced?.description == c.enhanced)
        #expect(r.lines == c.lines)
    }

    @Test func pipelinedRepliesInOneRead() throws {
        var parser = SMTPReplyParser()
        var bytes = Array("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no\r\n354 go ahead\r\n25".utf8)
        let replies = try parser.parse(&bytes)
        #expect(replies.map(\.code) == [250, 250, 550, 354])
        #expect(bytes == Array("25".utf8))
    }

    @Test func byteByByte() throws {
        var parser = SMTPReplyParser()
        var pending: [UInt8] = []
        var replies: [SMTPReply] = []
        for b in "250-one\r\n250-two\r\n250 three\r\n221 bye\r\n".utf8 {
            pending.append(b)
            replies += try parser.parse(&pending)
        }
        #expect(replies.map(\.code) == [250, 221])
        #expect(replies.first?.lines == ["one", "two", "three"])
    }

    @Test(arguments: [
        ("hello\r\n", "malformed"),
        ("600 no such class\r\n", "malformed"),
        ("199 too low\r\n", "malformed"),
        ("2x0 letters\r\n", "malformed"),
        ("25\r\n", "malformed"),
        ("250-first\r\n251 second\r\n", "inconsistent"),
    ])
    func refuses(_ wire: String, _ kind: String) {
        var parser = SMTPReplyParser()
        var bytes = Array(wire.utf8)
        do {
            _ = try parser.parse(&bytes)
            Issue.record("parsed \(wire.debugDescription)")
        } catch {
            switch error {
            case .malformedLine: #expect(kind == "malformed")
            case .inconsistentCode: #expect(kind == "inconsistent")
            default: Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func lineLimit() {
        var limits = SMTPClientLimits()
        limits.replyLineOctets = 100
        var parser = SMTPReplyParser(limits: limits)
        // Without a line end yet: refused as soon as the buffer passes the limit.
        var bytes = Array(("250 " + String(repeating: "x", count: 200)).utf8)
        #expect(throws: SMTPReplyError.lineTooLong) { _ = try parser.parse(&bytes) }
        var parser2 = SMTPReplyParser(limits: limits)
        var complete = Array(("250 " + String(repeating: "x", count: 200) + "\r\n").utf8)
        #expect(throws: SMTPReplyError.lineTooLong) { _ = try parser2.parse(&complete) }
    }

    @Test func lineCountLimit() {
        var limits = SMTPClientLimits()
        limits.replyLines = 10
        var parser = SMTPReplyParser(limits: limits)
        var bytes = Array(String(repeating: "250-x\r\n", count: 11).utf8)
        #expect(throws: SMTPReplyError.tooManyLines) { _ = try parser.parse(&bytes) }
    }

    @Test func oneLineRendering() {
        let r = SMTPReply(550, EnhancedStatus(5, 1, 1), ["<x@example.org>:", "Recipient\u{7}rejected"])
        #expect(r.oneLine == "550 5.1.1 <x@example.org>: Recipient?rejected")
    }

    /// Mutations of the fixtures never crash or hang the parser; whatever it accepts has a
    /// valid code and stays within the limits.
    @Test func randomizedRobustness() {
        var rng = SplitMix64(seed: 0x5EED_5147)
        let fixtures = Self.cases.map { Array($0.wire.utf8) } + [Array("250-a\r\n250-b\r\n250 c\r\n".utf8)]
        let interesting: [UInt8] = [0x0D, 0x0A, 0x2D, 0x20, 0x30, 0x32, 0x35, 0x39, 0x2E, 0x00, 0xFF]
        for _ in 0..<5000 {
            var bytes = fixtures[Int(rng.next() % UInt64(fixtures.count))]
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let op = rng.next() % 4
                let pos = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch op {
                case 0 where !bytes.isEmpty: bytes[pos] = interesting[Int(rng.next() % UInt64(interesting.count))]
                case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: pos)
                case 2 where !bytes.isEmpty: bytes.remove(at: pos)
                default: bytes += bytes.prefix(Int(rng.next() % 20))
                }
            }
            var parser = SMTPReplyParser()
            if let replies = try? parser.parse(&bytes) {
                for r in replies {
                    #expect((200...599).contains(r.code))
                    #expect(r.lines.count <= SMTPClientLimits().replyLines)
                }
            }
        }
    }
}

