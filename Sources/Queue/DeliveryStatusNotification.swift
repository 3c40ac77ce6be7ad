// Delivery status notifications (RFC 3464) with the multipart/report container (RFC 6522):
// a human-readable part, the machine-readable message/delivery-status, and the original
// message (or its header, RFC 3461 §4.3 RET=HDRS or when it is large). Sent from the null
// reverse path (RFC 5321 §4.5.5), marked Auto-Submitted (RFC 3834 §5), never sent for mail
// whose own reverse path is null (no backscatter).
//
// UTF-8 addresses use the `utf-8` address type and message/global-delivery-status
// (RFC 6533 §3, §6).

public import Foundation
import MailCore
import MessageFormat
import SMTPProtocol
import SMTPClient

public enum DSNKind: String, Sendable, Hashable {
    /// Action: failed (RFC 3464 §2.3.3).
    case failure
    /// Action: delayed.
    case delay
    /// Action: delivered: into a mailbox here, for NOTIFY=SUCCESS (RFC 3461 §6.2.1).
    case delivered
    /// Action: relayed: handed to a server that does not take DSN requests, so no later
    /// notice can come (RFC 3461 §6.2.2).
    case relayed

    /// The queue id suffix of the DSN (so it is queued at most once per message).
    var idSuffix: String {
        switch self {
        case .failure: ".B"
        case .delay: ".W"
        case .delivered: ".D"
        case .relayed: ".R"
        }
    }

    var action: String {
        switch self {
        case .failure: "failed"
        case .delay: "delayed"
        case .delivered: "delivered"
        case .relayed: "relayed"
        }
    }

    var isSuccess: Bool { self == .delivered || self == .relayed }
}

public struct DSNRecipient: Sendable {
    public var recipient: QueueRecipient
    public var progress: RecipientProgress
    public init(recipient: QueueRecipient, progress: RecipientProgress) {
        self.recipient = recipient
        self.progress = progress
    }
}

public struct DeliveryStatusNotification: Sendable {
    public var kind: DSNKind
    /// Our host name (Reporting-MTA).
    public var reportingMTA: String
    public var original: QueueEnvelope
    public var recipients: [DSNRecipient]
    public var now: Date
    /// Delay notices: when we give up (Will-Retry-Until, RFC 3464 §2.3.9).
    public var willRetryUntil: Date?
    /// The original is returned whole up to this size, its header only beyond it (Postfix's
    /// bounce_size_limit).
    public var returnedContentLimit = 100 * 1024
    /// The notification's own queue id (its Message-ID's left part).
    public var notificationID: String?

    public init(kind: DSNKind, reportingMTA: String, original: QueueEnvelope, recipients: [DSNRecipient], now: Date, willRetryUntil: Date? = nil) {
        self.kind = kind
        self.reportingMTA = reportingMTA
        self.original = original
        self.recipients = recipients
        self.now = now
        self.willRetryUntil = willRetryUntil
    }

    /// The notification message (CRLF line ends), for `original`'s content.
    public func message(originalContent: [UInt8], boundarySeed: UInt64 = UInt64.random(in: 0...UInt64.max)) -> [UInt8] {
        let utf8 = original.recipients.contains { $0.address.requiresSMTPUTF8 }
            || original.reversePath.address?.requiresSMTPUTF8 == true
        let boundary = Self.boundary(seed: boundarySeed, avoiding: originalContent)
        let host = reportingMTA
        var out: [UInt8] = []
        func line(_ s: String) { out.append(contentsOf: Array(s.utf8)); out.append(contentsOf: [0x0D, 0x0A]) }
        func field(_ name: String, _ value: String) { out.append(contentsOf: HeaderEditing.field(name: name, value: value)) }

        field("From", "Mail Delivery System <MAILER-DAEMON@\(host)>")
        if let sender = original.reversePath.address { field("To", "<\(sender)>") }
        switch kind {
        case .failure: field("Subject", "Undelivered Mail Returned to Sender")
        case .delay: field("Subject", "Delayed Mail (still being retried)")
        case .delivered, .relayed: field("Subject", "Successful Mail Delivery Report")
        }
        field("Date", RFC5322Date.format(seconds: Int64(now.timeIntervalSince1970)))
        field("Message-ID", "<\(notificationID ?? original.id + kind.idSuffix)@\(host)>")
        field("Auto-Submitted", "auto-replied")
        field("MIME-Version", "1.0")
        field("Content-Type", "multipart/report; report-type=delivery-status; boundary=\"\(boundary)\"")
        line("")
        line("This is a MIME-encapsulated message.")
        line("")

        line("--" + boundary)
        line("Content-Description: Notification")
        line("Content-Type: text/plain; charset=utf-8")
        line("")
        for l in humanReadable() { line(l) }
        line("")

        line("--" + boundary)
        line("Content-Description: Delivery report")
        line("Content-Type: " + (utf8 ? "message/global-delivery-status" : "message/delivery-status"))
        line("")
        // RFC 3464 §2.2: per-message fields.
        line("Reporting-MTA: dns; \(host)")
        line("X-Postern-Queue-ID: \(original.id)")
        if let envid = original.parameters.envelopeID { line("Original-Envelope-Id: \(Self.printable(envid))") }
        line("Arrival-Date: \(RFC5322Date.format(seconds: Int64(original.arrival.timeIntervalSince1970)))")
        for r in recipients {
            line("")
            // RFC 3464 §2.3: per-recipient fields.
            if let orcpt = r.recipient.originalRecipient, let semi = orcpt.firstIndex(of: ";") {
                line("Original-Recipient: \(Self.printable(String(orcpt[..<semi]))); \(Self.printable(String(orcpt[orcpt.index(after: semi)...])))")
            }
            let type = r.recipient.address.requiresSMTPUTF8 ? "utf-8" : "rfc822"
            line("Final-Recipient: \(type); \(r.recipient.address)")
            line("Action: \(kind.action)")
            line("Status: \(Self.status(of: r.progress, kind: kind))")
            if let relay = r.progress.lastRelay, let remote = Self.remoteHost(relay) {
                line("Remote-MTA: dns; \(remote)")
            }
            if let reply = r.progress.lastReply {
                let remote = r.progress.lastRelay.flatMap(Self.remoteHost) != nil
                line("Diagnostic-Code: \(remote ? "smtp" : "X-Postern"); \(reply.oneLine)")
            }
            if let t = r.progress.lastAttempt { line("Last-Attempt-Date: \(RFC5322Date.format(seconds: Int64(t.timeIntervalSince1970)))") }
            if kind == .delay, let until = willRetryUntil {
                line("Will-Retry-Until: \(RFC5322Date.format(seconds: Int64(until.timeIntervalSince1970)))")
            }
        }
        line("")

        line("--" + boundary)
        // RFC 3461 §4.3: RET=HDRS asks for the header only; a success report returns only
        // the header unless RET=FULL was asked for (the sender has the message).
        let wholeMessage = original.parameters.dsnReturn != .headers && originalContent.count <= returnedContentLimit
            && (!kind.isSuccess || original.parameters.dsnReturn == .full)
        let described = switch kind {
        case .failure: "Undelivered Message"
        case .delay: "Delayed Message"
        case .delivered, .relayed: "Delivered Message"
        }
        if wholeMessage {
            line("Content-Description: \(described)")
            line("Content-Type: " + (utf8 ? "message/global" : "message/rfc822"))
            line("")
            out.append(contentsOf: originalContent)
            if let last = originalContent.last, last != 0x0A { line("") }
        } else {
            line("Content-Description: \(described) Headers")
            line("Content-Type: " + (utf8 ? "message/global-headers" : "text/rfc822-headers"))
            line("")
            let header = MessageParser.parseHeader(originalContent)
            out.append(contentsOf: originalContent[header.range])
            if header.range.isEmpty || originalContent[header.range].last != 0x0A { line("") }
        }
        line("--" + boundary + "--")
        return out
    }

    func humanReadable() -> [String] {
        var lines = ["This is the mail system at host \(reportingMTA).", ""]
        switch kind {
        case .failure:
            lines += ["I'm sorry to have to inform you that your message could not",
                      "be delivered to one or more recipients. It's attached below.", "",
                      "For further assistance, please send mail to postmaster.", "",
                      "If you do so, please include this problem report. You can",
                      "delete your own text from the attached returned message.", ""]
        case .delay:
            let until = willRetryUntil.map { RFC5322Date.format(seconds: Int64($0.timeIntervalSince1970)) } ?? "later"
            lines += ["####################################################################",
                      "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #",
                      "####################################################################", "",
                      "Your message could not be delivered for more than \(Self.age(original.arrival, now)).",
                      "It will be retried until \(until).", ""]
        case .delivered:
            lines += ["Your message was successfully delivered to the destination(s)",
                      "listed below, into their mailboxes. You will receive no further",
                      "notifications about them.", ""]
        case .relayed:
            lines += ["Your message was successfully delivered to the destination(s)",
                      "listed below, to a mail system that does not send delivery",
                      "notifications: you may still receive reports of delivery errors",
                      "from other systems, but no report of success.", ""]
        }
        if kind.isSuccess {
            for r in recipients {
                let via = r.progress.lastRelay.flatMap(Self.remoteHost).map { " (relayed to \($0))" } ?? ": delivered to mailbox"
                lines.append("<\(r.recipient.address)>\(via)")
            }
            return lines
        }
        for r in recipients {
            let why = r.progress.lastReply.map { $0.oneLine } ?? "no reason given"
            let via = r.progress.lastRelay.flatMap(Self.remoteHost).map { " (host \($0) said: " + why + ")" } ?? ": " + why
            lines.append("<\(r.recipient.address)>\(via)")
        }
        return lines
    }

    static func age(_ from: Date, _ to: Date) -> String {
        let s = Int(max(0, to.timeIntervalSince(from)))
        if s >= 86_400 { return "\(s / 86_400) day(s)" }
        if s >= 3600 { return "\(s / 3600) hour(s)" }
        return "\(max(1, s / 60)) minute(s)"
    }

    /// RFC 3464 §2.3.4 Status: the reply's enhanced code, or one made from its class.
    static func status(of p: RecipientProgress, kind: DSNKind) -> String {
        if kind.isSuccess {
            if let e = p.lastReply?.enhanced, e.description.hasPrefix("2.") { return e.description }
            return "2.0.0"
        }
        if let e = p.lastReply?.enhanced { return e.description }
        if let c = p.lastReply?.code { return c >= 500 ? "5.0.0" : "4.0.0" }
        return kind == .failure ? "5.0.0" : "4.0.0"
    }

    /// `host[address]:port` -> `host`; nil for replies we made up ourselves.
    static func remoteHost(_ relay: String) -> String? {
        guard let bracket = relay.firstIndex(of: "["), bracket != relay.startIndex else { return nil }
        return String(relay[..<bracket])
    }

    /// A boundary that does not occur in the returned content.
    static func boundary(seed: UInt64, avoiding content: [UInt8]) -> String {
        var s = seed
        while true {
            let candidate = "=_postern_" + String(s, radix: 36)
            if !contains(content, Array(candidate.utf8)) { return candidate }
            s = s &* 6364136223846793005 &+ 1442695040888963407
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    static func printable(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value >= 0x20 && $0.value != 0x7F ? Character($0) : "?" }.prefix(500))
    }
}
