import Testing
@testable import DNSClient
import TestRandom

@Suite struct DNSWireRobustnessTests {
    static let iterations = 20_000

    /// Mutations of real packets: whatever comes out of the decoder is either a typed error
    /// or a message that survives re-encoding unchanged.
    @Test func mutatedPacketsNeverCrashAndRoundTrip() throws {
        var random = SplitMix64(seed: 0x00D0_5EED)
        let roundTrip = DNSMessage(
            id: 9, isResponse: true, questions: [DNSQuestion(name: try DNSName("a.example.org"), type: .mx)],
            answers: [ResourceRecord(name: try DNSName("a.example.org"), ttl: 60,
                                     data: .mx(MXRecord(preference: 5, exchange: try DNSName("mx.a.example.org")))),
                      ResourceRecord(name: try DNSName("a.example.org"), ttl: 60,
                                     data: .soa(SOARecord(primaryNameServer: try DNSName("ns.example.org"),
                                                          responsibleMailbox: try DNSName("h.example.org"),
                                                          serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5))),
                      ResourceRecord(name: try DNSName("_s._tcp.a.example.org"), ttl: 60,
                                     data: .srv(SRVRecord(priority: 1, weight: 2, port: 3, target: try DNSName("t.example.org"))))],
            edns: EDNS(options: [EDNSOption(code: 8, data: [0, 1, 24, 0, 192, 0, 2])]))
        let seeds = Fixtures.all + [try DNSWire.encode(roundTrip)]
        var decoded = 0
        for _ in 0..<Self.iterations {
            var packet = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                mutate(&packet, using: &random)
            }
            guard let message = try? DNSWire.decode(packet) else { continue }
            decoded += 1
            let again = try DNSWire.decode(try DNSWire.encode(message))
            #expect(again == message)
        }
        // Sanity: the mutations leave a fair share decodable, so both paths ran.
        #expect(decoded > Self.iterations / 20)
    }

    private func mutate(_ packet: inout [UInt8], using random: inout SplitMix64) {
        guard !packet.isEmpty else {
            packet = [UInt8.random(in: 0...255, using: &random)]
            return
        }
        let index = Int.random(in: 0..<packet.count, using: &random)
        switch Int.random(in: 0..<7, using: &random) {
        case 0:
            packet[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
        case 1:
            // Values that matter to the parser: pointer and label-type bits, lengths.
            packet[index] = [0x00, 0x3F, 0x40, 0xC0, 0xFF, 0x0C, 0x01][Int.random(in: 0..<7, using: &random)]
        case 2:
            packet.removeSubrange(index...)
        case 3:
            let end = min(packet.count, index + Int.random(in: 1...16, using: &random))
            packet.insert(contentsOf: packet[index..<end], at: Int.random(in: 0...packet.count, using: &random))
        case 4:
            packet.insert(UInt8.random(in: 0...255, using: &random), at: index)
        case 5:
            packet.remove(at: index)
        default:
            // Counts in the header.
            if packet.count >= 12 {
                packet[4 + 2 * Int.random(in: 0..<4, using: &random) + 1] = UInt8.random(in: 0...255, using: &random)
            }
        }
    }

    @Test func randomBytesNeverCrash() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<5_000 {
            let count = Int.random(in: 0..<600, using: &random)
            var packet = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            if packet.count >= 12 { packet[4] = 0; packet[5] = 1 }
            _ = try? DNSWire.decode(packet)
        }
    }
}

@Suite struct TextParserRobustnessTests {
    /// Random text from an alphabet rich in what the parsers treat specially: whatever
    /// parses prints back to text that parses to the same name.
    @Test func namesFromRandomText() throws {
        var random = SplitMix64(seed: 0x4E414D45)
        let alphabet = Array("ab-_.\\0123456789 *ü例。xn--Z\u{0}\"")
        var parsed = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<40, using: &random)
            let text = String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
            guard let name = try? DNSName(text) else { continue }
            parsed += 1
            #expect(try DNSName(name.description) == name)
            #expect(name.wireLength <= DNSName.maxWireLength)
        }
        #expect(parsed > 1_000)
    }

    @Test func resolvConfAndNameserversFromRandomText() {
        var random = SplitMix64(seed: 0x52455356)
        let words = ["nameserver", "options", "timeout:", "attempts:", "trust-ad", "::1", "[", "]", ":", "53",
                     "127.0.0.1", "#", ";", "\n", " ", "\t", "2001:db8::", "999999999999", "-1", "fe80::1%eth0"]
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0..<30, using: &random))
                .map { _ in words[Int.random(in: 0..<words.count, using: &random)] }.joined()
            let configuration = ResolverConfiguration.parseResolvConf(text)
            #expect(!configuration.nameservers.isEmpty && configuration.nameservers.count <= 3)
            #expect(configuration.attempts >= 1 && configuration.attempts <= 5)
            if let nameserver = Nameserver(text) {
                #expect(Nameserver(nameserver.description) == nameserver)
            }
        }
    }
}
