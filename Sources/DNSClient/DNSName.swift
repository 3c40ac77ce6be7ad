// Domain names as DNS carries them (RFC 1035 §3.1): a sequence of labels of 1-63 octets,
// 255 octets in all on the wire. DNS compares names case-insensitively for ASCII letters
// (RFC 4343 §3), so a DNSName keeps its labels ASCII-lower-cased and compares bytes.
// Internationalised names travel as A-labels (RFC 5890 §2.3.2.1); callers may give U-labels,
// which MailCore's IDNA converts.

public import MailCore

/// A DNS owner or target name. Unlike `Domain` it admits any label DNS admits (`_dmarc`,
/// `*`, escaped octets), because TXT-based standards and reverse zones use them.
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// RFC 1035 §2.3.4: labels of 63 octets or less.
    public static let maxLabelLength = 63
    /// RFC 1035 §2.3.4: names of 255 octets or less in wire form, length octets and the
    /// final root label included.
    public static let maxWireLength = 255

    /// Wire form without the final zero octet: length-prefixed labels, ASCII lower-cased.
    /// Empty for the root.
    public let wireLabels: [UInt8]

    /// The root name, `.`.
    public static let root = DNSName(uncheckedWireLabels: [])

    init(uncheckedWireLabels: [UInt8]) { wireLabels = uncheckedWireLabels }

    /// Builds a name from raw labels (as decoded off the wire), lower-casing ASCII letters.
    public init(labels: some Sequence<some Collection<UInt8>>) throws(DNSNameError) {
        var wire: [UInt8] = []
        for label in labels {
            guard !label.isEmpty else { throw .emptyLabel }
            guard label.count <= DNSName.maxLabelLength else { throw .labelTooLong }
            wire.append(UInt8(label.count))
            for byte in label { wire.append(DNSName.lowercased(byte)) }
            // +1 for the root label that ends every name on the wire.
            guard wire.count + 1 <= DNSName.maxWireLength else { throw .nameTooLong }
        }
        wireLabels = wire
    }

    /// Parses presentation text: labels separated by dots, an optional final dot, `.` alone
    /// for the root. `\X` and `\DDD` escapes as in master files (RFC 1035 §5.1). Labels
    /// with non-ASCII characters are converted to A-labels with IDNA (RFC 5891 §4); ASCII
    /// labels are taken as they are, so `_dmarc`, `*` and `xn--` labels pass.
    public init(_ text: String) throws(DNSNameError) {
        if text == "." {
            self = .root
            return
        }
        guard !text.isEmpty else { throw .empty }
        var scalars = Array(text.unicodeScalars)
        // UTS #46 §4: the ideographic and full-width full stops separate labels too.
        for i in scalars.indices where scalars[i] == "\u{3002}" || scalars[i] == "\u{FF0E}" || scalars[i] == "\u{FF61}" {
            scalars[i] = "."
        }
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        var currentHasNonASCII = false
        var currentHasEscape = false
        var unicodeLabel = ""
        var i = 0
        func finishLabel() throws(DNSNameError) {
            guard !current.isEmpty || !unicodeLabel.isEmpty else { throw .emptyLabel }
            if currentHasNonASCII {
                // One label through IDNA (RFC 5891 §4.4).
                do {
                    let domain = try Domain(unicodeLabel)
                    labels.append(Array(domain.ascii.utf8))
                } catch {
                    throw .invalidInternationalLabel(unicodeLabel)
                }
            } else {
                labels.append(current)
            }
            current = []
            unicodeLabel = ""
            currentHasNonASCII = false
            currentHasEscape = false
        }
        while i < scalars.count {
            let scalar = scalars[i]
            i += 1
            if scalar == "." {
                try finishLabel()
                if i == scalars.count { break }  // the final dot of an absolute name
                continue
            }
            if scalar == "\\" {
                guard i < scalars.count else { throw .invalidEscape }
                let next = scalars[i]
                if let d0 = DNSName.decimalValue(next) {
                    guard i + 2 < scalars.count, let d1 = DNSName.decimalValue(scalars[i + 1]),
                          let d2 = DNSName.decimalValue(scalars[i + 2]) else { throw .invalidEscape }
                    let value = d0 * 100 + d1 * 10 + d2
                    guard value <= 255 else { throw .invalidEscape }
                    current.append(UInt8(value))
                    i += 3
                } else {
                    guard next.isASCII, next.value >= 0x20 else { throw .invalidEscape }
                    current.append(UInt8(next.value))
                    i += 1
                }
                // Escapes make no sense inside a U-label, which IDNA converts as text.
                guard !currentHasNonASCII else { throw .invalidEscape }
                currentHasEscape = true
                continue
            }
            if scalar.isASCII {
                // Unescaped spaces and controls are typing mistakes, not labels.
                guard scalar.value > 0x20, scalar.value < 0x7F else { throw .invalidCharacter }
                current.append(UInt8(scalar.value))
            } else {
                guard !currentHasEscape else { throw .invalidEscape }
                currentHasNonASCII = true
            }
            unicodeLabel.unicodeScalars.append(scalar)
        }
        if !current.isEmpty || !unicodeLabel.isEmpty { try finishLabel() }
        try self.init(labels: labels)
    }

    /// A host name already validated by MailCore.
    public init(_ domain: Domain) {
        var wire: [UInt8] = []
        wire.reserveCapacity(domain.ascii.utf8.count + 1)
        for label in domain.ascii.utf8.split(separator: UInt8(ascii: ".")) {
            wire.append(UInt8(label.count))
            wire.append(contentsOf: label)
        }
        wireLabels = wire
    }

    /// The reverse-lookup name of an address: `4.3.2.1.in-addr.arpa` (RFC 1035 §3.5) or the
    /// nibble form under `ip6.arpa` (RFC 3596 §2.5).
    public init(reverseOf address: IPAddress) {
        var labels: [[UInt8]] = []
        switch address {
        case .v4:
            for byte in address.bytes.reversed() { labels.append(Array(String(byte).utf8)) }
            labels.append(Array("in-addr".utf8))
        case .v6:
            let hex = Array("0123456789abcdef".utf8)
            for byte in address.bytes.reversed() {
                labels.append([hex[Int(byte & 0x0F)]])
                labels.append([hex[Int(byte >> 4)]])
            }
            labels.append(Array("ip6".utf8))
        }
        labels.append(Array("arpa".utf8))
        var wire: [UInt8] = []
        for label in labels {
            wire.append(UInt8(label.count))
            wire.append(contentsOf: label)
        }
        wireLabels = wire
    }

    public var isRoot: Bool { wireLabels.isEmpty }

    /// The labels, most specific first.
    public var labels: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var i = 0
        while i < wireLabels.count {
            let length = Int(wireLabels[i])
            result.append(wireLabels[(i + 1)..<(i + 1 + length)])
            i += 1 + length
        }
        return result
    }

    public var labelCount: Int { labels.count }

    /// Octets on the wire, the final root label included.
    public var wireLength: Int { wireLabels.count + 1 }

    /// The name one level up; nil for the root.
    public var parent: DNSName? {
        guard let first = wireLabels.first else { return nil }
        return DNSName(uncheckedWireLabels: Array(wireLabels[(1 + Int(first))...]))
    }

    /// True for the name itself and every name below it.
    public func isEqualOrSubdomain(of other: DNSName) -> Bool {
        var candidate = self
        while candidate.wireLabels.count > other.wireLabels.count, let up = candidate.parent {
            candidate = up
        }
        return candidate == other
    }

    /// `prefix.self`, the prefix being one or more labels in presentation form: how DNSBL queries (`2.0.0.127.zen.spamhaus.org`, RFC 5782 §2.1) and
    /// `_dmarc.` or `selector._domainkey.` names are built.
    public func prepending(_ label: String) throws(DNSNameError) -> DNSName {
        let prefix = try DNSName(label)
        return try DNSName(labels: prefix.labels + labels)
    }

    /// The host name this is, if every label is a valid LDH or IDNA label; nil for the
    /// root and for names like `_dmarc.example.org`.
    public var domain: Domain? {
        guard !isRoot else { return nil }
        return try? Domain(description)
    }

    /// Presentation form without the final dot (`.` for the root). Dots, backslashes and
    /// octets outside printable ASCII inside a label are escaped (RFC 1035 §5.1).
    public var description: String {
        guard !isRoot else { return "." }
        var text = ""
        text.reserveCapacity(wireLabels.count)
        for (index, label) in labels.enumerated() {
            if index > 0 { text.append(".") }
            for byte in label {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "("),
                     UInt8(ascii: ")"), UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: "$"):
                    text.append("\\")
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                case 0x21...0x7E:
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    let digits = String(byte)
                    text.append("\\" + String(repeating: "0", count: 3 - digits.count) + digits)
                }
            }
        }
        return text
    }

    /// Presentation form with the final dot, as in zone files and dig's output.
    public var absoluteText: String { isRoot ? "." : description + "." }

    /// Presentation form with A-labels shown as U-labels, for people.
    public var unicodeDescription: String {
        if let domain { return domain.unicode }
        return description
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    private static func decimalValue(_ scalar: Unicode.Scalar) -> Int? {
        (scalar.value >= 0x30 && scalar.value <= 0x39) ? Int(scalar.value - 0x30) : nil
    }
}

public enum DNSNameError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case emptyLabel
    case labelTooLong
    case nameTooLong
    case invalidCharacter
    case invalidEscape
    case invalidInternationalLabel(String)

    public var description: String {
        switch self {
        case .empty: "empty name"
        case .emptyLabel: "empty label in name"
        case .labelTooLong: "label longer than \(DNSName.maxLabelLength) octets"
        case .nameTooLong: "name longer than \(DNSName.maxWireLength) octets on the wire"
        case .invalidCharacter: "space, control or stray character in name"
        case .invalidEscape: "invalid \\ escape in name"
        case .invalidInternationalLabel(let label): "'\(label)' is not a valid internationalised label"
        }
    }
}
