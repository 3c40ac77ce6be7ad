import IMAPProtocol
import Testing

/// FETCH and UID FETCH: attributes, sections, partials, macros and RFC 7162 modifiers.
@Suite struct FetchTests {
    static let attributes: [(String, FetchAttribute)] = [
        ("ENVELOPE", .envelope), ("FLAGS", .flags), ("INTERNALDATE", .internalDate), ("RFC822.SIZE", .rfc822Size),
        ("RFC822", .rfc822), ("RFC822.HEADER", .rfc822Header), ("RFC822.TEXT", .rfc822Text), ("BODY", .body),
        ("BODYSTRUCTURE", .bodyStructure), ("UID", .uid), ("MODSEQ", .modSeq),
        ("BODY[]", .bodySection(.whole, partial: nil, peek: false)),
        ("body.peek[]", .bodySection(.whole, partial: nil, peek: true)),
        ("BODY[]<0.2048>", .bodySection(.whole, partial: Partial(offset: 0, length: 2048), peek: false)),
        ("BODY[HEADER]", .bodySection(Section(text: .header), partial: nil, peek: false)),
        ("BODY[TEXT]", .bodySection(Section(text: .text), partial: nil, peek: false)),
        ("BODY[1]", .bodySection(Section(part: [1]), partial: nil, peek: false)),
        ("BODY[1.2.3]", .bodySection(Section(part: [1, 2, 3]), partial: nil, peek: false)),
        ("BODY[4.2.HEADER]", .bodySection(Section(part: [4, 2], text: .header), partial: nil, peek: false)),
        ("BODY[3.MIME]", .bodySection(Section(part: [3], text: .mime), partial: nil, peek: false)),
        ("BODY[4.2.2.TEXT]", .bodySection(Section(part: [4, 2, 2], text: .text), partial: nil, peek: false)),
        ("BODY.PEEK[HEADER.FIELDS (DATE FROM)]", .bodySection(Section(text: .headerFields(["DATE", "FROM"])), partial: nil, peek: true)),
        ("BODY[HEADER.FIELDS.NOT (\"Received\" X-Spam)]<10.20>",
         .bodySection(Section(text: .headerFieldsNot(["Received", "X-Spam"])), partial: Partial(offset: 10, length: 20), peek: false)),
        ("BODY[1.HEADER.FIELDS (Subject)]", .bodySection(Section(part: [1], text: .headerFields(["Subject"])), partial: nil, peek: false)),
        ("BINARY[]", .binary(part: [], partial: nil, peek: false)),
        ("BINARY.PEEK[1.2]<0.100>", .binary(part: [1, 2], partial: Partial(offset: 0, length: 100), peek: true)),
        ("BINARY.SIZE[3]", .binarySize(part: [3])),
    ]

    @Test(arguments: 0..<attributes.count)
    func parsesAttribute(_ index: Int) throws {
        let (text, expected) = FetchTests.attributes[index]
        #expect(try parse("a FETCH 1 \(text)").command == .fetch(FetchCommand(sequenceSet: SequenceSet([1...1]), attributes: [expected]), uid: false), "\(text)")
    }

    @Test func macrosAndLists() throws {
        #expect(try parse("a003 fetch 12 full").command == .fetch(FetchCommand(sequenceSet: SequenceSet([12...12]), attributes: FetchAttribute.full), uid: false))
        #expect(try parse("a FETCH 1:* ALL").command == .fetch(FetchCommand(sequenceSet: .all, attributes: FetchAttribute.all), uid: false))
        #expect(try parse("a FETCH * FAST").command == .fetch(FetchCommand(sequenceSet: .ranges([SequenceRange(.last)]), attributes: FetchAttribute.fast), uid: false))
        #expect(try parse("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])").command
                == .fetch(FetchCommand(sequenceSet: SequenceSet([2...4]), attributes: [.flags, .bodySection(Section(text: .headerFields(["DATE", "FROM"])), partial: nil, peek: false)]), uid: false))
        #expect(try parse("A999 UID FETCH 4827313:4828442 FLAGS").command
                == .fetch(FetchCommand(sequenceSet: SequenceSet([4_827_313...4_828_442]), attributes: [.flags]), uid: true))
        #expect(try parse("a004 fetch 12 body[header]").command
                == .fetch(FetchCommand(sequenceSet: SequenceSet([12...12]), attributes: [.bodySection(Section(text: .header), partial: nil, peek: false)]), uid: false))
    }

    @Test func condstoreAndQresyncModifiers() throws {
        // RFC 7162 §3.1.4.1 and §3.2.6 examples
        #expect(try parse("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)").command
                == .fetch(FetchCommand(sequenceSet: .all, attributes: [.flags], modifiers: FetchModifiers(changedSince: 12345)), uid: true))
        #expect(try parse("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)").command
                == .fetch(FetchCommand(sequenceSet: SequenceSet([300...500]), attributes: [.flags], modifiers: FetchModifiers(changedSince: 12345, vanished: true)), uid: true))
        #expect(try parse("a FETCH 1 (UID MODSEQ)").command == .fetch(FetchCommand(sequenceSet: SequenceSet([1...1]), attributes: [.uid, .modSeq]), uid: false))
        // VANISHED needs UID FETCH and CHANGEDSINCE.
        #expect(throws: ParseError.self) { try parse("a FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)") }
        #expect(throws: ParseError.self) { try parse("a UID FETCH 1:* (FLAGS) (VANISHED)") }
        #expect(throws: ParseError.self) { try parse("a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 0)") }
        #expect(throws: ParseError.self) { try parse("a UID FETCH 1:* (FLAGS) (FROB)") }
    }

    @Test func refusals() {
        for text in ["", "FROB", "()", "(FLAGS", "BODY[", "BODY[1.]", "BODY[0]", "BODY[MIME]", "BODY[HEADER.FIELDS]",
                     "BODY[HEADER.FIELDS ()]", "BODY[]<0>", "BODY[]<0.0>", "BODY[]<1.2", "BODY.PEEK", "BINARY", "BINARY[TEXT]",
                     "BINARY.SIZE", "BODY[TEXT.MIME]", "(FLAGS  UID)", "FLAGS UID", "ALL FLAGS", "BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29.30.31.32.33]"] {
            #expect(throws: ParseError.self, "\(text)") { try parse("a FETCH 1 \(text)") }
        }
    }

    @Test func sectionDescriptionRepeatsTheRequest() {
        #expect(Section(part: [1, 2], text: .headerFields(["Date", "From"])).description == "1.2.HEADER.FIELDS (Date From)")
        #expect(Section.whole.description == "")
        #expect(Section(part: [3], text: .mime).description == "3.MIME")
    }
}
