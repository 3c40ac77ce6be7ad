extension GrammarParser {
    /// ```
    /// fetch           = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
    ///                   fetch-att / "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
    /// fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"     ; RFC 4466
    /// fetch-modifier  = "CHANGEDSINCE" SP mod-sequence-value / "VANISHED"  ; RFC 7162 §7
    /// ```
    mutating func parseFetch(uid: Bool) throws(ParseFailure) -> FetchCommand {
        try expectSP()
        let set = try parseSequenceSet()
        try expectSP()
        var attributes: [FetchAttribute] = []
        if consume(UInt8(ascii: "(")) {
            repeat {
                attributes.append(try parseFetchAttribute())
            } while consume(UInt8(ascii: " "))
            try expect(UInt8(ascii: ")"), ")")
        } else if consumeKeyword("ALL") {
            attributes = FetchAttribute.all
        } else if consumeKeyword("FAST") {
            attributes = FetchAttribute.fast
        } else if consumeKeyword("FULL") {
            attributes = FetchAttribute.full
        } else {
            attributes = [try parseFetchAttribute()]
        }
        var modifiers = FetchModifiers()
        if consume(UInt8(ascii: " ")) {
            try expect(UInt8(ascii: "("), "(")
            repeat {
                if consumeKeyword("CHANGEDSINCE") {
                    try expectSP()
                    modifiers.changedSince = try parseModSequenceValue()
                } else if consumeKeyword("VANISHED") {
                    modifiers.vanished = true
                } else {
                    throw fail("CHANGEDSINCE or VANISHED")
                }
            } while consume(UInt8(ascii: " "))
            try expect(UInt8(ascii: ")"), ")")
            // RFC 7162 §3.2.6: VANISHED only in UID FETCH and only with CHANGEDSINCE; BAD otherwise.
            if modifiers.vanished && (!uid || modifiers.changedSince == nil) {
                throw fail("VANISHED only with UID FETCH and CHANGEDSINCE")
            }
        }
        return FetchCommand(sequenceSet: set, attributes: attributes, modifiers: modifiers)
    }

    /// ```
    /// fetch-att       = "ENVELOPE" / "FLAGS" / "INTERNALDATE" /
    ///                   "RFC822.SIZE" /
    ///                   "BODY" ["STRUCTURE"] / "UID" /
    ///                   "BODY" section [partial] /
    ///                   "BODY.PEEK" section [partial] /
    ///                   "BINARY" [".PEEK"] section-binary [partial] /
    ///                   "BINARY.SIZE" section-binary
    ///                 / "RFC822" / "RFC822.HEADER" / "RFC822.TEXT"   ; RFC 3501
    ///                 / "MODSEQ"                                     ; RFC 7162 §7
    /// ```
    mutating func parseFetchAttribute() throws(ParseFailure) -> FetchAttribute {
        let name = readKeyword()
        switch name {
        case "ENVELOPE": return .envelope
        case "FLAGS": return .flags
        case "INTERNALDATE": return .internalDate
        case "RFC822.SIZE": return .rfc822Size
        case "RFC822": return .rfc822
        case "RFC822.HEADER": return .rfc822Header
        case "RFC822.TEXT": return .rfc822Text
        case "BODYSTRUCTURE": return .bodyStructure
        case "UID": return .uid
        case "MODSEQ": return .modSeq
        case "BODY", "BODY.PEEK":
            guard peek() == UInt8(ascii: "[") else {
                guard name == "BODY" else { throw fail("section") }
                return .body
            }
            let section = try parseSection()
            return .bodySection(section, partial: try parsePartial(), peek: name == "BODY.PEEK")
        case "BINARY", "BINARY.PEEK":
            let part = try parseSectionBinary()
            return .binary(part: part, partial: try parsePartial(), peek: name == "BINARY.PEEK")
        case "BINARY.SIZE":
            return .binarySize(part: try parseSectionBinary())
        default:
            throw fail("fetch attribute")
        }
    }

    /// `partial = "<" number64 "." nz-number64 ">"`
    mutating func parsePartial() throws(ParseFailure) -> Partial? {
        guard consume(UInt8(ascii: "<")) else { return nil }
        let offset = try parseNumber64()
        try expect(UInt8(ascii: "."), ".")
        let length = try parseNumber64()
        guard length != 0 else { throw fail("non-zero length") }
        try expect(UInt8(ascii: ">"), ">")
        return Partial(offset: offset, length: length)
    }

    /// `section-binary = "[" [section-part] "]"`
    mutating func parseSectionBinary() throws(ParseFailure) -> [UInt32] {
        try expect(UInt8(ascii: "["), "[")
        var part: [UInt32] = []
        if !consume(UInt8(ascii: "]")) {
            part = try parseSectionPart()
            try expect(UInt8(ascii: "]"), "]")
        }
        return part
    }

    /// `section-part = nz-number *("." nz-number)`; stops before a "." that is not followed by
    /// a digit (the start of `section-text`). Bounded by `IMAPLimits.nesting` levels.
    mutating func parseSectionPart() throws(ParseFailure) -> [UInt32] {
        var part = [try parseNZNumber()]
        while peek() == UInt8(ascii: "."), let next = peek(offset: 1), ByteClass.isDigit(next) {
            position += 1
            guard part.count < limits.nesting else { throw .invalid(.nestingTooDeep) }
            part.append(try parseNZNumber())
        }
        return part
    }

    /// ```
    /// section         = "[" [section-spec] "]"
    /// section-spec    = section-msgtext / (section-part ["." section-text])
    /// section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
    /// section-text    = section-msgtext / "MIME"
    /// ```
    mutating func parseSection() throws(ParseFailure) -> Section {
        try expect(UInt8(ascii: "["), "[")
        var section = Section()
        if consume(UInt8(ascii: "]")) { return section }
        if let b = peek(), ByteClass.isDigit(b) {
            section.part = try parseSectionPart()
            if consume(UInt8(ascii: "]")) { return section }
            try expect(UInt8(ascii: "."), ".")
        }
        switch readKeyword() {
        case "HEADER": section.text = .header
        case "TEXT": section.text = .text
        case "MIME":
            guard !section.part.isEmpty else { throw fail("part number before MIME") }
            section.text = .mime
        case "HEADER.FIELDS":
            try expectSP()
            section.text = .headerFields(try parseHeaderList())
        case "HEADER.FIELDS.NOT":
            try expectSP()
            section.text = .headerFieldsNot(try parseHeaderList())
        default:
            throw fail("section text")
        }
        try expect(UInt8(ascii: "]"), "]")
        return section
    }

    /// `header-list = "(" header-fld-name *(SP header-fld-name) ")"`; `header-fld-name = astring`
    mutating func parseHeaderList() throws(ParseFailure) -> [String] {
        try expect(UInt8(ascii: "("), "(")
        var names: [String] = []
        repeat {
            names.append(try parseAStringText())
        } while consume(UInt8(ascii: " "))
        try expect(UInt8(ascii: ")"), ")")
        return names
    }
}
