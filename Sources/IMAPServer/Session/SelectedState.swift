// What every selected-state command needs: message sets resolved against this session's
// sequence numbers (RFC 9051 §2.3.1.2, §9 sequence-set), flags as the client sees them, and
// the untagged updates owed after a command (RFC 9051 §7.5.1, §5.2).

import IMAPProtocol
import NIOCore
import Store

extension IMAPSession {
    func requireSelected() throws(CommandError) -> SelectedMailbox {
        guard let selected else { throw .bad(.clientBug, "No mailbox selected") }
        return selected
    }

    func requireWritable() throws(CommandError) -> SelectedMailbox {
        let selected = try requireSelected()
        guard !selected.readOnly else { throw .no(.cannot, "Mailbox is read-only (EXAMINE)") }
        return selected
    }

    /// The UIDs `set` names, ascending, among the messages this session knows.
    ///
    /// RFC 9051 §9: a message sequence number beyond the mailbox is an error (BAD); UIDs that
    /// do not exist are ignored, and `n:*` always includes the largest UID. `$` is the saved
    /// SEARCH result (RFC 5182 §2.1).
    func resolve(_ set: SequenceSet, uid: Bool) throws(CommandError) -> [UInt32] {
        let selected = try requireSelected()
        let uids = selected.mailbox.uids
        guard case .ranges(let ranges) = set else {
            return selected.savedSearch.filter { selected.mailbox.sequence(ofUID: $0) != nil }
        }
        if uid {
            guard let normalized = set.normalized(largest: uids.last ?? 0) else { return [] }
            var out: [UInt32] = []
            for range in normalized {
                var i = lowerBound(uids, range.lowerBound)
                while i < uids.count && uids[i] <= range.upperBound {
                    out.append(uids[i])
                    i += 1
                }
            }
            return out
        }
        let count = UInt32(uids.count)
        // Leniency: `*` in an empty mailbox names nothing (Dovecot answers OK too).
        if count == 0, ranges.contains(where: { $0.first == .last || $0.second == .last }) { return [] }
        guard let normalized = set.normalized(largest: count) else { return [] }
        var out: [UInt32] = []
        for range in normalized {
            guard range.lowerBound >= 1, range.upperBound <= count else {
                throw .bad(.clientBug, "Invalid message sequence number")
            }
            out.append(contentsOf: uids[Int(range.lowerBound - 1)...Int(range.upperBound - 1)])
        }
        return out
    }

    /// The current state of the messages of `uids` (ascending) that still exist, with their
    /// sequence numbers.
    func messages(_ uids: [UInt32], in selected: SelectedMailbox) -> [(sequence: Int, message: MessageInfo)] {
        if uids.count == selected.mailbox.count {
            return selected.mailbox.allMessages()
        }
        return selected.mailbox.messages(uids: uids)
    }

    // MARK: updates

    /// Sends what other sessions, deliveries and other programs changed (RFC 9051 §7.5.1):
    /// EXPUNGE (or VANISHED with QRESYNC), EXISTS, RECENT, FLAGS when keywords appeared, then
    /// FETCH FLAGS of changed messages.
    mutating func reportUpdates<Output: ResponseOutput>(_ policy: UpdatePolicy, _ out: inout Output) async throws {
        guard policy != .none, var current = selected else { return }
        let changes: MailboxChanges
        do {
            changes = try await current.mailbox.poll(sync: policy == .syncAll, reportExpunges: policy != .withoutExpunges)
        } catch {
            if case .nonexistent = error {
                // Deleted (or renamed away) under us: the mailbox is closed for this session.
                selected = nil
                state.deselected()
                out.send(.untagged(.condition(.ok, ResponseText(code: .closed, "Mailbox no longer exists"))))
            } else {
                _ = failure(error)
            }
            return
        }
        selected = current
        guard !changes.isEmpty else { return }
        if state.qresync {
            // RFC 7162 §3.2.10: VANISHED instead of EXPUNGE once QRESYNC is enabled.
            if !changes.vanishedUIDs.isEmpty { out.send(.untagged(.vanished(earlier: false, compress(changes.vanishedUIDs)))) }
        } else {
            for sequence in changes.expungedSequenceNumbers { out.send(.untagged(.expunge(UInt32(sequence)))) }
        }
        if let exists = changes.exists {
            out.send(.untagged(.exists(UInt32(exists))))
            if !state.isIMAP4rev2 { out.send(.untagged(.recent(recentCount(current)))) }
        }
        if changes.keywordsChanged { sendFlagDefinitions(current, &out) }
        if !changes.flagUpdates.isEmpty {
            var flags = FlagRenderer(snapshot: current.mailbox.snapshot, recentFrom: state.isIMAP4rev2 ? nil : current.recentFrom)
            // RFC 7162 §3.2.4 (QRESYNC): unsolicited FETCH carries the UID; with CONDSTORE, MODSEQ.
            try await writeFlagFetches(changes.flagUpdates, flags: &flags, uid: true, modSeq: state.condstore, &out)
        }
    }

    /// `* FLAGS` and `* OK [PERMANENTFLAGS]` (RFC 9051 §7.3.5, §7.1).
    func sendFlagDefinitions<Output: ResponseOutput>(_ current: SelectedMailbox, _ out: inout Output) {
        let keywords = current.mailbox.snapshot.definedKeywords.map { Flag.keyword($0) }
        let system: [Flag] = [.answered, .flagged, .deleted, .seen, .draft]
        out.send(.untagged(.flags(system + keywords)))
        // RFC 9051 §7.1: a read-only mailbox has no permanent flags; `\*` says new keywords
        // may be created.
        let permanent: [Flag] = current.readOnly ? [] : system + keywords + [.wildcard]
        out.send(.untagged(.condition(.ok, ResponseText(code: .permanentFlags(permanent), "Flags permitted"))))
    }

    func recentCount(_ current: SelectedMailbox) -> UInt32 {
        let uids = current.mailbox.uids
        return UInt32(uids.count - lowerBound(uids, current.recentFrom))
    }

    /// `* n FETCH (UID u MODSEQ (m) FLAGS (...))` for many messages, through the encoder's
    /// fast path, in blocks.
    func writeFlagFetches<Output: ResponseOutput>(_ items: [(sequence: Int, message: MessageInfo)], flags: inout FlagRenderer,
                                                  uid: Bool, modSeq: Bool, _ out: inout Output) async throws {
        let encoder = self.encoder
        let chunkSize = context.limits.responseChunkOctets
        var buffer = ByteBuffer()
        buffer.reserveCapacity(min(chunkSize + 4096, items.count * 64 + 64))
        for (sequence, message) in items {
            encoder.writeFlagsFetch(sequence: UInt32(sequence), uid: uid ? message.uid : nil, modSeq: modSeq ? message.modseq : nil,
                                    flags: flags.flags(of: message), into: &buffer)
            if buffer.readableBytes >= chunkSize {
                try await out.send(encoded: buffer)
                buffer = ByteBuffer()
                buffer.reserveCapacity(chunkSize + 4096)
            }
        }
        if buffer.readableBytes > 0 { try await out.send(encoded: buffer) }
    }
}

/// A message's flags as FETCH sends them, memoised per distinct combination: a mailbox of
/// 100,000 messages has a handful of them, and the flag lists are then shared.
struct FlagRenderer {
    let keywords: [String]
    /// UIDs from here on are \Recent (IMAP4rev1 only); nil in IMAP4rev2.
    let recentFrom: UInt32?
    private var cache: [Key: [Flag]] = [:]

    private struct Key: Hashable {
        var flags: UInt8
        var keywords: UInt64
        var recent: Bool
    }

    init(snapshot: MailboxSnapshot, recentFrom: UInt32?) {
        self.keywords = snapshot.keywords
        self.recentFrom = recentFrom
    }

    /// Lists of messages without keywords, by system flags and \Recent: no hashing on the
    /// common path.
    private var plain = [[Flag]?](repeating: nil, count: 512)

    mutating func flags(of message: MessageInfo) -> [Flag] {
        let recent = recentFrom.map { message.uid >= $0 } ?? false
        if message.keywords.isEmpty {
            let slot = Int(message.flags.rawValue) | (recent ? 256 : 0)
            if let known = plain[slot] { return known }
            let list = build(message, recent: recent)
            plain[slot] = list
            return list
        }
        let key = Key(flags: message.flags.rawValue, keywords: message.keywords.bits, recent: recent)
        if let known = cache[key] { return known }
        let list = build(message, recent: recent)
        if cache.count < 4096 { cache[key] = list }
        return list
    }

    private func build(_ message: MessageInfo, recent: Bool) -> [Flag] {
        var list: [Flag] = []
        let f = message.flags
        if f.contains(.answered) { list.append(.answered) }
        if f.contains(.flagged) { list.append(.flagged) }
        if f.contains(.deleted) { list.append(.deleted) }
        if f.contains(.seen) { list.append(.seen) }
        if f.contains(.draft) { list.append(.draft) }
        if recent { list.append(.recent) }
        if !message.keywords.isEmpty {
            for index in message.keywords.indices where index < keywords.count && !keywords[index].isEmpty {
                list.append(.keyword(keywords[index]))
            }
        }
        return list
    }
}

/// Index of the first element of `sorted` that is >= `value`.
func lowerBound(_ sorted: [UInt32], _ value: UInt32) -> Int {
    var low = 0
    var high = sorted.count
    while low < high {
        let mid = (low + high) / 2
        if sorted[mid] < value { low = mid + 1 } else { high = mid }
    }
    return low
}

/// Ascending numbers as the shortest sequence set (`1:3,7,9:10`), for VANISHED, COPYUID,
/// APPENDUID and ESEARCH ALL. Order is kept, so corresponding COPYUID sets stay aligned.
func compress(_ numbers: [UInt32]) -> SequenceSet {
    var ranges: [ClosedRange<UInt32>] = []
    for n in numbers {
        if let last = ranges.last, last.upperBound < UInt32.max, n == last.upperBound + 1 {
            ranges[ranges.count - 1] = last.lowerBound...n
        } else {
            ranges.append(n...n)
        }
    }
    return SequenceSet(ranges)
}

/// A sequence set normalised once, for many membership tests (binary search over its ranges).
struct NumberSet {
    let ranges: [ClosedRange<UInt32>]

    init(_ set: SequenceSet, largest: UInt32) {
        ranges = set.normalized(largest: largest) ?? []
    }

    func contains(_ n: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < n { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].contains(n)
    }
}
