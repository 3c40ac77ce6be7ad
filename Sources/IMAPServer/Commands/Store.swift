// STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3).

import IMAPProtocol
import NIOCore
import Store

extension IMAPSession {
    mutating func store<Output: ResponseOutput>(_ command: StoreCommand, uid: Bool, _ out: inout Output) async throws -> Completion {
        guard var current = selected else { throw CommandError.bad(.clientBug, "No mailbox selected") }
        guard !current.readOnly else { throw CommandError.no(.cannot, "Mailbox is read-only (EXAMINE)") }
        // RFC 7162 §3.1: UNCHANGEDSINCE turns CONDSTORE on.
        if command.unchangedSince != nil { state.enableCondstore() }
        let uids = try resolve(command.sequenceSet, uid: uid)
        let (flags, keywords) = try storeFlags(command.flags)
        let operation: FlagOperation = switch command.operation {
        case .replace: .replace
        case .add: .add
        case .remove: .remove
        }
        let result: StoreResult
        do {
            result = try await current.mailbox.store(uids: uids, operation, flags: flags, keywords: keywords,
                                                     unchangedSince: command.unchangedSince)
        } catch {
            throw failure(error)
        }
        selected = current
        // What others changed, and FLAGS when this STORE created a keyword, before the FETCH
        // responses that may use it.
        try await reportUpdates(uid ? .all : .withoutExpunges, &out)
        guard let current = selected else { return Completion("STORE completed") }
        let condstore = state.condstore
        if !command.silent {
            // RFC 9051 §6.4.6: the new flags of every message of the set; RFC 7162 §3.1.3:
            // with MODSEQ once CONDSTORE is on.
            let all = mergeByUID(result.modified, result.unchanged).compactMap { info in
                current.mailbox.sequence(ofUID: info.uid).map { (sequence: $0, message: info) }
            }
            var renderer = FlagRenderer(snapshot: current.mailbox.snapshot, recentFrom: state.isIMAP4rev2 ? nil : current.recentFrom)
            try await writeFlagFetches(all, flags: &renderer, uid: uid || state.qresync, modSeq: condstore, &out)
        } else if condstore {
            // RFC 7162 §3.1.3: even with .SILENT, the new MODSEQ of each changed message.
            for info in result.modified {
                guard let sequence = current.mailbox.sequence(ofUID: info.uid) else { continue }
                out.send(.untagged(.fetch(sequence: UInt32(sequence), [.uid(info.uid), .modSeq(info.modseq)])))
            }
        }
        if !result.failedUnchangedSince.isEmpty {
            // RFC 7162 §3.1.3: MODIFIED lists what was not changed, as UIDs for UID STORE and
            // sequence numbers otherwise.
            let failed = uid ? result.failedUnchangedSince.sorted()
                : result.failedUnchangedSince.compactMap { current.mailbox.sequence(ofUID: $0).map(UInt32.init) }.sorted()
            return Completion("Conditional STORE failed for some messages", code: .modified(compress(failed)))
        }
        return Completion("STORE completed")
    }
}

/// Two UID-ascending lists merged into one.
func mergeByUID(_ a: [MessageInfo], _ b: [MessageInfo]) -> [MessageInfo] {
    var out: [MessageInfo] = []
    out.reserveCapacity(a.count + b.count)
    var i = 0
    var j = 0
    while i < a.count || j < b.count {
        if j >= b.count || (i < a.count && a[i].uid < b[j].uid) {
            out.append(a[i])
            i += 1
        } else {
            out.append(b[j])
            j += 1
        }
    }
    return out
}
