import IMAPProtocol
@testable import IMAPServer
import MessageFormat
import Testing

/// The store's analyser: search fields decoded, cached encodings equal to the live ones.
@Suite struct AnalyzerTests {
    @Test func analysisOfAMultipartMessage() {
        let bytes = Array(FetchTests.multipart.replacingOccurrences(of: "\r\n", with: "\n").utf8)
        let analysis = IMAPMessageAnalyzer().analyze(bytes)
        #expect(analysis.subject == "Résumé")
        #expect(analysis.from == "Carol <carol@example.net>")
        #expect(analysis.to == "Team: alice@example.test, bob@example.test;")
        #expect(analysis.date == "Tue, 14 Nov 2023 22:13:20 +0000")
        #expect(analysis.bodyText.contains("Café au lait"))
        #expect(analysis.headerText.contains("Subject: Résumé"))
        let message = MessageParser.parse(bytes)
        let envelope = ResponseEncoder().render(.envelope(IMAPEnvelope(message.envelope)))
        #expect(analysis.envelope == [CachedItems.version] + Array(envelope.readableBytesView))
        #expect(CachedItems.isCurrent(analysis.bodyStructure))
        #expect(!CachedItems.isCurrent([2, 1, 2]) && !CachedItems.isCurrent(nil) && !CachedItems.isCurrent([1]))
    }

    @Test func groupsBecomeGroupValues() {
        let addresses: [EnvelopeAddress] = [
            EnvelopeAddress(name: nil, adl: nil, mailbox: Array("a".utf8), host: Array("x.example".utf8)),
            EnvelopeAddress(name: nil, adl: nil, mailbox: Array("Team".utf8), host: nil),
            EnvelopeAddress(name: nil, adl: nil, mailbox: Array("b".utf8), host: Array("x.example".utf8)),
            EnvelopeAddress(name: nil, adl: nil, mailbox: nil, host: nil),
            EnvelopeAddress(name: nil, adl: nil, mailbox: Array("Open".utf8), host: nil),
            EnvelopeAddress(name: nil, adl: nil, mailbox: Array("c".utf8), host: Array("x.example".utf8)),
        ]
        let list = addressList(addresses)
        #expect(list.count == 3)
        #expect(list[0] == .address(IMAPAddress(name: nil, mailbox: "a", host: "x.example")))
        #expect(list[1] == .group(name: "Team", members: [IMAPAddress(name: nil, mailbox: "b", host: "x.example")]))
        #expect(list[2] == .group(name: "Open", members: [IMAPAddress(name: nil, mailbox: "c", host: "x.example")]))
    }

    @Test func eightBitHeadersAreCachedAsLiterals() {
        let bytes = Array("Subject: Grüße\nFrom: a@b.example\n\nx\n".utf8)
        let analysis = IMAPMessageAnalyzer().analyze(bytes)
        let text = String(decoding: (analysis.envelope ?? []).dropFirst(), as: UTF8.self)
        // A literal is valid before and after UTF8=ACCEPT; a quoted 8-bit string is not.
        #expect(text.contains("{7}\r\nGrüße"))
    }
}
