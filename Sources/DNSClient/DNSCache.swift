// The stub resolver's cache: results keyed by question, kept for their TTL (RFC 1035
// §3.2.1), negative answers for the SOA-derived negative TTL (RFC 2308 §5), bounded in size
// with least-recently-used eviction. Time comes from an injected clock so tests can expire
// entries without sleeping.

import Synchronization

final class DNSCache: Sendable {
    struct Entry: Sendable {
        var result: DNSResult<[ResourceRecord]>
        var expires: ContinuousClock.Instant
    }

    private let store: Mutex<LRUStore<DNSQuestion, Entry>>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        store = Mutex(LRUStore(capacity: capacity))
    }

    var count: Int { store.withLock { $0.count } }

    /// The cached result, TTLs of its records lowered by the time spent in the cache;
    /// nil when absent or expired.
    func get(_ question: DNSQuestion, now: ContinuousClock.Instant) -> DNSResult<[ResourceRecord]>? {
        let entry: Entry? = store.withLock { store in
            guard let entry = store.get(question) else { return nil }
            guard now < entry.expires else {
                store.remove(question)
                return nil
            }
            return entry
        }
        guard let entry else { return nil }
        let remaining = entry.expires - now
        let remainingSeconds = UInt32(clamping: remaining.components.seconds + (remaining.components.attoseconds > 0 ? 1 : 0))
        return entry.result.map { records in
            records.map { record in
                var record = record
                record.ttl = min(record.ttl, remainingSeconds)
                return record
            }
        }
    }

    /// Keeps `result` for `ttl` seconds; a TTL of 0 is not cached (RFC 1035 §3.2.1: "zero
    /// values are interpreted to mean that the RR can only be used for the transaction in
    /// progress").
    func put(_ question: DNSQuestion, _ result: DNSResult<[ResourceRecord]>, ttl: UInt32, now: ContinuousClock.Instant) {
        guard ttl > 0, capacity > 0 else { return }
        let entry = Entry(result: result, expires: now + .seconds(Int64(ttl)))
        store.withLock { _ = $0.set(question, entry) }
    }

    func removeAll() {
        store.withLock { $0 = LRUStore(capacity: capacity) }
    }
}

/// A fixed-capacity map that evicts the least recently used key: a dictionary of slots
/// plus a doubly linked list threaded through an array, O(1) per operation.
struct LRUStore<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Node: Sendable {
        var key: Key
        var value: Value
        var newer: Int
        var older: Int
    }

    let capacity: Int
    private var slots: [Key: Int] = [:]
    private var nodes: [Node] = []
    private var free: [Int] = []
    /// Most and least recently used slots; -1 when empty.
    private var newest = -1
    private var oldest = -1

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var count: Int { slots.count }

    mutating func get(_ key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        moveToFront(slot)
        return nodes[slot].value
    }

    /// The key evicted to make room, if any.
    @discardableResult
    mutating func set(_ key: Key, _ value: Value) -> Key? {
        guard capacity > 0 else { return nil }
        if let slot = slots[key] {
            nodes[slot].value = value
            moveToFront(slot)
            return nil
        }
        var evicted: Key?
        if slots.count >= capacity, oldest >= 0 {
            evicted = nodes[oldest].key
            remove(nodes[oldest].key)
        }
        let node = Node(key: key, value: value, newer: -1, older: newest)
        let slot: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
        slots[key] = slot
        return evicted
    }

    mutating func remove(_ key: Key) {
        guard let slot = slots.removeValue(forKey: key) else { return }
        unlink(slot)
        free.append(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let newer = nodes[slot].newer, older = nodes[slot].older
        if newer >= 0 { nodes[newer].older = older } else { newest = older }
        if older >= 0 { nodes[older].newer = newer } else { oldest = newer }
        nodes[slot].newer = -1
        nodes[slot].older = -1
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        nodes[slot].older = newest
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
