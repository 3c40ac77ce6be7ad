// What a server offers in its EHLO reply (RFC 5321 §4.1.1.1): the first line is its name
// and greeting, every further line an extension keyword with optional parameters.

/// The extensions Postern acts on; everything else is kept by name.
public struct EHLOCapabilities: Sendable, Hashable {
    /// The domain the server names itself with (first word of the first line).
    public var serverName: String = ""
    /// Every keyword, upper-cased, with its parameters.
    public var keywords: [String: [String]] = [:]

    public init() {}

    /// Parses the lines of a 250 EHLO reply (without codes).
    public init(ehloLines lines: [String]) {
        serverName = lines.first.map { String($0.split(separator: " ", maxSplits: 1).first ?? "") } ?? ""
        for line in lines.dropFirst() {
            // RFC 5321 §4.1.1.1: ehlo-line = ehlo-keyword *( SP ehlo-param ). Old servers
            // write "AUTH=LOGIN PLAIN" (pre-RFC 2554 syntax); it is read as AUTH.
            var words = line.split(separator: " ").map(String.init)
            guard !words.isEmpty else { continue }
            var keyword = words.removeFirst().uppercased()
            if keyword.hasPrefix("AUTH=") {
                words.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            guard keyword.utf8.count <= 64, keyword.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { continue }
            keywords[keyword, default: []].append(contentsOf: words)
        }
    }

    public func has(_ keyword: String) -> Bool { keywords[keyword.uppercased()] != nil }

    /// RFC 2920.
    public var pipelining: Bool { has("PIPELINING") }
    /// RFC 3207.
    public var startTLS: Bool { has("STARTTLS") }
    /// RFC 6152.
    public var eightBitMIME: Bool { has("8BITMIME") }
    /// RFC 6531.
    public var smtpUTF8: Bool { has("SMTPUTF8") }
    /// RFC 3461.
    public var dsn: Bool { has("DSN") }
    /// RFC 2034.
    public var enhancedStatusCodes: Bool { has("ENHANCEDSTATUSCODES") }

    /// RFC 1870 §4: the declared maximum message size; nil when SIZE is absent, or present
    /// without a number, or 0 (no fixed maximum).
    public var maximumSize: Int? {
        guard let p = keywords["SIZE"]?.first, let n = Int(p), n > 0 else { return nil }
        return n
    }

    /// RFC 4954 §3: the SASL mechanisms offered, upper-cased.
    public var authMechanisms: Set<String> {
        Set((keywords["AUTH"] ?? []).map { $0.uppercased() })
    }
}
