import Testing
import Synchronization
@testable import DNSClient
import TestRandom

/// A clock tests move by hand.
final class ManualInstant: Sendable {
    private let current = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { current.withLock { $0 } }
    func advance(by duration: Duration) { current.withLock { $0 += duration } }
}

@Suite struct DNSCacheTests {
    func question(_ name: String, _ type: RecordType = .a) throws -> DNSQuestion {
        DNSQuestion(name: try DNSName(name), type: type)
    }

    func answer(_ name: String, ttl: UInt32) throws -> DNSResult<[ResourceRecord]> {
        .found([ResourceRecord(name: try DNSName(name), ttl: ttl, data: .a(.v4(1)))], authenticated: false)
    }

    @Test func entriesExpireAfterTheirTTLAndAgeTheirRecords() throws {
        let clock = ManualInstant()
        let cache = DNSCache(capacity: 10)
        cache.put(try question("a.test"), try answer("a.test", ttl: 300), ttl: 300, now: clock.now)
        #expect(cache.get(try question("a.test"), now: clock.now)?.value?.first?.ttl == 300)
        clock.advance(by: .seconds(100))
        #expect(cache.get(try question("a.test"), now: clock.now)?.value?.first?.ttl == 200)
        #expect(cache.get(try question("A.TEST"), now: clock.now) != nil)
        #expect(cache.get(try question("a.test", .aaaa), now: clock.now) == nil)
        clock.advance(by: .seconds(200))
        #expect(cache.get(try question("a.test"), now: clock.now) == nil)
        #expect(cache.count == 0)
    }

    @Test func zeroTTLIsNotCached() throws {
        let cache = DNSCache(capacity: 10)
        cache.put(try question("a.test"), try answer("a.test", ttl: 0), ttl: 0, now: .now)
        #expect(cache.count == 0)
    }

    @Test func negativeEntriesAreKept() throws {
        let clock = ManualInstant()
        let cache = DNSCache(capacity: 10)
        cache.put(try question("gone.test"), .nxdomain, ttl: 60, now: clock.now)
        #expect(cache.get(try question("gone.test"), now: clock.now) == .nxdomain)
        clock.advance(by: .seconds(61))
        #expect(cache.get(try question("gone.test"), now: clock.now) == nil)
    }

    @Test func evictsTheLeastRecentlyUsed() throws {
        let cache = DNSCache(capacity: 3)
        let now = ContinuousClock.now
        for name in ["a.test", "b.test", "c.test"] {
            cache.put(try question(name), try answer(name, ttl: 60), ttl: 60, now: now)
        }
        _ = cache.get(try question("a.test"), now: now)  // a is now the most recent
        cache.put(try question("d.test"), try answer("d.test", ttl: 60), ttl: 60, now: now)
        #expect(cache.count == 3)
        #expect(cache.get(try question("b.test"), now: now) == nil)
        for name in ["a.test", "c.test", "d.test"] {
            #expect(cache.get(try question(name), now: now) != nil)
        }
    }

    @Test func lruStoreStaysConsistentUnderChurn() {
        var store = LRUStore<Int, Int>(capacity: 50)
        var random = SplitMix64(seed: 7)
        var recent: [Int] = []  // model: most recent last
        for _ in 0..<20_000 {
            let key = Int.random(in: 0..<120, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0:
                store.set(key, key * 2)
                recent.removeAll { $0 == key }
                recent.append(key)
                if recent.count > 50 { recent.removeFirst() }
            case 1:
                let value = store.get(key)
                #expect(value == (recent.contains(key) ? key * 2 : nil))
                if recent.contains(key) {
                    recent.removeAll { $0 == key }
                    recent.append(key)
                }
            default:
                store.remove(key)
                recent.removeAll { $0 == key }
            }
            #expect(store.count == recent.count)
        }
    }

    @Test func zeroCapacityCachesNothing() throws {
        let cache = DNSCache(capacity: 0)
        cache.put(try question("a.test"), try answer("a.test", ttl: 60), ttl: 60, now: .now)
        #expect(cache.count == 0)
    }
}
