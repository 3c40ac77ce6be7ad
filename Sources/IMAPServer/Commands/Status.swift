// STATUS (RFC 9051 §6.3.11) with SIZE (RFC 8438), HIGHESTMODSEQ (RFC 7162 §3.1.9) and
// IMAP4rev1's RECENT.

import IMAPProtocol
import Store

extension IMAPSession {
    mutating func status<Output: ResponseOutput>(_ wire: WireMailboxName, _ attributes: [StatusAttribute], _ out: inout Output) async throws -> Completion {
        let account = try requireAccount()
        let name = try storeName(wire)
        let status: MailboxStatus
        do {
            status = try await account.status(name)
        } catch {
            throw failure(error)
        }
        // RFC 7162 §3.1: asking for HIGHESTMODSEQ turns CONDSTORE on.
        if attributes.contains(.highestModSeq) { state.enableCondstore() }
        out.send(.untagged(.status(mailbox: name.name, statusValues(status, attributes))))
        return Completion("STATUS completed")
    }

    /// The requested items in the requested order.
    func statusValues(_ status: MailboxStatus, _ attributes: [StatusAttribute]) -> [StatusValue] {
        var seen = Set<StatusAttribute>()
        return attributes.compactMap { attribute in
            guard seen.insert(attribute).inserted else { return nil }
            switch attribute {
            case .messages: return StatusValue(.messages, UInt64(status.messages))
            case .uidNext: return StatusValue(.uidNext, UInt64(status.uidNext))
            case .uidValidity: return StatusValue(.uidValidity, UInt64(status.uidValidity))
            case .unseen: return StatusValue(.unseen, UInt64(status.unseen))
            case .deleted: return StatusValue(.deleted, UInt64(status.deleted))
            case .size: return StatusValue(.size, UInt64(status.size))
            // No message is recent to a session that has not selected the mailbox (see
            // SelectedMailbox.recentFrom).
            case .recent: return StatusValue(.recent, 0)
            case .highestModSeq: return StatusValue(.highestModSeq, status.highestModseq)
            }
        }
    }
}
