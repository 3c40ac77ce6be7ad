/// One end of a sequence range: a number or `*`, the largest number in use (RFC 9051 §9
/// `seq-number = nz-number / "*"`).
public enum SequenceNumber: Hashable, Sendable {
    case number(UInt32)
    /// `*`: the last message (or the largest UID) in the mailbox.
    case last

    func resolved(largest: UInt32) -> UInt32 {
        switch self {
        case .number(let n): n
        case .last: largest
        }
    }
}

/// `seq-range = seq-number ":" seq-number`, ends in either order (RFC 9051 §9: "2:4" and
/// "4:2" are the same set). A single number is a range whose ends are equal.
public struct SequenceRange: Hashable, Sendable {
    public var first: SequenceNumber
    public var second: SequenceNumber

    public init(_ first: SequenceNumber, _ second: SequenceNumber) {
        self.first = first
        self.second = second
    }

    public init(_ single: SequenceNumber) {
        self.init(single, single)
    }

    public init(_ range: ClosedRange<UInt32>) {
        self.init(.number(range.lowerBound), .number(range.upperBound))
    }

    /// The numbers covered, given the value of `*`.
    public func resolved(largest: UInt32) -> ClosedRange<UInt32> {
        let a = first.resolved(largest: largest)
        let b = second.resolved(largest: largest)
        return min(a, b)...max(a, b)
    }
}

/// A set of message sequence numbers or UIDs (RFC 9051 §9):
///
/// ```
/// sequence-set    = (seq-number / seq-range) ["," sequence-set]
///                 / seq-last-command
/// seq-last-command = "$"
/// ```
/// `$` (RFC 5182 SEARCHRES) stands for the result of the last `SEARCH RETURN (SAVE)`; the
/// session substitutes it.
public enum SequenceSet: Hashable, Sendable {
    case ranges([SequenceRange])
    /// `$`: the saved search result (RFC 5182 §2.1).
    case lastSearchResult

    public static let all = SequenceSet.ranges([SequenceRange(.number(1), .last)])

    public init(_ ranges: [ClosedRange<UInt32>]) {
        self = .ranges(ranges.map(SequenceRange.init))
    }

    /// The numbers covered as sorted, disjoint, non-adjacent ranges, given the value of `*`.
    /// Nil for `$`, which only the session can resolve. An empty mailbox (`largest == 0`)
    /// still resolves `*` to 0 as RFC 9051 §6.4.8 leaves to the server to reject.
    public func normalized(largest: UInt32) -> [ClosedRange<UInt32>]? {
        guard case .ranges(let ranges) = self else { return nil }
        let sorted = ranges.map { $0.resolved(largest: largest) }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        merged.reserveCapacity(sorted.count)
        for r in sorted {
            if let last = merged.last, UInt64(r.lowerBound) <= UInt64(last.upperBound) + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    /// Whether `n` is in the set, given the value of `*` (false for `$`).
    public func contains(_ n: UInt32, largest: UInt32) -> Bool {
        guard case .ranges(let ranges) = self else { return false }
        return ranges.contains { $0.resolved(largest: largest).contains(n) }
    }
}
