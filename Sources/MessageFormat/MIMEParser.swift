// The MIME structure parser: one forward pass over the message with an explicit stack of
// open parts (no recursion on input structure), RFC 2046 §5.1.1 boundary delimiters matched
// the way Dovecot's message-parser does (the delimiter's leading line break belongs to it;
// an enclosing part's delimiter closes the inner parts; a line is a delimiter when it starts
// with "--" and a boundary, the longest boundary wins, the innermost on a tie, so nested
// parts may reuse or extend an outer boundary).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The open multiparts' boundaries, innermost last.
///
///     dash-boundary  := "--" boundary                          ; RFC 2046 §5.1.1
///     delimiter      := CRLF dash-boundary
///     close-delimiter := delimiter "--"
///     boundary       := 0*69<bchars> bcharsnospace
struct BoundarySet {
    struct Entry {
        var frame: Int
        var boundary: [UInt8]
    }
    var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }

    /// Whether the line at `p` is a delimiter: which entry, and whether it is the close
    /// delimiter (boundary followed by "--").
    func match(_ buf: UnsafeBufferPointer<UInt8>, at p: Int, end: Int) -> (entry: Int, isClose: Bool)? {
        guard p + 1 < end, buf[p] == ASCII.dash, buf[p + 1] == ASCII.dash, let base = buf.baseAddress else { return nil }
        var best: Int? = nil
        var bestLength = -1
        var k = entries.count - 1
        while k >= 0 {
            let b = entries[k].boundary
            if b.count > bestLength, p + 2 + b.count <= end,
               b.withUnsafeBufferPointer({ bb in bb.baseAddress.map { memcmp(base + p + 2, $0, b.count) == 0 } ?? false }) {
                best = k
                bestLength = b.count
            }
            k -= 1
        }
        guard let best else { return nil }
        let after = p + 2 + bestLength
        let isClose = after + 1 < end && buf[after] == ASCII.dash && buf[after + 1] == ASCII.dash
        return (best, isClose)
    }
}

struct MIMEStructureParser {
    enum Kind { case leaf, multipart, message }

    struct Frame {
        var part: MIMEPart
        var kind: Kind
        var depth: Int
        var isDigest: Bool
        var bodyStart: Int
        var bodyStartLF: Int
        var bodyStartBare: Int
        var messageEntityStarted = false
    }

    let bytes: [UInt8]
    let buf: UnsafeBufferPointer<UInt8>
    let limits: MessageLimits
    let end: Int
    var stack: [Frame] = []
    var boundaries = BoundarySet()
    /// LF count and bare-LF count of `0..<pos`: every byte is passed once, in order.
    var lineFeeds = 0
    var bareLineFeeds = 0
    var pos = 0
    var partCount = 0
    /// Set when `maxParts` is reached: no more delimiters are looked for.
    var scanningStopped = false
    var root: MIMEPart? = nil

    init(bytes: [UInt8], buf: UnsafeBufferPointer<UInt8>, limits: MessageLimits) {
        self.bytes = bytes
        self.buf = buf
        self.limits = limits
        self.end = buf.count
    }

    static func parse(_ bytes: [UInt8], limits: MessageLimits) -> MIMEPart {
        bytes.withUnsafeBufferPointer { buf in
            var parser = MIMEStructureParser(bytes: bytes, buf: buf, limits: limits)
            return parser.run()
        }
    }

    mutating func run() -> MIMEPart {
        beginPart(at: 0, depth: 0, defaultType: .textPlainDefault)
        while let top = stack.last {
            if top.kind == .message && !top.messageEntityStarted {
                // The encapsulated message starts right at the body (RFC 2046 §5.2.1).
                stack[stack.count - 1].messageEntityStarted = true
                beginPart(at: pos, depth: top.depth + 1, defaultType: .textPlainDefault)
                continue
            }
            guard let delimiter = scanToDelimiter() else {
                while !stack.isEmpty { closeTop(at: end, lf: lineFeeds, bare: bareLineFeeds) }
                break
            }
            let (entry, isClose, lineStart) = delimiter
            let frameIndex = boundaries.entries[entry].frame
            // RFC 2046 §5.1.1: the line break before the delimiter is part of it.
            var contentEnd = lineStart, endLF = lineFeeds, endBare = bareLineFeeds
            if lineStart > 0, buf[lineStart - 1] == ASCII.lf {
                contentEnd -= 1
                endLF -= 1
                if contentEnd > 0, buf[contentEnd - 1] == ASCII.cr { contentEnd -= 1 } else { endBare -= 1 }
            }
            while stack.count - 1 > frameIndex { closeTop(at: contentEnd, lf: endLF, bare: endBare) }
            skipLine()
            if isClose {
                // The epilogue follows; only enclosing boundaries matter in it.
                boundaries.entries.remove(at: entry)
            } else {
                let parent = stack[frameIndex]
                beginPart(at: pos, depth: parent.depth + 1,
                          defaultType: parent.isDigest ? .messageRFC822Default : .textPlainDefault)
            }
        }
        return root ?? MIMEPart(header: .empty(bytes, at: 0, limits: limits), contentType: .textPlainDefault,
                                transferEncoding: .sevenBit, bodyRange: 0..<0, bodyLineCount: 0, bodyBareLineFeeds: 0,
                                headerLineCount: 0, headerBareLineFeeds: 0, children: [], encapsulated: [],
                                limitReached: false)
    }

    /// Advances `pos` past the current line, counting its LF.
    mutating func skipLine() {
        guard let lf = buf.firstLF(from: pos, to: end) else { pos = end; return }
        countLF(at: lf)
        pos = lf + 1
    }

    @inline(__always)
    mutating func countLF(at i: Int) {
        lineFeeds += 1
        if i == 0 || buf[i - 1] != ASCII.cr { bareLineFeeds += 1 }
    }

    /// Moves `pos` to the start of the next delimiter line of an open multipart, or to the
    /// end (nil).
    mutating func scanToDelimiter() -> (entry: Int, isClose: Bool, lineStart: Int)? {
        if scanningStopped || boundaries.isEmpty {
            while let lf = buf.firstLF(from: pos, to: end) {
                countLF(at: lf)
                pos = lf + 1
            }
            pos = end
            return nil
        }
        while pos < end {
            if buf[pos] == ASCII.dash, let m = boundaries.match(buf, at: pos, end: end) {
                return (m.entry, m.isClose, pos)
            }
            guard let lf = buf.firstLF(from: pos, to: end) else { pos = end; return nil }
            countLF(at: lf)
            pos = lf + 1
        }
        return nil
    }

    /// Parses the header of a part starting at `start` and opens it.
    mutating func beginPart(at start: Int, depth: Int, defaultType: ContentType) {
        partCount += 1
        let overflow = partCount >= limits.maxParts
        if overflow { scanningStopped = true }
        let scan = HeaderParser.scan(bytes, buf, start: start, end: end, limits: limits,
                                     boundaries: scanningStopped || boundaries.isEmpty ? nil : boundaries)
        pos = scan.bodyStart
        var headerLF = scan.lineFeeds, headerBare = scan.bareLineFeeds
        var bodyStart = scan.bodyStart
        if scan.interrupted {
            // The header ends before the delimiter's line break; the body is empty.
            bodyStart = scan.header.range.upperBound
            if bodyStart < scan.bodyStart {
                headerLF -= 1
                if bodyStart == scan.bodyStart - 1 { headerBare -= 1 }
            }
        }
        lineFeeds += scan.lineFeeds
        bareLineFeeds += scan.bareLineFeeds
        let header = scan.header

        var contentType = defaultType
        if let field = header.firstRecord("Content-Type") {
            let value = header.boundedValue(field)
            if let parsed = ContentType.parse(value, limits: limits) {
                contentType = parsed
            } else {
                // RFC 2045 §5.2: an invalid Content-Type means text/plain; keep its charset.
                var fallback = ContentType.textPlainDefault
                let params = ContentType.parametersOfBroken(value, limits: limits)
                if params.contains(where: { $0.name == "charset" }) { fallback.parameters = params }
                contentType = fallback
            }
        }
        let encoding = header.firstRecord("Content-Transfer-Encoding").map {
            TransferEncoding(header.boundedValue($0))
        } ?? .sevenBit

        var kind = Kind.leaf
        var limitReached = overflow
        var boundary: [UInt8] = []
        if contentType.isMultipart {
            if let b = contentType.parameter("boundary")?.value, !b.isEmpty, b.count <= limits.maxBoundaryLength {
                boundary = b
                if overflow || scan.interrupted || depth >= limits.effectiveNestingDepth {
                    limitReached = true
                } else {
                    kind = .multipart
                }
            } else {
                // No usable boundary: nothing can be split, so the body is plain text.
                contentType = .textPlainDefault
            }
        } else if contentType.isEncapsulatedMessage && encoding.isIdentity {
            // RFC 2046 §5.2.1: message/rfc822 bodies are 7bit, 8bit or binary; an encoded
            // one is opaque (it cannot be parsed without decoding).
            if overflow || scan.interrupted || depth >= limits.effectiveNestingDepth {
                limitReached = true
            } else {
                kind = .message
            }
        }
        let bodyStartLF = lineFeeds - (scan.lineFeeds - headerLF)
        let bodyStartBare = bareLineFeeds - (scan.bareLineFeeds - headerBare)
        let part = MIMEPart(header: header, contentType: contentType, transferEncoding: encoding,
                            bodyRange: bodyStart..<bodyStart, bodyLineCount: 0, bodyBareLineFeeds: 0,
                            headerLineCount: headerLF, headerBareLineFeeds: headerBare,
                            children: [], encapsulated: [], limitReached: limitReached)
        stack.append(Frame(part: part, kind: kind, depth: depth,
                           isDigest: kind == .multipart && contentType.subtype == "digest",
                           bodyStart: bodyStart, bodyStartLF: bodyStartLF, bodyStartBare: bodyStartBare))
        if kind == .multipart {
            boundaries.entries.append(.init(frame: stack.count - 1, boundary: boundary))
        }
    }

    /// Closes the innermost open part with its body ending at `bodyEnd`.
    mutating func closeTop(at proposedEnd: Int, lf proposedLF: Int, bare proposedBare: Int) {
        var frame = stack.removeLast()
        let index = stack.count
        boundaries.entries.removeAll { $0.frame >= index }
        var bodyEnd = proposedEnd, lf = proposedLF, bare = proposedBare
        // A child whose header ended with the blank line that is also the delimiter's line
        // break (`...\n\n--b`) owns that line break; the container's body covers it.
        let childEnd = frame.part.children.last?.range.upperBound ?? frame.part.encapsulated.first?.range.upperBound
        if let childEnd, childEnd > bodyEnd {
            for i in max(bodyEnd, 0)..<childEnd where buf[i] == ASCII.lf {
                lf += 1
                if i == 0 || buf[i - 1] != ASCII.cr { bare += 1 }
            }
            bodyEnd = childEnd
        }
        if bodyEnd >= frame.bodyStart {
            frame.part.bodyRange = frame.bodyStart..<bodyEnd
            frame.part.bodyLineCount = max(0, lf - frame.bodyStartLF)
            frame.part.bodyBareLineFeeds = max(0, bare - frame.bodyStartBare)
        }
        if stack.isEmpty {
            root = frame.part
        } else if stack[index - 1].kind == .message {
            stack[index - 1].part.encapsulated = [frame.part]
        } else {
            stack[index - 1].part.children.append(frame.part)
        }
    }
}
