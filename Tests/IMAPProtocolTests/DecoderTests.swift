import IMAPProtocol
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

/// The framing decoder: lines, literals and their limits, modes, resynchronisation.
@Suite struct DecoderTests {
    static func command(_ line: String) -> ClientMessage {
        guard let parsed = try? parse(line) else { fatalError("fixture does not parse: \(line)") }
        return .command(parsed)
    }

    @Test func verifierAcceptsEverySplitOfTheInput() throws {
        let login = ClientMessage.command(TaggedCommand(tag: "a", command: .login(user: "alice", password: "pw!")))
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("a NOOP\r\nb CAPABILITY\r\n", [Self.command("a NOOP"), Self.command("b CAPABILITY")]),
                ("c LOGOUT\n", [Self.command("c LOGOUT")]),
                ("a LOGIN {5}\r\nalice {3}\r\npw!\r\n", [.continuationRequired(tag: "a"), .continuationRequired(tag: "a"), login]),
                ("a LOGIN {5+}\r\nalice {3-}\r\npw!\r\n", [login]),
                ("i IDLE\r\ndone\r\n", [Self.command("i IDLE"), .idleDone]),
                ("j IDLE\r\nj NOOP\r\n", [Self.command("j IDLE"), .error(ParseError(tag: "j", reason: .expectedDone))]),
                ("s AUTHENTICATE PLAIN\r\nAGFsaWNlAHB3\r\n\r\n*\r\n",
                 [.command(TaggedCommand(tag: "s", command: .authenticate(mechanism: "PLAIN", initialResponse: nil))),
                  .authenticationResponse(Array("\u{0}alice\u{0}pw".utf8)), .authenticationResponse([]),
                  .error(ParseError(tag: "s", reason: .authenticationCancelled))]),
                ("t AUTHENTICATE PLAIN\r\n!!\r\n", [.command(TaggedCommand(tag: "t", command: .authenticate(mechanism: "PLAIN", initialResponse: nil))),
                                                   .error(ParseError(tag: "t", reason: .invalidBase64))]),
                ("x FROB\r\n", [.error(ParseError(tag: "x", reason: .unknownCommand("FROB")))]),
                ("+x NOOP\r\n", [.error(ParseError(tag: nil, reason: .invalidTag))]),
                ("l LOGIN {99999}\r\n", [.error(ParseError(tag: "l", reason: .literalTooLarge))]),
                ("m LOGIN {70+}\r\n" + String(repeating: "z", count: 70) + " {2+}\r\nzz\r\n",
                 [.error(ParseError(tag: "m", reason: .literalTooLarge))]),
                ("n SEARCH TEXT " + String(repeating: "z", count: 300) + "\r\n", [.error(ParseError(tag: "n", reason: .lineTooLong))]),
            ],
            decoderFactory: { CommandDecoder(limits: IMAPLimits(line: 200, literal: 64, discardableLiteral: 1000)) })
    }

    @Test func appendMessageIsOneSliceAndMayExceedTheSmallLiteralLimit() {
        let limits = IMAPLimits(literal: 16, appendLiteral: 1000)
        let body = String(repeating: "x", count: 500)
        let out = decodeAll("a APPEND {5}\r\nINBOX {500}\r\n\(body)\r\n", limits: limits)
        #expect(out.count == 3)
        #expect(out.first == .continuationRequired(tag: "a"))
        guard case .command(let command) = out.last, case .append(let append) = command.command else {
            Issue.record("no APPEND in \(out)")
            return
        }
        #expect(append.mailbox == .inbox)
        #expect(append.message.readableBytes == 500)
    }

    @Test func literalLimitsDependOnPosition() {
        let limits = IMAPLimits(literal: 16, appendLiteral: 1000)
        // The mailbox literal of APPEND is a small literal.
        #expect(decodeAll("a APPEND {17}\r\n", limits: limits) == [.error(ParseError(tag: "a", reason: .literalTooLarge))])
        // The message literal may be up to appendLiteral, not more.
        #expect(decodeAll("a APPEND INBOX (\\Seen) {1000}\r\n", limits: limits) == [.continuationRequired(tag: "a")])
        #expect(decodeAll("a APPEND INBOX {1001}\r\n", limits: limits) == [.error(ParseError(tag: "a", reason: .messageTooLarge))])
        #expect(encode(ParseError(tag: "a", reason: .messageTooLarge).response) == "a NO [TOOBIG] Message too large\r\n")
        // Anywhere else, the small limit applies, even in a command named like APPEND's neighbours.
        #expect(decodeAll("a LOGIN {17}\r\n", limits: limits) == [.error(ParseError(tag: "a", reason: .literalTooLarge))])
        #expect(encode(ParseError(tag: "a", reason: .literalTooLarge).response) == "a BAD [TOOBIG] Literal too large\r\n")
    }

    @Test func literalBombsAreRefusedBeforeAllocation() {
        // A synchronizing bomb: the client waits for "+", gets BAD, and the next line is a command.
        #expect(decodeAll("a LOGIN {4294967295}\r\nb NOOP\r\n") == [.error(ParseError(tag: "a", reason: .literalTooLarge)), Self.command("b NOOP")])
        #expect(decodeAll("a APPEND INBOX {18446744073709551616}\r\nb NOOP\r\n")
                == [.error(ParseError(tag: "a", reason: .messageTooLarge)), Self.command("b NOOP")])
        // A non-synchronizing one too large to skip closes the connection.
        let fatal = decodeAll("a APPEND INBOX {4294967295+}\r\nb NOOP\r\n")
        #expect(fatal == [.error(ParseError(tag: "a", reason: .messageTooLarge, closesConnection: true))])
        #expect(encode(ParseError(tag: "a", reason: .messageTooLarge, closesConnection: true).response) == "* BYE [TOOBIG] Message too large\r\n")
    }

    @Test func refusedNonSynchronizingLiteralIsSkippedWithTheRestOfItsCommand() {
        let limits = IMAPLimits(literal: 4, discardableLiteral: 100)
        let out = decodeAll("a LOGIN {10+}\r\n0123456789 {3+}\r\nabc\r\nb NOOP\r\n", limits: limits)
        #expect(out == [.error(ParseError(tag: "a", reason: .literalTooLarge)), Self.command("b NOOP")])
        // Fed one byte at a time, the same.
        var decoder = CommandDecoder(limits: limits)
        var outputs: [ClientMessage] = []
        var buffer = ByteBuffer()
        for byte in "a LOGIN {10+}\r\n0123456789 {3+}\r\nabc\r\nb NOOP\r\n".utf8 {
            buffer.writeInteger(byte)
            while let message = decoder.next(&buffer) { outputs.append(message) }
        }
        #expect(outputs == out)
    }

    @Test func literalMinusRefusesLargeNonSynchronizingLiterals() {
        // RFC 7888 §5: with LITERAL- a non-synchronizing literal over 4096 octets is a BAD [TOOBIG].
        let limits = IMAPLimits(nonSynchronizingLiteral: 4096)
        let big = String(repeating: "x", count: 5000)
        #expect(decodeAll("a APPEND INBOX {5000-}\r\n\(big)\r\nb NOOP\r\n", limits: limits)
                == [.error(ParseError(tag: "a", reason: .literalTooLarge)), Self.command("b NOOP")])
        // The synchronizing form of the same size is fine.
        #expect(decodeAll("a APPEND INBOX {5000}\r\n\(big)\r\n", limits: limits).count == 2)
    }

    @Test func skippedLiteralAnnouncementIsFoundHoweverPaddedOrSplit() {
        let limits = IMAPLimits(literal: 4, discardableLiteral: 100)
        let input = "a LOGIN {10+}\r\n0123456789 {" + String(repeating: "0", count: 60) + "3+}\r\nabc\r\nb NOOP\r\n"
        var decoder = CommandDecoder(limits: limits)
        var outputs: [ClientMessage] = []
        var buffer = ByteBuffer()
        for byte in input.utf8 {
            buffer.writeInteger(byte)
            while let message = decoder.next(&buffer) { outputs.append(message) }
        }
        #expect(outputs == [.error(ParseError(tag: "a", reason: .literalTooLarge)), Self.command("b NOOP")])
    }

    @Test func malformedLiteralAnnouncementClosesTheConnection() {
        // Its data cannot be told from commands: parsing on would allow command injection.
        for announcement in ["{5x}", "{+}", "{}", "{ 5}", "{5++}", "{-5}", "~{x}"] {
            let out = decodeAll("a LOGIN alice \(announcement)\r\nb DELETE INBOX\r\n")
            #expect(out == [.error(ParseError(tag: "a", reason: .syntax("literal size"), closesConnection: true))], "\(announcement)")
        }
        // A closing brace alone is an atom character, not an announcement.
        #expect(decodeAll("a LOGIN alice pass}\r\n") == [.command(TaggedCommand(tag: "a", command: .login(user: "alice", password: "pass}")))])
        #expect(decodeAll("a LOGIN alice \"{5}\"\r\n") == [.command(TaggedCommand(tag: "a", command: .login(user: "alice", password: "{5}")))])
    }

    @Test func overlongLineIsRefusedAndTheNextLineIsACommand() {
        let limits = IMAPLimits(line: 100)
        let long = "a SEARCH TEXT " + String(repeating: "x", count: 200)
        #expect(decodeAll(long + "\r\nb NOOP\r\n", limits: limits) == [.error(ParseError(tag: "a", reason: .lineTooLong)), Self.command("b NOOP")])
        // An over-long line that announces a non-synchronizing literal: the literal is skipped too.
        #expect(decodeAll(long + " {12+}\r\nc NOOP\r\nxx\r\n\r\nb NOOP\r\n", limits: limits)
                == [.error(ParseError(tag: "a", reason: .lineTooLong)), Self.command("b NOOP")])
        // Arriving in pieces (no LF in sight yet): refused as soon as it is too long.
        var decoder = CommandDecoder(limits: limits)
        var outputs: [ClientMessage] = []
        let chunks: [String] = [String(long.prefix(60)), String(long.dropFirst(60).prefix(60)), String(long.dropFirst(120)), "\r\nb NOOP\r\n"]
        var pending = ByteBuffer()
        for chunk in chunks {
            pending.writeString(chunk)
            while let message = decoder.next(&pending) { outputs.append(message) }
        }
        #expect(outputs == [.error(ParseError(tag: "a", reason: .lineTooLong)), Self.command("b NOOP")])
        // Without any LF for megabytes: nothing accumulates.
        var flood = CommandDecoder(limits: limits)
        var buffer = ByteBuffer(bytes: [UInt8](repeating: UInt8(ascii: "y"), count: 1_000_000))
        #expect(flood.next(&buffer) == .error(ParseError(tag: nil, reason: .lineTooLong)))
        #expect(flood.next(&buffer) == nil)
        #expect(buffer.readableBytes == 0)
    }

    @Test func commandSizeAndLiteralCountAreBounded() {
        let limits = IMAPLimits(literal: 100, command: 250, literalsPerCommand: 3)
        let fourLiterals = "a SEARCH TEXT {1+}\r\nx TEXT {1+}\r\nx TEXT {1+}\r\nx TEXT {1+}\r\nx\r\nb NOOP\r\n"
        #expect(decodeAll(fourLiterals, limits: limits) == [.error(ParseError(tag: "a", reason: .commandTooLong)), Self.command("b NOOP")])
        let big = "a SEARCH TEXT {100+}\r\n" + String(repeating: "x", count: 100) + " TEXT {100+}\r\n" + String(repeating: "x", count: 100)
            + " TEXT {100+}\r\n" + String(repeating: "x", count: 100) + "\r\nb NOOP\r\n"
        #expect(decodeAll(big, limits: limits) == [.error(ParseError(tag: "a", reason: .commandTooLong)), Self.command("b NOOP")])
    }

    @Test func appendSyntaxErrorIsFoundBeforeTheMessageIsRead() {
        // The probe parse refuses a broken APPEND before the client sends 10 MB.
        #expect(decodeAll("a APPEND INBOX (\\Seen {10000000}\r\nb NOOP\r\n")
                == [.error(ParseError(tag: "a", reason: .syntax("atom"))), Self.command("b NOOP")])
        #expect(decodeAll("a APPEND INBOX \"bad date\" {10}\r\nb NOOP\r\n").first.map { if case .error = $0 { true } else { false } } == true)
    }

    @Test func idleEndsWithDoneOnly() {
        var decoder = CommandDecoder()
        #expect(decodeAll("a IDLE\r\n", with: &decoder) == [Self.command("a IDLE")])
        #expect(decoder.mode == .idle(tag: "a"))
        #expect(decodeAll("DONE\r\nb NOOP\r\n", with: &decoder) == [.idleDone, Self.command("b NOOP")])
        #expect(decoder.mode == .command)
    }

    @Test func nulAndEightBitOutsideStringsAreSyntaxErrors() {
        for input in ["a NO\u{0}OP\r\n", "a SELECT IN\u{0}BOX\r\n", "a SELECT caf\u{E9}\r\n", "a FETCH 1 FL\u{80}AGS\r\n", "a LOGIN \"x\ry\" z\r\n"] {
            let out = decodeAll(input)
            #expect(out.count == 1 && out.allSatisfy { if case .error(let e) = $0 { e.tag == "a" } else { false } }, "\(input.debugDescription): \(out)")
        }
    }

    @Test func partialCommandAtEndOfInputIsNotEmitted() {
        #expect(decodeAll("a NOOP") == [])
        #expect(decodeAll("a LOGIN {5+}\r\nali") == [])
    }

    // MARK: observed writes, through a real pipeline

    /// [ResponseEncoderHandler, ByteToMessageHandler(CommandDecoder)] as the server will build it.
    final class Pipeline {
        let channel: EmbeddedChannel

        init(limits: IMAPLimits = IMAPLimits()) throws {
            channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandler(ResponseEncoderHandler())
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CommandDecoder(limits: limits)))
        }

        func client(_ text: String) throws -> [ClientMessage] {
            try channel.writeInbound(ByteBuffer(string: text))
            var out: [ClientMessage] = []
            while let message = try channel.readInbound(as: ClientMessage.self) { out.append(message) }
            return out
        }

        func server(_ response: Response) throws -> String {
            try channel.writeOutbound(response)
            var text = ""
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) { text += buffer.readString(length: buffer.readableBytes) ?? "" }
            return text
        }
    }

    @Test func startTLSDiscardsInjectedCommands() throws {
        let p = try Pipeline()
        // One write of STARTTLS and a pipelined command: the command must never run.
        #expect(try p.client("a STARTTLS\r\nb LOGIN x y\r\n") == [Self.command("a STARTTLS")])
        #expect(try p.client("c DELETE INBOX\r\n") == [])
        #expect(try p.server(TaggedResponse.ok("a", "Begin TLS negotiation now")) == "a OK Begin TLS negotiation now\r\n")
        #expect(try p.client("d NOOP\r\n") == [Self.command("d NOOP")])
    }

    @Test func authenticateModeEndsWithTheTaggedResult() throws {
        let p = try Pipeline()
        #expect(try p.client("a AUTHENTICATE PLAIN\r\n") == [.command(TaggedCommand(tag: "a", command: .authenticate(mechanism: "PLAIN", initialResponse: nil)))])
        #expect(try p.server(.continuation(.challenge([]))) == "+ \r\n")
        #expect(try p.client("AGFsaWNlAHB3\r\n") == [.authenticationResponse(Array("\u{0}alice\u{0}pw".utf8))])
        #expect(try p.server(TaggedResponse.ok("a", "Logged in", code: .capability(["IMAP4rev2", "IDLE"]))) == "a OK [CAPABILITY IMAP4rev2 IDLE] Logged in\r\n")
        #expect(try p.client("b NOOP\r\n") == [Self.command("b NOOP")])
        // With SASL-IR the result may come without any continuation.
        #expect(try p.client("c AUTHENTICATE PLAIN AGFsaWNlAHB3\r\n").count == 1)
        _ = try p.server(TaggedResponse.no("c", "Authentication failed", code: .authenticationFailed))
        #expect(try p.client("d NOOP\r\n") == [Self.command("d NOOP")])
    }

    @Test func refusedSynchronizingLiteralDropsThePartialCommand() throws {
        let p = try Pipeline()
        #expect(try p.client("a APPEND INBOX {10}\r\n") == [.continuationRequired(tag: "a")])
        _ = try p.server(TaggedResponse.no("a", "Quota exceeded", code: .overQuota))
        #expect(try p.client("b NOOP\r\n") == [Self.command("b NOOP")])
        // Accepted: "+" then the literal.
        #expect(try p.client("c APPEND INBOX {2}\r\n") == [.continuationRequired(tag: "c")])
        #expect(try p.server(.continuation(.text("Ready"))) == "+ Ready\r\n")
        let out = try p.client("hi\r\n")
        guard case .command(let command) = out.first, case .append(let append) = command.command else {
            Issue.record("no APPEND: \(out)")
            return
        }
        #expect(String(buffer: append.message) == "hi")
    }

    @Test func encoderSwitchesToUTF8AfterEnabled() throws {
        let p = try Pipeline()
        let list = Response.untagged(.list(ListResponse(attributes: [], delimiter: "/", mailbox: "Entwürfe")))
        #expect(try p.server(list) == "* LIST () \"/\" Entw&APw-rfe\r\n")
        #expect(try p.server(.untagged(.enabled(["UTF8=ACCEPT"]))) == "* ENABLED UTF8=ACCEPT\r\n")
        #expect(try p.server(list) == "* LIST () \"/\" \"Entwürfe\"\r\n")
    }
}
