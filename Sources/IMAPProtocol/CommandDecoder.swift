public import NIOCore

/// What the decoder hands to the session.
public enum ClientMessage: Hashable, Sendable {
    /// A complete command.
    case command(TaggedCommand)
    /// The client announced a synchronizing literal (`{n}`) within the limits and waits for a
    /// command continuation request (RFC 9051 §7.5): the session writes `+ Ready`, or refuses
    /// the command with a tagged `NO`/`BAD`, after which the decoder drops the partial command.
    case continuationRequired(tag: String)
    /// `DONE` ended an IDLE (RFC 2177 §3).
    case idleDone
    /// One client response of an AUTHENTICATE exchange, base64-decoded (RFC 9051 §6.2.2). An
    /// empty line is an empty response.
    case authenticationResponse([UInt8])
    /// A command (or IDLE or AUTHENTICATE line) that cannot be accepted; `ParseError.response`
    /// is the answer to send.
    case error(ParseError)
}

/// The framing decoder: turns the client's byte stream into `ClientMessage`s.
///
/// It reads a command line by line. A line that ends with a literal announcement (`{n}`,
/// `{n+}`, `{n-}`, `~{n}`) is checked before anything is allocated for the literal: the
/// announced size against `IMAPLimits.literal` (or `appendLiteral` for the message of APPEND,
/// found by parsing the command so far), and the command's total against `IMAPLimits.command`.
///
/// Refused literals (RFC 7888 §4 and §5). A refused synchronizing literal is never sent by the
/// client, which waits for the continuation: the decoder reports the error and reads the next
/// line as a new command. A refused non-synchronizing literal is already on its way: the decoder
/// reports the error (tagged `BAD [TOOBIG]`, or `NO [TOOBIG]` for an APPEND message) and then
/// reads and throws away its octets, and the rest of the command, without buffering them, so
/// the connection stays usable. Only a literal larger than `IMAPLimits.discardableLiteral` (a
/// `{4294967295+}`) is not worth skipping: the error then has `closesConnection` set, the
/// answer is `* BYE`, and the decoder ignores all further input. So does a malformed
/// announcement (`{5x}`): its data cannot be told apart from commands.
///
/// Modes. After IDLE the decoder waits for DONE; after AUTHENTICATE every line is a client
/// response until the session writes the tagged result (observed through `write(data:)`) or
/// calls `endAuthentication()`; after STARTTLS the bytes already received and every byte until
/// the tagged STARTTLS result is written are discarded, never parsed (a command injected before
/// the TLS handshake must not run).
///
/// The message of APPEND is handed over as one `ByteBuffer`, a slice of the decoder's input
/// buffer: its octets are not copied by the decoder.
public struct CommandDecoder: WriteObservingByteToMessageDecoder {
    public typealias InboundOut = ClientMessage
    public typealias OutboundIn = Response

    public enum Mode: Hashable, Sendable {
        case command
        /// Waiting for `DONE` to end the IDLE of this tag.
        case idle(tag: String)
        /// Reading the client's responses of the AUTHENTICATE of this tag.
        case authenticating(tag: String)
        /// After STARTTLS: discarding input until the tagged result is written.
        case awaitingTLS
        /// After a fatal error: discarding all input.
        case closed
    }

    private enum State {
        /// Reading a line of a command.
        case line
        /// Reading the data of an accepted literal.
        case literal(size: Int)
        /// Skipping the octets of a refused non-synchronizing literal, then the rest of its command.
        case skipLiteral(remaining: UInt64)
        /// Skipping the lines of a refused command (after an over-long line or a refused
        /// literal) until one does not announce a non-synchronizing literal.
        case skipCommand
    }

    public let limits: IMAPLimits
    public private(set) var mode: Mode = .command
    private var state: State = .line
    private var frame = CommandFrame()
    private var frameSize = 0
    /// How far the current line was searched for LF without finding one.
    private var scanned = 0
    /// Tag of a command waiting for a continuation request.
    private var awaitingContinuation: String?
    /// Watches the end of a line being skipped for a literal announcement.
    private var skipScanner = LiteralTailScanner()

    public init(limits: IMAPLimits = IMAPLimits()) {
        self.limits = limits
    }

    // MARK: session control

    /// Ends an AUTHENTICATE exchange (also done when the session writes a tagged response).
    public mutating func endAuthentication() {
        if case .authenticating = mode { mode = .command }
    }

    /// Resumes command parsing after STARTTLS (also done when the tagged result is written).
    public mutating func endStartTLS() {
        if mode == .awaitingTLS { mode = .command }
    }

    /// Observes what the session writes, in order, before it reaches the client.
    public mutating func write(data: Response) {
        switch data {
        case .tagged(let tagged):
            switch mode {
            case .authenticating, .awaitingTLS:
                mode = .command
            case .idle(let tag) where tag == tagged.tag:
                // The IDLE was refused (RFC 9051 §6.3.13 allows it only once authenticated):
                // no DONE will come.
                mode = .command
            default:
                break
            }
            if awaitingContinuation == tagged.tag {
                // The session refused a synchronizing literal: the client will not send it.
                awaitingContinuation = nil
                resetFrame()
                state = .line
            }
        case .continuation:
            awaitingContinuation = nil
        default:
            break
        }
    }

    // MARK: ByteToMessageDecoder

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let message = next(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(message))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial command at EOF is dropped: there is nobody to answer.
        while let message = next(&buffer) {
            context.fireChannelRead(Self.wrapInboundOut(message))
        }
        return .needMoreData
    }

    // MARK: the state machine

    /// Decodes the next message from `buffer`, consuming what it used; nil when more input is
    /// needed. Usable without a channel (tests, or a session that drives framing itself).
    public mutating func next(_ buffer: inout ByteBuffer) -> ClientMessage? {
        while true {
            switch mode {
            case .closed, .awaitingTLS:
                buffer.moveReaderIndex(to: buffer.writerIndex)
                scanned = 0
                return nil
            case .idle(let tag):
                guard let line = readLine(&buffer, limit: limits.line) else { return nil }
                mode = .command
                switch line {
                case .tooLong:
                    return .error(ParseError(tag: tag, reason: .lineTooLong))
                case .line(let bytes):
                    if bytes.count == 4, bytes.lowercasedASCII() == Array("done".utf8) { return .idleDone }
                    return .error(ParseError(tag: tag, reason: .expectedDone))
                }
            case .authenticating(let tag):
                guard let line = readLine(&buffer, limit: limits.authenticationLine) else { return nil }
                switch line {
                case .tooLong:
                    mode = .command
                    return .error(ParseError(tag: tag, reason: .lineTooLong))
                case .line(let bytes):
                    // RFC 9051 §6.2.2: "*" cancels; the server answers with a tagged BAD.
                    if bytes == [UInt8(ascii: "*")] {
                        mode = .command
                        return .error(ParseError(tag: tag, reason: .authenticationCancelled))
                    }
                    guard let decoded = Base64.decode(bytes) else {
                        mode = .command
                        return .error(ParseError(tag: tag, reason: .invalidBase64))
                    }
                    return .authenticationResponse(decoded)
                }
            case .command:
                switch step(&buffer) {
                case .message(let message): return message
                case .needMoreData: return nil
                case .progress: continue
                }
            }
        }
    }

    private enum Line {
        case line([UInt8])
        /// With the tag the line started with, when it had one.
        case tooLong(tag: String?)
    }

    /// Reads one line without its CRLF. Leniency: a bare LF ends a line too (RFC 9051 §2.2
    /// requires CRLF; Dovecot and Cyrus accept LF alone). An over-long line is reported at once
    /// and then skipped (state `.skipCommand`), so the next line starts clean.
    private mutating func readLine(_ buffer: inout ByteBuffer, limit: Int) -> Line? {
        let view = buffer.readableBytesView
        let searchStart = view.startIndex + min(scanned, view.count)
        if let lf = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let length = lf - view.startIndex
            scanned = 0
            var end = length
            if end > 0, view[view.startIndex + end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if end > limit {
                // Left to `.skipCommand`, which also skips a non-synchronizing literal
                // announced at its end.
                state = .skipCommand
                return .tooLong(tag: Self.leadingTag(view))
            }
            let bytes = buffer.readBytes(length: end) ?? []
            buffer.moveReaderIndex(forwardBy: length + 1 - end)
            return .line(bytes)
        }
        scanned = view.count
        if view.count > limit + 1 {
            // Too long already: drop what we have and keep dropping until LF.
            let tag = Self.leadingTag(view)
            buffer.moveReaderIndex(to: buffer.writerIndex)
            scanned = 0
            state = .skipCommand
            return .tooLong(tag: tag)
        }
        return nil
    }

    /// The tag at the start of an over-long line, so that even its refusal can be tagged.
    private static func leadingTag(_ view: ByteBufferView) -> String? {
        GrammarParser.tag(of: Array(view.prefix(128)))
    }

    private mutating func resetFrame() {
        frame = CommandFrame()
        frameSize = 0
        awaitingContinuation = nil
    }

    private var frameTag: String? {
        frame.lines.first.flatMap(GrammarParser.tag(of:))
    }

    private enum Step {
        case message(ClientMessage)
        case needMoreData
        /// Input was consumed without completing a message: go on.
        case progress
    }

    private mutating func step(_ buffer: inout ByteBuffer) -> Step {
        switch state {
        case .skipLiteral(let remaining):
            guard buffer.readableBytes > 0 else { return .needMoreData }
            let count = Int(min(remaining, UInt64(buffer.readableBytes)))
            buffer.moveReaderIndex(forwardBy: count)
            let left = remaining - UInt64(count)
            state = left == 0 ? .skipCommand : .skipLiteral(remaining: left)
            return .progress
        case .skipCommand:
            // The skipped line is scanned as it goes by, so that a non-synchronizing literal
            // announced at its end is skipped too, however the line is split or padded.
            let view = buffer.readableBytesView
            var consumed = 0
            var lineEnded = false
            for byte in view {
                consumed += 1
                if byte == UInt8(ascii: "\n") {
                    lineEnded = true
                    break
                }
                skipScanner.feed(byte)
            }
            buffer.moveReaderIndex(forwardBy: consumed)
            guard lineEnded else { return .needMoreData }
            if let header = skipScanner.header, !header.synchronizing, header.size <= UInt64(limits.discardableLiteral) {
                state = .skipLiteral(remaining: header.size)
            } else {
                state = .line
            }
            skipScanner = LiteralTailScanner()
            return .progress
        case .literal(let size):
            guard buffer.readableBytes >= size, let data = buffer.readSlice(length: size) else { return .needMoreData }
            frame.literals.append(data)
            state = .line
            return .progress
        case .line:
            guard let line = readLine(&buffer, limit: limits.line) else { return .needMoreData }
            switch line {
            case .tooLong(let lineTag):
                let tag = frame.lines.isEmpty ? lineTag : frameTag
                resetFrame()
                return .message(.error(ParseError(tag: tag, reason: .lineTooLong)))
            case .line(let bytes):
                return appendLine(bytes).map(Step.message) ?? .progress
            }
        }
    }

    /// Adds a line to the command; either completes it or starts its next literal.
    private mutating func appendLine(_ bytes: [UInt8]) -> ClientMessage? {
        frame.lines.append(bytes)
        frameSize += bytes.count
        let tag = frameTag
        guard frameSize <= limits.command else {
            resetFrame()
            return .error(ParseError(tag: tag, reason: .commandTooLong))
        }
        guard let header = LiteralHeader(endOf: bytes[...]) else {
            if LiteralHeader.looksLikeAnnouncement(bytes[...]) {
                // `{5x}`, `{+}`...: data may follow whose length nobody can know. Parsing it as
                // commands would let it inject some (the CRLF-injection case of RFC 7888 §4's
                // discussion), so the connection is closed instead.
                resetFrame()
                mode = .closed
                return .error(ParseError(tag: tag, reason: .syntax("literal size"), closesConnection: true))
            }
            return complete()
        }
        // Decide the literal's limit before reading any of it.
        let use = literalUse()
        var refusal: ParseError.Reason?
        switch use {
        case .failure(let reason):
            refusal = reason
        case .use(.message):
            refusal = header.size > UInt64(limits.appendLiteral) ? .messageTooLarge : nil
        case .use(.other):
            if header.size > UInt64(limits.literal) {
                refusal = .literalTooLarge
            } else if UInt64(frameSize) + header.size > UInt64(limits.command)
                        || frame.literals.count >= limits.literalsPerCommand {
                refusal = .commandTooLong
            } else {
                refusal = nil
            }
        }
        if refusal == nil, !header.synchronizing, header.size > UInt64(limits.nonSynchronizingLiteral) {
            // RFC 7888 §5 (LITERAL-): "BAD [TOOBIG]", then the literal is skipped below.
            refusal = .literalTooLarge
        }
        if let refusal {
            resetFrame()
            if header.synchronizing {
                // RFC 9051 §7.5: the client waits for "+"; it gets the refusal instead.
                return .error(ParseError(tag: tag, reason: refusal))
            }
            if header.size > UInt64(limits.discardableLiteral) {
                mode = .closed
                return .error(ParseError(tag: tag, reason: refusal, closesConnection: true))
            }
            state = .skipLiteral(remaining: header.size)
            return .error(ParseError(tag: tag, reason: refusal))
        }
        if case .use(.other) = use { frameSize += Int(header.size) }
        state = .literal(size: Int(header.size))
        if header.synchronizing, let tag {
            awaitingContinuation = tag
            return .continuationRequired(tag: tag)
        }
        return nil
    }

    private enum LiteralUseDecision {
        case use(LiteralUse)
        case failure(ParseError.Reason)
    }

    /// Only APPEND carries a large literal; for it the command so far is parsed (a probe) to
    /// know whether the announced literal is the message or, say, the mailbox name. A syntax
    /// error found by the probe refuses the command before its literal is read.
    private func literalUse() -> LiteralUseDecision {
        guard let first = frame.lines.first, GrammarParser.tag(of: first) != nil else {
            return .failure(.invalidTag)
        }
        guard GrammarParser.commandName(of: first) == "APPEND" else { return .use(.other) }
        var probe = GrammarParser(frame: frame, limits: limits, probing: true)
        do {
            _ = try probe.parseTaggedCommand()
            return .failure(.syntax("end of command"))
        } catch {
            switch error {
            case .pendingLiteral(let use): return .use(use)
            case .invalid(let reason): return .failure(reason)
            }
        }
    }

    /// Parses a complete command and switches mode for IDLE, AUTHENTICATE and STARTTLS.
    private mutating func complete() -> ClientMessage {
        let tag = frameTag
        var parser = GrammarParser(frame: frame, limits: limits)
        resetFrame()
        do {
            let command = try parser.parseTaggedCommand()
            switch command.command {
            case .idle: mode = .idle(tag: command.tag)
            case .authenticate: mode = .authenticating(tag: command.tag)
            case .starttls: mode = .awaitingTLS
            default: break
            }
            return .command(command)
        } catch {
            switch error {
            case .invalid(let reason):
                return .error(ParseError(tag: reason == .invalidTag ? nil : tag, reason: reason))
            case .pendingLiteral:
                return .error(ParseError(tag: tag, reason: .syntax("literal data")))
            }
        }
    }
}

/// A literal announcement at the end of a line: `"{" number64 ["+" / "-"] "}"`, or `"~{" ...`
/// for literal8 (RFC 9051 §9, RFC 7888 §3, RFC 3516 §4.2).
struct LiteralHeader {
    let size: UInt64
    let synchronizing: Bool

    /// A line that ends like an announcement but is not a valid one: `{` (after SP, `(` or
    /// `~`, or at the start) then anything but `number64 ["+" / "-"]`, then `}`. `{` is an
    /// atom-special, so no valid command line ends like that outside a quoted string; one
    /// inside a quoted string would leave the string unterminated.
    static func looksLikeAnnouncement(_ line: ArraySlice<UInt8>) -> Bool {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return false }
        guard !line[open...].contains(UInt8(ascii: "\"")) else { return false }
        return open == line.startIndex || [UInt8(ascii: " "), UInt8(ascii: "("), UInt8(ascii: "~")].contains(line[open - 1])
    }

    init?(endOf line: ArraySlice<UInt8>) {
        guard line.last == UInt8(ascii: "}") else { return nil }
        var index = line.endIndex - 1
        var synchronizing = true
        if index > line.startIndex, line[index - 1] == UInt8(ascii: "+") || line[index - 1] == UInt8(ascii: "-") {
            synchronizing = false
            index -= 1
        }
        let digitsEnd = index
        while index > line.startIndex, ByteClass.isDigit(line[index - 1]) { index -= 1 }
        guard index < digitsEnd, index > line.startIndex, line[index - 1] == UInt8(ascii: "{") else { return nil }
        var size: UInt64 = 0
        for b in line[index..<digitsEnd] {
            // Saturate: an absurd size is refused by every limit anyway.
            let (times, o1) = size.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            size = o1 || o2 ? UInt64.max : sum
        }
        self.size = size
        self.synchronizing = synchronizing
    }
}

/// One-shot parsing of a complete command given as bytes, literals included inline (no
/// continuation requests): for tests and tools.
public enum CommandParser {
    public static func parse(_ bytes: some Sequence<UInt8>, limits: IMAPLimits = IMAPLimits()) throws(ParseError) -> TaggedCommand {
        var decoder = CommandDecoder(limits: limits)
        var buffer = ByteBuffer(bytes: Array(bytes))
        while let message = decoder.next(&buffer) {
            switch message {
            case .command(let command): return command
            case .error(let error): throw error
            case .continuationRequired, .idleDone, .authenticationResponse: continue
            }
        }
        throw ParseError(tag: nil, reason: .syntax("complete command"))
    }

    public static func parse(_ text: String, limits: IMAPLimits = IMAPLimits()) throws(ParseError) -> TaggedCommand {
        try parse(Array(text.utf8), limits: limits)
    }
}

/// Recognises a literal announcement at the end of a line fed byte by byte, keeping no bytes:
/// used while a refused command is skipped.
struct LiteralTailScanner {
    private enum State {
        case other
        case open
        case digits(UInt64)
        case sign(UInt64)
        case closed(UInt64, synchronizing: Bool)
    }

    private var state = State.other

    mutating func feed(_ byte: UInt8) {
        switch (state, byte) {
        case (_, UInt8(ascii: "{")):
            state = .open
        case (.open, _) where ByteClass.isDigit(byte):
            state = .digits(UInt64(byte - UInt8(ascii: "0")))
        case (.digits(let n), _) where ByteClass.isDigit(byte):
            let (times, o1) = n.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            state = .digits(o1 || o2 ? UInt64.max : sum)
        case (.digits(let n), UInt8(ascii: "+")), (.digits(let n), UInt8(ascii: "-")):
            state = .sign(n)
        case (.digits(let n), UInt8(ascii: "}")):
            state = .closed(n, synchronizing: true)
        case (.sign(let n), UInt8(ascii: "}")):
            state = .closed(n, synchronizing: false)
        case (.closed, UInt8(ascii: "\r")):
            break
        default:
            state = .other
        }
    }

    /// The announcement the line ended with, if any.
    var header: (size: UInt64, synchronizing: Bool)? {
        if case .closed(let size, let synchronizing) = state { return (size, synchronizing) }
        return nil
    }
}
