// RFC 5322 §2.2 header fields: name ":" value, folded over lines that start with WSP, and
// §3.6 / §4.5 obsolete syntax (whitespace before the colon). Fields keep their original
// bytes and byte ranges: IMAP's BODY[HEADER.FIELDS] and DKIM (RFC 6376 §3.4) work on them.

/// One header field as it appears in the message.
public struct HeaderField: Sendable {
    /// The whole field: name, colon, value with its folds, and the final line ending
    /// (absent only when the message ends inside the field). Indices are offsets into the
    /// message the field was parsed from.
    public let raw: ArraySlice<UInt8>
    let nameEnd: Int
    let valueStart: Int
    let valueEnd: Int

    init(raw: ArraySlice<UInt8>, nameEnd: Int, valueStart: Int, valueEnd: Int) {
        self.raw = raw
        self.nameEnd = nameEnd
        self.valueStart = valueStart
        self.valueEnd = valueEnd
    }

    /// Byte range of the whole field, line ending included.
    public var range: Range<Int> { raw.indices }

    /// The field name as written (RFC 5322 §3.6.8 ftext), without whitespace before the colon.
    public var nameBytes: ArraySlice<UInt8> { raw[raw.startIndex..<nameEnd] }

    public var name: String { String(decoding: nameBytes, as: UTF8.self) }

    /// Everything after the colon up to the final line ending, folds included, as written.
    public var rawValue: ArraySlice<UInt8> { raw[valueStart..<valueEnd] }

    /// The value unfolded (RFC 5322 §2.2.3) with surrounding whitespace removed: what IMAP
    /// puts in ENVELOPE strings, still undecoded.
    public var value: [UInt8] { unfoldedTrimmed(rawValue) }

    /// `value` as text; bytes that are not UTF-8 (RFC 6532 allows UTF-8 only) become U+FFFD.
    public var text: String { String(decoding: value, as: UTF8.self) }

    /// `value` with RFC 2047 encoded words decoded: for display and search, not for IMAP's
    /// ENVELOPE, which sends header text undecoded.
    public var decodedText: String { EncodedWords.decode(value) }

    /// ASCII case-insensitive comparison of the name (RFC 5322 §1.2.2: names are
    /// case-insensitive).
    public func hasName(_ name: String) -> Bool {
        let key = name.utf8
        guard nameEnd - raw.startIndex == key.count else { return false }
        var i = raw.startIndex
        for k in key {
            if ASCII.lower(raw[i]) != ASCII.lower(k) { return false }
            i += 1
        }
        return true
    }

    /// The value as the structured parsers see it: `rawValue` cut to `limit` bytes.
    func boundedValue(_ limit: Int) -> ArraySlice<UInt8> {
        let v = rawValue
        return v.count > limit ? v[v.startIndex..<(v.startIndex + max(limit, 0))] : v
    }
}

/// Where one field lies in the message: plain offsets, so a header block holds one
/// reference to the message bytes however many fields it has (reference counting per
/// field dominated the parse profile).
struct FieldRecord: Sendable {
    var start: Int
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int
    var end: Int
}

/// A header block: the fields in order and the byte range of the block.
public struct Header: Sendable {
    /// The message bytes the ranges index.
    let storage: [UInt8]
    let records: [FieldRecord]
    /// The block from its first byte through the blank line that ends it (when there is
    /// one): exactly IMAP's BODY[HEADER] / BODY[n.MIME].
    public let range: Range<Int>
    /// Whether the block ended with an empty line. False when the message (or part) ends
    /// inside the header, or a MIME boundary cut it short.
    public let hasTerminatingBlankLine: Bool
    /// Fields were left unrecorded because of `MessageLimits.maxHeaderFields` or
    /// `maxHeaderBytes`.
    public let isTruncated: Bool
    /// The limits the block was parsed with; structured parsers cut values with them.
    let limits: MessageLimits

    init(storage: [UInt8], records: [FieldRecord], range: Range<Int>, hasTerminatingBlankLine: Bool,
         isTruncated: Bool, limits: MessageLimits) {
        self.storage = storage
        self.records = records
        self.range = range
        self.hasTerminatingBlankLine = hasTerminatingBlankLine
        self.isTruncated = isTruncated
        self.limits = limits
    }

    /// An empty header (a part with no header lines).
    static func empty(_ storage: [UInt8], at offset: Int, limits: MessageLimits) -> Header {
        Header(storage: storage, records: [], range: offset..<offset, hasTerminatingBlankLine: false,
               isTruncated: false, limits: limits)
    }

    func field(_ r: FieldRecord) -> HeaderField {
        HeaderField(raw: storage[r.start..<r.end], nameEnd: r.nameEnd, valueStart: r.valueStart, valueEnd: r.valueEnd)
    }

    /// Recorded fields in message order. Lines that are not fields (no colon, a name with
    /// spaces, an mbox `From ` line) belong to the block but are not listed. Built on each
    /// access; `first`, `all` and `count` do not build it.
    public var fields: [HeaderField] { records.map(field) }

    /// Number of recorded fields.
    public var count: Int { records.count }

    /// ASCII case-insensitive name comparison without allocating (RFC 5322 §1.2.2).
    func recordHasName(_ r: FieldRecord, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard r.nameEnd - r.start == key.count else { return false }
        return storage.withUnsafeBufferPointer { buf in
            for k in 0..<key.count where ASCII.lower(buf[r.start + k]) != ASCII.lower(key[k]) { return false }
            return true
        }
    }

    func firstRecord(_ name: String) -> FieldRecord? {
        var key = name
        return key.withUTF8 { k in records.first { recordHasName($0, k) } }
    }

    /// The first field with this name (case-insensitive), the one RFC 5322 §3.6 fields that
    /// occur at most once are read from.
    public func first(_ name: String) -> HeaderField? {
        firstRecord(name).map(field)
    }

    /// All fields with this name, in order.
    public func all(_ name: String) -> [HeaderField] {
        var key = name
        return key.withUTF8 { k in records.filter { recordHasName($0, k) }.map(field) }
    }

    public func contains(_ name: String) -> Bool { firstRecord(name) != nil }

    /// The unfolded, trimmed value of the first field with this name.
    public subscript(_ name: String) -> [UInt8]? { first(name)?.value }

    /// The value of a record as the structured parsers see it: cut to `maxFieldLength`.
    func boundedValue(_ r: FieldRecord) -> ArraySlice<UInt8> {
        storage[r.valueStart..<min(r.valueEnd, r.valueStart + max(limits.maxFieldLength, 0))]
    }

    /// IMAP BODY[HEADER.FIELDS (names)] and BODY[HEADER.FIELDS.NOT (names)] (RFC 9051
    /// §6.4.5): the matching fields' bytes in message order, then the blank line. A field
    /// cut off by the end of the message gets a CRLF.
    public func selectedFieldBytes(_ names: [String], excluding: Bool) -> [UInt8] {
        let keys = names.map { ASCII.lowercased(Array($0.utf8)) }
        var out: [UInt8] = []
        for r in records {
            let name = storage[r.start..<r.nameEnd]
            let matches = keys.contains { ASCII.equalsLowercased(name, $0) }
            guard matches != excluding else { continue }
            out.append(contentsOf: storage[r.start..<r.end])
            if storage[r.end - 1] != ASCII.lf { out.append(contentsOf: [ASCII.cr, ASCII.lf]) }
        }
        out.append(contentsOf: [ASCII.cr, ASCII.lf])
        return out
    }
}

/// Result of scanning one header block.
struct HeaderScan {
    var header: Header
    /// Where the body starts: after the blank line, or at the boundary delimiter line that
    /// cut the header short, or at the end of the input.
    var bodyStart: Int
    /// A boundary delimiter line of an enclosing multipart ended the header (the part has
    /// no body then, RFC 2046 §5.1.1: the delimiter's leading CRLF is not part content).
    var interrupted: Bool
    /// LF count and LFs without a CR before them in `header.range.lowerBound..<bodyStart`.
    var lineFeeds: Int
    var bareLineFeeds: Int
}

enum HeaderParser {
    /// Scans the header block that starts at `start`, within `start..<end`.
    ///
    ///     fields      = *(... / optional-field)            ; RFC 5322 §3.6
    ///     field       = field-name ":" unstructured CRLF    ; §3.6.8
    ///     field-name  = 1*ftext                             ; ftext = %d33-57 / %d59-126
    ///     obs-optional = field-name *WSP ":" unstructured CRLF  ; §4.5.8
    ///     FWS folding: CRLF followed by WSP continues the field (§2.2.3)
    /// A boundary delimiter line of one of `boundaries` (the enclosing multiparts) ends the
    /// header.
    static func scan(_ bytes: [UInt8], _ buf: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
                     limits: MessageLimits, boundaries: BoundarySet? = nil) -> HeaderScan {
        var fields: [FieldRecord] = []
        fields.reserveCapacity(16)
        var truncated = false
        var lineFeeds = 0, bareLineFeeds = 0
        // The field being accumulated: its start, name end and value start.
        var current: (start: Int, nameEnd: Int, valueStart: Int, valueEnd: Int)?
        var pos = start

        func finish(_ next: Int) {
            guard let c = current else { return }
            current = nil
            if fields.count >= limits.maxHeaderFields || c.start - start > limits.maxHeaderBytes {
                truncated = true
                return
            }
            fields.append(FieldRecord(start: c.start, nameEnd: c.nameEnd, valueStart: c.valueStart,
                                      valueEnd: c.valueEnd, end: next))
        }

        // A first line that is not a field means there is no header at all (Python's
        // email package reads it the same way): the text is body. A malformed line later
        // on stays in the header, as in Dovecot.
        func noHeader() -> HeaderScan {
            HeaderScan(header: Header(storage: bytes, records: [], range: start..<start, hasTerminatingBlankLine: false,
                                      isTruncated: false, limits: limits),
                       bodyStart: start, interrupted: false, lineFeeds: 0, bareLineFeeds: 0)
        }

        while pos < end {
            let lf = buf.firstLF(from: pos, to: end)
            let next = lf.map { $0 + 1 } ?? end
            var contentEnd = lf ?? end
            if let lf, lf > pos, buf[lf - 1] == ASCII.cr { contentEnd = lf - 1 }

            // RFC 5322 §2.1: the first empty line ends the header (bare LF tolerated).
            if lf != nil && contentEnd == pos {
                finish(pos)
                lineFeeds += 1
                if contentEnd == lf { bareLineFeeds += 1 }
                let header = Header(storage: bytes, records: fields, range: start..<next, hasTerminatingBlankLine: true,
                                    isTruncated: truncated, limits: limits)
                return HeaderScan(header: header, bodyStart: next, interrupted: false,
                                  lineFeeds: lineFeeds, bareLineFeeds: bareLineFeeds)
            }
            // RFC 2046 §5.1.1: a boundary delimiter of an enclosing multipart ends the
            // part, header included (Dovecot does the same for truncated MIME headers).
            if let boundaries, buf[pos] == ASCII.dash, boundaries.match(buf, at: pos, end: end) != nil {
                var headerEnd = pos
                if pos > start, buf[pos - 1] == ASCII.lf {
                    headerEnd -= 1
                    if headerEnd > start, buf[headerEnd - 1] == ASCII.cr { headerEnd -= 1 }
                }
                if let c = current, c.valueEnd > headerEnd { current?.valueEnd = headerEnd }
                finish(headerEnd)
                let header = Header(storage: bytes, records: fields, range: start..<headerEnd, hasTerminatingBlankLine: false,
                                    isTruncated: truncated, limits: limits)
                return HeaderScan(header: header, bodyStart: pos, interrupted: true,
                                  lineFeeds: lineFeeds, bareLineFeeds: bareLineFeeds)
            }
            if let lf {
                lineFeeds += 1
                if contentEnd == lf { bareLineFeeds += 1 }
            }

            let first = buf[pos]
            if ASCII.isWSP(first) {
                if pos == start { return noHeader() }
                // RFC 5322 §2.2.3 folding: a continuation of the current field. Without a
                // current field (first line, or after a malformed line) it is ignored.
                current?.valueEnd = contentEnd
            } else {
                finish(pos)
                // field-name = 1*ftext (%d33-57 / %d59-126); RFC 5322 §4.5 obs-optional
                // allows WSP before the colon. Anything else is not a field.
                var i = pos
                while i < contentEnd, buf[i] > 32, buf[i] < 127, buf[i] != ASCII.colon { i += 1 }
                let nameEnd = i
                while i < contentEnd, ASCII.isWSP(buf[i]) { i += 1 }
                if nameEnd > pos, i < contentEnd, buf[i] == ASCII.colon {
                    current = (pos, nameEnd, i + 1, contentEnd)
                } else if pos == start && !startsWithMboxFrom(buf, pos, contentEnd) {
                    return noHeader()
                }
            }
            pos = next
        }
        finish(end)
        let header = Header(storage: bytes, records: fields, range: start..<end, hasTerminatingBlankLine: false,
                            isTruncated: truncated, limits: limits)
        return HeaderScan(header: header, bodyStart: end, interrupted: false,
                          lineFeeds: lineFeeds, bareLineFeeds: bareLineFeeds)
    }

    /// An mbox separator line ("From " at the start of a stored message).
    static func startsWithMboxFrom(_ buf: UnsafeBufferPointer<UInt8>, _ pos: Int, _ end: Int) -> Bool {
        guard end - pos >= 5 else { return false }
        return buf[pos] == 70 && buf[pos + 1] == 114 && buf[pos + 2] == 111 && buf[pos + 3] == 109 && buf[pos + 4] == 32
    }
}
