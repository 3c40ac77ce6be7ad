// The queue file: one per message, written once, never changed (the journal beside it
// records what happened). A text header, the content, and an end marker carrying a
// SHA-256 of everything before it, so a file cut short by a crash or damaged on disk is
// recognised and quarantined instead of half-delivered (Postfix's REC_TYPE_END).
//
//     POSTERN-QUEUE 1
//     id <queue id>
//     arrival <seconds since 1970>
//     sender <xtext address>          ("sender" alone: the null reverse path)
//     body 8BITMIME                    optional, RFC 6152 / RFC 3030
//     smtputf8                         optional, RFC 6531
//     ret FULL|HDRS                    optional, RFC 3461 §4.3
//     envid <xtext>                    optional, RFC 3461 §4.4
//     eightbit                         optional: the content has 8-bit octets
//     rcpt <local|remote> <xtext address> [notify=<list>] [orcpt=<xtext type;address>]
//     content <octets>
//     <content>
//     end <sha256 hex>
//
// Addresses and parameters are xtext (RFC 3461 §4), so no field can contain a space or a
// line end. Parsing is pure and bounded by `SpoolLimits`.

import Crypto
import Foundation
import MailCore
import SMTPProtocol

public struct SpoolLimits: Sendable, Hashable {
    /// A header line of the queue file.
    public var headerLine = 4096
    /// Recipients of one queued message (Postfix's default smtpd_recipient_limit is 1000;
    /// alias expansion can add more).
    public var recipients = 10_000
    /// Content octets of one message (far above any configured message size limit).
    public var contentOctets = 1 << 30
    /// Journal records of one message (a week of retries is a few hundred).
    public var journalRecords = 100_000
    /// A journal line.
    public var journalLine = 4096

    public init() {}
}

public enum SpoolFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    case badMagic
    case truncated(String)
    case malformed(String)
    case limit(String)
    case checksumMismatch

    public var description: String {
        switch self {
        case .badMagic: "not a Postern queue file"
        case .truncated(let s): "truncated: \(s)"
        case .malformed(let s): "malformed: \(s)"
        case .limit(let s): "limit exceeded: \(s)"
        case .checksumMismatch: "end marker checksum does not match"
        }
    }
}

public enum SpoolFormat {
    static let magic = "POSTERN-QUEUE 1"

    /// The whole file for `envelope` and `content`.
    public static func encode(_ envelope: QueueEnvelope, content: [UInt8]) -> [UInt8] {
        var head = magic + "\n"
        head += "id \(envelope.id)\n"
        head += "arrival \(Int64(envelope.arrival.timeIntervalSince1970))\n"
        switch envelope.reversePath {
        case .null: head += "sender\n"
        case .mailbox(let a): head += "sender \(SMTPCommandParser.encodeXtext(a.description))\n"
        }
        let p = envelope.parameters
        if let body = p.body { head += "body \(body.rawValue)\n" }
        if p.smtpUTF8 { head += "smtputf8\n" }
        if let ret = p.dsnReturn { head += "ret \(ret.rawValue)\n" }
        if let envid = p.envelopeID { head += "envid \(SMTPCommandParser.encodeXtext(envid))\n" }
        if envelope.eightBit { head += "eightbit\n" }
        for r in envelope.recipients {
            head += "rcpt \(r.transport.rawValue) \(SMTPCommandParser.encodeXtext(r.address.description))"
            if let n = r.notify { head += " notify=\(notifyText(n))" }
            if let o = r.originalRecipient { head += " orcpt=\(SMTPCommandParser.encodeXtext(o))" }
            head += "\n"
        }
        head += "content \(content.count)\n"
        var out = Array(head.utf8)
        out.reserveCapacity(out.count + content.count + 80)
        out.append(contentsOf: content)
        let digest = SHA256.hash(data: out)
        out.append(contentsOf: Array("end \(hex(digest))\n".utf8))
        return out
    }

    /// RFC 3461 §4.1 NOTIFY value.
    static func notifyText(_ n: DSNNotify) -> String {
        if n.never { return "NEVER" }
        var parts: [String] = []
        if n.success { parts.append("SUCCESS") }
        if n.failure { parts.append("FAILURE") }
        if n.delay { parts.append("DELAY") }
        return parts.joined(separator: ",")
    }

    static func parseNotify(_ s: Substring) -> DSNNotify? {
        var n = DSNNotify()
        for item in s.split(separator: ",") {
            switch item {
            case "NEVER": n.never = true
            case "SUCCESS": n.success = true
            case "FAILURE": n.failure = true
            case "DELAY": n.delay = true
            default: return nil
            }
        }
        return n
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The header of a queue file: its envelope, and where the content starts and how long
    /// it is. Reads only the header, so `postern queue list` need not read whole messages.
    public static func decodeHeader(_ bytes: some RandomAccessCollection<UInt8>, limits: SpoolLimits = SpoolLimits()) throws(SpoolFormatError)
        -> (envelope: QueueEnvelope, contentStart: Int, contentLength: Int) {
        var lines = LineReader(bytes: bytes, maxLine: limits.headerLine)
        guard let first = try lines.next() else { throw .truncated("empty file") }
        guard first == magic else { throw .badMagic }
        var id: String?
        var arrival: Date?
        var sender: ReversePath?
        var params = MailParameters()
        var eightBit = false
        var recipients: [QueueRecipient] = []
        while true {
            guard let line = try lines.next() else { throw .truncated("header ends before content") }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            let key = parts[0]
            let value = parts.count > 1 ? parts[1] : nil
            switch key {
            case "id":
                guard parts.count == 2, let v = value, QueueID.isValid(v) else { throw .malformed("id") }
                id = String(v)
            case "arrival":
                guard parts.count == 2, let v = value, let s = Int64(v), s >= 0 else { throw .malformed("arrival") }
                arrival = Date(timeIntervalSince1970: TimeInterval(s))
            case "sender":
                if parts.count == 1 {
                    sender = .null
                } else {
                    guard parts.count == 2, let v = value, let a = address(v) else { throw .malformed("sender") }
                    sender = .mailbox(a)
                }
            case "body":
                guard parts.count == 2, let v = value, let b = BodyType(rawValue: String(v)) else { throw .malformed("body") }
                params.body = b
            case "smtputf8":
                params.smtpUTF8 = true
            case "ret":
                guard parts.count == 2, let v = value, let r = DSNReturn(rawValue: String(v)) else { throw .malformed("ret") }
                params.dsnReturn = r
            case "envid":
                guard parts.count == 2, let v = value, let d = SMTPCommandParser.decodeXtext(String(v)) else { throw .malformed("envid") }
                params.envelopeID = d
            case "eightbit":
                eightBit = true
            case "rcpt":
                guard parts.count >= 3, let t = Transport(rawValue: String(parts[1])), let a = address(parts[2]) else { throw .malformed("rcpt") }
                var r = QueueRecipient(address: a, transport: t)
                for extra in parts.dropFirst(3) {
                    if extra.hasPrefix("notify="), let n = parseNotify(extra.dropFirst(7)) {
                        r.notify = n
                    } else if extra.hasPrefix("orcpt="), let o = SMTPCommandParser.decodeXtext(String(extra.dropFirst(6))) {
                        r.originalRecipient = o
                    } else {
                        throw .malformed("rcpt parameter")
                    }
                }
                guard recipients.count < limits.recipients else { throw .limit("recipients") }
                recipients.append(r)
            case "content":
                guard parts.count == 2, let v = value, v.count <= 12, let n = Int(v), n >= 0 else { throw .malformed("content") }
                guard n <= limits.contentOctets else { throw .limit("content octets") }
                guard let id, let arrival, let sender, !recipients.isEmpty else { throw .malformed("incomplete header") }
                let envelope = QueueEnvelope(id: id, arrival: arrival, reversePath: sender, parameters: params, recipients: recipients, eightBit: eightBit)
                return (envelope, lines.offset, n)
            default:
                throw .malformed("unknown field")
            }
        }
    }

    /// A whole queue file: header, content, and the end marker checked.
    public static func decode(_ bytes: [UInt8], limits: SpoolLimits = SpoolLimits()) throws(SpoolFormatError) -> (QueueEnvelope, ArraySlice<UInt8>) {
        let (envelope, start, length) = try decodeHeader(bytes, limits: limits)
        guard bytes.count >= start + length else { throw .truncated("content") }
        let endLine = bytes[(start + length)...]
        let expected = "end " + String(repeating: "0", count: 64) + "\n"
        guard endLine.count == expected.utf8.count else { throw .truncated("end marker") }
        guard endLine.starts(with: Array("end ".utf8)), endLine.last == 0x0A else { throw .truncated("end marker") }
        let stored = String(decoding: endLine.dropFirst(4).dropLast(), as: UTF8.self)
        let digest = SHA256.hash(data: bytes[..<(start + length)])
        guard hex(digest) == stored else { throw .checksumMismatch }
        return (envelope, bytes[start..<(start + length)])
    }

    static func address(_ xtext: Substring) -> EmailAddress? {
        guard let text = SMTPCommandParser.decodeXtext(String(xtext)) else { return nil }
        return try? EmailAddress(text)
    }
}

/// Lines of a byte collection, each at most `maxLine` octets, LF-terminated.
struct LineReader<C: RandomAccessCollection<UInt8>> {
    let bytes: C
    let maxLine: Int
    var offset = 0

    init(bytes: C, maxLine: Int) {
        self.bytes = bytes
        self.maxLine = maxLine
    }

    /// The next line without its LF; nil at the end; an error for an over-long or
    /// unterminated line.
    mutating func next() throws(SpoolFormatError) -> String? {
        guard offset < bytes.count else { return nil }
        let start = bytes.index(bytes.startIndex, offsetBy: offset)
        let window = bytes[start...].prefix(maxLine + 1)
        guard let lf = window.firstIndex(of: 0x0A) else {
            if window.count > maxLine { throw .limit("line length") }
            throw .truncated("unterminated line")
        }
        let line = bytes[start..<lf]
        offset += line.count + 1
        guard let text = String(validating: Array(line), as: UTF8.self) else { throw .malformed("invalid UTF-8") }
        return text
    }
}
