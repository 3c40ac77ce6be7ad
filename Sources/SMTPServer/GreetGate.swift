// postscreen's memory: clients that waited politely for the greeting are remembered for a
// day and meet no delay on their next connections (postscreen_greet_ttl, postscreen_cache).

public import MailCore
import Synchronization

public final class GreetGate: Sendable {
    let delay: Duration
    let ttl: Duration
    let capacity: Int
    private let passed = Mutex<[IPAddress: ContinuousClock.Instant]>([:])

    public init(delay: Duration, ttl: Duration = .seconds(86_400), capacity: Int = 100_000) {
        self.delay = delay
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The delay before this client's greeting: none if it passed recently.
    public func delay(for ip: IPAddress?) -> Duration {
        guard delay > .zero, let ip else { return .zero }
        let now = ContinuousClock.now
        return passed.withLock { p in
            if let until = p[ip], until > now { return .zero }
            return delay
        }
    }

    public func pass(_ ip: IPAddress) {
        guard delay > .zero else { return }
        let until = ContinuousClock.now + ttl
        passed.withLock { p in
            if p.count >= capacity {
                let now = ContinuousClock.now
                p = p.filter { $0.value > now }
                if p.count >= capacity { p.removeAll() }
            }
            p[ip] = until
        }
    }
}
