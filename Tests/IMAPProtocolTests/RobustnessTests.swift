import IMAPProtocol
import NIOCore
import Testing
import TestRandom

/// Mutations of every fixture, fed in random pieces: the decoder must neither crash nor hang
/// nor hold more than its limits allow, and every message it emits must be answerable.
@Suite struct RobustnessTests {
    static var fixtures: [[UInt8]] {
        var lines = ParserTests.commands.map(\.line)
        lines += ParserTests.refusals.map(\.line)
        lines += SearchTests.keys.map { "a SEARCH \($0.0)" }
        lines += FetchTests.attributes.map { "a UID FETCH 1:* (\($0.0)) (CHANGEDSINCE 5 VANISHED)" }
        lines += ["a APPEND INBOX (\\Seen) \"25-Nov-2026 10:00:00 +0000\" {5}\r\nhello",
                  "a APPEND {5+}\r\nINBOX UTF8 (~{3}\r\nabc)", "a IDLE\r\nDONE",
                  "a AUTHENTICATE PLAIN\r\nAGFsaWNlAHB3\r\n*", "a STARTTLS"]
        return lines.map { Array(($0 + "\r\n").utf8) }
    }

    static let interesting: [UInt8] = Array("{}()[]<>\"\\ *%$:,.+-~0123456789\r\n".utf8) + [0, 0x7F, 0x80, 0xC3, 0xFF]

    static func mutate(_ input: [UInt8], _ other: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.insert(interesting.randomElement(using: &rng)!, at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...16, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            case 4: bytes.insert(contentsOf: Array(["{4294967295}", "{99999+}", "{3}\r\n", "~{2+}\r\n", "(((((", "NOT NOT "].randomElement(using: &rng)!.utf8), at: position)
            case 5: bytes = Array(bytes[..<position]) + other[min(position, other.count)...]
            case 6: bytes.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "("), count: Int.random(in: 1...200, using: &rng)), at: position)
            default: bytes.insert(contentsOf: Array("\r\n".utf8), at: position)
            }
        }
        return bytes
    }

    @Test func mutatedInputNeverCrashesOrHangs() {
        var rng = SplitMix64(seed: 0x1A2B_3C4D)
        let fixtures = Self.fixtures
        let limits = IMAPLimits(line: 512, literal: 256, appendLiteral: 4096, discardableLiteral: 8192, command: 4096,
                                literalsPerCommand: 8, nesting: 16, sequenceSetRanges: 64, authenticationLine: 512)
        var messages = 0
        var errors = 0
        for iteration in 0..<6000 {
            let base = fixtures[iteration % fixtures.count]
            let input = Self.mutate(base, fixtures.randomElement(using: &rng)!, &rng)
            var decoder = CommandDecoder(limits: limits)
            var buffer = ByteBuffer()
            var offset = 0
            while offset < input.count {
                let size = Int.random(in: 1...max(1, input.count - offset), using: &rng)
                buffer.writeBytes(input[offset..<offset + size])
                offset += size
                var steps = 0
                while let message = decoder.next(&buffer) {
                    steps += 1
                    messages += 1
                    // Every message either is a command or has an answer that encodes.
                    if case .error(let error) = message {
                        errors += 1
                        var out = ByteBuffer()
                        ResponseEncoder().write(error.response, into: &out)
                        #expect(out.readableBytesView.last == UInt8(ascii: "\n"))
                    }
                    // A decoder must not emit more messages than there are bytes.
                    #expect(steps <= input.count + 1)
                    if steps > input.count + 1 { break }
                }
                // Never more buffered than one line, one literal and the announcement tail.
                #expect(buffer.readableBytes <= limits.appendLiteral + limits.line + 2)
            }
        }
        #expect(messages > 6000)
        #expect(errors > 0)
    }

    @Test func everyTwoWaySplitDecodesTheSame() {
        let session = "a LOGIN {5+}\r\nalice {2}\r\npw\r\nb SELECT INBOX (CONDSTORE)\r\nc IDLE\r\nDONE\r\nd APPEND INBOX {3+}\r\nabc\r\ne UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)])\r\n"
        let bytes = Array(session.utf8)
        var reference = CommandDecoder()
        let expected = decodeAll(session, with: &reference)
        #expect(expected.count == 7)
        for cut in 0...bytes.count {
            var decoder = CommandDecoder()
            var buffer = ByteBuffer(bytes: bytes[..<cut])
            var out: [ClientMessage] = []
            while let message = decoder.next(&buffer) { out.append(message) }
            buffer.writeBytes(bytes[cut...])
            while let message = decoder.next(&buffer) { out.append(message) }
            #expect(out == expected, "split at \(cut)")
        }
    }

    @Test func encodedResponsesHaveOneLineBreakOutsideLiterals() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let length = Int.random(in: 0...12, using: &rng)
            let subject = (0..<length).map { _ in (Self.interesting + Array("abc ".utf8)).randomElement(using: &rng)! }
            for utf8 in [false, true] {
                var buffer = ByteBuffer()
                let envelope = IMAPEnvelope(subject: IMAPString(bytes: subject), from: [.address(IMAPAddress(name: IMAPString(bytes: subject), mailbox: "a", host: "b"))])
                ResponseEncoder(utf8: utf8).write(.untagged(.fetch(sequence: 1, [.envelope(envelope)])), into: &buffer)
                #expect(Self.lineBreaksOutsideLiterals(Array(buffer.readableBytesView)) == 1, "\(subject)")
            }
        }
    }

    /// Counts CRLFs that are not part of a literal announcement or literal data.
    static func lineBreaksOutsideLiterals(_ bytes: [UInt8]) -> Int {
        var count = 0
        var index = 0
        var inQuoted = false
        while index < bytes.count {
            let b = bytes[index]
            if inQuoted {
                if b == UInt8(ascii: "\\") { index += 2; continue }
                if b == UInt8(ascii: "\"") { inQuoted = false }
                if b == 0x0A || b == 0x0D || b == 0 { return -1 }
                index += 1
                continue
            }
            if b == UInt8(ascii: "\"") { inQuoted = true }
            if b == UInt8(ascii: "{"), let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")),
               close + 2 < bytes.count || close + 2 == bytes.count, bytes[close + 1] == 0x0D,
               let size = Int(String(decoding: bytes[(index + 1)..<close], as: UTF8.self)) {
                index = close + 3 + size
                continue
            }
            if b == 0x0A { count += 1 }
            index += 1
        }
        return count
    }
}
