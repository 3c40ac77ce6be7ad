import IMAPProtocol
import NIOCore
import Testing

/// The sample session of RFC 9051 §8, client lines through the decoder and server lines
/// through the encoder, over the pipeline the server will use.
@Suite struct SessionTests {
    @Test func rfc9051SampleSession() throws {
        let p = try DecoderTests.Pipeline()
        #expect(try p.server(.untagged(.condition(.ok, ResponseText(code: .capability(["STARTTLS", "AUTH=SCRAM-SHA-256", "LOGINDISABLED", "IMAP4rev2"]), "IMAP4rev2 Service Ready"))))
                == "* OK [CAPABILITY STARTTLS AUTH=SCRAM-SHA-256 LOGINDISABLED IMAP4rev2] IMAP4rev2 Service Ready\r\n")
        #expect(try p.client("a000 starttls\r\n") == [.command(TaggedCommand(tag: "a000", command: .starttls))])
        #expect(try p.server(TaggedResponse.ok("a000", "Proceed with TLS negotiation")) == "a000 OK Proceed with TLS negotiation\r\n")
        // <TLS negotiation>
        #expect(try p.client("A001 AUTHENTICATE SCRAM-SHA-256 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=\r\n")
                == [.command(TaggedCommand(tag: "A001", command: .authenticate(mechanism: "SCRAM-SHA-256", initialResponse: Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8))))])
        let challenge = Array("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".utf8)
        #expect(try p.server(.continuation(.challenge(challenge)))
                == "+ cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=\r\n")
        #expect(try p.client("Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0FmdXhGSWxqKWhObEYkazAscD1kSHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empmTUhnc3FtbWl6N0FuZFZRPQ==\r\n")
                == [.authenticationResponse(Array("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".utf8))])
        _ = try p.server(.continuation(.challenge(Array("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".utf8))))
        #expect(try p.client("\r\n") == [.authenticationResponse([])])
        #expect(try p.server(TaggedResponse.ok("A001", "SCRAM-SHA-256 authentication successful")) == "A001 OK SCRAM-SHA-256 authentication successful\r\n")
        #expect(try p.client("babc ENABLE UTF8=ACCEPT\r\n") == [.command(TaggedCommand(tag: "babc", command: .enable(["UTF8=ACCEPT"])))])
        #expect(try p.server(.untagged(.enabled(["UTF8=ACCEPT"]))) == "* ENABLED UTF8=ACCEPT\r\n")
        _ = try p.server(TaggedResponse.ok("babc", "ENABLE succeeded"))
        #expect(try p.client("a002 select inbox\r\n") == [.command(TaggedCommand(tag: "a002", command: .select(.inbox, SelectParameters())))])
        #expect(try p.server(.untagged(.exists(18))) + p.server(.untagged(.list(ListResponse(attributes: [], delimiter: "/", mailbox: "INBOX"))))
                == "* 18 EXISTS\r\n* LIST () \"/\" INBOX\r\n")
        _ = try p.server(TaggedResponse.ok("a002", "SELECT completed", code: .readWrite))
        #expect(try p.client("a003 fetch 12 full\r\n") == [.command(TaggedCommand(tag: "a003", command: .fetch(FetchCommand(sequenceSet: SequenceSet([12...12]), attributes: FetchAttribute.full), uid: false)))])
        #expect(try p.client("a004 fetch 12 body[header]\r\n")
                == [.command(TaggedCommand(tag: "a004", command: .fetch(FetchCommand(sequenceSet: SequenceSet([12...12]), attributes: [.bodySection(Section(text: .header), partial: nil, peek: false)]), uid: false)))])
        #expect(try p.client("a005 store 12 +flags \\deleted\r\n")
                == [.command(TaggedCommand(tag: "a005", command: .store(StoreCommand(sequenceSet: SequenceSet([12...12]), operation: .add, flags: [.deleted]), uid: false)))])
        #expect(try p.server(.untagged(.fetch(sequence: 12, [.flags([.seen, .deleted])]))) == "* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\n")
        #expect(try p.client("a006 logout\r\n") == [.command(TaggedCommand(tag: "a006", command: .logout))])
        #expect(try p.server(.fatal(ResponseText("IMAP4rev2 server terminating connection"))) + p.server(TaggedResponse.ok("a006", "LOGOUT completed"))
                == "* BYE IMAP4rev2 server terminating connection\r\na006 OK LOGOUT completed\r\n")
    }
}
