// Header editing for the servers: building folded fields (RFC 5322 §2.1.1 line length,
// §2.2.3 folding) and prepending them (trace fields go on top, RFC 5321 §4.4).

public enum HeaderEditing {
    /// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters (MUST be at most 998).
    public static let preferredLineLength = 78

    /// Builds `Name: value` CRLF, folded at whitespace so lines stay within 78 characters
    /// where the words allow (a longer word stays whole). CR, LF and NUL in the value are
    /// replaced by spaces: a value can never start a new field (header injection). The name
    /// keeps only RFC 5322 ftext characters.
    public static func field(name: String, value: String) -> [UInt8] {
        let nameBytes = Array(name.utf8).filter { $0 > 32 && $0 < 127 && $0 != ASCII.colon }
        let valueBytes = Array(value.utf8).map { ($0 == ASCII.cr || $0 == ASCII.lf || $0 == 0) ? ASCII.space : $0 }
        var out = nameBytes + [ASCII.colon]
        var lineLength = out.count
        // Split into (leading whitespace, word) pairs; folding happens before the whitespace.
        var i = 0
        let n = valueBytes.count
        var firstWord = true
        while i < n {
            let wsStart = i
            while i < n, ASCII.isWSP(valueBytes[i]) { i += 1 }
            let wordStart = i
            while i < n, !ASCII.isWSP(valueBytes[i]) { i += 1 }
            var ws = Array(valueBytes[wsStart..<wordStart])
            let word = valueBytes[wordStart..<i]
            if firstWord {
                // One space after the colon, whatever the value started with.
                ws = [ASCII.space]
                firstWord = false
                if word.isEmpty { break }
            } else if word.isEmpty {
                break // trailing whitespace is dropped
            }
            let needed = ws.count + word.count
            // UTF-8 (RFC 6532) counts octets here; lines are limited in octets.
            if lineLength + needed > preferredLineLength && lineLength > nameBytes.count + 1 {
                out.append(contentsOf: [ASCII.cr, ASCII.lf])
                lineLength = 0
            }
            out.append(contentsOf: ws)
            out.append(contentsOf: word)
            lineLength += needed
        }
        out.append(contentsOf: [ASCII.cr, ASCII.lf])
        return out
    }

    /// `fields` (complete lines, as `field(name:value:)` builds) followed by `message`.
    /// When the message's first line ends in a bare LF the new lines use bare LF too, so a
    /// stored file keeps one convention.
    public static func prepending(_ fields: [[UInt8]], to message: [UInt8]) -> [UInt8] {
        var bareLF = false
        if let lf = message.firstIndex(of: ASCII.lf) { bareLF = lf == 0 || message[lf - 1] != ASCII.cr }
        var out: [UInt8] = []
        out.reserveCapacity(message.count + fields.reduce(0) { $0 + $1.count })
        for f in fields {
            if bareLF {
                for (k, b) in f.enumerated() where !(b == ASCII.cr && k + 1 < f.count && f[k + 1] == ASCII.lf) {
                    out.append(b)
                }
            } else {
                out.append(contentsOf: f)
            }
        }
        out.append(contentsOf: message)
        return out
    }
}
