// EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1, RFC 9051 §6.4.9).

import IMAPProtocol
import Store

extension IMAPSession {
    mutating func expunge<Output: ResponseOutput>(uids set: SequenceSet?, _ out: inout Output) async throws -> Completion {
        guard var current = selected else { throw CommandError.bad(.clientBug, "No mailbox selected") }
        guard !current.readOnly else { throw CommandError.no(.cannot, "Mailbox is read-only (EXAMINE)") }
        let subset = try set.map { set throws(CommandError) in try resolve(set, uid: true) }
        let removed: (sequenceNumbers: [Int], uids: [UInt32])
        do {
            removed = try await current.mailbox.expunge(uids: subset)
        } catch {
            throw failure(error)
        }
        selected = current
        if state.qresync {
            // RFC 7162 §3.2.10.
            if !removed.uids.isEmpty { out.send(.untagged(.vanished(earlier: false, compress(removed.uids)))) }
        } else {
            // Highest first, so that each number is valid when it is read (RFC 9051 §7.5.1).
            for sequence in removed.sequenceNumbers { out.send(.untagged(.expunge(UInt32(sequence)))) }
        }
        return Completion("EXPUNGE completed")
    }
}
