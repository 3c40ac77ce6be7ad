// Framing of the SMTP byte stream: command lines, DATA content (RFC 5321 §4.5.2 dot
// transparency, §4.1.1.4 end of data) and BDAT chunks (RFC 3030 §2). Pure: works on the
// bytes it is given; the channel handler owns the buffer and the mode switches.
//
// End of DATA and the SMTP smuggling class (CVE-2023-51764/51765/51766): only
// <CRLF>.<CRLF> ends a message, where the CRLF before the dot is a real CR LF pair.
// Bare LF and bare CR in content are NORMALISED to CRLF (as Postfix 3.9's
// smtpd_forbid_bare_newline = normalize does for LF; we do the same for CR, which RFC 5322
// §2.3 forbids alone), so "\n.\r\n", "\r.\r\n" and "\r\n.\n" are content, never an end:
// the stored message contains a line with a single "." that any later hop dot-stuffs.
// A "." starting a line after a bare line ending is still unstuffed, so LF-only clients
// that dot-stuff keep their content.

public import NIOCore

public enum SMTPFrame: Hashable, Sendable {
    /// A command line without its line ending. `moreBuffered`: bytes were already waiting
    /// after this line (the client pipelined).
    case line(ByteBuffer, moreBuffered: Bool)
    /// A command line longer than the limit; the decoder skipped to the next line ending.
    case lineTooLong
    /// Message content, unstuffed, with CRLF line endings.
    case data(ByteBuffer)
    /// The end of DATA content; `bareLineEndings` counts bare LFs and CRs that were normalised.
    case dataEnd(bareLineEndings: Int)
    /// BDAT chunk content, as sent.
    case chunk(ByteBuffer)
    /// All bytes of the announced chunk were read.
    case chunkEnd(last: Bool)
}

public struct SMTPFrameDecoder: Sendable {
    public struct Limits: Sendable {
        /// RFC 5321 §4.5.3.1.4 sets 512 octets for command lines, extensions raise it, and
        /// RFC 4954 §4 allows SASL lines of 12,288 octets; we accept that and no more.
        public var commandLine = 12_288
        /// Largest content piece handed up at once (keeps memory flat while streaming).
        public var dataPiece = 64 * 1024
        public init() {}
    }

    public enum Mode: Hashable, Sendable {
        case command
        /// After DATA or STARTTLS: nothing is decoded until the session decides.
        case paused
        case data
        case chunk(remaining: Int, last: Bool)
        /// Discarding an over-long line up to its LF.
        case skippingLine
    }

    enum DataState: Sendable {
        /// At the start of a line; `real` when the previous line ended with CR LF.
        case lineStart(real: Bool)
        case lineStartDot(real: Bool)
        case lineStartDotCR(real: Bool)
        case inLine
        case inLineCR
    }

    public private(set) var mode: Mode = .command
    var dataState: DataState = .lineStart(real: true)
    var bareLineEndings = 0
    /// The last content piece has been handed up; `.dataEnd` comes next.
    var pendingEnd = false
    public let limits: Limits

    public init(limits: Limits = .init()) {
        self.limits = limits
    }

    /// Called by the session's driver to leave `.paused`.
    public mutating func resumeCommands() { mode = .command }

    public mutating func beginData() {
        mode = .data
        dataState = .lineStart(real: true)
        bareLineEndings = 0
    }

    /// Decodes the next frame from the front of `buffer`, or returns nil for "need more".
    public mutating func decode(_ buffer: inout ByteBuffer) -> SMTPFrame? {
        if pendingEnd {
            pendingEnd = false
            mode = .command
            return .dataEnd(bareLineEndings: bareLineEndings)
        }
        switch mode {
        case .paused:
            return nil
        case .skippingLine:
            guard let lf = buffer.readableBytesView.firstIndex(of: 0x0A) else {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return nil
            }
            buffer.moveReaderIndex(to: lf + 1)
            mode = .command
            return decode(&buffer)
        case .command:
            return decodeLine(&buffer)
        case .data:
            return decodeData(&buffer)
        case .chunk(let remaining, let last):
            if remaining == 0 {
                mode = .command
                return .chunkEnd(last: last)
            }
            guard buffer.readableBytes > 0 else { return nil }
            let n = min(remaining, buffer.readableBytes, limits.dataPiece)
            let piece = buffer.readSlice(length: n)!
            mode = .chunk(remaining: remaining - n, last: last)
            return .chunk(piece)
        }
    }

    mutating func decodeLine(_ buffer: inout ByteBuffer) -> SMTPFrame? {
        let view = buffer.readableBytesView
        guard let lf = view.firstIndex(of: 0x0A) else {
            if view.count > limits.commandLine {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                mode = .skippingLine
                return .lineTooLong
            }
            return nil
        }
        let start = view.startIndex
        var end = lf
        // RFC 5321 §2.3.8 requires CRLF; like Postfix we accept a bare LF on command lines.
        if end > start && view[end - 1] == 0x0D { end -= 1 }
        guard end - start <= limits.commandLine else {
            buffer.moveReaderIndex(to: lf + 1)
            return .lineTooLong
        }
        let line = buffer.getSlice(at: start, length: end - start)!
        buffer.moveReaderIndex(to: lf + 1)
        if let chunk = Self.bdatSize(line) {
            mode = .chunk(remaining: chunk.size, last: chunk.last)
        } else if Self.isPausingCommand(line) {
            mode = .paused
        }
        return .line(line, moreBuffered: buffer.readableBytes > 0)
    }

    /// DATA and STARTTLS change how the following bytes are read, so nothing after them is
    /// decoded until the session has answered (RFC 2920 §3.1: they end a pipeline group).
    public static func isPausingCommand(_ line: ByteBuffer) -> Bool {
        var v = line.readableBytesView[...]
        while v.last == 0x20 || v.last == 0x09 { v = v.dropLast() }
        return asciiCaseInsensitiveEquals(v, "DATA") || asciiCaseInsensitiveEquals(v, "STARTTLS")
    }

    /// The chunk size of a syntactically valid `BDAT n [LAST]`: those bytes follow at once,
    /// whatever the session answers (RFC 3030 §2, §4), so the framer must always consume them.
    static func bdatSize(_ line: ByteBuffer) -> (size: Int, last: Bool)? {
        let v = line.readableBytesView
        guard v.count >= 6, asciiCaseInsensitiveEquals(v.prefix(5), "BDAT ") else { return nil }
        let parts = v.dropFirst(5).split(separator: 0x20)
        guard (1...2).contains(parts.count), parts[0].count <= 18, parts[0].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var size = 0
        for d in parts[0] { size = size * 10 + Int(d - 0x30) }
        if parts.count == 2 {
            guard asciiCaseInsensitiveEquals(parts[1], "LAST") else { return nil }
            return (size, true)
        }
        return (size, false)
    }

    static func asciiCaseInsensitiveEquals(_ bytes: some Collection<UInt8>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
        return word.withUTF8Buffer { w in zip(bytes, w).allSatisfy { lower($0) == lower($1) } }
    }

    mutating func decodeData(_ buffer: inout ByteBuffer) -> SMTPFrame? {
        guard buffer.readableBytes > 0 else { return nil }
        var out = ByteBuffer()
        out.reserveCapacity(min(buffer.readableBytes + 64, limits.dataPiece + 64))
        var consumed = 0
        var ended = false
        buffer.withUnsafeReadableBytes { raw in
            let count = raw.count
            var i = 0
            while i < count && out.writerIndex < limits.dataPiece {
                let b = raw[i]
                i += 1
                switch dataState {
                case .inLine:
                    if b == 0x0D {
                        dataState = .inLineCR
                    } else if b == 0x0A {
                        bareLineEndings += 1
                        out.writeInteger(UInt16(0x0D0A))
                        dataState = .lineStart(real: false)
                    } else {
                        // Copy the run of ordinary bytes in one go.
                        var j = i
                        while j < count && raw[j] != 0x0D && raw[j] != 0x0A { j += 1 }
                        out.writeInteger(b)
                        if j > i { out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[i..<j])); i = j }
                    }
                case .inLineCR:
                    if b == 0x0A {
                        out.writeInteger(UInt16(0x0D0A))
                        dataState = .lineStart(real: true)
                    } else {
                        // A bare CR: normalised to a line ending, then `b` starts the next line.
                        bareLineEndings += 1
                        out.writeInteger(UInt16(0x0D0A))
                        dataState = .lineStart(real: false)
                        i -= 1
                    }
                case .lineStart(let real):
                    if b == 0x2E {
                        dataState = .lineStartDot(real: real)
                    } else {
                        dataState = .inLine
                        i -= 1
                    }
                case .lineStartDot(let real):
                    if b == 0x0D {
                        dataState = .lineStartDotCR(real: real)
                    } else if b == 0x0A {
                        // ".<LF>": not an end of data; a content line holding a dot.
                        bareLineEndings += 1
                        out.writeBytes([0x2E, 0x0D, 0x0A])
                        dataState = .lineStart(real: false)
                    } else {
                        // RFC 5321 §4.5.2: a leading dot followed by more text is removed.
                        dataState = .inLine
                        i -= 1
                    }
                case .lineStartDotCR(let real):
                    if b == 0x0A && real {
                        ended = true
                    } else if b == 0x0A {
                        out.writeBytes([0x2E, 0x0D, 0x0A])
                        dataState = .lineStart(real: true)
                    } else {
                        // ".<CR>x": bare CR after the dot.
                        bareLineEndings += 1
                        out.writeBytes([0x2E, 0x0D, 0x0A])
                        dataState = .lineStart(real: false)
                        i -= 1
                    }
                }
                if ended { break }
            }
            consumed = i
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        if ended {
            if out.readableBytes > 0 {
                // Hand over the last content first; the end is reported on the next call.
                pendingEnd = true
                return .data(out)
            }
            mode = .command
            return .dataEnd(bareLineEndings: bareLineEndings)
        }
        return out.readableBytes > 0 ? .data(out) : nil
    }
}
