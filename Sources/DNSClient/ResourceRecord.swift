// Resource records as values: the RDATA of the types mail needs, decoded (RFC 1035 §3.3,
// RFC 3596 §2.2, RFC 2782, RFC 6698 §2.1), everything else kept as raw octets (RFC 3597).

public import MailCore

/// MX RDATA (RFC 1035 §3.3.9).
public struct MXRecord: Hashable, Sendable, CustomStringConvertible {
    public var preference: UInt16
    public var exchange: DNSName

    public init(preference: UInt16, exchange: DNSName) {
        self.preference = preference
        self.exchange = exchange
    }

    /// RFC 7505 §3: a single MX with preference 0 and exchange "." says the domain accepts
    /// no mail. (The "single" part is the caller's to check on the whole set.)
    public var isNull: Bool { preference == 0 && exchange.isRoot }

    public var description: String { "\(preference) \(exchange.absoluteText)" }
}

/// SRV RDATA (RFC 2782).
public struct SRVRecord: Hashable, Sendable, CustomStringConvertible {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    /// "." means the service is decidedly not available here (RFC 2782, "Target").
    public var target: DNSName

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }

    public var description: String { "\(priority) \(weight) \(port) \(target.absoluteText)" }
}

/// TLSA RDATA (RFC 6698 §2.1), as DANE for SMTP uses it (RFC 7672).
public struct TLSARecord: Hashable, Sendable, CustomStringConvertible {
    /// 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE (RFC 7218 §2.1).
    public var certificateUsage: UInt8
    /// 0 full certificate, 1 SubjectPublicKeyInfo.
    public var selector: UInt8
    /// 0 exact, 1 SHA-256, 2 SHA-512.
    public var matchingType: UInt8
    public var certificateAssociationData: [UInt8]

    public init(certificateUsage: UInt8, selector: UInt8, matchingType: UInt8, certificateAssociationData: [UInt8]) {
        self.certificateUsage = certificateUsage
        self.selector = selector
        self.matchingType = matchingType
        self.certificateAssociationData = certificateAssociationData
    }

    public var description: String {
        "\(certificateUsage) \(selector) \(matchingType) \(hexString(certificateAssociationData))"
    }
}

/// SOA RDATA (RFC 1035 §3.3.13); in negative answers its MINIMUM bounds the negative TTL
/// (RFC 2308 §4).
public struct SOARecord: Hashable, Sendable, CustomStringConvertible {
    public var primaryNameServer: DNSName
    public var responsibleMailbox: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32

    public init(primaryNameServer: DNSName, responsibleMailbox: DNSName, serial: UInt32, refresh: UInt32,
                retry: UInt32, expire: UInt32, minimum: UInt32) {
        self.primaryNameServer = primaryNameServer
        self.responsibleMailbox = responsibleMailbox
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }

    public var description: String {
        "\(primaryNameServer.absoluteText) \(responsibleMailbox.absoluteText) \(serial) \(refresh) \(retry) \(expire) \(minimum)"
    }
}

/// The RDATA of one record.
public enum RecordData: Hashable, Sendable, CustomStringConvertible {
    case a(IPAddress)
    case aaaa(IPAddress)
    case mx(MXRecord)
    /// The character-strings of one TXT record, each up to 255 octets (RFC 1035 §3.3.14).
    /// Standards that need one text join them without separators (RFC 7208 §3.3,
    /// RFC 6376 §3.6.2.2).
    case txt([[UInt8]])
    case ptr(DNSName)
    case cname(DNSName)
    case ns(DNSName)
    case srv(SRVRecord)
    case tlsa(TLSARecord)
    case soa(SOARecord)
    /// Any other type, RDATA as received (names inside it are not decompressed: RFC 3597 §4
    /// forbids compression in types a receiver may not know).
    case other(type: UInt16, data: [UInt8])

    public var type: RecordType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .mx: .mx
        case .txt: .txt
        case .ptr: .ptr
        case .cname: .cname
        case .ns: .ns
        case .srv: .srv
        case .tlsa: .tlsa
        case .soa: .soa
        case .other(let type, _): RecordType(code: type)
        }
    }

    /// TXT RDATA from text, split into 255-octet character-strings as zone tools do for
    /// long SPF and DKIM records.
    public static func txt(text: String) -> RecordData {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return .txt([[]]) }
        var strings: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + DNSWire.maxCharacterStringLength, bytes.count)
            strings.append(Array(bytes[start..<end]))
            start = end
        }
        return .txt(strings)
    }

    /// Master-file presentation of the RDATA (RFC 1035 §5.1, RFC 3597 §5 for unknown types).
    public var description: String {
        switch self {
        case .a(let ip), .aaaa(let ip): ip.description
        case .mx(let mx): mx.description
        case .txt(let strings): strings.map(quotedCharacterString).joined(separator: " ")
        case .ptr(let name), .cname(let name), .ns(let name): name.absoluteText
        case .srv(let srv): srv.description
        case .tlsa(let tlsa): tlsa.description
        case .soa(let soa): soa.description
        case .other(_, let data): "\\# \(data.count)" + (data.isEmpty ? "" : " " + hexString(data))
        }
    }
}

/// One resource record of class IN (RFC 1035 §3.2.1).
public struct ResourceRecord: Hashable, Sendable, CustomStringConvertible {
    public var name: DNSName
    public var type: RecordType
    /// Seconds; values with the top bit set arrive as 0 (RFC 2181 §8).
    public var ttl: UInt32
    public var data: RecordData

    public init(name: DNSName, type: RecordType, ttl: UInt32, data: RecordData) {
        self.name = name
        self.type = type
        self.ttl = ttl
        self.data = data
    }

    /// The type taken from the data.
    public init(name: DNSName, ttl: UInt32, data: RecordData) {
        self.init(name: name, type: data.type, ttl: ttl, data: data)
    }

    /// One zone-file line: `name. TTL IN TYPE RDATA`.
    public var description: String {
        "\(name.absoluteText)\t\(ttl)\tIN\t\(type.mnemonic)\t\(data)"
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789ABCDEF".unicodeScalars)
    var text = ""
    text.unicodeScalars.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        text.unicodeScalars.append(digits[Int(byte >> 4)])
        text.unicodeScalars.append(digits[Int(byte & 0x0F)])
    }
    return text
}

/// RFC 1035 §5.1 <character-string> in quotes, `"` and `\` escaped, other octets outside
/// printable ASCII as `\DDD`.
func quotedCharacterString(_ bytes: [UInt8]) -> String {
    var text = "\""
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            text.append("\\")
            text.unicodeScalars.append(Unicode.Scalar(byte))
        case 0x20...0x7E:
            text.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let digits = String(byte)
            text.append("\\" + String(repeating: "0", count: 3 - digits.count) + digits)
        }
    }
    return text + "\""
}
