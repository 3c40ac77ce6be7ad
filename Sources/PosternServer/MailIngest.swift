// The one way mail enters Postern (Postfix's cleanup): trace headers, loop detection, then
// local copies written and fsynced into the recipients' Maildirs, and everything bound
// elsewhere handed to the queue. The SMTP 250 goes out only after both are durable.

import Foundation
import Logging
public import MailCore
import NIOCore
public import SMTPProtocol
import SMTPServer
import Store
import Accounts

/// Where mail for other domains goes: the durable queue (forwarding and sending).
public protocol OutboundQueue: Sendable {
    /// Stores the message for these recipients durably (fsynced) and returns its queue id.
    func enqueue(message: [UInt8], reversePath: ReversePath, recipients: [EmailAddress], parameters: MailParameters,
                 queueID: String) async throws -> String
}

struct MailIngest: MessageIngest {
    let store: MailStore
    let directory: AccountDirectory
    let hostname: String
    let logger: Logger
    var queue: (any OutboundQueue)?

    /// Postfix's hopcount_limit: a message with more Received headers is looping.
    static let hopLimit = 50

    init(store: MailStore, directory: AccountDirectory, hostname: String, logger: Logger, queue: (any OutboundQueue)? = nil) {
        self.store = store
        self.directory = directory
        self.hostname = hostname
        self.logger = logger
        self.queue = queue
    }

    func ingest(_ message: ReceivedMessage) async -> SMTPReply {
        if Self.countReceivedHeaders(message.content) >= Self.hopLimit {
            return SMTPReply(554, EnhancedStatus(5, 4, 6), "Too many hops: mail forwarding loop")
        }
        var mailboxes: [EmailAddress] = []
        var remote: [EmailAddress] = []
        for r in message.recipients {
            switch r.info {
            case .hosted(let resolution):
                for m in resolution.mailboxes where !mailboxes.contains(m) { mailboxes.append(m) }
                for f in resolution.forwards where !remote.contains(f) { remote.append(f) }
            case .outbound:
                if !remote.contains(r.address) { remote.append(r.address) }
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

        if !remote.isEmpty {
            guard let queue else {
                logger.error("no outbound queue", metadata: ["queue_id": .string(message.queueID)])
                return Replies.localError
            }
            do {
                _ = try await queue.enqueue(message: trace + content, reversePath: message.reversePath, recipients: remote,
                                            parameters: message.mailParameters, queueID: message.queueID)
            } catch {
                logger.error("queue write failed", metadata: ["queue_id": .string(message.queueID), "error": .string("\(error)")])
                return Replies.localError
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
                // Nothing was written; if the queue took the remote copies, the client's retry
                // repeats them: Postfix accepts the same risk after a failed cleanup.
                switch error {
                case .diskFull: return Replies.insufficientStorage
                case .tooLarge: return Replies.messageTooBig(bytes.count)
                default: return Replies.localError
                }
            }
            logger.info("delivered", metadata: ["queue_id": .string(message.queueID), "result": "delivered",
                                                "to": .string(mailboxes.map(\.description).joined(separator: ","))])
        }
        return Replies.accepted(message.queueID)
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

