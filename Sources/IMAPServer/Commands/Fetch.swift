// FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9) with MODSEQ, CHANGEDSINCE and VANISHED
// (RFC 7162 §3.1.4, §3.2.6) and BINARY (RFC 3516).
//
// Three paths, cheapest first:
// - FLAGS/UID/MODSEQ only: from memory, through the encoder's flags writer, in blocks.
// - ENVELOPE/BODYSTRUCTURE: cached encodings from the index, read per batch; a miss reads
//   and parses the file (off the event loops, on a few threads) and fills the cache.
// - Body sections, BINARY, RFC822*, BODY: the files are read per batch on the work queue;
//   a large message asked for whole (BODY[], RFC822, BINARY[]) is streamed from its file.
// Responses leave in blocks of `responseChunkOctets`, each written with backpressure.

import Dispatch
import IMAPProtocol
import MessageFormat
import NIOCore
import Store

/// Which items a FETCH answers, in the order it writes them.
struct FetchPlan {
    private(set) var items: [FetchAttribute]
    private(set) var marksSeen = false

    /// RFC 9051 §6.4.9: UID FETCH answers with UID, first; RFC 7162 §3.1.4.1: CHANGEDSINCE
    /// implies MODSEQ.
    init(_ attributes: [FetchAttribute], uid: Bool, impliedModSeq: Bool) {
        var items: [FetchAttribute] = []
        if uid || attributes.contains(.uid) { items.append(.uid) }
        for attribute in attributes where !items.contains(attribute) { items.append(attribute) }
        if impliedModSeq && !items.contains(.modSeq) { items.append(.modSeq) }
        self.items = items
        for item in items {
            switch item {
            // RFC 9051 §6.4.5: BODY[...] (not PEEK), BINARY[...] (RFC 3516 §4.2), RFC822 and
            // RFC822.TEXT set \Seen.
            case .bodySection(_, _, peek: false), .binary(_, _, peek: false), .rfc822, .rfc822Text:
                marksSeen = true
            default:
                break
            }
        }
    }

    /// RFC 9051 §6.4.5: flags changed by the implicit \Seen "SHOULD be included".
    mutating func includeFlags() {
        if !items.contains(.flags) { items.append(.flags) }
    }

    var hasUID: Bool { items.contains(.uid) }
    var hasModSeq: Bool { items.contains(.modSeq) }
    var needsEnvelope: Bool { items.contains(.envelope) }
    var needsBodyStructure: Bool { items.contains(.bodyStructure) }

    /// Everything can be answered by the flags writer.
    var flagsOnly: Bool {
        items.contains(.flags) && items.allSatisfy { $0 == .uid || $0 == .flags || $0 == .modSeq }
    }

    /// Items read from the message file, with their position.
    var contentItems: [(index: Int, attribute: FetchAttribute)] {
        items.enumerated().compactMap { index, item in Self.isContent(item) ? (index, item) : nil }
    }

    static func isContent(_ item: FetchAttribute) -> Bool {
        switch item {
        case .bodySection, .binary, .binarySize, .rfc822, .rfc822Header, .rfc822Text, .body: true
        case .envelope, .flags, .internalDate, .rfc822Size, .bodyStructure, .uid, .modSeq: false
        }
    }

    /// The whole message as a literal: what can be streamed from the file.
    static func isWholeMessage(_ item: FetchAttribute) -> Bool {
        switch item {
        case .bodySection(let section, _, _): section.part.isEmpty && section.text == nil
        case .rfc822: true
        case .binary(let part, _, _): part.isEmpty
        default: false
        }
    }

    /// Every content item is the whole message: large messages can be streamed.
    var streamable: Bool {
        let content = contentItems
        return !content.isEmpty && content.allSatisfy { Self.isWholeMessage($0.attribute) }
    }
}

/// The kind of a FETCH item, without its arguments.
enum FetchSlot: Equatable {
    case uid, flags, modSeq, internalDate, rfc822Size, envelope, bodyStructure
    /// Read from the file.
    case content
    /// The whole message as a literal: streamed from the file when the message is large.
    case streamed
}

/// A message whose content a batch computes on the work queue.
struct ContentRequest: Sendable {
    var uid: UInt32
    var file: MessageFile
    var envelope: Bool
    var bodyStructure: Bool
}

/// What the work queue computed for one message.
struct ContentResult: Sendable {
    var readable = false
    /// Indexed like `FetchPlan.items`.
    var items: [FetchResponseItem?] = []
    var envelope: [UInt8]?
    var bodyStructure: [UInt8]?
    var unknownTransferEncoding = false
}

extension IMAPSession {
    mutating func fetch<Output: ResponseOutput>(_ command: FetchCommand, uid: Bool, _ out: inout Output) async throws -> Completion {
        guard var current = selected else { throw CommandError.bad(.clientBug, "No mailbox selected") }
        let changedSince = command.modifiers.changedSince
        // RFC 7162 §3.1: FETCH MODSEQ and CHANGEDSINCE turn CONDSTORE on.
        if changedSince != nil || command.attributes.contains(.modSeq) { state.enableCondstore() }
        let uids = try resolve(command.sequenceSet, uid: uid)
        if command.modifiers.vanished, let since = changedSince {
            // RFC 7162 §3.2.6: only once QRESYNC is enabled.
            guard state.qresync else { throw CommandError.bad(.clientBug, "QRESYNC is not enabled") }
            let named = NumberSet(command.sequenceSet, largest: current.mailbox.uids.last ?? 0)
            let vanished: [UInt32]
            do {
                vanished = try await current.mailbox.vanished(since: since)
            } catch {
                throw failure(error)
            }
            let reported = vanished.filter(named.contains)
            if !reported.isEmpty { out.send(.untagged(.vanished(earlier: true, compress(reported)))) }
        }
        var list = messages(uids, in: current)
        var missing = uids.count - list.count
        if let since = changedSince { list = list.filter { $0.message.modseq > since } }
        // RFC 7162 §3.2.4: with QRESYNC enabled every FETCH response carries the UID.
        var plan = FetchPlan(command.attributes, uid: uid || state.qresync, impliedModSeq: changedSince != nil)

        if plan.marksSeen && !current.readOnly {
            let unseen = list.filter { !$0.message.flags.contains(.seen) }.map(\.message.uid)
            if !unseen.isEmpty {
                let result: StoreResult
                do {
                    result = try await current.mailbox.store(uids: unseen, .add, flags: .seen)
                } catch {
                    throw failure(error)
                }
                selected = current
                var updated: [UInt32: MessageInfo] = [:]
                for info in result.modified { updated[info.uid] = info }
                for i in list.indices {
                    if let info = updated[list[i].message.uid] { list[i].message = info }
                }
                plan.includeFlags()
            }
        }

        var renderer = FlagRenderer(snapshot: current.mailbox.snapshot, recentFrom: state.isIMAP4rev2 ? nil : current.recentFrom)
        var unknownTransferEncoding = false
        if plan.flagsOnly {
            try await writeFlagFetches(list, flags: &renderer, uid: plan.hasUID, modSeq: plan.hasModSeq, &out)
        } else {
            let outcome = try await fetchMessages(list, plan: plan, mailbox: current.mailbox, renderer: &renderer, &out)
            missing += outcome.missing
            unknownTransferEncoding = outcome.unknownTransferEncoding
        }
        if unknownTransferEncoding {
            // RFC 3516 §4.3: BINARY of a part whose encoding the server does not know.
            return Completion("Unknown Content-Transfer-Encoding", code: .unknownCTE).failed
        }
        if missing > 0 {
            // RFC 9051 §7.5.1 leaves it to the server; the client learns of the EXPUNGE soon.
            return Completion("Some messages were expunged meanwhile", code: .expungeIssued)
        }
        return Completion("FETCH completed")
    }

    struct FetchOutcome {
        var missing = 0
        var unknownTransferEncoding = false
    }

    /// The general path: batch by batch, cache and files, then one FETCH line per message.
    func fetchMessages<Output: ResponseOutput>(_ list: [(sequence: Int, message: MessageInfo)], plan: FetchPlan, mailbox: MailboxSession,
                                               renderer: inout FlagRenderer, _ out: inout Output) async throws -> FetchOutcome {
        let limits = context.limits
        let encoder = self.encoder
        let contentItems = plan.contentItems
        // What each item is, decided once: the loop below runs per message.
        let slots: [FetchSlot] = plan.items.map { item in
            switch item {
            case .uid: .uid
            case .flags: .flags
            case .modSeq: .modSeq
            case .internalDate: .internalDate
            case .rfc822Size: .rfc822Size
            case .envelope: .envelope
            case .bodyStructure: .bodyStructure
            default: Self.streams(item) ? .streamed : .content
            }
        }
        var outcome = FetchOutcome()
        var chunk = ByteBuffer()
        chunk.reserveCapacity(limits.responseChunkOctets + 4096)
        var start = 0
        while start < list.count {
            var end = min(list.count, start + max(1, limits.fetchBatch))
            if !contentItems.isEmpty {
                // Message contents of a batch are held together: bound them by size too.
                var octets = 0
                for i in start..<end {
                    octets += list[i].message.size
                    if octets > limits.batchContentOctets && i > start {
                        end = i
                        break
                    }
                }
            }
            let batch = list[start..<end]
            start = end

            // 1. Cached ENVELOPE / BODYSTRUCTURE.
            var cached: [UInt32: CachedBlobs] = [:]
            if plan.needsEnvelope || plan.needsBodyStructure {
                do {
                    cached = try await mailbox.cachedBlobs(uids: batch.map(\.message.uid))
                } catch {
                    throw failure(error)
                }
            }

            // 2. Message files: for content items, and for cache misses.
            var wanted: [(uid: UInt32, envelope: Bool, bodyStructure: Bool)] = []
            for (_, info) in batch {
                let blobs = cached[info.uid]
                let needEnvelope = plan.needsEnvelope && !CachedItems.isCurrent(blobs?.envelope)
                let needStructure = plan.needsBodyStructure && !CachedItems.isCurrent(blobs?.bodyStructure)
                guard !contentItems.isEmpty || needEnvelope || needStructure else { continue }
                wanted.append((info.uid, needEnvelope, needStructure))
            }
            let files = await Self.open(wanted.map(\.uid), in: mailbox, concurrency: limits.openConcurrency)
            var requests: [ContentRequest] = []
            var streamed: [UInt32: MessageFile] = [:]
            for item in wanted {
                guard let file = files[item.uid] else { continue }
                if plan.streamable && file.size > limits.inMemoryMessageOctets && !item.envelope && !item.bodyStructure {
                    streamed[item.uid] = file
                } else {
                    requests.append(ContentRequest(uid: item.uid, file: file, envelope: item.envelope, bodyStructure: item.bodyStructure))
                }
            }
            var results: [UInt32: ContentResult] = [:]
            if !requests.isEmpty {
                let computed = await computeContent(requests, plan: plan)
                var fresh: [UInt32: CachedBlobs] = [:]
                for (request, result) in zip(requests, computed) {
                    results[request.uid] = result
                    if result.envelope != nil || result.bodyStructure != nil {
                        fresh[request.uid] = CachedBlobs(envelope: result.envelope, bodyStructure: result.bodyStructure)
                    }
                }
                if !fresh.isEmpty {
                    // A cache that cannot be written is only slower next time.
                    try? await mailbox.setCachedBlobs(fresh)
                }
            }

            // 3. One line per message.
            for (sequence, info) in batch {
                let result = results.isEmpty ? nil : results[info.uid]
                let file = streamed.isEmpty ? nil : streamed[info.uid]
                let blobs = cached[info.uid]
                let envelopeBlob = CachedItems.isCurrent(blobs?.envelope) ? blobs?.envelope : result?.envelope
                let structureBlob = CachedItems.isCurrent(blobs?.bodyStructure) ? blobs?.bodyStructure : result?.bodyStructure
                let needsFile = !contentItems.isEmpty || (plan.needsEnvelope && envelopeBlob == nil)
                    || (plan.needsBodyStructure && structureBlob == nil)
                if needsFile && result?.readable != true && file == nil {
                    // Expunged (or unreadable) since the command began.
                    outcome.missing += 1
                    continue
                }
                if result?.unknownTransferEncoding == true { outcome.unknownTransferEncoding = true }
                appendFetchStart(sequence, into: &chunk)
                var separated = false
                for (index, slot) in slots.enumerated() {
                    switch slot {
                    case .uid:
                        encoder.writeFetchItem(.uid(info.uid), separated: separated, into: &chunk)
                    case .flags:
                        encoder.writeFetchItem(.flags(renderer.flags(of: info)), separated: separated, into: &chunk)
                    case .modSeq:
                        encoder.writeFetchItem(.modSeq(info.modseq), separated: separated, into: &chunk)
                    case .internalDate:
                        let date = IMAPDateTime(secondsSince1970: info.internalDate)
                            ?? IMAPDateTime(secondsSince1970: 0)
                        if let date { encoder.writeFetchItem(.internalDate(date), separated: separated, into: &chunk) }
                    case .rfc822Size:
                        encoder.writeFetchItem(.rfc822Size(UInt64(info.size)), separated: separated, into: &chunk)
                    case .envelope, .bodyStructure:
                        let blob = slot == .envelope ? envelopeBlob : structureBlob
                        if separated { chunk.writeStaticString(" ") }
                        if let blob, blob.count > 1 {
                            chunk.writeBytes(blob[1...])
                        } else {
                            chunk.writeString(slot == .envelope ? "ENVELOPE NIL" : "BODYSTRUCTURE NIL")
                        }
                    case .streamed:
                        if file != nil { continue }
                        fallthrough
                    case .content:
                        if let value = result?.items[index] {
                            encoder.writeFetchItem(value, separated: separated, into: &chunk)
                        } else {
                            continue
                        }
                    }
                    separated = true
                }
                if let file {
                    for item in plan.items where Self.streams(item) {
                        try await stream(item, from: file, separated: separated, chunk: &chunk, &out)
                        separated = true
                    }
                }
                chunk.writeStaticString(")\r\n")
                if chunk.readableBytes >= limits.responseChunkOctets {
                    try await out.send(encoded: chunk)
                    chunk = ByteBuffer()
                    chunk.reserveCapacity(limits.responseChunkOctets + 4096)
                }
            }
        }
        if chunk.readableBytes > 0 { try await out.send(encoded: chunk) }
        return outcome
    }

    /// Opens message files, a few at a time (each open is a hop to the store's queue); a
    /// message that cannot be opened (expunged meanwhile) is left out.
    static func open(_ uids: [UInt32], in mailbox: MailboxSession, concurrency: Int) async -> [UInt32: MessageFile] {
        var files: [UInt32: MessageFile] = [:]
        files.reserveCapacity(uids.count)
        await withTaskGroup(of: (UInt32, MessageFile?).self) { group in
            var next = 0
            func add() {
                guard next < uids.count else { return }
                let uid = uids[next]
                next += 1
                group.addTask { (uid, try? await mailbox.openMessage(uid: uid)) }
            }
            for _ in 0..<max(1, concurrency) { add() }
            while let (uid, file) = await group.next() {
                if let file { files[uid] = file }
                add()
            }
        }
        return files
    }

    static func streams(_ item: FetchAttribute) -> Bool {
        FetchPlan.isWholeMessage(item)
    }

    /// `* n FETCH (`
    func appendFetchStart(_ sequence: Int, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("* ")
        buffer.writeString(String(sequence))
        buffer.writeStaticString(" FETCH (")
    }

    /// Reads and parses a batch of messages on the work queue, a few at a time.
    func computeContent(_ requests: [ContentRequest], plan: FetchPlan) async -> [ContentResult] {
        let contentItems = plan.contentItems
        let itemCount = plan.items.count
        let workers = min(max(1, context.limits.contentWorkers), max(1, requests.count / 4))
        return await context.offload {
            var results = [ContentResult](repeating: ContentResult(), count: requests.count)
            results.withUnsafeMutableBufferPointer { buffer in
                nonisolated(unsafe) let output = buffer
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var i = worker
                    while i < requests.count {
                        output[i] = Self.content(for: requests[i], items: contentItems, itemCount: itemCount)
                        i += workers
                    }
                }
            }
            return results
        }
    }

    static func content(for request: ContentRequest, items: [(index: Int, attribute: FetchAttribute)], itemCount: Int) -> ContentResult {
        var result = ContentResult()
        guard let bytes = try? request.file.readAll() else { return result }
        result.readable = true
        result.items = [FetchResponseItem?](repeating: nil, count: itemCount)
        var content = MessageContent(bytes: bytes)
        if request.envelope { result.envelope = CachedItems.envelope(Envelope(header: content.header())) }
        if request.bodyStructure { result.bodyStructure = CachedItems.bodyStructure(content.message()) }
        for (index, attribute) in items {
            switch attribute {
            case .bodySection(let section, let partial, _):
                let data = content.section(section).map { ByteBuffer(bytes: applyPartial($0, partial)) }
                result.items[index] = .bodySection(section, origin: partial?.offset, data: data)
            case .binary(let part, let partial, _):
                do {
                    let data = try content.binary(part).map { ByteBuffer(bytes: applyPartial($0, partial)) }
                    result.items[index] = .binary(part: part, origin: partial?.offset, data: data)
                } catch {
                    result.unknownTransferEncoding = true
                }
            case .binarySize(let part):
                do {
                    let size = try content.binary(part)?.count ?? 0
                    result.items[index] = .binarySize(part: part, UInt64(size))
                } catch {
                    result.unknownTransferEncoding = true
                }
            case .rfc822:
                result.items[index] = .rfc822(content.section(Section()).map { ByteBuffer(bytes: $0) })
            case .rfc822Header:
                result.items[index] = .rfc822Header(content.section(Section(text: .header)).map { ByteBuffer(bytes: $0) })
            case .rfc822Text:
                result.items[index] = .rfc822Text(content.section(Section(text: .text)).map { ByteBuffer(bytes: $0) })
            case .body:
                result.items[index] = .body(content.bodyStructure())
            case .envelope, .flags, .internalDate, .rfc822Size, .bodyStructure, .uid, .modSeq:
                break
            }
        }
        return result
    }

    /// Streams the whole message as one literal: a first pass counts the bare LFs (and NULs,
    /// for BINARY's literal8), a second converts and sends, block by block.
    func stream<Output: ResponseOutput>(_ item: FetchAttribute, from file: MessageFile, separated: Bool,
                                        chunk: inout ByteBuffer, _ out: inout Output) async throws {
        let block = max(4096, context.limits.responseChunkOctets)
        let size = file.size
        var bareLineFeeds = 0
        var hasNUL = false
        var previous: UInt8 = 0
        var offset = 0
        while offset < size {
            let from = offset
            let bytes = await context.offload { (try? file.read(offset: from, count: block)) ?? [] }
            guard !bytes.isEmpty else { break }
            bytes.withUnsafeBufferPointer { bareLineFeeds += LineEndings.bareLineFeeds($0, previous: previous) }
            if !hasNUL, bytes.contains(0) { hasNUL = true }
            previous = bytes[bytes.count - 1]
            offset += bytes.count
        }
        let total = UInt64(offset + bareLineFeeds)
        var partial: Partial?
        var name = ""
        var literal8 = false
        switch item {
        case .bodySection(_, let p, _):
            partial = p
            name = "BODY[]"
        case .rfc822:
            name = "RFC822"
        case .binary(_, let p, _):
            partial = p
            name = "BINARY[]"
            literal8 = hasNUL
        default:
            return
        }
        let windowStart = min(total, partial?.offset ?? 0)
        let windowEnd = partial.map { min(total, windowStart + min($0.length, total - windowStart)) } ?? total
        if separated { chunk.writeStaticString(" ") }
        chunk.writeString(name)
        if let partial { chunk.writeString("<\(partial.offset)>") }
        chunk.writeString(literal8 ? " ~{\(windowEnd - windowStart)}\r\n" : " {\(windowEnd - windowStart)}\r\n")
        try await out.send(encoded: chunk)
        chunk = ByteBuffer()
        var converter = CRLFStream(window: windowStart..<windowEnd)
        var written: UInt64 = 0
        offset = 0
        while offset < size && converter.position < windowEnd {
            let from = offset
            let bytes = await context.offload { (try? file.read(offset: from, count: block)) ?? [] }
            guard !bytes.isEmpty else { break }
            offset += bytes.count
            var piece = ByteBuffer()
            piece.reserveCapacity(bytes.count + bytes.count / 8)
            converter.feed(bytes, into: &piece)
            written += UInt64(piece.readableBytes)
            if piece.readableBytes > 0 { try await out.send(encoded: piece) }
        }
        if written < windowEnd - windowStart {
            // The file shrank or could not be read: the announced literal must still be
            // complete, or the client would read our next response as message data.
            logger.error("message file changed while streamed", metadata: ["result": "error"])
            var padding = ByteBuffer()
            padding.writeRepeatingByte(UInt8(ascii: " "), count: Int(windowEnd - windowStart - written))
            try await out.send(encoded: padding)
        }
        chunk.reserveCapacity(context.limits.responseChunkOctets + 4096)
    }
}

extension IMAPSession.Completion {
    /// The same text and code in a tagged NO.
    var failed: IMAPSession.Completion {
        var copy = self
        copy.status = .no
        return copy
    }
}
