// An in-memory Resolver for unit tests of SPF, DKIM, DMARC and SMTP policy: no sockets,
// the same TestDNSZone as TestDNSServer, and the same resolution rules as StubResolver
// (LookupProcedure), so a test sees what production code would.

public import DNSClient
import Synchronization

public final class FakeResolver: Resolver {
    private let state: Mutex<State>
    public let maxCNAMEChain: Int

    private struct State {
        var zone: TestDNSZone
        var questions: [DNSQuestion] = []
    }

    public init(_ zone: TestDNSZone = TestDNSZone(), maxCNAMEChain: Int = LookupProcedure.defaultMaxCNAMEChain) {
        state = Mutex(State(zone: zone))
        self.maxCNAMEChain = maxCNAMEChain
    }

    /// Changes the data while tests run.
    public func update<T>(_ body: (inout TestDNSZone) throws -> T) rethrows -> T {
        try state.withLock { try body(&$0.zone) }
    }

    /// Every question asked so far, CNAME targets included, in order: SPF tests count
    /// lookups with it (RFC 7208 §4.6.4).
    public var questions: [DNSQuestion] { state.withLock { $0.questions } }

    public func lookup(_ name: DNSName, _ type: RecordType) async -> DNSResult<[ResourceRecord]> {
        await LookupProcedure.run(name: name, type: type, maxCNAMEChain: maxCNAMEChain,
                                  trustAuthenticatedData: true) { question in
            await self.exchange(question)
        }.result
    }

    private func exchange(_ question: DNSQuestion) async -> Result<DNSMessage, DNSFailure> {
        let query = DNSMessage.query(id: 0, question: question)
        let (response, behaviours) = state.withLock { state in
            state.questions.append(question)
            return (state.zone.response(to: query), state.zone.behaviours(for: question))
        }
        for behaviour in behaviours {
            switch behaviour {
            case .drop:
                return .failure(.timeout)
            case .delay(let duration):
                do {
                    try await Task.sleep(for: duration)
                } catch {
                    return .failure(.cancelled)
                }
            default:
                break
            }
        }
        return .success(response)
    }
}
