// One IMAP session's view of its selected mailbox (RFC 9051 §2.3.1.2 sequence numbers).
//
// How the IMAP layer drives it:
//   SELECT/EXAMINE   `account.select(name, readOnly:)` (syncs), then FLAGS from
//                    `snapshot.definedKeywords`, EXISTS `count`, UIDVALIDITY/UIDNEXT/
//                    HIGHESTMODSEQ from `snapshot`.
//   after a command  `poll(sync: false, reportExpunges: <command allows it>)`; send, in this
//                    order, the EXPUNGEs (`expungedSequenceNumbers`, or VANISHED `vanishedUIDs`),
//                    EXISTS (`exists`), then FETCH FLAGS (`flagUpdates`, sequence numbers valid
//                    after the expunges), and FLAGS again when `keywordsChanged`.
//   NOOP/CHECK/IDLE  `poll(sync: true, ...)`; IDLE waits on `notifications` (deliveries and
//                    other sessions of this process) and also polls every second or two for
//                    changes made by other programs (mutt, a Dovecot sharing the Maildir).
//   FETCH            `messages(uids:)` / `allMessages()` from memory; bodies through
//                    `openMessage`/`messageBytes`; ENVELOPE/BODYSTRUCTURE through
//                    `cachedBlobs`/`setCachedBlobs`.
//   SEARCH           flags, dates, sizes, MODSEQ in memory from `allMessages()`; FROM/TO/CC/
//                    BCC/SUBJECT through `search(header:contains:)`; TEXT/BODY through
//                    `search(text:scope:)` (FTS5, word-based; see FullTextQuery).
// The message list itself is shared (MailboxState); a session keeps only its sequence-number
// mapping (the UIDs it has announced, in order), the highest mod-sequence it has reported,
// and the mod-sequences of its own STOREs, so that `poll` returns exactly the untagged
// responses this session still owes its client.

/// Untagged updates a session owes its client, in the order to send them.
public struct MailboxChanges: Sendable {
    /// EXPUNGE responses (RFC 9051 §7.5.1): sequence numbers in the order to send them, each
    /// valid at the moment it is sent (highest first, so none shifts another).
    public var expungedSequenceNumbers: [Int] = []
    /// The same messages by UID, for VANISHED (RFC 7162 §3.2.10) when QRESYNC is enabled.
    public var vanishedUIDs: [UInt32] = []
    /// New message count for EXISTS, when it changed.
    public var exists: Int?
    /// FETCH (FLAGS ... MODSEQ) for messages changed by others: sequence number and state.
    public var flagUpdates: [(sequence: Int, message: MessageInfo)] = []
    /// Keywords were added to the mailbox: send FLAGS / PERMANENTFLAGS again.
    public var keywordsChanged = false

    public var isEmpty: Bool {
        expungedSequenceNumbers.isEmpty && exists == nil && flagUpdates.isEmpty && !keywordsChanged
    }
}

/// Removes its observer when the session value goes away.
final class ObservationToken: Sendable {
    let state: MailboxState
    let key: UInt64
    let stream: AsyncStream<Void>

    init(state: MailboxState) {
        self.state = state
        (key, stream) = state.observe()
    }

    deinit { state.stopObserving(key) }
}

/// A selected mailbox, owned by one IMAP session (a value: keep one per connection; copies
/// would diverge). Every method that changes the mailbox returns what the command itself
/// reports; `poll` returns what others changed.
public struct MailboxSession: Sendable {
    let state: MailboxState
    let token: ObservationToken
    public let readOnly: Bool

    /// The sequence-number mapping: `uids[n-1]` is message n.
    public private(set) var uids: [UInt32]
    /// Highest mod-sequence this session has accounted for.
    public private(set) var knownModseq: UInt64
    private var ownModseqs: Set<UInt64> = []
    private var knownKeywords: [String]

    init(state: MailboxState, readOnly: Bool) {
        self.state = state
        self.readOnly = readOnly
        self.token = ObservationToken(state: state)
        let snap = state.snapshot
        uids = snap.messages.map(\.uid)
        knownModseq = snap.highestModseq
        knownKeywords = snap.keywords
    }

    // MARK: reading

    public var name: MailboxName { state.snapshot.name }
    /// The shared state now (messages this session may not have been told about yet included).
    public var snapshot: MailboxSnapshot { state.snapshot }
    public var count: Int { uids.count }
    /// Wakes when the mailbox may have changed (delivery, other sessions); for IDLE. It also
    /// ends when the mailbox is deleted.
    public var notifications: AsyncStream<Void> { token.stream }

    public func uid(atSequence n: Int) -> UInt32? { n >= 1 && n <= uids.count ? uids[n - 1] : nil }

    /// Sequence number of a UID this session knows, by binary search.
    public func sequence(ofUID uid: UInt32) -> Int? {
        var low = 0
        var high = uids.count
        while low < high {
            let mid = (low + high) / 2
            if uids[mid] < uid { low = mid + 1 } else { high = mid }
        }
        return low < uids.count && uids[low] == uid ? low + 1 : nil
    }

    /// Messages of this session's view with their current state, in sequence order; a message
    /// expunged by another session but not yet reported here is absent (the IMAP layer may
    /// answer FETCH for it with NO or nothing, RFC 9051 §7.5.1).
    public func messages(uids wanted: some Sequence<UInt32>) -> [(sequence: Int, message: MessageInfo)] {
        let snap = state.snapshot
        var out: [(sequence: Int, message: MessageInfo)] = []
        for uid in wanted {
            guard let seq = sequence(ofUID: uid), let m = snap.message(uid: uid) else { continue }
            out.append((seq, m))
        }
        return out
    }

    /// All messages of the view, from memory (`UID FETCH 1:* (FLAGS)`).
    public func allMessages() -> [(sequence: Int, message: MessageInfo)] {
        let snap = state.snapshot
        var out: [(sequence: Int, message: MessageInfo)] = []
        out.reserveCapacity(uids.count)
        var j = 0
        for (i, uid) in uids.enumerated() {
            while j < snap.messages.count && snap.messages[j].uid < uid { j += 1 }
            if j < snap.messages.count && snap.messages[j].uid == uid { out.append((i + 1, snap.messages[j])) }
        }
        return out
    }

    // MARK: changes by others

    /// Syncs with the Maildir when `sync` (SELECT, NOOP, CHECK, IDLE; cheap when nothing
    /// changed) and returns the untagged responses owed. Expunges are reported only when
    /// `reportExpunges` (RFC 9051 §7.5.1: not during FETCH, STORE, SEARCH; the IMAP layer
    /// knows when); until then expunged messages keep their sequence numbers.
    public mutating func poll(sync: Bool, reportExpunges: Bool) async throws(StoreError) -> MailboxChanges {
        if sync {
            let state = self.state
            try await state.run { () throws(StoreError) in try state.syncOnQueue() }
        } else {
            try state.checkNotDeleted()
        }
        return changes(reportExpunges: reportExpunges)
    }

    mutating func changes(reportExpunges: Bool) -> MailboxChanges {
        let snap = state.snapshot
        var changes = MailboxChanges()
        guard snap.highestModseq != knownModseq || snap.keywords != knownKeywords
              || (uids.last ?? 0) < (snap.messages.last?.uid ?? 0) || uids.count != snap.messages.count else {
            return changes
        }
        // Merge the two UID-sorted lists.
        var kept: [UInt32] = []
        kept.reserveCapacity(max(uids.count, snap.messages.count))
        var gone: [(seq: Int, uid: UInt32)] = []
        var j = 0
        for (i, uid) in uids.enumerated() {
            while j < snap.messages.count && snap.messages[j].uid < uid { j += 1 }
            let present = j < snap.messages.count && snap.messages[j].uid == uid
            if present {
                let m = snap.messages[j]
                if m.modseq > knownModseq && !ownModseqs.contains(m.modseq) {
                    changes.flagUpdates.append((kept.count + (reportExpunges ? 0 : gone.count) + 1, m))
                }
                kept.append(uid)
            } else if reportExpunges {
                gone.append((i + 1, uid))
            } else {
                kept.append(uid)  // stays until it may be reported
            }
        }
        let lastKnown = uids.last ?? 0
        var added = 0
        for m in snap.messages where m.uid > lastKnown {
            kept.append(m.uid)
            added += 1
        }
        if reportExpunges {
            // Highest first: each number is still valid when its response is sent.
            changes.expungedSequenceNumbers = gone.map(\.seq).reversed()
            changes.vanishedUIDs = gone.map(\.uid)
        }
        // EXPUNGE responses lower the count by themselves (RFC 9051 §7.5.1); EXISTS only
        // announces growth.
        if added > 0 { changes.exists = kept.count }
        uids = kept
        if snap.keywords != knownKeywords {
            changes.keywordsChanged = true
            knownKeywords = snap.keywords
        }
        knownModseq = snap.highestModseq
        ownModseqs.removeAll()
        return changes
    }

    // MARK: changes by this session

    private func checkWritable() throws(StoreError) {
        if readOnly { throw .notAllowed("mailbox is read-only (EXAMINE)") }
    }

    /// STORE / UID STORE. Returns the new state of every message of the set (for the FETCH
    /// responses the command sends unless .SILENT) and the UIDs failing UNCHANGEDSINCE.
    public mutating func store(uids set: [UInt32], _ operation: FlagOperation, flags: MessageFlags,
                               keywords: [String] = [], unchangedSince: UInt64? = nil) async throws(StoreError) -> StoreResult {
        try checkWritable()
        let state = self.state
        let known = set.filter { sequence(ofUID: $0) != nil }
        let result = try await state.run { () throws(StoreError) in
            try state.storeFlags(uids: known, operation: operation, flags: flags, keywords: keywords, unchangedSince: unchangedSince)
        }
        if let m = result.modified.first?.modseq { ownModseqs.insert(m) }
        return result
    }

    /// EXPUNGE (all \Deleted) or UID EXPUNGE (the \Deleted among `uids`, RFC 4315 §2.1).
    /// Returns the EXPUNGE sequence numbers to send (highest first) and the UIDs removed.
    public mutating func expunge(uids subset: [UInt32]? = nil) async throws(StoreError) -> (sequenceNumbers: [Int], uids: [UInt32]) {
        try checkWritable()
        let state = self.state
        let candidates = subset.map { $0.filter { sequence(ofUID: $0) != nil } } ?? uids
        let removed = try await state.run { () throws(StoreError) in try state.expunge(uids: candidates, onlyDeleted: true) }
        return forget(removed)
    }

    /// Drops expunged UIDs from the mapping; returns their sequence numbers, highest first.
    private mutating func forget(_ removed: [UInt32]) -> (sequenceNumbers: [Int], uids: [UInt32]) {
        let set = Set(removed)
        var seqs: [Int] = []
        for (i, uid) in uids.enumerated() where set.contains(uid) { seqs.append(i + 1) }
        uids.removeAll { set.contains($0) }
        return (seqs.reversed(), removed.sorted())
    }

    /// COPY / UID COPY into another mailbox of the same account (RFC 4315 COPYUID data).
    /// Durable before it returns (destination cur/ fsynced).
    public func copy(uids set: [UInt32], to destination: AccountStore.MailboxHandle) async throws(StoreError) -> CopyResult {
        let wanted = set.filter { sequence(ofUID: $0) != nil }.sorted()
        let source = state
        let target = destination.state
        let targetPath = target.path
        let staged = try await source.run { () throws(StoreError) in try source.stageCopies(uids: wanted, into: targetPath) }
        let destUIDs = try await target.run { () throws(StoreError) in try target.adoptCopies(staged) }
        return CopyResult(uidValidity: target.snapshot.uidValidity, sourceUIDs: staged.map(\.info.uid), destinationUIDs: destUIDs)
    }

    /// MOVE / UID MOVE (RFC 6851): copy, then expunge the sources (whatever their flags).
    /// Returns the COPYUID data and the EXPUNGE sequence numbers to send (highest first).
    public mutating func move(uids set: [UInt32], to destination: AccountStore.MailboxHandle) async throws(StoreError) -> (copy: CopyResult, expungedSequenceNumbers: [Int]) {
        try checkWritable()
        let copied = try await copy(uids: set, to: destination)
        let state = self.state
        let sources = copied.sourceUIDs
        let removed = try await state.run { () throws(StoreError) in try state.expunge(uids: sources, onlyDeleted: false) }
        return (copied, forget(removed).sequenceNumbers)
    }

    // MARK: message content and caches

    /// The message file opened read-only (read it once, in pieces if large). Opening runs off
    /// the concurrency pool: when the file was just renamed it waits for the mailbox queue.
    public func openMessage(uid: UInt32) async throws(StoreError) -> MessageFile {
        let state = self.state
        return try await runBlocking(on: state.context.workQueue) { () throws(StoreError) in try state.openMessage(uid: uid) }
    }

    /// The whole message.
    public func messageBytes(uid: UInt32) async throws(StoreError) -> [UInt8] {
        let state = self.state
        return try await runBlocking(on: state.context.workQueue) { () throws(StoreError) in
            try state.openMessage(uid: uid).readAll()
        }
    }

    public func cachedBlobs(uids wanted: [UInt32]) async throws(StoreError) -> [UInt32: CachedBlobs] {
        try await state.cachedBlobs(uids: wanted)
    }

    public func setCachedBlobs(_ blobs: [UInt32: CachedBlobs]) async throws(StoreError) {
        try await state.setCachedBlobs(blobs)
    }

    /// UIDs whose header field contains `text` (case-insensitive substring; RFC 9051 §6.4.4).
    public func search(header: SearchableHeader, contains text: String) async throws(StoreError) -> [UInt32] {
        try await state.searchHeader(header, contains: text)
    }

    /// UIDs whose text (TEXT) or body (BODY) contains `text` as words, through FTS5.
    public func search(text: String, scope: TextSearchScope) async throws(StoreError) -> [UInt32] {
        try await state.searchText(text, scope: scope)
    }

    /// UIDs expunged after `modseq` (QRESYNC `VANISHED (EARLIER)`, RFC 7162 §3.2.10).
    public func vanished(since modseq: UInt64) async throws(StoreError) -> [UInt32] {
        try await state.vanished(since: modseq)
    }
}
