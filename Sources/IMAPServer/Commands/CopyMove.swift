// COPY / UID COPY (RFC 9051 §6.4.7) and MOVE / UID MOVE (RFC 6851), answered with COPYUID
// (RFC 4315 §3).

import IMAPProtocol
import Store

extension IMAPSession {
    /// The destination of COPY/MOVE; RFC 9051 §6.4.7: TRYCREATE when it does not exist.
    func destination(_ wire: WireMailboxName) async throws -> AccountStore.MailboxHandle {
        let account = try requireAccount()
        let name = try storeName(wire)
        do {
            return try await account.mailbox(name)
        } catch {
            if case .nonexistent = error { throw CommandError.no(.tryCreate, "No such mailbox") }
            throw failure(error)
        }
    }

    func copy<Output: ResponseOutput>(_ set: SequenceSet, to wire: WireMailboxName, uid: Bool, _ out: inout Output) async throws -> Completion {
        let current = try requireSelected()
        let uids = try resolve(set, uid: uid)
        let target = try await destination(wire)
        let result: CopyResult
        do {
            result = try await current.mailbox.copy(uids: uids, to: target)
        } catch {
            throw failure(error)
        }
        guard !result.sourceUIDs.isEmpty else { return Completion("COPY completed (nothing to copy)") }
        return Completion("COPY completed", code: .copyUID(uidValidity: result.uidValidity, source: compress(result.sourceUIDs),
                                                           destination: compress(result.destinationUIDs)))
    }

    mutating func move<Output: ResponseOutput>(_ set: SequenceSet, to wire: WireMailboxName, uid: Bool, _ out: inout Output) async throws -> Completion {
        guard var current = selected else { throw CommandError.bad(.clientBug, "No mailbox selected") }
        guard !current.readOnly else { throw CommandError.no(.cannot, "Mailbox is read-only (EXAMINE)") }
        let uids = try resolve(set, uid: uid)
        let target = try await destination(wire)
        let moved: (copy: CopyResult, expungedSequenceNumbers: [Int])
        do {
            moved = try await current.mailbox.move(uids: uids, to: target)
        } catch {
            throw failure(error)
        }
        selected = current
        guard !moved.copy.sourceUIDs.isEmpty else { return Completion("MOVE completed (nothing to move)") }
        // RFC 6851 §4.3: COPYUID in an untagged OK, before the expunges.
        out.send(.untagged(.condition(.ok, ResponseText(code: .copyUID(uidValidity: moved.copy.uidValidity,
                                                                        source: compress(moved.copy.sourceUIDs),
                                                                        destination: compress(moved.copy.destinationUIDs)),
                                                        "Moved"))))
        if state.qresync {
            out.send(.untagged(.vanished(earlier: false, compress(moved.copy.sourceUIDs))))
        } else {
            for sequence in moved.expungedSequenceNumbers { out.send(.untagged(.expunge(UInt32(sequence)))) }
        }
        return Completion("MOVE completed")
    }
}
