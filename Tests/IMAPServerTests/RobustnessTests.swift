import IMAPProtocol
@testable import IMAPServer
import NIOCore
import Testing
import TestRandom

/// Mutated commands (a fixed seed, bounded) through the decoder and a live session: nothing
/// traps, and every tagged command gets exactly one tagged answer.
@Suite struct RobustnessTests {
    static let corpus = [
        "FETCH 1:* (FLAGS UID ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT)] BINARY.PEEK[1]<0.10>)",
        "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)", "SEARCH OR FROM carol NOT (SEEN UID 1:2) SENTSINCE 1-Jan-2020",
        "SEARCH RETURN (MIN MAX SAVE) TEXT hello", "STORE 1:2 +FLAGS.SILENT (\\Seen $A)", "UID STORE 1 (UNCHANGEDSINCE 5) FLAGS ()",
        "COPY 1:* Archive", "MOVE 2 Trash", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (* %) RETURN (CHILDREN STATUS (MESSAGES SIZE))",
        "STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ)", "CREATE \"A.B&AOk-\"", "RENAME A B", "EXAMINE INBOX (CONDSTORE)",
        "APPEND INBOX (\\Seen) \"14-Nov-2023 10:00:00 +0000\" {12+}\r\nSubject: x\r\n\r\n", "ENABLE QRESYNC UTF8=ACCEPT",
        "SELECT INBOX (QRESYNC (1 1 1:5))", "UID EXPUNGE 1:3", "FETCH $ (BODY.PEEK[1.MIME] RFC822.SIZE)", "NOOP", "IDLE",
    ]

    static func mutate(_ text: String, _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = Array(text.utf8)
        let specials = Array("()[]{}<>\"\\*%$:,. +-~0123456789\r\n\u{0}\u{FF}".utf8)
        for _ in 0..<Int(rng.next() % 4) {
            let position = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 4 {
            case 0 where !bytes.isEmpty: bytes.remove(at: position)
            case 1: bytes.insert(specials[Int(rng.next() % UInt64(specials.count))], at: position)
            case 2 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
            default: bytes.insert(contentsOf: bytes.prefix(8), at: position)
            }
        }
        return bytes
    }

    @Test func mutatedCommandsNeverTrapAndAreAlwaysAnswered() async throws {
        let temp = TempStore()
        for n in 1...3 { try await temp.deliver(FetchTests.multipart.replacingOccurrences(of: "Résumé", with: "m\(n)")) }
        var d = try await SessionDriver.loggedIn(temp)
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        var decoder = CommandDecoder()
        for round in 0..<400 {
            let base = Self.corpus[round % Self.corpus.count]
            var input = Array("r\(round) ".utf8) + Self.mutate(base, &rng) + Array("\r\n".utf8)
            if rng.next() % 5 == 0 { input = Self.mutate(String(decoding: input, as: UTF8.self), &rng) }
            var buffer = ByteBuffer(bytes: input)
            while let message = decoder.next(&buffer) {
                if case .continuationRequired = message { continue }
                if try await d.session.receive(message, &d.output) == .closed { break }
                // IDLE: end it at once so the next command is a command.
                if d.session.isIdling { _ = try await d.session.receive(.idleDone, &d.output) }
            }
            if d.closed || d.output.events.last == "close" { break }
            // Whatever is left of a broken line: start clean for the next round.
            var rest = ByteBuffer(string: "\r\n")
            while decoder.next(&rest) != nil {}
            _ = d.output.take()
        }
        // The session is still usable.
        decoder = CommandDecoder()
        var buffer = ByteBuffer(string: "z NOOP\r\n")
        if let message = decoder.next(&buffer) { _ = try await d.session.receive(message, &d.output) }
        let last = d.output.take().last
        #expect(last == "z OK NOOP completed" || d.output.events.last == "close")
    }
}
