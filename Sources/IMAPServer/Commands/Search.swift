// SEARCH and UID SEARCH (RFC 9051 §6.4.4) with every search key of RFC 9051 and RFC 3501,
// MODSEQ (RFC 7162 §3.1.5), ESEARCH return options (RFC 4731) and SAVE / `$` (RFC 5182).
//
// Keys are evaluated over the session's messages as a set of candidates that each key of an
// AND narrows, cheapest first: flags, dates, sizes and numbers from memory; FROM, TO, CC,
// BCC, SUBJECT through the index's header fields; TEXT and BODY through its full-text index
// (words, the last one as a prefix: FullTextQuery); HEADER of other fields and the SENT*
// dates read the candidates' headers from their files.

import IMAPProtocol
import MessageFormat
import Store

extension IMAPSession {
    mutating func search<Output: ResponseOutput>(_ command: SearchCommand, uid: Bool, tag: String, _ out: inout Output) async throws -> Completion {
        guard var current = selected else { throw CommandError.bad(.clientBug, "No mailbox selected") }
        let options = command.returnOptions
        let saves = options?.contains(.save) == true
        let usesModSeq = SearchEvaluator.usesModSeq(command.key)
        // RFC 7162 §3.1: SEARCH MODSEQ turns CONDSTORE on.
        if usesModSeq { state.enableCondstore() }
        let messages = current.mailbox.allMessages()
        var evaluator = SearchEvaluator(messages: messages, mailbox: current.mailbox, savedSearch: current.savedSearch,
                                        recentFrom: state.isIMAP4rev2 ? nil : current.recentFrom, context: context)
        let matched: [Int]
        do {
            matched = try await evaluator.matches(command.key)
        } catch {
            // RFC 5182 §2.1: a failed SEARCH with SAVE empties the saved result.
            if saves {
                current.savedSearch = []
                selected = current
            }
            if let storeError = error as? StoreError { throw failure(storeError) }
            throw error
        }
        let numbers = matched.map { uid ? messages[$0].message.uid : UInt32(messages[$0].sequence) }
        // RFC 7162 §3.1.5: with MODSEQ, the highest mod-sequence of the messages found.
        let modSeq = usesModSeq ? matched.map { messages[$0].message.modseq }.max() : nil

        if saves {
            // RFC 5182 §2.4: with MIN and/or MAX but neither ALL nor COUNT, only those are saved.
            var saved = matched.map { messages[$0].message.uid }
            let returns = options ?? []
            if !returns.contains(.all) && !returns.contains(.count) && (returns.contains(.min) || returns.contains(.max)) {
                var kept: [UInt32] = []
                if returns.contains(.min), let first = saved.first { kept.append(first) }
                if returns.contains(.max), let last = saved.last, !kept.contains(last) { kept.append(last) }
                saved = kept
            }
            current.savedSearch = saved
            selected = current
        }

        if var returns = options ?? (state.isIMAP4rev2 ? [] : nil) {
            // RFC 4731 §3.1: RETURN () means ALL; RFC 5182 §2.4: SAVE alone answers nothing.
            returns.removeAll { $0 == .save }
            if returns.isEmpty && saves {
                return Completion("SEARCH completed (saved)")
            }
            if returns.isEmpty { returns = [.all] }
            var response = ESearchResponse(tag: tag, uid: uid)
            if returns.contains(.min) { response.min = numbers.first }
            if returns.contains(.max) { response.max = numbers.last }
            if returns.contains(.all), !numbers.isEmpty { response.all = compress(numbers) }
            if returns.contains(.count) { response.count = UInt32(numbers.count) }
            response.modSeq = modSeq
            out.send(.untagged(.esearch(response)))
        } else {
            out.send(.untagged(.search(numbers, modSeq: modSeq)))
        }
        return Completion("SEARCH completed")
    }
}

/// Evaluates search keys over a session's messages (positions in `messages`).
struct SearchEvaluator {
    let messages: [(sequence: Int, message: MessageInfo)]
    let mailbox: MailboxSession
    let savedSearch: [UInt32]
    let recentFrom: UInt32?
    let context: IMAPServerContext
    let keywords: [String]
    /// Message files read so far (bounded by `IMAPServerLimits.searchFileReads`).
    private var fileReads = 0

    init(messages: [(sequence: Int, message: MessageInfo)], mailbox: MailboxSession, savedSearch: [UInt32], recentFrom: UInt32?,
         context: IMAPServerContext) {
        self.messages = messages
        self.mailbox = mailbox
        self.savedSearch = savedSearch
        self.recentFrom = recentFrom
        self.context = context
        self.keywords = mailbox.snapshot.keywords
    }

    /// Positions of the matching messages, ascending.
    mutating func matches(_ key: SearchKey) async throws -> [Int] {
        let all = Candidates(all: messages.count)
        let result = try await evaluate(key, all)
        return result.positions
    }

    static func usesModSeq(_ key: SearchKey) -> Bool {
        switch key {
        case .modSeq: true
        case .not(let inner): usesModSeq(inner)
        case .or(let a, let b): usesModSeq(a) || usesModSeq(b)
        case .and(let keys): keys.contains(where: usesModSeq)
        default: false
        }
    }

    /// How expensive a key is: memory, index, files.
    static func cost(_ key: SearchKey) -> Int {
        switch key {
        case .from, .to, .cc, .bcc, .subject, .body, .text: 1
        case .header(let name, _): indexedHeader(name) != nil ? 1 : 2
        case .sentBefore, .sentOn, .sentSince: 2
        case .not(let inner): cost(inner)
        case .or(let a, let b): max(cost(a), cost(b))
        case .and(let keys): keys.map(cost).max() ?? 0
        default: 0
        }
    }

    static func indexedHeader(_ name: String) -> SearchableHeader? {
        switch name.lowercased() {
        case "from": .from
        case "to": .to
        case "cc": .cc
        case "bcc": .bcc
        case "subject": .subject
        default: nil
        }
    }

    /// The subset of `candidates` that `key` matches. Recursion follows the key tree, whose
    /// depth the parser bounds (IMAPLimits.nesting).
    mutating func evaluate(_ key: SearchKey, _ candidates: Candidates) async throws -> Candidates {
        guard !candidates.isEmpty else { return candidates }
        switch key {
        case .and(let keys):
            var remaining = candidates
            for inner in keys.sorted(by: { Self.cost($0) < Self.cost($1) }) {
                remaining = try await evaluate(inner, remaining)
                if remaining.isEmpty { break }
            }
            return remaining
        case .or(let a, let b):
            let first = try await evaluate(a, candidates)
            let second = try await evaluate(b, candidates.subtracting(first))
            return first.union(second)
        case .not(let inner):
            return candidates.subtracting(try await evaluate(inner, candidates))
        case .from(let text):
            return try await indexed(.from, text, candidates)
        case .to(let text):
            return try await indexed(.to, text, candidates)
        case .cc(let text):
            return try await indexed(.cc, text, candidates)
        case .bcc(let text):
            return try await indexed(.bcc, text, candidates)
        case .subject(let text):
            return try await indexed(.subject, text, candidates)
        case .header(let name, let text):
            if let header = Self.indexedHeader(name) { return try await indexed(header, text, candidates) }
            let needle = text.lowercased()
            return try await fromHeaders(candidates) { header in
                let fields = header.all(name)
                guard !fields.isEmpty else { return false }
                // RFC 9051 §6.4.4: an empty string matches every message with the field.
                return needle.isEmpty || fields.contains { $0.decodedText.lowercased().contains(needle) }
            }
        case .body(let text):
            return try await fullText(text, .body, candidates)
        case .text(let text):
            return try await fullText(text, .text, candidates)
        case .sentBefore(let date):
            return try await fromHeaders(candidates) { Self.sentDay($0).map { $0 < date.daysSince1970 } ?? false }
        case .sentOn(let date):
            return try await fromHeaders(candidates) { Self.sentDay($0).map { $0 == date.daysSince1970 } ?? false }
        case .sentSince(let date):
            return try await fromHeaders(candidates) { Self.sentDay($0).map { $0 >= date.daysSince1970 } ?? false }
        case .uid(let set):
            let matcher = uidSet(set)
            return candidates.filter { matcher.contains(messages[$0].message.uid) }
        case .sequenceSet(let set):
            let matcher = sequenceSet(set)
            return candidates.filter { matcher.contains(UInt32(messages[$0].sequence)) }
        case .keyword(let name):
            guard let index = keywordIndex(name) else { return Candidates(count: messages.count) }
            return candidates.filter { messages[$0].message.keywords.contains(index) }
        case .unkeyword(let name):
            guard let index = keywordIndex(name) else { return candidates }
            return candidates.filter { !messages[$0].message.keywords.contains(index) }
        default:
            return candidates.filter { memoryMatch(key, messages[$0]) }
        }
    }

    /// Keys answered from the message list alone.
    func memoryMatch(_ key: SearchKey, _ item: (sequence: Int, message: MessageInfo)) -> Bool {
        let info = item.message
        let recent = recentFrom.map { info.uid >= $0 } ?? false
        switch key {
        case .all: return true
        case .answered: return info.flags.contains(.answered)
        case .deleted: return info.flags.contains(.deleted)
        case .draft: return info.flags.contains(.draft)
        case .flagged: return info.flags.contains(.flagged)
        case .seen: return info.flags.contains(.seen)
        case .unanswered: return !info.flags.contains(.answered)
        case .undeleted: return !info.flags.contains(.deleted)
        case .undraft: return !info.flags.contains(.draft)
        case .unflagged: return !info.flags.contains(.flagged)
        case .unseen: return !info.flags.contains(.seen)
        case .recent: return recent
        case .new: return recent && !info.flags.contains(.seen)
        case .old: return !recent
        case .keyword(let name): return keywordIndex(name).map { info.keywords.contains($0) } ?? false
        case .unkeyword(let name): return !(keywordIndex(name).map { info.keywords.contains($0) } ?? false)
        // RFC 9051 §6.4.4: INTERNALDATE "disregarding time and timezone" (ours is UTC).
        case .before(let date): return Self.day(info.internalDate) < date.daysSince1970
        case .on(let date): return Self.day(info.internalDate) == date.daysSince1970
        case .since(let date): return Self.day(info.internalDate) >= date.daysSince1970
        case .larger(let n): return UInt64(info.size) > n
        case .smaller(let n): return UInt64(info.size) < n
        case .uid(let set): return uidSet(set).contains(info.uid)
        case .sequenceSet(let set): return sequenceSet(set).contains(UInt32(item.sequence))
        // RFC 7162 §3.1.5: mod-sequence equal or greater. The store keeps one mod-sequence per
        // message, so the per-flag entry names match like the message's.
        case .modSeq(let search): return info.modseq >= search.modSeq
        default: return false
        }
    }

    /// The bit of a keyword in this mailbox's table (keywords match case-insensitively).
    private func keywordIndex(_ name: String) -> Int? {
        let folded = name.lowercased()
        return keywords.firstIndex { !$0.isEmpty && $0.lowercased() == folded }
    }

    static func day(_ seconds: Int64) -> Int {
        Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    }

    /// The Date: header's day as the sender wrote it (RFC 9051 §6.4.4: "disregarding time and
    /// timezone").
    static func sentDay(_ header: Header) -> Int? {
        guard let value = header["Date"], let parsed = RFC5322Date.parse(value) else { return nil }
        return day(parsed.seconds + Int64(parsed.offsetSeconds))
    }

    func uidSet(_ set: SequenceSet) -> UIDMatcher {
        if case .lastSearchResult = set { return UIDMatcher(saved: savedSearch) }
        return UIDMatcher(set: NumberSet(set, largest: mailbox.uids.last ?? 0))
    }

    func sequenceSet(_ set: SequenceSet) -> UIDMatcher {
        if case .lastSearchResult = set {
            return UIDMatcher(saved: savedSearch.compactMap { mailbox.sequence(ofUID: $0).map(UInt32.init) })
        }
        return UIDMatcher(set: NumberSet(set, largest: UInt32(mailbox.count)))
    }

    /// FROM, TO, CC, BCC, SUBJECT through the index (case-insensitive substring).
    private func indexed(_ header: SearchableHeader, _ text: String, _ candidates: Candidates) async throws -> Candidates {
        let uids = try await mailbox.search(header: header, contains: text)
        return candidates.intersecting(positions(of: uids))
    }

    /// TEXT and BODY through the full-text index.
    private func fullText(_ text: String, _ scope: TextSearchScope, _ candidates: Candidates) async throws -> Candidates {
        let uids = try await mailbox.search(text: text, scope: scope)
        return candidates.intersecting(positions(of: uids))
    }

    /// Positions of ascending UIDs among the (UID-ordered) messages.
    private func positions(of uids: [UInt32]) -> Candidates {
        var out = Candidates(count: messages.count)
        var j = 0
        for uid in uids {
            while j < messages.count && messages[j].message.uid < uid { j += 1 }
            if j < messages.count && messages[j].message.uid == uid { out.insert(j) }
        }
        return out
    }

    /// Keys that need each candidate's header: read from its file and tested on the work
    /// queue, a batch at a time; nothing of the message is kept.
    private mutating func fromHeaders(_ candidates: Candidates, _ predicate: @escaping @Sendable (Header) -> Bool) async throws -> Candidates {
        var result = Candidates(count: messages.count)
        let wanted = candidates.positions
        guard fileReads + wanted.count <= context.limits.searchFileReads else {
            throw CommandError.no(.limit, "Search needs to read too many messages")
        }
        fileReads += wanted.count
        var start = 0
        while start < wanted.count {
            let batch = Array(wanted[start..<min(wanted.count, start + 256)])
            start += batch.count
            var files: [(Int, MessageFile)] = []
            for position in batch {
                if let file = try? await mailbox.openMessage(uid: messages[position].message.uid) { files.append((position, file)) }
            }
            let opened = files
            let matching = await context.offload { () -> [Int] in
                opened.compactMap { position, file in
                    guard let bytes = try? file.readAll() else { return nil }
                    return predicate(MessageParser.parseHeader(bytes)) ? position : nil
                }
            }
            for position in matching { result.insert(position) }
        }
        return result
    }
}

/// Membership in a UID or sequence set, or in the saved result.
struct UIDMatcher {
    private let set: NumberSet?
    private let saved: Set<UInt32>

    init(set: NumberSet) {
        self.set = set
        self.saved = []
    }

    init(saved: [UInt32]) {
        self.set = nil
        self.saved = Set(saved)
    }

    func contains(_ n: UInt32) -> Bool {
        set?.contains(n) ?? saved.contains(n)
    }
}

/// A set of message positions, as a bitmap.
struct Candidates {
    private var bits: [Bool]
    private(set) var count: Int

    init(count: Int) {
        bits = [Bool](repeating: false, count: count)
        self.count = 0
    }

    init(all: Int) {
        bits = [Bool](repeating: true, count: all)
        count = all
    }

    var isEmpty: Bool { count == 0 }

    var positions: [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        for (i, b) in bits.enumerated() where b { out.append(i) }
        return out
    }

    mutating func insert(_ i: Int) {
        if !bits[i] {
            bits[i] = true
            count += 1
        }
    }

    func filter(_ keep: (Int) -> Bool) -> Candidates {
        var out = Candidates(count: bits.count)
        for (i, b) in bits.enumerated() where b && keep(i) { out.insert(i) }
        return out
    }

    func intersecting(_ other: Candidates) -> Candidates {
        filter { other.bits[$0] }
    }

    func subtracting(_ other: Candidates) -> Candidates {
        filter { !other.bits[$0] }
    }

    func union(_ other: Candidates) -> Candidates {
        var out = self
        for (i, b) in other.bits.enumerated() where b { out.insert(i) }
        return out
    }
}
