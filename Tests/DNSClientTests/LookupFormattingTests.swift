import Testing
import MailCore
import DNSClient

@Suite struct LookupFormattingTests {
    @Test func formatsAnswersLikeDig() throws {
        let name = try DNSName("example.org")
        let records = [
            ResourceRecord(name: name, ttl: 300, data: .mx(MXRecord(preference: 10, exchange: try DNSName("mx.example.org")))),
            ResourceRecord(name: name, ttl: 300, data: .mx(MXRecord(preference: 0, exchange: .root))),
        ]
        #expect(formatLookup(name: name, type: .mx, result: .found(records, authenticated: true)) == """
            ;; QUESTION: example.org. IN MX
            ;; STATUS: NOERROR, 2 records, authenticated (AD)
            ;; ANSWER:
            example.org.\t300\tIN\tMX\t10 mx.example.org.
            example.org.\t300\tIN\tMX\t0 .

            """)
    }

    @Test func formatsEveryRecordTypeInMasterFileForm() throws {
        let n = try DNSName("x.test")
        let cases: [(RecordData, String)] = [
            (.a(.v4(0xC000_0201)), "A\t192.0.2.1"),
            (.aaaa(try #require(IPAddress("2001:db8::1"))), "AAAA\t2001:db8::1"),
            (.txt([Array("v=spf1 ".utf8), Array("say \"hi\"\\".utf8), [0x00, 0xC3, 0xA9]]),
             #"TXT\#t"v=spf1 " "say \"hi\"\\" "\000\195\169""#),
            (.ptr(try DNSName("h.test")), "PTR\th.test."),
            (.cname(try DNSName("h.test")), "CNAME\th.test."),
            (.srv(SRVRecord(priority: 0, weight: 5, port: 993, target: try DNSName("imap.test"))), "SRV\t0 5 993 imap.test."),
            (.tlsa(TLSARecord(certificateUsage: 3, selector: 1, matchingType: 1, certificateAssociationData: [0xAB, 0x01])),
             "TLSA\t3 1 1 AB01"),
            (.soa(SOARecord(primaryNameServer: try DNSName("ns.test"), responsibleMailbox: try DNSName("h.test"),
                            serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5)), "SOA\tns.test. h.test. 1 2 3 4 5"),
            (.other(type: 65280, data: [1, 2]), "TYPE65280\t\\# 2 0102"),
        ]
        for (data, expected) in cases {
            #expect(ResourceRecord(name: n, ttl: 1, data: data).description == "x.test.\t1\tIN\t" + expected)
        }
    }

    @Test func formatsNegativeAndFailedLookups() throws {
        let name = try DNSName("bücher.example")
        #expect(formatLookup(name: name, type: .a, result: .nxdomain) == """
            ;; QUESTION: xn--bcher-kva.example. IN A
            ;; NAME: bücher.example
            ;; STATUS: NXDOMAIN (the name does not exist)

            """)
        #expect(formatLookup(name: name, type: .mx, result: .nodata).contains(";; STATUS: NOERROR, no MX records (NODATA)"))
        #expect(formatLookup(name: name, type: .mx, result: .temporaryFailure(.timeout))
            .contains(";; STATUS: temporary failure: timed out"))
    }

    @Test func showsWhereAnAliasLed() throws {
        let name = try DNSName("www.example.org")
        let target = try DNSName("host.example.net")
        let text = formatLookup(name: name, type: .a,
                                result: .found([ResourceRecord(name: target, ttl: 5, data: .a(.v4(1)))], authenticated: false))
        #expect(text.contains(";; ALIAS: www.example.org. is a CNAME chain ending at host.example.net."))
    }
}
