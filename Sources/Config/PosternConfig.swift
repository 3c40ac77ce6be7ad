// Postern's configuration: the values, their defaults, and where they came from.
// Every key is declared once, in ConfigSchema.swift, with its documentation, default and
// validation; docs/configuration.md is generated from that declaration.

public import MailCore

/// `ADDRESS:PORT`, with IPv6 addresses in brackets (`[::]:25`).
public struct ListenAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(parsing text: String) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard let ip = IPAddress(host), !ip.isIPv4 else { return nil }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard IPAddress(host)?.isIPv4 == true || host == "localhost" else { return nil }
        }
        guard let port = Int(portText), (0...65535).contains(port), portText.allSatisfy(\.isNumber) else { return nil }
        self.host = host == "localhost" ? "127.0.0.1" : String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    public var ip: IPAddress? { IPAddress(host) }
}

/// An IP network in CIDR notation (`192.0.2.0/24`, `2001:db8::/32`).
public struct Network: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let ip = IPAddress(parts[0]) else { return nil }
        let max = ip.isIPv4 ? 32 : 128
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...max).contains(p) else { return nil }
            prefixLength = p
        } else {
            prefixLength = max
        }
        address = ip
    }

    public func contains(_ ip: IPAddress) -> Bool { ip.unmapped.isIn(network: address, prefixLength: prefixLength) }
    public var description: String { "\(address)/\(prefixLength)" }
}

public enum RelayTLS: String, Sendable, CaseIterable {
    case starttls
    case implicit
}

public struct ListenConfig: Sendable, Equatable {
    public var smtp: ListenAddress?
    public var submission: ListenAddress?
    public var submissions: ListenAddress?
    public var imap: ListenAddress?
    public var imaps: ListenAddress?
    public var http: ListenAddress?
    public var https: ListenAddress?
    public init() {}
}

public struct DNSConfig: Sendable, Equatable {
    /// nil: read /etc/resolv.conf.
    public var nameservers: [ListenAddress]?
    public var timeout: Duration = .seconds(2)
    public var attempts = 2
    public init() {}
}

public struct TLSConfig: Sendable, Equatable {
    public var certificate: String?
    public var key: String?
    public init() {}
}

public struct RelayConfig: Sendable, Equatable {
    public var host: String = ""
    public var port: Int = 587
    public var username: String?
    public var passwordFile: String?
    public var tls: RelayTLS = .starttls
    public var caCertificate: String?
    public init() {}
}

public struct SMTPConfig: Sendable, Equatable {
    public var greetDelay: Duration = .seconds(1)
    public var heloRequired = true
    public var rejectInvalidHelo = true
    public var rejectNonFQDNHelo = true
    public var rejectUnknownHelo = true
    public var rejectUnknownSenderDomain = true
    public var strictEnvelopes = true
    public var rejectUnauthPipelining = true
    public var reverseLookup = true
    public var dnsbl: [String] = []
    public var rhsbl: [String] = []
    public var trustedNetworks: [Network] = [Network(parsing: "127.0.0.0/8")!, Network(parsing: "::1")!]
    public var rejectCode = 554
    public var maxMessageSize = 25 * 1024 * 1024
    public var maxRecipients = 100
    public var maxConnections = 500
    /// Postfix's smtpd_client_connection_count_limit default.
    public var maxConnectionsPerClient = 50
    public var readTimeout: Duration = .seconds(300)
    public init() {}
}

public struct SubmissionConfig: Sendable, Equatable {
    /// Drop the client's own Received line and IP before mail leaves (header privacy).
    public var hideClient = true
    /// Allow AUTH without TLS for clients on loopback (for local tools); off by default.
    public var plaintextAuthOnLoopback = false
    public init() {}
}

public struct IMAPConfig: Sendable, Equatable {
    public var maxConnections = 2000
    public var maxConnectionsPerClient = 50
    public var plaintextAuthOnLoopback = false
    public var idleTimeout: Duration = .seconds(1800)
    /// Delay before a failed LOGIN/AUTHENTICATE is answered.
    public var authFailureDelay: Duration = .seconds(2)
    public init() {}
}

public struct QueueConfig: Sendable, Equatable {
    public var maxLifetime: Duration = .seconds(5 * 86_400)
    public var delayWarning: Duration = .seconds(4 * 3600)
    public var minimumBackoff: Duration = .seconds(300)
    public var maximumBackoff: Duration = .seconds(4000)
    public var concurrencyPerDestination = 10
    public init() {}
}

public struct PosternConfig: Sendable {
    public enum Source: Sendable, Equatable {
        case file(String)
        /// No configuration file: the development profile of DESIGN.md.
        case developmentProfile
    }

    public var source: Source = .developmentProfile
    public var hostname: String = "localhost"
    public var dataDirectory: String = "./postern-data"
    public var logLevel: String = "info"
    public var logFormat: String = "text"
    public var listen = ListenConfig()
    public var dns = DNSConfig()
    public var tls = TLSConfig()
    public var relay: RelayConfig?
    public var smtp = SMTPConfig()
    public var submission = SubmissionConfig()
    public var imap = IMAPConfig()
    public var queue = QueueConfig()

    public init() {}

    /// DESIGN.md's development profile: everything on 127.0.0.1 high ports, data in
    /// ./postern-data, domain `localhost`, a self-signed certificate.
    public static func developmentProfile(dataDirectory: String = "./postern-data") -> PosternConfig {
        var c = PosternConfig()
        c.source = .developmentProfile
        c.hostname = "localhost"
        c.dataDirectory = dataDirectory
        c.listen.smtp = ListenAddress(host: "127.0.0.1", port: 2525)
        c.listen.submission = ListenAddress(host: "127.0.0.1", port: 5870)
        c.listen.submissions = ListenAddress(host: "127.0.0.1", port: 4650)
        c.listen.imap = ListenAddress(host: "127.0.0.1", port: 1430)
        c.listen.imaps = ListenAddress(host: "127.0.0.1", port: 9930)
        c.listen.http = ListenAddress(host: "127.0.0.1", port: 8080)
        return c
    }
}
