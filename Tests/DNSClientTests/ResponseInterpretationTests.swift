import Testing
import MailCore
@testable import DNSClient

@Suite struct ResponseInterpretationTests {
    let www: DNSName
    let mx: DNSName

    init() throws {
        www = try DNSName("www.example.test")
        mx = try DNSName("mx.example.test")
    }

    func response(_ rcode: ResponseCode = .noError, answers: [ResourceRecord] = [], authorities: [ResourceRecord] = [],
                  ad: Bool = false, ra: Bool = true) -> DNSMessage {
        DNSMessage(id: 1, isResponse: true, recursionAvailable: ra, authenticatedData: ad, responseCode: rcode,
                   answers: answers, authorities: authorities)
    }

    func soa(ttl: UInt32, minimum: UInt32) throws -> ResourceRecord {
        ResourceRecord(name: try DNSName("example.test"), ttl: ttl,
                       data: .soa(SOARecord(primaryNameServer: try DNSName("ns.example.test"),
                                            responsibleMailbox: try DNSName("h.example.test"),
                                            serial: 1, refresh: 1, retry: 1, expire: 1, minimum: minimum)))
    }

    @Test func followsCNAMEInsideTheAnswer() throws {
        let message = try DNSWire.decode(Fixtures.nsdCNAME)
        let outcome = message.outcome(for: DNSQuestion(name: www, type: .a), maxAliases: 8, trustAuthenticatedData: true)
        let alias = ResourceRecord(name: www, ttl: 300, data: .cname(mx))
        #expect(outcome == .records([ResourceRecord(name: mx, ttl: 300, data: .a(.v4(0xC000_020A)))],
                                    aliases: [alias], authenticated: false))
    }

    @Test func asksAgainWhenTheAnswerStopsAtAnAlias() {
        let message = response(answers: [ResourceRecord(name: www, ttl: 300, data: .cname(mx))])
        #expect(message.outcome(for: DNSQuestion(name: www, type: .a), maxAliases: 8, trustAuthenticatedData: false)
            == .alias(target: mx, aliases: [ResourceRecord(name: www, ttl: 300, data: .cname(mx))], authenticated: false))
    }

    @Test func aliasLoopsAndLongChainsFail() throws {
        let loop = response(answers: [ResourceRecord(name: www, ttl: 1, data: .cname(mx)),
                                      ResourceRecord(name: mx, ttl: 1, data: .cname(www))])
        #expect(loop.outcome(for: DNSQuestion(name: www, type: .a), maxAliases: 8, trustAuthenticatedData: false)
            == .failure(.cnameChainTooLong))
        var chain: [ResourceRecord] = []
        for i in 0..<5 {
            chain.append(ResourceRecord(name: try DNSName("h\(i).test"), ttl: 1, data: .cname(try DNSName("h\(i + 1).test"))))
        }
        let long = response(answers: chain)
        let question = DNSQuestion(name: try DNSName("h0.test"), type: .a)
        #expect(long.outcome(for: question, maxAliases: 4, trustAuthenticatedData: false) == .failure(.cnameChainTooLong))
        if case .alias(let target, _, _) = long.outcome(for: question, maxAliases: 5, trustAuthenticatedData: false) {
            #expect(target == (try DNSName("h5.test")))
        } else {
            Issue.record("expected an alias")
        }
    }

    @Test func askingForTheCNAMEItselfDoesNotFollowIt() {
        let alias = ResourceRecord(name: www, ttl: 300, data: .cname(mx))
        #expect(response(answers: [alias]).outcome(for: DNSQuestion(name: www, type: .cname), maxAliases: 8,
                                                     trustAuthenticatedData: false)
            == .records([alias], aliases: [], authenticated: false))
    }

    @Test func negativeTTLIsTheSmallerOfSOATTLAndMinimum() throws {
        // RFC 2308 §5.
        let question = DNSQuestion(name: www, type: .a)
        #expect(response(.nameError, authorities: [try soa(ttl: 3600, minimum: 60)])
            .outcome(for: question, maxAliases: 8, trustAuthenticatedData: false)
            == .nxdomain(aliases: [], negativeTTL: 60, authenticated: false))
        #expect(response(authorities: [try soa(ttl: 30, minimum: 600)])
            .outcome(for: question, maxAliases: 8, trustAuthenticatedData: false)
            == .nodata(aliases: [], negativeTTL: 30, authenticated: false))
        // No SOA: not cacheable.
        #expect(response(.nameError).outcome(for: question, maxAliases: 8, trustAuthenticatedData: false)
            == .nxdomain(aliases: [], negativeTTL: nil, authenticated: false))
    }

    @Test func nxdomainAfterAChainBelongsToTheLastName() throws {
        // RFC 6604 §3.
        let message = response(.nameError, answers: [ResourceRecord(name: www, ttl: 300, data: .cname(mx))],
                               authorities: [try soa(ttl: 60, minimum: 60)])
        #expect(message.outcome(for: DNSQuestion(name: www, type: .a), maxAliases: 8, trustAuthenticatedData: false)
            == .nxdomain(aliases: [ResourceRecord(name: www, ttl: 300, data: .cname(mx))], negativeTTL: 60,
                         authenticated: false))
    }

    @Test(arguments: [(ResponseCode.serverFailure, DNSFailure.serverFailure), (.refused, .refused),
                      (.formatError, .formatError), (.notImplemented, .notImplemented),
                      (.badVersion, .unexpectedResponseCode(16))])
    func errorCodesAreTemporaryFailures(rcode: ResponseCode, failure: DNSFailure) {
        #expect(response(rcode).outcome(for: DNSQuestion(name: www, type: .a), maxAliases: 8,
                                        trustAuthenticatedData: false) == .failure(failure))
    }

    @Test func referralFromANonRecursiveServerIsLame() throws {
        let referral = response(authorities: [ResourceRecord(name: try DNSName("test"), ttl: 1,
                                                             data: .ns(try DNSName("ns.test")))], ra: false)
        #expect(referral.outcome(for: DNSQuestion(name: www, type: .a), maxAliases: 8, trustAuthenticatedData: false)
            == .failure(.lameReferral))
    }

    @Test func adBitCountsOnlyWhenTrusted() {
        let answer = response(answers: [ResourceRecord(name: www, ttl: 1, data: .a(.v4(1)))], ad: true)
        let question = DNSQuestion(name: www, type: .a)
        #expect(answer.outcome(for: question, maxAliases: 8, trustAuthenticatedData: true)
            == .records(answer.answers, aliases: [], authenticated: true))
        #expect(answer.outcome(for: question, maxAliases: 8, trustAuthenticatedData: false)
            == .records(answer.answers, aliases: [], authenticated: false))
    }

    @Test func procedureFollowsAliasesAcrossResponsesAndComputesTTL() async throws {
        // www -> mx (ttl 100), asked separately; mx A ttl 300: cacheable for 100 seconds.
        let www = self.www, mx = self.mx
        let outcome = await LookupProcedure.run(name: www, type: .a, trustAuthenticatedData: false) { question in
            if question.name == www {
                return .success(DNSMessage(id: 1, isResponse: true, recursionAvailable: true,
                                           answers: [ResourceRecord(name: www, ttl: 100, data: .cname(mx))]))
            }
            return .success(DNSMessage(id: 1, isResponse: true, recursionAvailable: true,
                                       answers: [ResourceRecord(name: mx, ttl: 300, data: .a(.v4(7)))]))
        }
        #expect(outcome.result.value == [ResourceRecord(name: mx, ttl: 300, data: .a(.v4(7)))])
        #expect(outcome.cacheTTL == 100)
    }

    @Test func procedureDetectsLoopsAcrossResponses() async throws {
        let www = self.www, mx = self.mx
        let outcome = await LookupProcedure.run(name: www, type: .a, trustAuthenticatedData: false) { question in
            let target = question.name == www ? mx : www
            return .success(DNSMessage(id: 1, isResponse: true, recursionAvailable: true,
                                       answers: [ResourceRecord(name: question.name, ttl: 1, data: .cname(target))]))
        }
        #expect(outcome.result.failure == .cnameChainTooLong)
        #expect(outcome.cacheTTL == nil)
    }
}
