// Domain names as mail uses them: host names (RFC 1123 §2.1 letter-digit-hyphen labels),
// internationalised through IDNA (RFC 5890/5891; UTS #46 mapping reduced to case folding,
// NFC and the ideographic full stops). The A-label form is canonical: it is what we compare,
// store and put on the wire; the U-label form is for people.

import Foundation

/// A validated domain or host name, without a trailing dot.
public struct Domain: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Lower-case A-label form (`xn--bcher-kva.example`).
    public let ascii: String

    /// Limits from RFC 1035 §2.3.4 (63-octet labels; 255-octet names, i.e. 253 characters
    /// of dotted text without the trailing dot).
    public static let maxLabelLength = 63
    public static let maxNameLength = 253

    /// Parses a domain given in A-label or U-label form. A single trailing dot is accepted
    /// and dropped. Labels must be LDH after IDNA conversion; `_` is allowed only when
    /// `allowUnderscore` (DNS owner names like `_dmarc`, never host names).
    public init(_ text: some StringProtocol, allowUnderscore: Bool = false) throws(DomainError) {
        var s = String(text)
        // UTS #46 §4: the ideographic and full-width full stops separate labels too.
        if !s.allSatisfy(\.isASCII) {
            s = String(s.map { "\u{3002}\u{FF0E}\u{FF61}".contains($0) ? "." : $0 })
        }
        if s.hasSuffix(".") { s.removeLast() }
        guard !s.isEmpty else { throw .empty }
        var labels: [String] = []
        for raw in s.split(separator: ".", omittingEmptySubsequences: false) {
            labels.append(try Domain.asciiLabel(raw, allowUnderscore: allowUnderscore))
        }
        let joined = labels.joined(separator: ".")
        guard joined.utf8.count <= Domain.maxNameLength else { throw .tooLong }
        ascii = joined
    }

    private init(uncheckedASCII: String) { ascii = uncheckedASCII }

    /// U-label form for display: every `xn--` label decoded.
    public var unicode: String {
        labels.map { label -> String in
            guard label.hasPrefix("xn--"), let scalars = Punycode.decode(label.dropFirst(4)) else {
                return String(label)
            }
            var s = ""
            s.unicodeScalars.append(contentsOf: scalars)
            return s
        }.joined(separator: ".")
    }

    public var labels: [Substring] { ascii.split(separator: ".") }

    /// More than one label: what HELO checks and `reject_non_fqdn_*` mean by "fully qualified".
    public var isFullyQualified: Bool { ascii.contains(".") }

    /// True for the domain itself and everything below it.
    public func isEqualOrSubdomain(of other: Domain) -> Bool {
        ascii == other.ascii || ascii.hasSuffix("." + other.ascii)
    }

    /// The parent domain, or nil for a single label.
    public var parent: Domain? {
        guard let dot = ascii.firstIndex(of: ".") else { return nil }
        return Domain(uncheckedASCII: String(ascii[ascii.index(after: dot)...]))
    }

    public var description: String { ascii }

    public static func < (a: Domain, b: Domain) -> Bool { a.ascii < b.ascii }

    /// Letters, marks and digits only; symbols, spaces and controls are not valid in
    /// IDNA2008 (RFC 5892 categories, approximated by Unicode properties).
    static func isAllowedNonASCII(_ scalar: Unicode.Scalar) -> Bool {
        let p = scalar.properties
        return p.isAlphabetic || p.generalCategory == .decimalNumber
            || p.generalCategory == .nonspacingMark || p.generalCategory == .spacingMark
    }

    /// Converts one label to its lower-case A-label (RFC 5891 §4.4, §5.5).
    static func asciiLabel(_ raw: Substring, allowUnderscore: Bool) throws(DomainError) -> String {
        guard !raw.isEmpty else { throw .emptyLabel }
        var label: String
        if raw.allSatisfy(\.isASCII) {
            label = raw.lowercased()
            if label.hasPrefix("xn--") {
                // An A-label must decode, and must not decode to plain ASCII (RFC 5891 §5.4).
                guard let scalars = Punycode.decode(label.dropFirst(4)), !scalars.allSatisfy(\.isASCII),
                      scalars.allSatisfy({ $0.isASCII || isAllowedNonASCII($0) }),
                      Punycode.encode(scalars) == String(label.dropFirst(4))
                else { throw .invalidALabel(String(raw)) }
            }
        } else {
            let mapped = String(raw).lowercased().precomposedStringWithCanonicalMapping
            for scalar in mapped.unicodeScalars where !scalar.isASCII {
                guard isAllowedNonASCII(scalar) else { throw .invalidCharacter(String(raw)) }
            }
            guard let encoded = Punycode.encode(Array(mapped.unicodeScalars)) else {
                throw .invalidCharacter(String(raw))
            }
            label = "xn--" + encoded
            // The ASCII part must itself be LDH.
            for ch in mapped where ch.isASCII {
                guard ch.isLetter || ch.isNumber || ch == "-" else { throw .invalidCharacter(String(raw)) }
            }
        }
        guard label.utf8.count <= maxLabelLength else { throw .labelTooLong(String(raw)) }
        for byte in label.utf8 {
            let ok = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
                || (allowUnderscore && byte == 0x5F)
            guard ok else { throw .invalidCharacter(String(raw)) }
        }
        guard label.first != "-", label.last != "-" else { throw .hyphenAtEdge(String(raw)) }
        return label
    }
}

extension Domain: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\(error): \(text)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(ascii)
    }
}

public enum DomainError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case emptyLabel
    case tooLong
    case labelTooLong(String)
    case invalidCharacter(String)
    case hyphenAtEdge(String)
    case invalidALabel(String)

    public var description: String {
        switch self {
        case .empty: "empty domain name"
        case .emptyLabel: "empty label in domain name"
        case .tooLong: "domain name longer than \(Domain.maxNameLength) characters"
        case .labelTooLong(let l): "label '\(l)' longer than \(Domain.maxLabelLength) octets"
        case .invalidCharacter(let l): "label '\(l)' has a character not allowed in a host name"
        case .hyphenAtEdge(let l): "label '\(l)' starts or ends with a hyphen"
        case .invalidALabel(let l): "'\(l)' is not a valid IDNA A-label"
        }
    }
}
