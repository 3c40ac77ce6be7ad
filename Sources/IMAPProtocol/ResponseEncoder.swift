public import NIOCore

/// Writes `Response`s as RFC 9051 §7 / §9 bytes straight into a `ByteBuffer`.
///
/// String values choose their own form (RFC 9051 §4.3): an atom where the grammar allows an
/// astring and every octet is an ASTRING-CHAR; a quoted string when every octet may appear in
/// one (no NUL, CR or LF; 8-bit only as valid UTF-8 and only in `utf8` mode); a literal
/// otherwise. Nothing on the FETCH path allocates a String: numbers, flags and keywords go to
/// the buffer directly.
public struct ResponseEncoder: Sendable {
    /// UTF-8 mode (RFC 6855 §3 after `ENABLE UTF8=ACCEPT`, RFC 9051 §5.1 for IMAP4rev2):
    /// mailbox names in UTF-8 instead of modified UTF-7, and UTF-8 allowed in quoted strings.
    public var utf8: Bool

    public init(utf8: Bool = false) {
        self.utf8 = utf8
    }

    /// Follows what the session writes: `* ENABLED` with UTF8=ACCEPT or IMAP4rev2 turns UTF-8
    /// mode on for the responses after it.
    public mutating func observe(_ response: Response) {
        if case .untagged(.enabled(let names)) = response,
           names.contains(where: { ["UTF8=ACCEPT", "UTF8=ONLY", "IMAP4REV2"].contains($0.uppercased()) }) {
            utf8 = true
        }
    }

    // MARK: responses

    public func write(_ response: Response, into buffer: inout ByteBuffer) {
        switch response {
        case .tagged(let tagged):
            buffer.writeString(tagged.tag)
            switch tagged.status {
            case .ok: buffer.writeStaticString(" OK ")
            case .no: buffer.writeStaticString(" NO ")
            case .bad: buffer.writeStaticString(" BAD ")
            }
            writeResponseText(tagged.text, into: &buffer)
            buffer.writeStaticString("\r\n")
        case .untagged(let untagged):
            write(untagged, into: &buffer)
        case .continuation(let request):
            buffer.writeStaticString("+ ")
            switch request {
            case .text(let text): writeText(text, into: &buffer)
            case .challenge(let bytes): buffer.writeBytes(Base64.encode(bytes))
            }
            buffer.writeStaticString("\r\n")
        case .fatal(let text):
            buffer.writeStaticString("* BYE ")
            writeResponseText(text, into: &buffer)
            buffer.writeStaticString("\r\n")
        case .encoded(let bytes):
            buffer.writeImmutableBuffer(bytes)
        }
    }

    public func write(_ response: UntaggedResponse, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("* ")
        switch response {
        case .condition(let condition, let text):
            switch condition {
            case .ok: buffer.writeStaticString("OK ")
            case .no: buffer.writeStaticString("NO ")
            case .bad: buffer.writeStaticString("BAD ")
            case .preauth: buffer.writeStaticString("PREAUTH ")
            case .bye: buffer.writeStaticString("BYE ")
            }
            writeResponseText(text, into: &buffer)
        case .capability(let names):
            // capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev2" *(SP capability)
            buffer.writeStaticString("CAPABILITY")
            writeAtomList(names, into: &buffer)
        case .enabled(let names):
            buffer.writeStaticString("ENABLED")
            writeAtomList(names, into: &buffer)
        case .flags(let flags):
            buffer.writeStaticString("FLAGS ")
            writeFlagList(flags, into: &buffer)
        case .exists(let n):
            writeDecimal(n, into: &buffer)
            buffer.writeStaticString(" EXISTS")
        case .recent(let n):
            writeDecimal(n, into: &buffer)
            buffer.writeStaticString(" RECENT")
        case .expunge(let n):
            writeDecimal(n, into: &buffer)
            buffer.writeStaticString(" EXPUNGE")
        case .vanished(let earlier, let set):
            buffer.writeStaticString(earlier ? "VANISHED (EARLIER) " : "VANISHED ")
            writeSequenceSet(set, into: &buffer)
        case .list(let list):
            buffer.writeStaticString("LIST ")
            writeMailboxList(list, into: &buffer)
        case .lsub(let list):
            buffer.writeStaticString("LSUB ")
            writeMailboxList(list, into: &buffer)
        case .status(let mailbox, let values):
            // "STATUS" SP mailbox SP "(" [status-att-list] ")"
            buffer.writeStaticString("STATUS ")
            writeMailboxName(mailbox, into: &buffer)
            buffer.writeStaticString(" (")
            for (index, value) in values.enumerated() {
                if index > 0 { buffer.writeStaticString(" ") }
                buffer.writeString(value.attribute.name)
                buffer.writeStaticString(" ")
                writeDecimal(value.value, into: &buffer)
            }
            buffer.writeStaticString(")")
        case .search(let numbers, let modSeq):
            buffer.writeStaticString("SEARCH")
            for n in numbers {
                buffer.writeStaticString(" ")
                writeDecimal(n, into: &buffer)
            }
            if let modSeq {
                buffer.writeStaticString(" (MODSEQ ")
                writeDecimal(modSeq, into: &buffer)
                buffer.writeStaticString(")")
            }
        case .esearch(let result):
            writeESearch(result, into: &buffer)
        case .fetch(let sequence, let items):
            writeDecimal(sequence, into: &buffer)
            buffer.writeStaticString(" FETCH (")
            for (index, item) in items.enumerated() {
                writeFetchItem(item, separated: index > 0, into: &buffer)
            }
            buffer.writeStaticString(")")
        case .id(let fields):
            buffer.writeStaticString("ID ")
            if let fields, !fields.isEmpty {
                buffer.writeStaticString("(")
                for (index, field) in fields.enumerated() {
                    if index > 0 { buffer.writeStaticString(" ") }
                    writeString(Array(field.key.utf8), into: &buffer)
                    buffer.writeStaticString(" ")
                    writeNString(field.value.map { Array($0.utf8) }, into: &buffer)
                }
                buffer.writeStaticString(")")
            } else {
                buffer.writeStaticString("NIL")
            }
        case .namespace(let namespace):
            buffer.writeStaticString("NAMESPACE ")
            writeNamespace(namespace.personal, into: &buffer)
            buffer.writeStaticString(" ")
            writeNamespace(namespace.otherUsers, into: &buffer)
            buffer.writeStaticString(" ")
            writeNamespace(namespace.shared, into: &buffer)
        }
        buffer.writeStaticString("\r\n")
    }

    // MARK: FETCH, item by item (the hot path)

    /// Starts `* n FETCH (`. Follow with `writeFetchItem` calls and `endFetch`.
    public func beginFetch(sequence: UInt32, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("* ")
        writeDecimal(sequence, into: &buffer)
        buffer.writeStaticString(" FETCH (")
    }

    /// Ends a FETCH response begun with `beginFetch`.
    public func endFetch(into buffer: inout ByteBuffer) {
        buffer.writeStaticString(")\r\n")
    }

    /// Writes one item of a FETCH response; `separated` writes the SP that precedes every item
    /// but the first.
    public func writeFetchItem(_ item: FetchResponseItem, separated: Bool, into buffer: inout ByteBuffer) {
        if separated { buffer.writeStaticString(" ") }
        switch item {
        case .flags(let flags):
            buffer.writeStaticString("FLAGS ")
            writeFlagList(flags, into: &buffer)
        case .uid(let uid):
            buffer.writeStaticString("UID ")
            writeDecimal(uid, into: &buffer)
        case .modSeq(let modSeq):
            buffer.writeStaticString("MODSEQ (")
            writeDecimal(modSeq, into: &buffer)
            buffer.writeStaticString(")")
        case .internalDate(let date):
            buffer.writeStaticString("INTERNALDATE \"")
            var bytes: [UInt8] = []
            bytes.reserveCapacity(26)
            date.appendWireForm(to: &bytes)
            buffer.writeBytes(bytes)
            buffer.writeStaticString("\"")
        case .rfc822Size(let size):
            buffer.writeStaticString("RFC822.SIZE ")
            writeDecimal(size, into: &buffer)
        case .envelope(let envelope):
            buffer.writeStaticString("ENVELOPE ")
            writeEnvelope(envelope, into: &buffer)
        case .body(let body):
            buffer.writeStaticString("BODY ")
            writeBody(body, extensions: false, into: &buffer)
        case .bodyStructure(let body):
            buffer.writeStaticString("BODYSTRUCTURE ")
            writeBody(body, extensions: true, into: &buffer)
        case .bodySection(let section, let origin, let data):
            buffer.writeStaticString("BODY[")
            writeSection(section, into: &buffer)
            buffer.writeStaticString("]")
            writeOrigin(origin, into: &buffer)
            buffer.writeStaticString(" ")
            writeLiteralOrNil(data, into: &buffer)
        case .binary(let part, let origin, let data):
            buffer.writeStaticString("BINARY[")
            writePart(part, into: &buffer)
            buffer.writeStaticString("]")
            writeOrigin(origin, into: &buffer)
            buffer.writeStaticString(" ")
            if let data, data.readableBytesView.contains(0) {
                // RFC 3516 §4.3 / RFC 9051 §9: literal8 = "~{" number64 "}" CRLF *OCTET
                buffer.writeStaticString("~{")
                writeDecimal(UInt64(data.readableBytes), into: &buffer)
                buffer.writeStaticString("}\r\n")
                buffer.writeImmutableBuffer(data)
            } else {
                writeLiteralOrNil(data, into: &buffer)
            }
        case .binarySize(let part, let size):
            buffer.writeStaticString("BINARY.SIZE[")
            writePart(part, into: &buffer)
            buffer.writeStaticString("] ")
            writeDecimal(size, into: &buffer)
        case .rfc822(let data):
            buffer.writeStaticString("RFC822 ")
            writeLiteralOrNil(data, into: &buffer)
        case .rfc822Header(let data):
            buffer.writeStaticString("RFC822.HEADER ")
            writeLiteralOrNil(data, into: &buffer)
        case .rfc822Text(let data):
            buffer.writeStaticString("RFC822.TEXT ")
            writeLiteralOrNil(data, into: &buffer)
        case .rendered(let bytes):
            buffer.writeImmutableBuffer(bytes)
        }
    }

    /// Renders one FETCH item alone, e.g. `ENVELOPE (...)` to cache and later pass as
    /// `.rendered`. The rendering depends on `utf8`: cache per mode.
    public func render(_ item: FetchResponseItem) -> ByteBuffer {
        var buffer = ByteBuffer()
        writeFetchItem(item, separated: false, into: &buffer)
        return buffer
    }

    // MARK: pieces

    private func writeOrigin(_ origin: UInt64?, into buffer: inout ByteBuffer) {
        guard let origin else { return }
        buffer.writeStaticString("<")
        writeDecimal(origin, into: &buffer)
        buffer.writeStaticString(">")
    }

    private func writePart(_ part: [UInt32], into buffer: inout ByteBuffer) {
        for (index, n) in part.enumerated() {
            if index > 0 { buffer.writeStaticString(".") }
            writeDecimal(n, into: &buffer)
        }
    }

    /// `section-spec` inside the brackets, as the client asked for it.
    func writeSection(_ section: Section, into buffer: inout ByteBuffer) {
        writePart(section.part, into: &buffer)
        guard let text = section.text else { return }
        if !section.part.isEmpty { buffer.writeStaticString(".") }
        switch text {
        case .header: buffer.writeStaticString("HEADER")
        case .text: buffer.writeStaticString("TEXT")
        case .mime: buffer.writeStaticString("MIME")
        case .headerFields(let names), .headerFieldsNot(let names):
            if case .headerFields = text {
                buffer.writeStaticString("HEADER.FIELDS (")
            } else {
                buffer.writeStaticString("HEADER.FIELDS.NOT (")
            }
            for (index, name) in names.enumerated() {
                if index > 0 { buffer.writeStaticString(" ") }
                writeAString(Array(name.utf8), into: &buffer)
            }
            buffer.writeStaticString(")")
        }
    }

    func writeFlag(_ flag: Flag, into buffer: inout ByteBuffer) {
        switch flag {
        case .answered: buffer.writeStaticString("\\Answered")
        case .flagged: buffer.writeStaticString("\\Flagged")
        case .deleted: buffer.writeStaticString("\\Deleted")
        case .seen: buffer.writeStaticString("\\Seen")
        case .draft: buffer.writeStaticString("\\Draft")
        case .recent: buffer.writeStaticString("\\Recent")
        case .wildcard: buffer.writeStaticString("\\*")
        case .keyword(let keyword): buffer.writeString(keyword)
        case .extension(let name):
            buffer.writeStaticString("\\")
            buffer.writeString(name)
        }
    }

    /// `"(" [flag *(SP flag)] ")"`
    func writeFlagList(_ flags: [Flag], into buffer: inout ByteBuffer) {
        buffer.writeStaticString("(")
        var first = true
        for flag in flags {
            if !first { buffer.writeStaticString(" ") }
            first = false
            writeFlag(flag, into: &buffer)
        }
        buffer.writeStaticString(")")
    }

    private func writeAtomList(_ names: [String], into buffer: inout ByteBuffer) {
        for name in names {
            buffer.writeStaticString(" ")
            buffer.writeString(name)
        }
    }

    func writeSequenceSet(_ set: SequenceSet, into buffer: inout ByteBuffer) {
        switch set {
        case .lastSearchResult:
            buffer.writeStaticString("$")
        case .ranges(let ranges):
            for (index, range) in ranges.enumerated() {
                if index > 0 { buffer.writeStaticString(",") }
                writeSeqNumber(range.first, into: &buffer)
                if range.second != range.first {
                    buffer.writeStaticString(":")
                    writeSeqNumber(range.second, into: &buffer)
                }
            }
        }
    }

    private func writeSeqNumber(_ number: SequenceNumber, into buffer: inout ByteBuffer) {
        switch number {
        case .number(let n): writeDecimal(n, into: &buffer)
        case .last: buffer.writeStaticString("*")
        }
    }

    private func writeESearch(_ result: ESearchResponse, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("ESEARCH")
        if let tag = result.tag {
            // search-correlator = SP "(" "TAG" SP tag-string ")"; tag-string = astring
            buffer.writeStaticString(" (TAG ")
            writeString(Array(tag.utf8), into: &buffer)
            buffer.writeStaticString(")")
        }
        if result.uid { buffer.writeStaticString(" UID") }
        if let min = result.min {
            buffer.writeStaticString(" MIN ")
            writeDecimal(min, into: &buffer)
        }
        if let max = result.max {
            buffer.writeStaticString(" MAX ")
            writeDecimal(max, into: &buffer)
        }
        if let all = result.all {
            buffer.writeStaticString(" ALL ")
            writeSequenceSet(all, into: &buffer)
        }
        if let count = result.count {
            buffer.writeStaticString(" COUNT ")
            writeDecimal(count, into: &buffer)
        }
        if let modSeq = result.modSeq {
            buffer.writeStaticString(" MODSEQ ")
            writeDecimal(modSeq, into: &buffer)
        }
    }

    /// `"(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox [SP mbox-list-extended]`
    private func writeMailboxList(_ list: ListResponse, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("(")
        for (index, attribute) in list.attributes.enumerated() {
            if index > 0 { buffer.writeStaticString(" ") }
            buffer.writeString(attribute.text)
        }
        buffer.writeStaticString(") ")
        writeDelimiter(list.delimiter, into: &buffer)
        buffer.writeStaticString(" ")
        writeMailboxName(list.mailbox, into: &buffer)
        if list.childInfoSubscribed || list.oldName != nil {
            // mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"
            buffer.writeStaticString(" (")
            if list.childInfoSubscribed {
                buffer.writeStaticString("\"CHILDINFO\" (\"SUBSCRIBED\")")
            }
            if let oldName = list.oldName {
                if list.childInfoSubscribed { buffer.writeStaticString(" ") }
                buffer.writeStaticString("\"OLDNAME\" (")
                writeMailboxName(oldName, into: &buffer)
                buffer.writeStaticString(")")
            }
            buffer.writeStaticString(")")
        }
    }

    private func writeDelimiter(_ delimiter: Character?, into buffer: inout ByteBuffer) {
        guard let delimiter, let ascii = delimiter.asciiValue else {
            buffer.writeStaticString("NIL")
            return
        }
        buffer.writeStaticString("\"")
        if ascii == UInt8(ascii: "\"") || ascii == UInt8(ascii: "\\") { buffer.writeStaticString("\\") }
        buffer.writeInteger(ascii)
        buffer.writeStaticString("\"")
    }

    private func writeNamespace(_ descriptions: [NamespaceResponse.Description], into buffer: inout ByteBuffer) {
        guard !descriptions.isEmpty else {
            buffer.writeStaticString("NIL")
            return
        }
        buffer.writeStaticString("(")
        for description in descriptions {
            buffer.writeStaticString("(")
            writeString(mailboxBytes(description.prefix), into: &buffer)
            buffer.writeStaticString(" ")
            writeDelimiter(description.delimiter, into: &buffer)
            buffer.writeStaticString(")")
        }
        buffer.writeStaticString(")")
    }

    /// A mailbox name in modified UTF-7 or, in UTF-8 mode, UTF-8.
    func mailboxBytes(_ name: String) -> [UInt8] {
        utf8 ? Array(name.utf8) : Array(ModifiedUTF7.encode(name).utf8)
    }

    func writeMailboxName(_ name: String, into buffer: inout ByteBuffer) {
        writeAString(mailboxBytes(name), into: &buffer)
    }

    // MARK: response text

    private func writeResponseText(_ text: ResponseText, into buffer: inout ByteBuffer) {
        if let code = text.code {
            buffer.writeStaticString("[")
            writeResponseCode(code, into: &buffer)
            buffer.writeStaticString("]")
            if !text.text.isEmpty { buffer.writeStaticString(" ") }
        }
        writeText(text.text, into: &buffer)
    }

    /// `text = 1*(TEXT-CHAR / UTF8-2 / UTF8-3 / UTF8-4)`: CR, LF and NUL become spaces.
    func writeText(_ text: String, into buffer: inout ByteBuffer, alsoReplacing extra: UInt8? = nil) {
        let bytes = text.utf8
        if !bytes.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A || $0 == extra }) {
            buffer.writeString(text)
            return
        }
        for b in bytes {
            buffer.writeInteger(b == 0 || b == 0x0D || b == 0x0A || b == extra ? UInt8(ascii: " ") : b)
        }
    }

    private func writeResponseCode(_ code: ResponseCode, into buffer: inout ByteBuffer) {
        switch code {
        case .alert: buffer.writeStaticString("ALERT")
        case .alreadyExists: buffer.writeStaticString("ALREADYEXISTS")
        case .appendUID(let validity, let uids):
            buffer.writeStaticString("APPENDUID ")
            writeDecimal(validity, into: &buffer)
            buffer.writeStaticString(" ")
            writeSequenceSet(uids, into: &buffer)
        case .authenticationFailed: buffer.writeStaticString("AUTHENTICATIONFAILED")
        case .authorizationFailed: buffer.writeStaticString("AUTHORIZATIONFAILED")
        case .badCharset(let charsets):
            buffer.writeStaticString("BADCHARSET")
            if !charsets.isEmpty {
                buffer.writeStaticString(" (")
                for (index, charset) in charsets.enumerated() {
                    if index > 0 { buffer.writeStaticString(" ") }
                    writeAString(Array(charset.utf8), into: &buffer)
                }
                buffer.writeStaticString(")")
            }
        case .cannot: buffer.writeStaticString("CANNOT")
        case .capability(let names):
            buffer.writeStaticString("CAPABILITY")
            writeAtomList(names, into: &buffer)
        case .clientBug: buffer.writeStaticString("CLIENTBUG")
        case .closed: buffer.writeStaticString("CLOSED")
        case .contactAdmin: buffer.writeStaticString("CONTACTADMIN")
        case .copyUID(let validity, let source, let destination):
            buffer.writeStaticString("COPYUID ")
            writeDecimal(validity, into: &buffer)
            buffer.writeStaticString(" ")
            writeSequenceSet(source, into: &buffer)
            buffer.writeStaticString(" ")
            writeSequenceSet(destination, into: &buffer)
        case .corruption: buffer.writeStaticString("CORRUPTION")
        case .expired: buffer.writeStaticString("EXPIRED")
        case .expungeIssued: buffer.writeStaticString("EXPUNGEISSUED")
        case .hasChildren: buffer.writeStaticString("HASCHILDREN")
        case .highestModSeq(let modSeq):
            buffer.writeStaticString("HIGHESTMODSEQ ")
            writeDecimal(modSeq, into: &buffer)
        case .inUse: buffer.writeStaticString("INUSE")
        case .limit: buffer.writeStaticString("LIMIT")
        case .modified(let set):
            buffer.writeStaticString("MODIFIED ")
            writeSequenceSet(set, into: &buffer)
        case .noModSeq: buffer.writeStaticString("NOMODSEQ")
        case .nonExistent: buffer.writeStaticString("NONEXISTENT")
        case .noPerm: buffer.writeStaticString("NOPERM")
        case .overQuota: buffer.writeStaticString("OVERQUOTA")
        case .parse: buffer.writeStaticString("PARSE")
        case .permanentFlags(let flags):
            buffer.writeStaticString("PERMANENTFLAGS ")
            writeFlagList(flags, into: &buffer)
        case .privacyRequired: buffer.writeStaticString("PRIVACYREQUIRED")
        case .readOnly: buffer.writeStaticString("READ-ONLY")
        case .readWrite: buffer.writeStaticString("READ-WRITE")
        case .serverBug: buffer.writeStaticString("SERVERBUG")
        case .tooBig: buffer.writeStaticString("TOOBIG")
        case .tryCreate: buffer.writeStaticString("TRYCREATE")
        case .uidNext(let n):
            buffer.writeStaticString("UIDNEXT ")
            writeDecimal(n, into: &buffer)
        case .uidNotSticky: buffer.writeStaticString("UIDNOTSTICKY")
        case .uidValidity(let n):
            buffer.writeStaticString("UIDVALIDITY ")
            writeDecimal(n, into: &buffer)
        case .unavailable: buffer.writeStaticString("UNAVAILABLE")
        case .unknownCTE: buffer.writeStaticString("UNKNOWN-CTE")
        case .unseen(let n):
            buffer.writeStaticString("UNSEEN ")
            writeDecimal(n, into: &buffer)
        case .other(let atom, let text):
            let safeAtom = atom.utf8.filter(ByteClass.isAtomChar)
            buffer.writeBytes(safeAtom.isEmpty ? Array("X".utf8) : safeAtom)
            if let text, !text.isEmpty {
                buffer.writeStaticString(" ")
                // 1*<any TEXT-CHAR except "]">
                writeText(text, into: &buffer, alsoReplacing: UInt8(ascii: "]"))
            }
        }
    }

    // MARK: strings

    /// Whether `bytes` can be written as a quoted string in this mode.
    func isQuotable(_ bytes: some Collection<UInt8>) -> Bool {
        var eightBit = false
        for b in bytes {
            switch b {
            case 0, 0x0A, 0x0D: return false
            case 0x80...:
                guard utf8 else { return false }
                eightBit = true
            default: break
            }
        }
        if eightBit {
            return String(validating: Array(bytes), as: UTF8.self) != nil
        }
        return true
    }

    /// `string = quoted / literal`
    func writeString(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        if isQuotable(bytes) {
            writeQuoted(bytes, into: &buffer)
        } else {
            writeLiteral(bytes, into: &buffer)
        }
    }

    /// `nstring = string / nil`
    func writeNString(_ bytes: [UInt8]?, into buffer: inout ByteBuffer) {
        guard let bytes else {
            buffer.writeStaticString("NIL")
            return
        }
        writeString(bytes, into: &buffer)
    }

    /// `astring = 1*ASTRING-CHAR / string`; `NIL` is quoted so no reader takes it for nil.
    func writeAString(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        if !bytes.isEmpty, bytes.allSatisfy(ByteClass.isAStringChar), bytes.lowercasedASCII() != Array("nil".utf8) {
            buffer.writeBytes(bytes)
        } else {
            writeString(bytes, into: &buffer)
        }
    }

    func writeQuoted(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeStaticString("\"")
        var start = 0
        for (index, b) in bytes.enumerated() where b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
            buffer.writeBytes(bytes[start..<index])
            buffer.writeStaticString("\\")
            start = index
        }
        buffer.writeBytes(bytes[start...])
        buffer.writeStaticString("\"")
    }

    /// `literal = "{" number64 "}" CRLF *CHAR8` (never `{n+}`: RFC 7888 §3, not from servers).
    func writeLiteral(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeStaticString("{")
        writeDecimal(UInt64(bytes.count), into: &buffer)
        buffer.writeStaticString("}\r\n")
        buffer.writeBytes(bytes)
    }

    /// Message data: always a literal (it holds CRLFs), or NIL.
    private func writeLiteralOrNil(_ data: ByteBuffer?, into buffer: inout ByteBuffer) {
        guard let data else {
            buffer.writeStaticString("NIL")
            return
        }
        buffer.writeStaticString("{")
        writeDecimal(UInt64(data.readableBytes), into: &buffer)
        buffer.writeStaticString("}\r\n")
        buffer.writeImmutableBuffer(data)
    }

    func writeIMAPString(_ string: IMAPString, into buffer: inout ByteBuffer) {
        writeString(string.bytes, into: &buffer)
    }

    func writeIMAPNString(_ string: IMAPString?, into buffer: inout ByteBuffer) {
        writeNString(string?.bytes, into: &buffer)
    }
}

/// Decimal digits straight into the buffer, without a String.
@inline(__always)
func writeDecimal(_ value: some FixedWidthInteger & UnsignedInteger, into buffer: inout ByteBuffer) {
    var n = UInt64(value)
    if n < 10 {
        buffer.writeInteger(UInt8(truncatingIfNeeded: n) &+ 48)
        return
    }
    // UInt64.max has 20 digits.
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    withUnsafeMutableBytes(of: &digits) { raw in
        var index = 24
        while n > 0 {
            index -= 1
            raw[index] = UInt8(truncatingIfNeeded: n % 10) &+ 48
            n /= 10
        }
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[index..<24]))
    }
}
