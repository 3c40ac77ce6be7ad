import Foundation
import MailCore
import MessageFormat
import Queue
import SMTPProtocol
import Testing
import TestRandom

/// RFC 3464 reports inside RFC 6522 multipart/report, checked with our own MIME parser.
@Suite struct DSNTests {
    let now = Date(timeIntervalSince1970: 1_800_000_900)

    func failed(_ envelope: QueueEnvelope) -> DeliveryStatusNotification {
        var p = RecipientProgress()
        p.state = .bounced
        p.lastAttempt = now
        p.lastRelay = "mx.example.net[192.0.2.1]:25"
        p.lastReply = SMTPReply(550, EnhancedStatus(5, 1, 1), "<bob@example.net>: Recipient address rejected: User unknown")
        return DeliveryStatusNotification(kind: .failure, reportingMTA: "mail.example.org", original: envelope,
                                          recipients: [DSNRecipient(recipient: envelope.recipients[0], progress: p)], now: now)
    }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func failureReportStructure() throws {
        var e = sampleEnvelope()
        e.parameters.dsnReturn = nil
        e.recipients[0].originalRecipient = "rfc822;Bob@example.net"
        let bytes = failed(e).message(originalContent: sampleContent, boundarySeed: 1)
        let message = MessageParser.parse(bytes)
        let header = message.header
        #expect(header.first("From")?.text == "Mail Delivery System <MAILER-DAEMON@mail.example.org>")
        #expect(header.first("To")?.text == "<alice@example.org>")
        #expect(header.first("Auto-Submitted")?.text == "auto-replied")
        #expect(header.first("Message-ID")?.text == "<ABC123.B@mail.example.org>")
        let ct = header.first("Content-Type")?.text ?? ""
        #expect(ct.hasPrefix("multipart/report; report-type=delivery-status; boundary="))
        #expect(message.root.children.count == 3)
        let status = text(message.decodedBody(message.root.children[1]))
        #expect(message.root.children[1].header.first("Content-Type")?.text == "message/delivery-status")
        for expected in ["Reporting-MTA: dns; mail.example.org", "X-Postern-Queue-ID: ABC123", "Original-Envelope-Id: env id+1",
                         "Original-Recipient: rfc822; Bob@example.net", "Final-Recipient: rfc822; bob@example.net", "Action: failed",
                         "Status: 5.1.1", "Remote-MTA: dns; mx.example.net",
                         "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown"] {
            #expect(status.contains(expected + "\r\n"), "missing \(expected)")
        }
        #expect(message.root.children[2].header.first("Content-Type")?.text == "message/rfc822")
        #expect(text(Array(message[message.root.children[2].bodyRange])).contains("Subject: hi"))
        #expect(text(message.decodedBody(message.root.children[0])).contains("host mx.example.net said: 550 5.1.1"))
    }

    @Test func headersOnlyWhenAskedOrLarge() throws {
        var e = sampleEnvelope()
        e.parameters.dsnReturn = .headers
        var bytes = failed(e).message(originalContent: sampleContent, boundarySeed: 2)
        var message = MessageParser.parse(bytes)
        #expect(message.root.children[2].header.first("Content-Type")?.text == "text/rfc822-headers")
        #expect(!text(bytes).contains("hello\r\n"))
        e.parameters.dsnReturn = nil
        var dsn = failed(e)
        dsn.returnedContentLimit = 10
        bytes = dsn.message(originalContent: sampleContent, boundarySeed: 3)
        message = MessageParser.parse(bytes)
        #expect(message.root.children[2].header.first("Content-Type")?.text == "text/rfc822-headers")
    }

    @Test func delayReport() throws {
        var p = RecipientProgress()
        p.deferrals = 3
        p.lastRelay = "none"
        p.lastReply = SMTPReply(451, EnhancedStatus(4, 4, 1), "connect to mx.example.net[192.0.2.1]:25: Connection refused")
        let e = sampleEnvelope()
        let dsn = DeliveryStatusNotification(kind: .delay, reportingMTA: "mail.example.org", original: e,
                                             recipients: [DSNRecipient(recipient: e.recipients[0], progress: p)], now: now,
                                             willRetryUntil: e.arrival.addingTimeInterval(5 * 86_400))
        let bytes = dsn.message(originalContent: sampleContent, boundarySeed: 4)
        let message = MessageParser.parse(bytes)
        #expect(message.header.first("Subject")?.text == "Delayed Mail (still being retried)")
        let status = text(message.decodedBody(message.root.children[1]))
        #expect(status.contains("Action: delayed\r\n"))
        #expect(status.contains("Status: 4.4.1\r\n"))
        #expect(status.contains("Will-Retry-Until: "))
        // Our own reason, not a remote server's: no Remote-MTA, X-Postern diagnostic.
        #expect(!status.contains("Remote-MTA"))
        #expect(status.contains("Diagnostic-Code: X-Postern; 451 4.4.1"))
        #expect(text(message.decodedBody(message.root.children[0])).contains("THIS IS A WARNING ONLY"))
    }

    @Test func successReportsReturnTheHeaderUnlessRETFULL() throws {
        var p = RecipientProgress()
        p.state = .delivered
        p.lastRelay = "local"
        p.lastReply = SMTPReply(250, EnhancedStatus(2, 0, 0), "delivered to mailbox")
        var e = sampleEnvelope()
        e.parameters.dsnReturn = nil
        var dsn = DeliveryStatusNotification(kind: .delivered, reportingMTA: "mail.example.org", original: e,
                                             recipients: [DSNRecipient(recipient: e.recipients[0], progress: p)], now: now)
        dsn.notificationID = "ABC123.D"
        var message = MessageParser.parse(dsn.message(originalContent: sampleContent, boundarySeed: 5))
        #expect(message.header.first("Subject")?.text == "Successful Mail Delivery Report")
        #expect(message.header.first("Message-ID")?.text == "<ABC123.D@mail.example.org>")
        let status = text(message.decodedBody(message.root.children[1]))
        #expect(status.contains("Action: delivered\r\n"))
        #expect(status.contains("Status: 2.0.0\r\n"))
        #expect(!status.contains("Remote-MTA"))
        #expect(message.root.children[2].header.first("Content-Type")?.text == "text/rfc822-headers")
        #expect(text(message.decodedBody(message.root.children[0])).contains("<bob@example.net>: delivered to mailbox"))

        e.parameters.dsnReturn = .full
        p.lastRelay = "relay.example.net[192.0.2.7]:587"
        p.lastReply = SMTPReply(250, EnhancedStatus(2, 0, 0), "Ok: queued as 4Xyz")
        dsn = DeliveryStatusNotification(kind: .relayed, reportingMTA: "mail.example.org", original: e,
                                         recipients: [DSNRecipient(recipient: e.recipients[0], progress: p)], now: now)
        message = MessageParser.parse(dsn.message(originalContent: sampleContent, boundarySeed: 6))
        let relayed = text(message.decodedBody(message.root.children[1]))
        #expect(relayed.contains("Action: relayed\r\n"))
        #expect(relayed.contains("Remote-MTA: dns; relay.example.net\r\n"))
        #expect(message.root.children[2].header.first("Content-Type")?.text == "message/rfc822")
        #expect(text(message.decodedBody(message.root.children[0])).contains("does not send delivery"))
    }

    @Test func utf8RecipientUsesGlobalTypes() throws {
        var e = sampleEnvelope(recipients: ["jürgen@example.net"])
        e.parameters.dsnReturn = nil
        let bytes = failed(e).message(originalContent: sampleContent, boundarySeed: 5)
        let message = MessageParser.parse(bytes)
        #expect(message.root.children[1].header.first("Content-Type")?.text == "message/global-delivery-status")
        #expect(text(message.decodedBody(message.root.children[1])).contains("Final-Recipient: utf-8; jürgen@example.net"))
    }

    @Test func boundaryNeverOccursInTheReturnedMessage() {
        let seed: UInt64 = 99
        let collision = Array("--=_postern_\(String(seed, radix: 36))\r\n".utf8)
        let bytes = failed(sampleEnvelope()).message(originalContent: collision + sampleContent, boundarySeed: seed)
        let message = MessageParser.parse(bytes)
        #expect(message.root.children.count == 3)
    }
}

@Suite struct MXOrderTests {
    func mx(_ p: UInt16, _ name: String) -> MXRecord { MXRecord(preference: p, exchange: try! DNSName(name)) }

    @Test func preferenceOrderWithShuffledTies() {
        let records = [mx(20, "c.example"), mx(10, "a.example"), mx(10, "b.example"), mx(30, "d.example"), mx(10, "a.example")]
        var orders = Set<[String]>()
        for seed in 0..<64 {
            var rng = SplitMix64(seed: UInt64(seed))
            let ordered = MXOrder.order(records, using: &rng).map(\.exchange.description)
            #expect(ordered.count == 4)
            #expect(Set(ordered.prefix(2)) == ["a.example", "b.example"])
            #expect(Array(ordered.suffix(2)) == ["c.example", "d.example"])
            orders.insert(ordered)
        }
        // Both orders of the equal-preference pair occur.
        #expect(orders.count == 2)
    }
}

import DNSClient
