// SELECT and EXAMINE (RFC 9051 §6.3.2-§6.3.3) with CONDSTORE and QRESYNC parameters
// (RFC 7162 §3.1.8, §3.2.5), CLOSE (§6.4.1) and UNSELECT (RFC 3691).

import IMAPProtocol
import Store

extension IMAPSession {
    mutating func select<Output: ResponseOutput>(_ wire: WireMailboxName, _ parameters: SelectParameters, readOnly: Bool,
                                                 _ out: inout Output) async throws -> Completion {
        let account = try requireAccount()
        // RFC 7162 §3.2.5: the QRESYNC parameter is a BAD unless QRESYNC was enabled.
        if parameters.qresync != nil && !state.qresync {
            throw CommandError.bad(.clientBug, "QRESYNC is not enabled")
        }
        // RFC 9051 §6.3.2: selecting closes the current mailbox first, without expunging, and
        // says so with the CLOSED response code (RFC 7162 §3.2.11); a SELECT that fails leaves
        // no mailbox selected.
        if selected != nil {
            selected = nil
            state.deselected()
            out.send(.untagged(.condition(.ok, ResponseText(code: .closed, "Previous mailbox closed"))))
        }
        let name = try storeName(wire)
        let mailbox: MailboxSession
        do {
            mailbox = try await account.select(name, readOnly: readOnly)
        } catch {
            throw failure(error)
        }
        if parameters.condstore { state.enableCondstore() }
        let snapshot = mailbox.snapshot
        let current = SelectedMailbox(mailbox: mailbox, recentFrom: snapshot.uidNext)
        sendFlagDefinitions(current, &out)
        out.send(.untagged(.exists(UInt32(mailbox.count))))
        if !state.isIMAP4rev2 {
            // RFC 3501 §6.3.1: RECENT, and the first unseen message.
            out.send(.untagged(.recent(0)))
            if let firstUnseen = mailbox.allMessages().first(where: { !$0.message.flags.contains(.seen) }) {
                out.send(.untagged(.condition(.ok, ResponseText(code: .unseen(UInt32(firstUnseen.sequence)), "First unseen"))))
            }
        }
        out.send(.untagged(.condition(.ok, ResponseText(code: .uidValidity(snapshot.uidValidity), "UIDs valid"))))
        out.send(.untagged(.condition(.ok, ResponseText(code: .uidNext(snapshot.uidNext), "Predicted next UID"))))
        // RFC 7162 §3.1.2.1: every SELECT of a CONDSTORE server reports HIGHESTMODSEQ.
        out.send(.untagged(.condition(.ok, ResponseText(code: .highestModSeq(mailbox.knownModseq), "Highest"))))
        if state.isIMAP4rev2 {
            // RFC 9051 §6.3.2: the mailbox's LIST data, with its name as the server spells it.
            out.send(.untagged(.list(ListResponse(attributes: [], delimiter: StoreMailboxName.separator, mailbox: name.name))))
        }
        selected = current
        state.selected(readOnly: readOnly)
        if let resync = parameters.qresync, resync.uidValidity == snapshot.uidValidity {
            try await resynchronize(resync, &out)
        }
        return Completion(readOnly ? "EXAMINE completed" : "SELECT completed", code: readOnly ? .readOnly : .readWrite)
    }

    /// RFC 7162 §3.2.5.1: what the client missed since `modSeq` — the UIDs it knows that were
    /// expunged (VANISHED (EARLIER)) and the messages whose flags changed (FETCH).
    mutating func resynchronize<Output: ResponseOutput>(_ resync: QResyncParameters, _ out: inout Output) async throws {
        guard let current = selected else { return }
        let known = resync.knownUIDs.map { NumberSet($0, largest: UInt32.max) }
        let vanished: [UInt32]
        do {
            vanished = try await current.mailbox.vanished(since: resync.modSeq)
        } catch {
            throw failure(error)
        }
        let reported = vanished.filter { uid in known?.contains(uid) ?? true }
        if !reported.isEmpty {
            out.send(.untagged(.vanished(earlier: true, compress(reported))))
        }
        let changed = current.mailbox.allMessages().filter { item in
            item.message.modseq > resync.modSeq && (known?.contains(item.message.uid) ?? true)
        }
        var flags = FlagRenderer(snapshot: current.mailbox.snapshot, recentFrom: state.isIMAP4rev2 ? nil : current.recentFrom)
        try await writeFlagFetches(changed, flags: &flags, uid: true, modSeq: true, &out)
    }

    /// RFC 9051 §6.4.1 CLOSE: expunges silently (unless read-only) and leaves the selected state.
    mutating func close() async throws -> Completion {
        guard var current = selected else { throw CommandError.bad(.clientBug, "No mailbox selected") }
        selected = nil
        state.deselected()
        if !current.readOnly {
            do {
                _ = try await current.mailbox.expunge()
            } catch {
                throw failure(error)
            }
        }
        return Completion("CLOSE completed")
    }

    /// RFC 3691: leaves the selected state without expunging.
    mutating func unselect() -> Completion {
        selected = nil
        state.deselected()
        return Completion("UNSELECT completed")
    }
}
