// Which nameservers to ask and how: from `[dns] nameservers` in postern.toml, or from
// /etc/resolv.conf as glibc reads it (resolv.conf(5)).

import Foundation
public import MailCore

/// A recursive resolver to send queries to.
public struct Nameserver: Hashable, Sendable, CustomStringConvertible {
    public static let defaultPort = 53

    public var address: IPAddress
    public var port: Int

    public init(_ address: IPAddress, port: Int = Nameserver.defaultPort) {
        self.address = address
        self.port = port
    }

    /// `127.0.0.1`, `127.0.0.1:5353`, `::1`, `[::1]:5353`: the forms `[dns] nameservers`
    /// accepts.
    public init?(_ text: String) {
        var host = Substring(text)
        var port = Nameserver.defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = host[..<colon]
        }
        guard (1...65_535).contains(port), let ip = IPAddress(host) else { return nil }
        self.init(ip, port: port)
    }

    public var description: String {
        address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }
}

public struct ResolverConfiguration: Sendable {
    /// Asked in order; every attempt goes through the whole list (as glibc does).
    public var nameservers: [Nameserver]
    /// How long to wait for one answer from one nameserver.
    public var timeout: Duration
    /// Rounds through the nameserver list before giving up.
    public var attempts: Int
    /// Cached questions; 0 disables the cache.
    public var cacheCapacity: Int
    /// EDNS0 UDP payload size we advertise (RFC 6891 §6.2.5); nil sends no OPT record.
    public var ednsPayloadSize: UInt16?
    /// Aliases followed before a lookup fails with `.cnameChainTooLong`.
    public var maxCNAMEChain: Int
    /// Whether the AD bit of answers is believed. Sensible only when the path to the
    /// resolver cannot be tampered with (RFC 4035 §4.9.3, RFC 6698 §4.1): by default, when
    /// every nameserver is on loopback or resolv.conf says `options trust-ad`.
    public var trustAuthenticatedData: Bool
    /// Upper bound on positive TTLs kept in the cache (Unbound's cache-max-ttl is 1 day).
    public var maxCacheTTL: UInt32
    /// Upper bound on negative TTLs (RFC 2308 §5 suggests 1-3 hours; Unbound uses 1 hour).
    public var maxNegativeCacheTTL: UInt32
    /// How long SERVFAIL and REFUSED answers are remembered, so a broken domain is not asked
    /// again for every connection (RFC 2308 §7.1 allows up to 5 minutes). Timeouts and
    /// network errors are never cached.
    public var failureCacheTTL: UInt32

    public init(nameservers: [Nameserver], timeout: Duration = .seconds(2), attempts: Int = 2,
                cacheCapacity: Int = 10_000, ednsPayloadSize: UInt16? = EDNS.defaultPayloadSize,
                maxCNAMEChain: Int = LookupProcedure.defaultMaxCNAMEChain, trustAuthenticatedData: Bool? = nil,
                maxCacheTTL: UInt32 = 86_400, maxNegativeCacheTTL: UInt32 = 3_600, failureCacheTTL: UInt32 = 5) {
        self.nameservers = nameservers
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.cacheCapacity = max(0, cacheCapacity)
        self.ednsPayloadSize = ednsPayloadSize
        self.maxCNAMEChain = max(0, maxCNAMEChain)
        self.trustAuthenticatedData = trustAuthenticatedData ?? nameservers.allSatisfy(\.address.isLoopback)
        self.maxCacheTTL = maxCacheTTL
        self.maxNegativeCacheTTL = maxNegativeCacheTTL
        self.failureCacheTTL = failureCacheTTL
    }

    /// The nameservers and options of a resolv.conf file (default `/etc/resolv.conf`).
    public static func systemDefault(resolvConfPath: String = "/etc/resolv.conf") throws -> ResolverConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: resolvConfPath, encoding: .utf8)
        } catch {
            throw ResolverConfigurationError.unreadable(path: resolvConfPath, reason: "\(error.localizedDescription)")
        }
        return parseResolvConf(text)
    }

    /// resolv.conf(5) limits, as glibc applies them.
    public enum ResolvConfLimits {
        /// MAXNS: nameservers after the third are ignored.
        public static let maxNameservers = 3
        /// `options timeout:` is capped at 30 seconds, `attempts:` at 5.
        public static let maxTimeoutSeconds = 30
        public static let maxAttempts = 5
    }

    /// Reads `nameserver` lines and `options timeout:N attempts:N trust-ad`. Without any
    /// nameserver line, glibc asks the local machine (127.0.0.1). Lines it does not know
    /// (`search`, `domain`, `sortlist`) do not matter to a mail server, which only asks
    /// fully qualified names.
    public static func parseResolvConf(_ text: String) -> ResolverConfiguration {
        var nameservers: [Nameserver] = []
        var timeout: Duration = .seconds(2)
        var attempts = 2
        var trustAD = false
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), !line.hasPrefix(";") else { continue }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = words.first else { continue }
            switch keyword {
            case "nameserver":
                // A zone index (fe80::1%eth0) cannot be expressed in IPAddress; such a
                // server is skipped.
                guard words.count >= 2, nameservers.count < ResolvConfLimits.maxNameservers,
                      let ip = IPAddress(words[1]) else { continue }
                nameservers.append(Nameserver(ip))
            case "options":
                for option in words.dropFirst() {
                    if option.hasPrefix("timeout:"), let n = Int(option.dropFirst(8)), n >= 1 {
                        timeout = .seconds(min(n, ResolvConfLimits.maxTimeoutSeconds))
                    } else if option.hasPrefix("attempts:"), let n = Int(option.dropFirst(9)), n >= 1 {
                        attempts = min(n, ResolvConfLimits.maxAttempts)
                    } else if option == "trust-ad" {
                        trustAD = true
                    }
                }
            default:
                continue
            }
        }
        if nameservers.isEmpty { nameservers = [Nameserver(.v4(0x7F00_0001))] }
        return ResolverConfiguration(nameservers: nameservers, timeout: timeout, attempts: attempts,
                                     trustAuthenticatedData: trustAD || nameservers.allSatisfy(\.address.isLoopback))
    }
}

public enum ResolverConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        }
    }
}
