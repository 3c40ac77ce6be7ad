extension GrammarParser {
    /// ```
    /// search             = "SEARCH" [search-return-opts] SP search-program
    /// search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
    /// search-return-opt  = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE"
    /// search-program     = ["CHARSET" SP charset SP] search-key *(SP search-key)
    /// charset            = atom / quoted
    /// ```
    mutating func parseSearch() throws(ParseFailure) -> SearchCommand {
        try expectSP()
        var returnOptions: [SearchReturnOption]?
        if consumeKeyword("RETURN") {
            try expectSP()
            try expect(UInt8(ascii: "("), "(")
            var options: [SearchReturnOption] = []
            if !consume(UInt8(ascii: ")")) {
                repeat {
                    switch readKeyword() {
                    case "MIN": options.append(.min)
                    case "MAX": options.append(.max)
                    case "ALL": options.append(.all)
                    case "COUNT": options.append(.count)
                    case "SAVE": options.append(.save)
                    default: throw fail("search return option")
                    }
                } while consume(UInt8(ascii: " "))
                try expect(UInt8(ascii: ")"), ")")
            }
            returnOptions = options
            try expectSP()
        }
        var charset: String?
        if consumeKeyword("CHARSET") {
            try expectSP()
            let name = peek() == UInt8(ascii: "\"") ? try utf8(parseQuoted()) : try parseAtom()
            // RFC 9051 §6.4.4: US-ASCII and UTF-8 must be supported; we support no other, so
            // the answer is NO [BADCHARSET (US-ASCII UTF-8)].
            guard ["US-ASCII", "UTF-8"].contains(name.uppercased()) else { throw .invalid(.unsupportedCharset(name)) }
            charset = name.uppercased()
            try expectSP()
        }
        var keys: [SearchKey] = []
        repeat {
            keys.append(try parseSearchKey())
        } while consume(UInt8(ascii: " "))
        return SearchCommand(charset: charset, returnOptions: returnOptions, key: keys.count == 1 ? keys[0] : .and(keys))
    }

    /// A search string: `astring` that must be UTF-8 (the only charsets accepted are UTF-8 and
    /// its subset US-ASCII); other bytes get `NO [BADCHARSET]` (RFC 9051 §6.4.4).
    mutating func parseSearchString() throws(ParseFailure) -> String {
        let bytes = try parseAString()
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalid(.unsupportedCharset("unknown")) }
        return text
    }

    /// ```
    /// search-key      = "ALL" / "ANSWERED" / "BCC" SP astring /
    ///                   "BEFORE" SP date / "BODY" SP astring /
    ///                   "CC" SP astring / "DELETED" / "FLAGGED" /
    ///                   "FROM" SP astring / "KEYWORD" SP flag-keyword /
    ///                   "ON" SP date / "SEEN" /
    ///                   "SINCE" SP date / "SUBJECT" SP astring /
    ///                   "TEXT" SP astring / "TO" SP astring /
    ///                   "UNANSWERED" / "UNDELETED" / "UNFLAGGED" /
    ///                   "UNKEYWORD" SP flag-keyword / "UNSEEN" /
    ///                   "DRAFT" / "HEADER" SP header-fld-name SP astring /
    ///                   "LARGER" SP number64 / "NOT" SP search-key /
    ///                   "OR" SP search-key SP search-key /
    ///                   "SENTBEFORE" SP date / "SENTON" SP date /
    ///                   "SENTSINCE" SP date / "SMALLER" SP number64 /
    ///                   "UID" SP sequence-set / "UNDRAFT" / sequence-set /
    ///                   "(" search-key *(SP search-key) ")"
    ///                 / "NEW" / "OLD" / "RECENT"                 ; RFC 3501
    ///                 / search-modsequence                       ; RFC 7162 §7
    /// ```
    /// Recursive through NOT, OR and parentheses; each level goes through `enter()`.
    mutating func parseSearchKey() throws(ParseFailure) -> SearchKey {
        try enter()
        defer { leave() }
        if consume(UInt8(ascii: "(")) {
            var keys: [SearchKey] = []
            repeat {
                keys.append(try parseSearchKey())
            } while consume(UInt8(ascii: " "))
            try expect(UInt8(ascii: ")"), ")")
            return keys.count == 1 ? keys[0] : .and(keys)
        }
        if let b = peek(), ByteClass.isDigit(b) || b == UInt8(ascii: "*") || b == UInt8(ascii: "$") {
            return .sequenceSet(try parseSequenceSet())
        }
        let name = readKeyword()
        switch name {
        case "ALL": return .all
        case "ANSWERED": return .answered
        case "DELETED": return .deleted
        case "DRAFT": return .draft
        case "FLAGGED": return .flagged
        case "NEW": return .new
        case "OLD": return .old
        case "RECENT": return .recent
        case "SEEN": return .seen
        case "UNANSWERED": return .unanswered
        case "UNDELETED": return .undeleted
        case "UNDRAFT": return .undraft
        case "UNFLAGGED": return .unflagged
        case "UNSEEN": return .unseen
        case "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO":
            try expectSP()
            let text = try parseSearchString()
            switch name {
            case "BCC": return .bcc(text)
            case "BODY": return .body(text)
            case "CC": return .cc(text)
            case "FROM": return .from(text)
            case "SUBJECT": return .subject(text)
            case "TEXT": return .text(text)
            default: return .to(text)
            }
        case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
            try expectSP()
            let date = try parseDate()
            switch name {
            case "BEFORE": return .before(date)
            case "ON": return .on(date)
            case "SINCE": return .since(date)
            case "SENTBEFORE": return .sentBefore(date)
            case "SENTON": return .sentOn(date)
            default: return .sentSince(date)
            }
        case "KEYWORD", "UNKEYWORD":
            try expectSP()
            let keyword = try parseAtom()
            return name == "KEYWORD" ? .keyword(keyword) : .unkeyword(keyword)
        case "HEADER":
            try expectSP()
            let field = try parseAStringText()
            try expectSP()
            return .header(field, try parseSearchString())
        case "LARGER":
            try expectSP()
            return .larger(try parseNumber64())
        case "SMALLER":
            try expectSP()
            return .smaller(try parseNumber64())
        case "NOT":
            try expectSP()
            return .not(try parseSearchKey())
        case "OR":
            try expectSP()
            let first = try parseSearchKey()
            try expectSP()
            return .or(first, try parseSearchKey())
        case "UID":
            try expectSP()
            return .uid(try parseSequenceSet())
        case "MODSEQ":
            return .modSeq(try parseSearchModSequence())
        default:
            throw fail("search key")
        }
    }

    /// RFC 7162 §7:
    /// ```
    /// search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer
    /// search-modseq-ext  = SP entry-name SP entry-type-req
    /// entry-flag-name    = DQUOTE "/flags/" attr-flag DQUOTE
    /// entry-type-req     = entry-type-resp / "all"
    /// entry-type-resp    = "priv" / "shared"
    /// ```
    mutating func parseSearchModSequence() throws(ParseFailure) -> ModSeqSearch {
        try expectSP()
        var search = ModSeqSearch(modSeq: 0)
        if peek() == UInt8(ascii: "\"") {
            let entry = try parseQuoted()
            let prefix = Array("/flags/".utf8)
            guard entry.count > prefix.count, Array(entry[0..<prefix.count]).lowercasedASCII() == prefix else {
                throw fail("entry name /flags/")
            }
            // attr-flag = "\\Answered" / ... / "\\" atom / atom: the backslash arrives unescaped
            // once the quoted string is decoded.
            let flagText = try utf8(Array(entry[prefix.count...]))
            search.flag = Flag(flagText)
            try expectSP()
            switch readKeyword() {
            case "PRIV": search.entryType = .priv
            case "SHARED": search.entryType = .shared
            case "ALL": search.entryType = .all
            default: throw fail("priv, shared or all")
            }
            try expectSP()
        }
        // mod-sequence-valzer = "0" / mod-sequence-value
        search.modSeq = try parseNumber64()
        return search
    }
}
