// Reply parsing (RFC 5321 §4.2): pure and incremental. Bytes in; complete replies, "need
// more", or a typed error out. Lenient where servers differ in practice (bare LF line ends,
// a code without text), strict where a mistake would desynchronise the session (codes
// that change inside one reply, lines past the limit).

public import SMTPProtocol

public enum SMTPReplyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A line did not start with a valid three-digit reply code.
    case malformedLine(String)
    /// A continuation line carried another code than the first (RFC 5321 §4.2.1: all lines
    /// of a multi-line reply have the same code).
    case inconsistentCode(first: Int, later: Int)
    /// A line longer than `SMTPClientLimits.replyLineOctets`.
    case lineTooLong
    /// More lines than `SMTPClientLimits.replyLines` in one reply.
    case tooManyLines

    public var description: String {
        switch self {
        case .malformedLine(let l): "malformed reply line: \(l)"
        case .inconsistentCode(let a, let b): "reply code changed from \(a) to \(b) inside one reply"
        case .lineTooLong: "reply line too long"
        case .tooManyLines: "reply has too many lines"
        }
    }
}

/// Assembles replies from lines. One instance per connection.
public struct SMTPReplyParser: Sendable {
    public let limits: SMTPClientLimits
    var code: Int?
    var lines: [String] = []

    public init(limits: SMTPClientLimits = SMTPClientLimits()) {
        self.limits = limits
    }

    /// Whether a reply has begun and not yet ended.
    public var isInsideReply: Bool { code != nil }

    /// Splits `bytes` into lines and assembles every complete reply. Bytes after the last
    /// line end stay in `bytes` for the next call.
    public mutating func parse(_ bytes: inout [UInt8]) throws(SMTPReplyError) -> [SMTPReply] {
        var replies: [SMTPReply] = []
        var start = 0
        while let lf = bytes[start...].firstIndex(of: 0x0A) {
            var end = lf
            if end > start && bytes[end - 1] == 0x0D { end -= 1 }
            if let reply = try feed(line: bytes[start..<end]) { replies.append(reply) }
            start = lf + 1
        }
        bytes.removeFirst(start)
        if bytes.count > limits.replyLineOctets { throw .lineTooLong }
        return replies
    }

    /// Feeds one line without its line end; returns the reply when this line ended it.
    ///
    ///     Reply-line = *( Reply-code "-" [ textstring ] CRLF )
    ///                  Reply-code [ SP textstring ] CRLF
    ///     Reply-code = %x32-35 %x30-35 %x30-39
    public mutating func feed(line: some Collection<UInt8>) throws(SMTPReplyError) -> SMTPReply? {
        guard line.count <= limits.replyLineOctets else { throw .lineTooLong }
        let bytes = Array(line)
        guard bytes.count >= 3,
              (0x32...0x35).contains(bytes[0]), (0x30...0x35).contains(bytes[1]), (0x30...0x39).contains(bytes[2])
        else { throw .malformedLine(Self.printable(bytes)) }
        let lineCode = Int(bytes[0] - 0x30) * 100 + Int(bytes[1] - 0x30) * 10 + Int(bytes[2] - 0x30)
        var last = true
        if bytes.count > 3 {
            switch bytes[3] {
            case UInt8(ascii: "-"): last = false
            case UInt8(ascii: " "): last = true
            // Some servers omit the space before text; treat the line as final, as Postfix does.
            default: last = true
            }
        }
        if let code, code != lineCode { throw .inconsistentCode(first: code, later: lineCode) }
        code = lineCode
        let textStart = bytes.count > 3 && (bytes[3] == UInt8(ascii: "-") || bytes[3] == UInt8(ascii: " ")) ? 4 : 3
        lines.append(String(decoding: bytes[textStart...], as: UTF8.self))
        guard lines.count <= limits.replyLines else { throw .tooManyLines }
        guard last else { return nil }
        let reply = Self.makeReply(code: lineCode, lines: lines)
        code = nil
        lines = []
        return reply
    }

    /// Splits a leading enhanced status code (RFC 2034 §3, RFC 3463 §2) off every line when
    /// the first line has one whose class matches the reply code's first digit.
    static func makeReply(code: Int, lines: [String]) -> SMTPReply {
        guard let first = lines.first, let (status, _) = enhancedStatus(in: first), status.klass == code / 100 else {
            return SMTPReply(code, nil, lines)
        }
        let texts = lines.map { line -> String in
            if let (s, rest) = enhancedStatus(in: line), s == status { return rest }
            return line
        }
        return SMTPReply(code, status, texts)
    }

    /// `status-code = class "." subject "." detail` with class 2, 4 or 5 and up to three
    /// digits each for subject and detail, followed by a space or the end of the line.
    static func enhancedStatus(in text: String) -> (EnhancedStatus, String)? {
        let scalars = Array(text.utf8.prefix(12))
        var parts: [Int] = []
        var current = 0, digits = 0, i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c >= 0x30 && c <= 0x39 {
                digits += 1
                guard digits <= 3 else { return nil }
                current = current * 10 + Int(c - 0x30)
            } else if c == UInt8(ascii: ".") && parts.count < 2 && digits > 0 {
                parts.append(current); current = 0; digits = 0
            } else if c == UInt8(ascii: " ") {
                break
            } else {
                return nil
            }
            i += 1
        }
        guard parts.count == 2, digits > 0, [2, 4, 5].contains(parts[0]) else { return nil }
        let rest = String(decoding: Array(text.utf8).dropFirst(min(i + 1, text.utf8.count)), as: UTF8.self)
        return (EnhancedStatus(parts[0], parts[1], current), rest)
    }

    static func printable(_ bytes: [UInt8]) -> String {
        String(bytes.prefix(80).map { $0 >= 0x20 && $0 < 0x7F ? Character(Unicode.Scalar($0)) : "?" })
    }
}

extension SMTPReply {
    /// The reply on one line, as DSN Diagnostic-Code and log lines show it:
    /// `550 5.1.1 <x@example.org>: Recipient address rejected`.
    public var oneLine: String {
        var s = String(code)
        if let e = enhanced { s += " " + e.description }
        let text = lines.filter { !$0.isEmpty }.joined(separator: " ")
        if !text.isEmpty { s += " " + text }
        return String(s.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }.prefix(600))
    }
}
