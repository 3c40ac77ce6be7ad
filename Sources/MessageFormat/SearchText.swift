// Text for IMAP SEARCH (RFC 9051 §6.4.4 BODY, TEXT, HEADER) and the full-text index:
// header fields with RFC 2047 words decoded, and every text/* part transfer-decoded and
// converted to UTF-8, HTML reduced to its text. Bounded by a size cap.

/// Decoded text of a message.
public struct SearchText: Sendable, Equatable {
    /// "Name: value" lines of the message header, encoded words decoded.
    public var header: String
    /// The text of the body parts (and of encapsulated messages' headers), in order.
    public var body: String
    /// The cap cut the text short.
    public var isTruncated: Bool
}

extension Message {
    /// Default cap on the body text: 1 MiB of UTF-8, as much as a full-text index wants
    /// from one message.
    public static let defaultSearchTextLimit = 1 << 20

    /// The decoded header and body text. At most `maxBytes` of body text (and of header
    /// text) are produced; decoding work is bounded by the cap too.
    public func textForSearch(maxBytes: Int = Message.defaultSearchTextLimit) -> SearchText {
        var truncated = false
        let header = SearchTextBuilder.headerText(root.header, cap: maxBytes, truncated: &truncated)
        var body = ""
        var used = 0
        // Pre-order walk with an explicit stack (children pushed in reverse).
        var stack: [MIMEPart] = [root]
        while let part = stack.popLast() {
            if used >= maxBytes { truncated = true; break }
            if let entity = part.encapsulatedMessage {
                append(SearchTextBuilder.headerText(entity.header, cap: maxBytes - used, truncated: &truncated))
                stack.append(entity)
            } else if part.isMultipart {
                stack.append(contentsOf: part.children.reversed())
            } else if part.contentType.isText {
                let remaining = maxBytes - used
                // Encoded text is never shorter than 1/4 of its decoded UTF-8 (base64 is
                // 4:3; conversion at most triples), so this prefix yields the cap or all.
                let inputCap = remaining.multipliedReportingOverflow(by: 4).overflow ? Int.max : remaining * 4
                let range = part.bodyRange
                let take = inputCap >= range.count - 4 ? range.count : max(inputCap, 0) + 4
                let slice = self[range.lowerBound..<(range.lowerBound + take)]
                let decoded = TransferDecoding.decode(slice, encoding: part.transferEncoding)
                var text = Charset.decode(decoded, charset: part.contentType.charset ?? "us-ascii")
                if part.contentType.subtype == "html" { text = HTMLText.strip(text) }
                append(text)
            } else if let name = part.filename {
                append(name)
            }
        }
        return SearchText(header: header, body: body, isTruncated: truncated)

        func append(_ text: String) {
            guard !text.isEmpty else { return }
            if !body.isEmpty { body.append("\n"); used += 1 }
            let n = text.utf8.count
            if used + n <= maxBytes {
                body.append(text)
                used += n
            } else {
                body.append(SearchTextBuilder.prefix(text, bytes: maxBytes - used))
                used = maxBytes
                truncated = true
            }
        }
    }
}

enum SearchTextBuilder {
    static func headerText(_ header: Header, cap: Int, truncated: inout Bool) -> String {
        var out = ""
        var used = 0
        for field in header.fields {
            let line = field.name + ": " + EncodedWords.decode(unfold(field.boundedValue(header.limits.maxFieldLength)))
                .trimmingWhitespace() + "\n"
            let n = line.utf8.count
            if used + n > cap {
                out.append(prefix(line, bytes: cap - used))
                truncated = true
                break
            }
            out.append(line)
            used += n
        }
        return out
    }

    /// The longest prefix of `s` of at most `bytes` UTF-8 bytes that ends on a character.
    static func prefix(_ s: String, bytes: Int) -> String {
        guard bytes > 0 else { return "" }
        var out = ""
        var used = 0
        for ch in s {
            let n = ch.utf8.count
            if used + n > bytes { break }
            out.append(ch)
            used += n
        }
        return out
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

/// A rough HTML-to-text reduction for search: tags dropped, script/style content dropped,
/// block ends become line breaks, common entities decoded.
public enum HTMLText {
    public static func strip(_ html: String) -> String {
        let s = Array(html.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.count / 2)
        var i = 0
        let n = s.count
        func startsWith(_ word: String, at j: Int) -> Bool {
            let w = Array(word.utf8)
            guard j + w.count <= n else { return false }
            for k in 0..<w.count where ASCII.lower(s[j + k]) != w[k] { return false }
            return true
        }
        while i < n {
            let b = s[i]
            if b == 60 { // "<"
                if startsWith("<!--", at: i) {
                    var j = i + 4
                    while j + 2 < n, !(s[j] == 45 && s[j + 1] == 45 && s[j + 2] == 62) { j += 1 }
                    i = min(n, j + 3)
                    continue
                }
                let skipContent = startsWith("<script", at: i) ? "</script" : startsWith("<style", at: i) ? "</style" : nil
                let block = startsWith("<br", at: i) || startsWith("</p", at: i) || startsWith("</div", at: i)
                    || startsWith("</tr", at: i) || startsWith("<li", at: i) || startsWith("</h", at: i)
                    || startsWith("</td", at: i)
                var j = i + 1
                while j < n, s[j] != 62 { j += 1 }
                i = min(n, j + 1)
                if let close = skipContent {
                    while i < n, !startsWith(close, at: i) { i += 1 }
                    while i < n, s[i] != 62 { i += 1 }
                    i = min(n, i + 1)
                }
                out.append(block ? ASCII.lf : ASCII.space)
                continue
            }
            if b == 38 { // "&"
                var j = i + 1
                while j < n, j - i <= 10, s[j] != 59, s[j] != 38, !ASCII.isWhitespace(s[j]) { j += 1 }
                if j < n, s[j] == 59, let decoded = entity(s[(i + 1)..<j]) {
                    out.append(contentsOf: decoded)
                    i = j + 1
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        // Collapse runs of spaces and blank lines.
        var collapsed: [UInt8] = []
        collapsed.reserveCapacity(out.count)
        for b in out {
            if b == ASCII.space || b == ASCII.tab || b == ASCII.cr {
                if let last = collapsed.last, last == ASCII.space || last == ASCII.lf { continue }
                collapsed.append(ASCII.space)
            } else if b == ASCII.lf {
                if collapsed.last == ASCII.space { collapsed.removeLast() }
                if collapsed.count >= 2, collapsed[collapsed.count - 1] == ASCII.lf,
                   collapsed[collapsed.count - 2] == ASCII.lf { continue }
                collapsed.append(ASCII.lf)
            } else {
                collapsed.append(b)
            }
        }
        return String(decoding: collapsed, as: UTF8.self).trimmingWhitespace()
    }

    static func entity(_ name: ArraySlice<UInt8>) -> [UInt8]? {
        if name.first == 35 { // "#"
            var digits = name.dropFirst()
            var radix = 10
            if let x = digits.first, x == 120 || x == 88 { radix = 16; digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.count <= 8,
                  let v = UInt32(String(decoding: digits, as: UTF8.self), radix: radix),
                  let scalar = Unicode.Scalar(v) else { return nil }
            return Array(String(Character(scalar)).utf8)
        }
        switch String(decoding: name, as: UTF8.self) {
        case "amp": return [38]
        case "lt": return [60]
        case "gt": return [62]
        case "quot": return [34]
        case "apos": return [39]
        case "nbsp": return [32]
        case "copy": return Array("©".utf8)
        case "reg": return Array("®".utf8)
        case "euro": return Array("€".utf8)
        case "mdash": return Array("—".utf8)
        case "ndash": return Array("–".utf8)
        case "hellip": return Array("…".utf8)
        case "laquo": return Array("«".utf8)
        case "raquo": return Array("»".utf8)
        default: return nil
        }
    }
}
