// The one way mail enters Postern (Postfix's cleanup): trace headers, loop detection, then
// local copies written and fsynced into the recipients' Maildirs, and everything bound
// elsewhere handed to the queue. The SMTP 250 goes out only after both are durable.

import Foundation
import Logging
import MailCore
import NIOCore
public import SMTPProtocol
import SMTPServer
import Store
import Accounts
public import Queue

/// Where mail for other domains goes: the durable queue (forwarding and sending).
public protocol OutboundQueue: Sendable {
    /// Stores the message for these recipients durably (fsynced) and returns its queue id.
    func enqueue(_ request: EnqueueRequest) async throws(QueueError) -> String
    /// Queues a success DSN (RFC 3461 §6.2.1) for recipients delivered into mailboxes here.
    func reportDelivered(id: String, reversePath: ReversePath, parameters: MailParameters, recipients: [QueueRecipient],
                         content: [UInt8]) async
}

struct MailIngest: MessageIngest {
    let store: MailStore
    let directory: AccountDirectory
    let hostname: String
    let logger: Logger
    var queue: (any OutboundQueue)?
    /// Rewrites the sender of forwarded mail (SRS) so the destination's SPF check passes.
    var srs: SRS?
    /// The time SRS stamps into addresses (the queue's clock).
    var now: @Sendable () -> Date

    /// Postfix's hopcount_limit: a message with more Received headers is looping.
    static let hopLimit = 50

    init(store: MailStore, directory: AccountDirectory, hostname: String, logger: Logger, queue: (any OutboundQueue)? = nil,
         srs: SRS? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.directory = directory
        self.hostname = hostname
        self.logger = logger
        self.queue = queue
        self.srs = srs
        self.now = now
    }

    func ingest(_ message: ReceivedMessage) async -> SMTPReply {
        if Self.countReceivedHeaders(message.content) >= Self.hopLimit {
            return SMTPReply(554, EnhancedStatus(5, 4, 6), "Too many hops: mail forwarding loop")
        }
        var mailboxes: [EmailAddress] = []
        var mailboxParameters: [EmailAddress: RecipientParameters] = [:]
        // Sent by an authenticated user: the sender stays as it is.
        var outbound: [QueueRecipient] = []
        // Forwarded by an alias (or an SRS bounce address): by the hosted domain that forwards.
        var forwarded: [(domain: Domain, recipient: QueueRecipient)] = []
        var remoteSeen = Set<EmailAddress>()
        func remote(_ address: EmailAddress, _ p: RecipientParameters) -> QueueRecipient? {
            guard remoteSeen.insert(address.canonical).inserted else { return nil }
            return QueueRecipient(address: address, transport: .remote, notify: p.notify,
                                  originalRecipient: p.orcptType.map { "\($0);\(p.orcptAddress ?? "")" })
        }
        for r in message.recipients {
            switch r.info {
            case .hosted(let resolution):
                for m in resolution.mailboxes where !mailboxes.contains(m) {
                    mailboxes.append(m)
                    mailboxParameters[m] = r.parameters
                }
                for f in resolution.forwards {
                    if let q = remote(f, r.parameters) { forwarded.append((r.address.domain, q)) }
                }
            case .returned(let target):
                if let q = remote(target, r.parameters) { forwarded.append((r.address.domain, q)) }
            case .outbound:
                if let q = remote(r.address, r.parameters) { outbound.append(q) }
            }
        }
        var content = Array(message.content.readableBytesView)
        if message.listener == .submission, let user = message.client.authenticatedUser {
            let owned = (try? directory.sendableAddresses(for: user)) ?? [user]
            switch SubmissionRules.fieldsToAdd(content: content, user: user, owned: owned, hostname: hostname) {
            case .failure(let refusal):
                logger.warning("submission refused", metadata: ["queue_id": .string(message.queueID), "user": .string(user.description),
                                                                 "result": "rejected", "reason": .string(refusal.lines.joined(separator: " "))])
                return refusal
            case .success(let fields):
                if !fields.isEmpty { content = fields.flatMap { $0 } + content }
            }
        }
        var trace = Array(message.receivedHeader.utf8)
        trace.reserveCapacity(trace.count + content.count + 64)

        var groups: [(ReversePath, [QueueRecipient])] = []
        if !outbound.isEmpty { groups.append((message.reversePath, outbound)) }
        for domain in orderedDomains(forwarded.map(\.domain)) {
            groups.append((forwardingSender(message.reversePath, domain: domain), forwarded.filter { $0.domain == domain }.map(\.recipient)))
        }
        if !groups.isEmpty {
            guard let queue else {
                logger.error("no outbound queue", metadata: ["queue_id": .string(message.queueID)])
                return Replies.localError
            }
            for (sender, recipients) in groups {
                do {
                    _ = try await queue.enqueue(EnqueueRequest(id: message.queueID, reversePath: sender, parameters: message.mailParameters,
                                                               recipients: recipients, content: trace + content))
                } catch {
                    logger.error("queue write failed", metadata: ["queue_id": .string(message.queueID), "error": .string("\(error)")])
                    return error.isDiskFull ? Replies.insufficientStorage : Replies.localError
                }
            }
        }
        if !mailboxes.isEmpty {
            // RFC 5321 §4.4: the final delivery adds Return-Path. Maildir files keep Unix line
            // endings, as Postfix's local(8) and Dovecot write them and mutt expects; IMAP
            // turns them back into CRLF.
            var bytes = Array("Return-Path: \(message.reversePath)\n".utf8)
            bytes.reserveCapacity(bytes.count + trace.count + content.count)
            Self.appendUnixLineEndings(trace, to: &bytes)
            Self.appendUnixLineEndings(content, to: &bytes)
            do {
                try await store.deliver(bytes, to: mailboxes.map { DeliveryTarget(account: $0) })
            } catch {
                logger.error("local delivery failed", metadata: ["queue_id": .string(message.queueID), "error": .string("\(error)")])
                switch error {
                case .tooLarge:
                    return Replies.messageTooBig(bytes.count)
                case .diskFull, .failed, .invalidTarget:
                    // Postfix's behaviour: what cannot be delivered now waits in the queue,
                    // and the client hears 250 once the queue has it on disk.
                    if let queue {
                        let recipients = mailboxes.map { m in
                            QueueRecipient(address: m, transport: .local, notify: mailboxParameters[m]?.notify,
                                           originalRecipient: mailboxParameters[m].flatMap { p in p.orcptType.map { "\($0);\(p.orcptAddress ?? "")" } })
                        }
                        do {
                            let id = try await queue.enqueue(EnqueueRequest(id: message.queueID, reversePath: message.reversePath,
                                                                            parameters: message.mailParameters, recipients: recipients,
                                                                            content: trace + content))
                            logger.info("local delivery queued", metadata: ["queue_id": .string(id), "result": "deferred",
                                                                             "to": .string(mailboxes.map(\.description).joined(separator: ","))])
                            return Replies.accepted(message.queueID)
                        } catch {
                            logger.error("queue write failed", metadata: ["queue_id": .string(message.queueID), "error": .string("\(error)")])
                        }
                    }
                    // Nothing was written; if the queue took the remote copies, the client's
                    // retry repeats them: Postfix accepts the same risk after a failed cleanup.
                    if case .diskFull = error { return Replies.insufficientStorage }
                    return Replies.localError
                }
            }
            logger.info("delivered", metadata: ["queue_id": .string(message.queueID), "result": "delivered",
                                                "to": .string(mailboxes.map(\.description).joined(separator: ","))])
            // RFC 3461 §6.2.1: NOTIFY=SUCCESS is answered once the message is in the mailbox.
            let wantSuccess = mailboxes.compactMap { m -> QueueRecipient? in
                guard let p = mailboxParameters[m], p.notify?.success == true else { return nil }
                return QueueRecipient(address: m, transport: .local, notify: p.notify,
                                      originalRecipient: p.orcptType.map { "\($0);\(p.orcptAddress ?? "")" })
            }
            if !wantSuccess.isEmpty, let queue {
                await queue.reportDelivered(id: message.queueID, reversePath: message.reversePath, parameters: message.mailParameters,
                                            recipients: wantSuccess, content: trace + content)
            }
        }
        return Replies.accepted(message.queueID)
    }

    /// The reverse path of forwarded mail: rewritten with SRS in the forwarding domain,
    /// except the null path and senders in our own domains (their SPF already names us).
    func forwardingSender(_ path: ReversePath, domain: Domain) -> ReversePath {
        guard case .mailbox(let sender) = path, let srs else { return path }
        if (try? directory.isHosted(sender.domain)) == true { return path }
        return .mailbox(srs.forward(sender, forwardingDomain: domain, now: now()))
    }

    func orderedDomains(_ domains: [Domain]) -> [Domain] {
        var seen = Set<Domain>()
        return domains.filter { seen.insert($0).inserted }
    }

    /// Appends `source` with every CRLF turned into LF (content is already normalised to
    /// CRLF by the SMTP framer, so no bare CR remains).
    static func appendUnixLineEndings(_ source: [UInt8], to out: inout [UInt8]) {
        source.withUnsafeBufferPointer { src in
            var start = 0
            var i = 0
            let n = src.count
            while i < n {
                if src[i] == 0x0D && i + 1 < n && src[i + 1] == 0x0A {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: src[start..<i]))
                    start = i + 1
                    i += 2
                } else {
                    i += 1
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: src[start..<n]))
        }
    }

    /// Counts `Received:` fields in the header section (up to the first empty line).
    static func countReceivedHeaders(_ content: ByteBuffer) -> Int {
        var count = 0
        var atLineStart = true
        let view = content.readableBytesView
        var i = view.startIndex
        while i < view.endIndex {
            if atLineStart {
                if view[i] == 0x0D || view[i] == 0x0A { break }   // end of header
                if view.endIndex - i >= 9 {
                    let word = view[i..<(i + 9)].map { $0 | 0x20 }
                    if word == Array("received:".utf8) { count += 1 }
                }
            }
            atLineStart = view[i] == 0x0A
            i += 1
        }
        return count
    }
}

struct DirectoryAuthenticator: Authenticator {
    let directory: AccountDirectory

    func authenticate(username: String, password: String) async -> EmailAddress? {
        if case .success(let user) = await directory.authenticate(username, password: password) { return user }
        return nil
    }

    func sendableAddresses(for user: EmailAddress) async -> Set<EmailAddress> {
        (try? directory.sendableAddresses(for: user)) ?? [user]
    }
}

