// What a message submission agent does to a message from an authenticated user (RFC 6409
// §8): the From: addresses must be the user's own (Postfix's reject_sender_login_mismatch,
// applied to the header as well, so a user cannot send as someone else); a missing Date: or
// Message-ID: is added (§8.3, §8.4); a missing From: becomes the user's address (§8.1 allows
// completing the header).

import Foundation
import MailCore
import MessageFormat
import SMTPProtocol

enum SubmissionRules {
    /// The header fields to prepend, or the refusal.
    static func fieldsToAdd(content: [UInt8], user: EmailAddress, owned: Set<EmailAddress>, hostname: String,
                            now: Date = Date()) -> Result<[[UInt8]], SMTPReply> {
        let header = MessageParser.parseHeader(content)
        var add: [[UInt8]] = []
        let from = header.fromMailboxes
        if from.isEmpty {
            if header.first("From") != nil {
                return .failure(SMTPReply(550, EnhancedStatus(5, 6, 0), "From: header has no valid address"))
            }
            add.append(HeaderEditing.field(name: "From", value: "<\(user)>"))
        }
        for mailbox in from {
            guard let address = mailbox.emailAddress?.canonical, owned.contains(address) else {
                let shown = mailbox.emailAddress?.description ?? mailbox.address
                return .failure(Replies.fromHeaderNotOwned(shown))
            }
        }
        if header.first("Date") == nil {
            add.append(HeaderEditing.field(name: "Date", value: RFC5322Date.format(seconds: Int64(now.timeIntervalSince1970))))
        }
        if header.first("Message-ID") == nil {
            var rng = SystemRandomNumberGenerator()
            let id = String(rng.next(), radix: 36) + "." + String(UInt64(now.timeIntervalSince1970 * 1000), radix: 36)
            add.append(HeaderEditing.field(name: "Message-ID", value: "<\(id)@\(hostname)>"))
        }
        return .success(add)
    }
}
