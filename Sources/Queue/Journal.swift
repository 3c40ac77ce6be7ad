// The journal beside each queue file: what happened to the message since it was queued,
// one record per line, appended and fsynced, never rewritten (except that recovery cuts a
// torn last line off). A line carries a checksum, so a torn or damaged line is recognised;
// everything from the first bad line on is ignored, which can only make the queue try a
// recipient again (at-least-once), never skip one.
//
//     done <index> <time> <xtext relay> <xtext reply> #<checksum>
//     bounced <index> <time> <xtext relay> <xtext reply> #<checksum>
//     deferred <index> <time> <xtext relay> <xtext reply> #<checksum>
//     warned <time> #<checksum>              the delay DSN was queued
//     notified <index> <time> #<checksum>    the recipient's failure was reported
//
// `reply` is the reply on one line (`550 5.1.1 text`); `index` counts recipients in the
// order of the queue file.

import Crypto
public import Foundation
public import SMTPProtocol
import SMTPClient

public enum JournalRecord: Sendable, Hashable {
    case delivered(recipient: Int, time: Date, relay: String, reply: SMTPReply)
    case bounced(recipient: Int, time: Date, relay: String, reply: SMTPReply)
    case deferred(recipient: Int, time: Date, relay: String, reply: SMTPReply)
    case warned(time: Date)
    case notified(recipient: Int, time: Date)
}

public enum Journal {
    /// One record as a line, LF included.
    public static func encode(_ record: JournalRecord) -> [UInt8] {
        var body: String
        switch record {
        case .delivered(let i, let t, let relay, let reply): body = fields("done", i, t, relay, reply)
        case .bounced(let i, let t, let relay, let reply): body = fields("bounced", i, t, relay, reply)
        case .deferred(let i, let t, let relay, let reply): body = fields("deferred", i, t, relay, reply)
        case .warned(let t): body = "warned \(seconds(t))"
        case .notified(let i, let t): body = "notified \(i) \(seconds(t))"
        }
        body += " #" + checksum(body)
        return Array((body + "\n").utf8)
    }

    static func fields(_ kind: String, _ i: Int, _ t: Date, _ relay: String, _ reply: SMTPReply) -> String {
        "\(kind) \(i) \(seconds(t)) \(SMTPCommandParser.encodeXtext(relay)) \(SMTPCommandParser.encodeXtext(reply.oneLine))"
    }

    static func seconds(_ t: Date) -> Int64 { Int64(t.timeIntervalSince1970.rounded(.down)) }

    static func checksum(_ s: String) -> String {
        String(SpoolFormat.hex(SHA256.hash(data: Array(s.utf8))).prefix(8))
    }

    /// The valid records, and the length of the valid prefix (octets): what follows it is
    /// a torn or damaged tail for recovery to cut off.
    public static func decode(_ bytes: [UInt8], limits: SpoolLimits = SpoolLimits()) -> (records: [JournalRecord], validLength: Int) {
        var records: [JournalRecord] = []
        var offset = 0
        while offset < bytes.count, records.count < limits.journalRecords {
            let window = bytes[offset...].prefix(limits.journalLine + 1)
            guard let lf = window.firstIndex(of: 0x0A) else { break }
            guard let line = String(validating: Array(bytes[offset..<lf]), as: UTF8.self), let record = parseLine(line) else { break }
            records.append(record)
            offset = lf + 1
        }
        return (records, offset)
    }

    static func parseLine(_ line: String) -> JournalRecord? {
        guard let hash = line.range(of: " #", options: .backwards) else { return nil }
        let body = String(line[..<hash.lowerBound])
        guard line[hash.upperBound...] == checksum(body) else { return nil }
        let parts = body.split(separator: " ", omittingEmptySubsequences: false)
        func time(_ s: Substring) -> Date? { Int64(s).map { Date(timeIntervalSince1970: TimeInterval($0)) } }
        switch parts.first {
        case "warned":
            guard parts.count == 2, let t = time(parts[1]) else { return nil }
            return .warned(time: t)
        case "notified":
            guard parts.count == 3, let i = Int(parts[1]), i >= 0, let t = time(parts[2]) else { return nil }
            return .notified(recipient: i, time: t)
        case "done", "bounced", "deferred":
            guard parts.count == 5, let i = Int(parts[1]), i >= 0, let t = time(parts[2]),
                  let relay = SMTPCommandParser.decodeXtext(String(parts[3])),
                  let replyText = SMTPCommandParser.decodeXtext(String(parts[4])),
                  let reply = parseReply(replyText) else { return nil }
            switch parts[0] {
            case "done": return .delivered(recipient: i, time: t, relay: relay, reply: reply)
            case "bounced": return .bounced(recipient: i, time: t, relay: relay, reply: reply)
            default: return .deferred(recipient: i, time: t, relay: relay, reply: reply)
            }
        default:
            return nil
        }
    }

    /// `550 5.1.1 text` back into a reply.
    static func parseReply(_ text: String) -> SMTPReply? {
        var parser = SMTPReplyParser()
        return (try? parser.feed(line: Array(text.utf8))) ?? nil
    }

    /// The per-recipient progress and message flags the records add up to.
    public static func replay(_ records: [JournalRecord], recipients: Int) -> (progress: [RecipientProgress], warned: Bool) {
        var progress = Array(repeating: RecipientProgress(), count: recipients)
        var warned = false
        for r in records {
            switch r {
            case .delivered(let i, let t, let relay, let reply) where i < recipients:
                progress[i].state = .delivered
                progress[i].lastAttempt = t; progress[i].lastRelay = relay; progress[i].lastReply = reply
            case .bounced(let i, let t, let relay, let reply) where i < recipients:
                progress[i].state = .bounced
                progress[i].lastAttempt = t; progress[i].lastRelay = relay; progress[i].lastReply = reply
            case .deferred(let i, let t, let relay, let reply) where i < recipients:
                if progress[i].state == .pending { progress[i].deferrals += 1 }
                progress[i].lastAttempt = t; progress[i].lastRelay = relay; progress[i].lastReply = reply
            case .warned: warned = true
            case .notified(let i, _) where i < recipients:
                progress[i].notified = true
            default: break
            }
        }
        return (progress, warned)
    }
}
