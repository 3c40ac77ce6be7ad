// Time for the queue: wall-clock time (arrival dates survive restarts) and waiting until a
// moment. Injected, so tests drive retries, expiry and delay warnings with a manual clock
// and never wait for real.

public import Foundation

public protocol QueueClock: Sendable {
    func now() -> Date
    /// Returns at `deadline` (or at once if it has passed); throws CancellationError when
    /// the task is cancelled first.
    func sleep(until deadline: Date) async throws
}

public struct SystemQueueClock: QueueClock {
    /// Long sleeps are cut into pieces, so a changed system clock is noticed.
    static let longestSleep: TimeInterval = 60

    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            try await Task.sleep(for: .milliseconds(Int64(min(remaining, Self.longestSleep) * 1000) + 1))
        }
    }
}

/// Postfix's retry schedule (minimal_backoff_time, maximal_backoff_time): the first retry
/// after `minimum`, each later one twice as far, never more than `maximum` apart.
public struct RetrySchedule: Sendable, Hashable {
    public var minimum: TimeInterval
    public var maximum: TimeInterval

    public init(minimum: TimeInterval = 300, maximum: TimeInterval = 4000) {
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
    }

    /// The wait after the `deferrals`-th deferred attempt (1 for the first).
    public func delay(afterDeferrals deferrals: Int) -> TimeInterval {
        guard deferrals > 1 else { return minimum }
        let doublings = min(deferrals - 1, 40)
        return min(maximum, minimum * pow(2, Double(doublings)))
    }
}
