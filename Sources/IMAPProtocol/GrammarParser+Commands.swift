import NIOCore

extension GrammarParser {
    /// The tag at the start of a command line, if it is a valid one:
    /// `tag = 1*<any ASTRING-CHAR except "+">` followed by SP.
    static func tag(of line: [UInt8]) -> String? {
        var end = 0
        while end < line.count, ByteClass.isTagChar(line[end]) { end += 1 }
        guard end > 0, end < line.count, line[end] == UInt8(ascii: " ") else { return nil }
        return String(decoding: line[0..<end], as: UTF8.self)
    }

    /// The command name after the tag, upper-cased, for choosing literal limits before the
    /// command is complete.
    static func commandName(of line: [UInt8]) -> String? {
        guard let tag = tag(of: line) else { return nil }
        var parser = GrammarParser(frame: CommandFrame(lines: [line]), limits: IMAPLimits())
        parser.position = tag.utf8.count + 1
        let name = parser.readKeyword()
        return name.isEmpty ? nil : name
    }

    /// ```
    /// command         = tag SP (command-any / command-auth / command-nonauth /
    ///                   command-select) CRLF
    /// ```
    mutating func parseTaggedCommand() throws(ParseFailure) -> TaggedCommand {
        guard let tag = GrammarParser.tag(of: line) else { throw .invalid(.invalidTag) }
        position = tag.utf8.count + 1
        let command = try parseCommandBody()
        try expectEnd()
        return TaggedCommand(tag: tag, command: command)
    }

    mutating func parseCommandBody() throws(ParseFailure) -> Command {
        let name = readKeyword()
        guard !name.isEmpty else {
            throw atLineEnd ? .invalid(.missingCommand) : fail("command name")
        }
        switch name {
        // command-any = "CAPABILITY" / "LOGOUT" / "NOOP" / enable / x-command / id
        case "CAPABILITY": return .capability
        case "NOOP": return .noop
        case "LOGOUT": return .logout
        case "ID": return .id(try parseID())
        // command-nonauth = login / authenticate / "STARTTLS"
        case "STARTTLS": return .starttls
        case "AUTHENTICATE": return try parseAuthenticate()
        case "LOGIN": return try parseLogin()
        // command-auth
        case "ENABLE": return .enable(try parseEnable())
        case "SELECT":
            try expectSP()
            return .select(try parseMailbox(), try parseSelectParameters())
        case "EXAMINE":
            try expectSP()
            return .examine(try parseMailbox(), try parseSelectParameters())
        case "CREATE": return try parseCreate()
        case "DELETE":
            try expectSP()
            return .delete(try parseMailbox())
        case "RENAME":
            // rename = "RENAME" SP mailbox SP mailbox
            try expectSP()
            let from = try parseMailbox()
            try expectSP()
            return .rename(from: from, to: try parseMailbox())
        case "SUBSCRIBE":
            try expectSP()
            return .subscribe(try parseMailbox())
        case "UNSUBSCRIBE":
            try expectSP()
            return .unsubscribe(try parseMailbox())
        case "LIST": return .list(try parseList())
        case "LSUB":
            // lsub = "LSUB" SP mailbox SP list-mailbox   (RFC 3501)
            try expectSP()
            let reference = try parseMailbox()
            try expectSP()
            return .lsub(reference: reference, pattern: try parseListMailbox())
        case "NAMESPACE": return .namespace
        case "STATUS": return try parseStatus()
        case "APPEND": return .append(try parseAppend())
        case "IDLE": return .idle
        // command-select
        case "CHECK": return .check
        case "CLOSE": return .close
        case "UNSELECT": return .unselect
        case "EXPUNGE": return .expunge
        case "SEARCH": return .search(try parseSearch(), uid: false)
        case "FETCH": return .fetch(try parseFetch(uid: false), uid: false)
        case "STORE": return .store(try parseStore(), uid: false)
        case "COPY":
            let (set, mailbox) = try parseCopyArguments()
            return .copy(set, mailbox, uid: false)
        case "MOVE":
            let (set, mailbox) = try parseCopyArguments()
            return .move(set, mailbox, uid: false)
        case "UID": return try parseUID()
        default:
            throw .invalid(.unknownCommand(name))
        }
    }

    /// `uid = "UID" SP (copy / move / fetch / search / store / uid-expunge)`
    /// `uid-expunge = "EXPUNGE" SP sequence-set`
    mutating func parseUID() throws(ParseFailure) -> Command {
        try expectSP()
        let name = readKeyword()
        switch name {
        case "COPY":
            let (set, mailbox) = try parseCopyArguments()
            return .copy(set, mailbox, uid: true)
        case "MOVE":
            let (set, mailbox) = try parseCopyArguments()
            return .move(set, mailbox, uid: true)
        case "FETCH": return .fetch(try parseFetch(uid: true), uid: true)
        case "SEARCH": return .search(try parseSearch(), uid: true)
        case "STORE": return .store(try parseStore(), uid: true)
        case "EXPUNGE":
            try expectSP()
            return .uidExpunge(try parseSequenceSet())
        default:
            throw .invalid(.unknownCommand("UID " + name))
        }
    }

    /// `copy = "COPY" SP sequence-set SP mailbox`, `move = "MOVE" SP sequence-set SP mailbox`
    mutating func parseCopyArguments() throws(ParseFailure) -> (SequenceSet, MailboxName) {
        try expectSP()
        let set = try parseSequenceSet()
        try expectSP()
        return (set, try parseMailbox())
    }

    /// RFC 2971 §4: `id = "ID" SP id-params-list`,
    /// `id-params-list = "(" #(string SP nstring) ")" / nil`.
    /// Leniency: `ID ()` is taken as `ID NIL` (the ABNF's `#` allows an empty list).
    mutating func parseID() throws(ParseFailure) -> [IDField]? {
        try expectSP()
        if consumeKeyword("NIL") { return nil }
        try expect(UInt8(ascii: "("), "(")
        var fields: [IDField] = []
        if consume(UInt8(ascii: ")")) { return fields }
        repeat {
            let key = try utf8(parseString())
            try expectSP()
            let value = try parseNString().map { bytes throws(ParseFailure) in try utf8(bytes) }
            fields.append(IDField(key, value))
        } while consume(UInt8(ascii: " "))
        try expect(UInt8(ascii: ")"), ")")
        return fields
    }

    /// ```
    /// authenticate    = "AUTHENTICATE" SP auth-type [SP initial-resp] *(CRLF base64)
    /// auth-type       = atom
    /// initial-resp    = (base64 / "=")      ; RFC 4959 §7
    /// ```
    /// The continuation lines are read by `CommandDecoder` in its authentication mode.
    mutating func parseAuthenticate() throws(ParseFailure) -> Command {
        try expectSP()
        let mechanism = try parseAtom().uppercased()
        guard consume(UInt8(ascii: " ")) else { return .authenticate(mechanism: mechanism, initialResponse: nil) }
        let start = position
        while let b = peek(), b != UInt8(ascii: " ") { position += 1 }
        let text = line[start..<position]
        guard !text.isEmpty else { throw fail("initial response") }
        if text.count == 1 && text.first == UInt8(ascii: "=") {
            return .authenticate(mechanism: mechanism, initialResponse: [])
        }
        guard let decoded = Base64.decode(text) else { throw .invalid(.invalidBase64) }
        return .authenticate(mechanism: mechanism, initialResponse: decoded)
    }

    /// `login = "LOGIN" SP userid SP password`; `userid = astring`; `password = astring`
    mutating func parseLogin() throws(ParseFailure) -> Command {
        try expectSP()
        let user = try parseAStringText()
        try expectSP()
        let password = try parseAStringText()
        return .login(user: user, password: password)
    }

    /// RFC 5161 §4: `enable = "ENABLE" 1*(SP capability)`;
    /// `capability = ("AUTH=" auth-type) / atom`
    mutating func parseEnable() throws(ParseFailure) -> [String] {
        var names: [String] = []
        try expectSP()
        repeat {
            names.append(try parseAtom())
        } while consume(UInt8(ascii: " "))
        return names
    }

    /// ```
    /// select-params   = SP "(" select-param *(SP select-param) ")"
    /// select-param    = "CONDSTORE"                                          ; RFC 7162 §7
    ///                 / "QRESYNC" SP "(" uidvalidity SP mod-sequence-value
    ///                   [SP known-uids] [SP seq-match-data] ")"
    /// ```
    /// An unknown parameter is a BAD (RFC 4466 §2.1: the server must not ignore what it does
    /// not understand).
    mutating func parseSelectParameters() throws(ParseFailure) -> SelectParameters {
        var parameters = SelectParameters()
        guard consume(UInt8(ascii: " ")) else { return parameters }
        try expect(UInt8(ascii: "("), "(")
        repeat {
            if consumeKeyword("CONDSTORE") {
                parameters.condstore = true
            } else if consumeKeyword("QRESYNC") {
                try expectSP()
                parameters.qresync = try parseQResync()
            } else {
                throw fail("CONDSTORE or QRESYNC")
            }
        } while consume(UInt8(ascii: " "))
        try expect(UInt8(ascii: ")"), ")")
        return parameters
    }

    /// RFC 7162 §3.2.5 / §7:
    /// ```
    /// "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
    /// known-uids     = sequence-set   ; no "*"
    /// seq-match-data = "(" known-sequence-set SP known-uid-set ")"
    /// ```
    mutating func parseQResync() throws(ParseFailure) -> QResyncParameters {
        try expect(UInt8(ascii: "("), "(")
        let uidValidity = try parseNZNumber()
        try expectSP()
        let modSeq = try parseModSequenceValue()
        var result = QResyncParameters(uidValidity: uidValidity, modSeq: modSeq)
        if consume(UInt8(ascii: " ")) {
            if peek() == UInt8(ascii: "(") {
                try parseSeqMatchData(into: &result)
            } else {
                // known-uids = sequence-set ; "*" is not allowed (nor "$": these are UIDs the
                // client knows, not a search result).
                let known = try parseSequenceSet()
                guard case .ranges(let ranges) = known, !ranges.contains(where: { $0.first == .last || $0.second == .last }) else {
                    throw fail("known UIDs without * or $")
                }
                result.knownUIDs = known
                if consume(UInt8(ascii: " ")) {
                    try parseSeqMatchData(into: &result)
                }
            }
        }
        try expect(UInt8(ascii: ")"), ")")
        return result
    }

    mutating func parseSeqMatchData(into result: inout QResyncParameters) throws(ParseFailure) {
        try enter()
        try expect(UInt8(ascii: "("), "(")
        result.knownSequenceSet = try parseSequenceSet()
        try expectSP()
        result.knownUIDSet = try parseSequenceSet()
        try expect(UInt8(ascii: ")"), ")")
        leave()
    }

    /// ```
    /// create          = "CREATE" SP mailbox [create-params]     ; RFC 4466 §2.2
    /// create-param    =/ "USE" SP "(" [use-attr *(SP use-attr)] ")"   ; RFC 6154 §6
    /// use-attr        = "\All" / "\Archive" / "\Drafts" / "\Flagged" / "\Junk" /
    ///                   "\Sent" / "\Trash" / use-attr-ext
    /// ```
    mutating func parseCreate() throws(ParseFailure) -> Command {
        try expectSP()
        let mailbox = try parseMailbox()
        var uses: [MailboxAttribute] = []
        if consume(UInt8(ascii: " ")) {
            try expect(UInt8(ascii: "("), "(")
            repeat {
                guard consumeKeyword("USE") else { throw fail("USE") }
                try expectSP()
                try expect(UInt8(ascii: "("), "(")
                if !consume(UInt8(ascii: ")")) {
                    repeat {
                        try expect(UInt8(ascii: "\\"), "special-use attribute")
                        uses.append(MailboxAttribute("\\" + (try parseAtom())))
                    } while consume(UInt8(ascii: " "))
                    try expect(UInt8(ascii: ")"), ")")
                }
            } while consume(UInt8(ascii: " "))
            try expect(UInt8(ascii: ")"), ")")
        }
        return .create(mailbox, specialUse: uses)
    }

    /// ```
    /// list             = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
    ///                    [SP list-return-opts]
    /// list-select-opts = "(" [(*(list-select-mod-opt SP) list-select-base-opt
    ///                    *(SP list-select-opt)) / (list-select-independent-opt
    ///                    *(SP list-select-independent-opt))] ")"
    /// list-select-base-opt = "SUBSCRIBED" / "SPECIAL-USE"      ; RFC 6154 §6
    /// list-select-mod-opt  = "RECURSIVEMATCH"
    /// list-select-independent-opt = "REMOTE"
    /// mbox-or-pat      = list-mailbox / patterns
    /// patterns         = "(" list-mailbox *(SP list-mailbox) ")"
    /// ```
    mutating func parseList() throws(ParseFailure) -> ListCommand {
        try expectSP()
        var options = Set<ListSelectionOption>()
        var extended = false
        if peek() == UInt8(ascii: "(") {
            extended = true
            position += 1
            if !consume(UInt8(ascii: ")")) {
                repeat {
                    if consumeKeyword("SUBSCRIBED") { options.insert(.subscribed) }
                    else if consumeKeyword("REMOTE") { options.insert(.remote) }
                    else if consumeKeyword("RECURSIVEMATCH") { options.insert(.recursiveMatch) }
                    else if consumeKeyword("SPECIAL-USE") { options.insert(.specialUse) }
                    // RFC 5258 §3: unknown selection options must be rejected.
                    else { throw fail("LIST selection option") }
                } while consume(UInt8(ascii: " "))
                try expect(UInt8(ascii: ")"), ")")
            }
            // RFC 5258 §3: RECURSIVEMATCH alone (without a base option) is a BAD.
            if options.contains(.recursiveMatch) && options.isDisjoint(with: [.subscribed, .specialUse]) {
                throw fail("a base option with RECURSIVEMATCH")
            }
            try expectSP()
        }
        let reference = try parseMailbox()
        try expectSP()
        var patterns: [MailboxPattern] = []
        if consume(UInt8(ascii: "(")) {
            extended = true
            repeat {
                patterns.append(try parseListMailbox())
            } while consume(UInt8(ascii: " "))
            try expect(UInt8(ascii: ")"), ")")
        } else {
            patterns.append(try parseListMailbox())
        }
        var returns = ListReturnOptions()
        if consume(UInt8(ascii: " ")) {
            extended = true
            returns = try parseListReturnOptions()
        }
        return ListCommand(selectionOptions: options, reference: reference, patterns: patterns,
                           returnOptions: returns, isExtended: extended)
    }

    /// ```
    /// list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
    /// return-option    = "SUBSCRIBED" / "CHILDREN" / status-option / "SPECIAL-USE"
    /// status-option    = "STATUS" SP "(" status-att *(SP status-att) ")"   ; RFC 5819
    /// ```
    mutating func parseListReturnOptions() throws(ParseFailure) -> ListReturnOptions {
        guard consumeKeyword("RETURN") else { throw fail("RETURN") }
        try expectSP()
        try expect(UInt8(ascii: "("), "(")
        var options = ListReturnOptions()
        if consume(UInt8(ascii: ")")) { return options }
        repeat {
            if consumeKeyword("SUBSCRIBED") { options.subscribed = true }
            else if consumeKeyword("CHILDREN") { options.children = true }
            else if consumeKeyword("SPECIAL-USE") { options.specialUse = true }
            else if consumeKeyword("STATUS") {
                try expectSP()
                options.status = try parseStatusAttributeList()
            } else {
                throw fail("LIST return option")
            }
        } while consume(UInt8(ascii: " "))
        try expect(UInt8(ascii: ")"), ")")
        return options
    }

    /// `status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"`
    mutating func parseStatus() throws(ParseFailure) -> Command {
        try expectSP()
        let mailbox = try parseMailbox()
        try expectSP()
        return .status(mailbox, try parseStatusAttributeList())
    }

    /// ```
    /// status-att      = "MESSAGES" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" / "DELETED" / "SIZE"
    ///                 / "RECENT"            ; RFC 3501
    ///                 / "HIGHESTMODSEQ"     ; RFC 7162 §7
    /// ```
    mutating func parseStatusAttributeList() throws(ParseFailure) -> [StatusAttribute] {
        try expect(UInt8(ascii: "("), "(")
        var attributes: [StatusAttribute] = []
        repeat {
            let name = readKeyword()
            guard let attribute = StatusAttribute.allCases.first(where: { $0.name == name }) else {
                throw fail("status attribute")
            }
            attributes.append(attribute)
        } while consume(UInt8(ascii: " "))
        try expect(UInt8(ascii: ")"), ")")
        return attributes
    }

    /// ```
    /// append          = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal
    /// append-data     = literal / literal8 / "UTF8" SP "(" literal8 ")"   ; RFC 3516, RFC 6855 §4
    /// ```
    /// MULTIAPPEND (RFC 3502) is not supported: a second message is a syntax error.
    mutating func parseAppend() throws(ParseFailure) -> AppendCommand {
        try expectSP()
        let mailbox = try parseMailbox()
        try expectSP()
        var flags: [Flag] = []
        var date: IMAPDateTime?
        if peek() == UInt8(ascii: "(") {
            flags = try parseFlagList()
            try expectSP()
        }
        if peek() == UInt8(ascii: "\"") {
            date = try parseDateTime()
            try expectSP()
        }
        let message: ByteBuffer
        let form: AppendCommand.Form
        if consumeKeyword("UTF8") {
            try expectSP()
            try expect(UInt8(ascii: "("), "(")
            guard peek() == UInt8(ascii: "~") else { throw fail("literal8") }
            message = try parseLiteral(use: .message, allowLiteral8: true)
            form = .utf8
            try expect(UInt8(ascii: ")"), ")")
        } else {
            let parsed = try parseLiteralWithForm(use: .message, allowLiteral8: true)
            message = parsed.data
            form = parsed.isLiteral8 ? .literal8 : .literal
        }
        return AppendCommand(mailbox: mailbox, flags: flags, internalDate: date, message: message, form: form)
    }

    /// ```
    /// store           = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
    /// store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"
    /// store-modifier  = "UNCHANGEDSINCE" SP mod-sequence-valzer      ; RFC 7162 §7
    /// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
    /// ```
    mutating func parseStore() throws(ParseFailure) -> StoreCommand {
        try expectSP()
        let set = try parseSequenceSet()
        try expectSP()
        var unchangedSince: UInt64?
        if consume(UInt8(ascii: "(")) {
            guard consumeKeyword("UNCHANGEDSINCE") else { throw fail("UNCHANGEDSINCE") }
            try expectSP()
            // mod-sequence-valzer = "0" / mod-sequence-value
            unchangedSince = try parseNumber64()
            try expect(UInt8(ascii: ")"), ")")
            try expectSP()
        }
        let operation: StoreCommand.Operation
        if consume(UInt8(ascii: "+")) { operation = .add }
        else if consume(UInt8(ascii: "-")) { operation = .remove }
        else { operation = .replace }
        let silent: Bool
        switch readKeyword() {
        case "FLAGS": silent = false
        case "FLAGS.SILENT": silent = true
        default: throw fail("FLAGS")
        }
        try expectSP()
        var flags: [Flag] = []
        if peek() == UInt8(ascii: "(") {
            flags = try parseFlagList()
        } else {
            repeat {
                flags.append(try parseFlag())
            } while consume(UInt8(ascii: " "))
        }
        return StoreCommand(sequenceSet: set, unchangedSince: unchangedSince, operation: operation, silent: silent, flags: flags)
    }
}
