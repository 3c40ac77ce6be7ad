// Every configuration key, declared once: name, type, default, documentation, example and
// how to read it. The loader, `postern check-config` and docs/configuration.md all come
// from this table (the role of Postfix's postconf.proto and mox's config docs).

import TOML

/// One problem found in a configuration file.
public struct ConfigProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// Dotted key path, e.g. `listen.smtp`.
    public var key: String?
    public var message: String

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if let key { s += "\(key): " }
        return s + message
    }
}

struct ConfigKey: Sendable {
    var section: String?
    var name: String
    var type: String
    var defaultText: String
    var doc: String
    var example: String?
    var apply: @Sendable (inout PosternConfig, TOMLNode, inout [String]) -> Void

    var path: String { section.map { "\($0).\(name)" } ?? name }
}

/// A section (`[relay]`) with its documentation.
struct ConfigSection: Sendable {
    var name: String
    var doc: String
    /// The section's presence itself means something (e.g. [relay] switches on relaying).
    var onPresence: (@Sendable (inout PosternConfig) -> Void)?
}

public enum ConfigSchema {
    static let sections: [ConfigSection] = [
        ConfigSection(name: "listen", doc: "Listening addresses as \"ADDRESS:PORT\" (IPv6 in brackets: \"[::]:25\"). A missing key disables that listener."),
        ConfigSection(name: "dns", doc: "The DNS resolver every check and delivery uses."),
        ConfigSection(name: "tls", doc: "The certificate for every TLS listener and STARTTLS. Without certificate and key Postern generates a self-signed certificate for `hostname` in the data directory."),
        ConfigSection(name: "relay", doc: "Send outgoing mail through a smarthost (SendGrid, Mailgun, your ISP) instead of delivering to recipients' MX hosts. Omit the section for direct delivery.",
                      onPresence: { c in if c.relay == nil { c.relay = RelayConfig() } }),
        ConfigSection(name: "smtp", doc: "The policy for mail received on the `smtp` listener (port 25). Every check is on by default, as in a carefully configured Postfix."),
        ConfigSection(name: "submission", doc: "Mail submitted by your users on 587/465."),
        ConfigSection(name: "imap", doc: "The IMAP server."),
        ConfigSection(name: "queue", doc: "The outgoing queue."),
    ]

    static let keys: [ConfigKey] = [
        // top level
        string(nil, "hostname", default: "localhost", doc: "This server's name: SMTP banner and HELO, Received headers, certificate name. Must be a fully qualified domain name whose A/AAAA record points here.",
               example: "mail.example.org") { c, v in
            guard let d = try? Domain(v), d.isFullyQualified || d.ascii == "localhost" else {
                return "expected a fully qualified host name (e.g. \"mail.example.org\"), got \"\(v)\""
            }
            c.hostname = d.ascii
            return nil
        },
        string(nil, "data_dir", default: "/var/lib/postern (./postern-data in the development profile)",
               doc: "Where accounts, mail (Maildir), the queue, certificates and keys live. Created with mode 0700.", example: "/var/lib/postern") { c, v in
            guard !v.isEmpty else { return "expected a directory path" }
            c.dataDirectory = v
            return nil
        },
        choice(nil, "log_level", ["trace", "debug", "info", "notice", "warning", "error", "critical"], default: "info",
               doc: "Least severe log level written.") { c, v in c.logLevel = v },
        choice(nil, "log_format", ["text", "json"], default: "text",
               doc: "`text`: one line per event with key=value fields; `json`: one JSON object per line.") { c, v in c.logFormat = v },

        // [listen]
        listen("smtp", doc: "Incoming mail from the internet (port 25), STARTTLS offered.", example: "0.0.0.0:25", \.smtp),
        listen("submission", doc: "Mail from your users (port 587): STARTTLS, then AUTH.", example: "0.0.0.0:587", \.submission),
        listen("submissions", doc: "Mail from your users over implicit TLS (port 465, RFC 8314).", example: "0.0.0.0:465", \.submissions),
        listen("imap", doc: "IMAP with STARTTLS (port 143).", example: "0.0.0.0:143", \.imap),
        listen("imaps", doc: "IMAP over implicit TLS (port 993).", example: "0.0.0.0:993", \.imaps),
        listen("http", doc: "HTTP (port 80): health check; ACME and autoconfiguration when those arrive.", example: "0.0.0.0:80", \.http),
        listen("https", doc: "HTTPS (port 443).", example: "0.0.0.0:443", \.https),

        // [dns]
        ConfigKey(section: "dns", name: "nameservers", type: "array of \"ADDRESS:PORT\" or \"ADDRESS\"", defaultText: "the nameserver lines of /etc/resolv.conf",
                  doc: "Recursive resolvers to ask. Use a validating resolver you trust (unbound on the same machine is ideal).",
                  example: "[\"127.0.0.1:53\"]") { c, node, problems in
            guard let items = node.value.array else { problems.append("expected an array of \"ADDRESS:PORT\" strings, got \(node.value.typeName)"); return }
            var out: [ListenAddress] = []
            for item in items {
                guard let s = item.value.string else { problems.append("expected strings, got \(item.value.typeName)"); return }
                if let a = ListenAddress(parsing: s) { out.append(a) }
                else if let ip = IPAddress(s) { out.append(ListenAddress(host: ip.description, port: 53)) }
                else { problems.append("expected \"ADDRESS:PORT\" or \"ADDRESS\", got \"\(s)\""); return }
            }
            guard !out.isEmpty else { problems.append("expected at least one nameserver"); return }
            c.dns.nameservers = out
        },
        duration("dns", "timeout", default: "2s", doc: "Time to wait for one answer before trying the next server.") { c, d in c.dns.timeout = d },
        integer("dns", "attempts", 1...10, default: 2, doc: "Rounds over all nameservers before a lookup is a temporary failure.") { c, n in c.dns.attempts = n },

        // [tls]
        path("tls", "certificate", default: "(self-signed)", doc: "PEM file with the certificate and its chain (e.g. certbot's fullchain.pem). Re-read when it changes.",
             example: "/etc/postern/fullchain.pem") { c, p in c.tls.certificate = p },
        path("tls", "key", default: "(self-signed)", doc: "PEM file with the private key (RSA or ECDSA). Should be mode 0600.",
             example: "/etc/postern/privkey.pem") { c, p in c.tls.key = p },

        // [relay]
        string("relay", "host", default: "(required in [relay])", doc: "The smarthost's name.", example: "smtp.sendgrid.net") { c, v in
            guard (try? Domain(v)) != nil || IPAddress(v) != nil else { return "expected a host name or IP address, got \"\(v)\"" }
            c.relay = c.relay ?? RelayConfig()
            c.relay!.host = v
            return nil
        },
        integer("relay", "port", 1...65535, default: 587, doc: "The smarthost's port: 587 (STARTTLS) or 465 (implicit TLS).") { c, n in
            c.relay = c.relay ?? RelayConfig(); c.relay!.port = n
        },
        string("relay", "username", default: "(none: no AUTH)", doc: "SASL user name (SendGrid: `apikey`).", example: "apikey") { c, v in
            c.relay = c.relay ?? RelayConfig(); c.relay!.username = v; return nil
        },
        path("relay", "password_file", default: "(none)", doc: "File holding the SASL password (first line). Keep it mode 0600; the password is never in the configuration or the logs.",
             example: "/etc/postern/relay.secret") { c, p in c.relay = c.relay ?? RelayConfig(); c.relay!.passwordFile = p },
        choice("relay", "tls", RelayTLS.allCases.map(\.rawValue), default: "starttls (implicit when port = 465)",
               doc: "`starttls` or `implicit`. TLS is always required and the certificate verified.") { c, v in
            c.relay = c.relay ?? RelayConfig(); c.relay!.tls = RelayTLS(rawValue: v)!
        },
        path("relay", "ca_certificate", default: "(system trust store)", doc: "An extra trust anchor (PEM) for the relay's certificate.") { c, p in
            c.relay = c.relay ?? RelayConfig(); c.relay!.caCertificate = p
        },

        // [smtp]
        duration("smtp", "greet_delay", default: "1s", doc: "How long a new client waits for the greeting; a client that talks first is refused (postscreen's pregreet test). Clients that passed are remembered for a day. 0 disables.") { c, d in c.smtp.greetDelay = d },
        bool("smtp", "helo_required", default: true, doc: "Require HELO/EHLO before MAIL (smtpd_helo_required).") { c, b in c.smtp.heloRequired = b },
        bool("smtp", "reject_invalid_helo_hostname", default: true, doc: "Refuse HELO names that are not host names or address literals.") { c, b in c.smtp.rejectInvalidHelo = b },
        bool("smtp", "reject_non_fqdn_helo_hostname", default: true, doc: "Refuse HELO names that are not fully qualified.") { c, b in c.smtp.rejectNonFQDNHelo = b },
        bool("smtp", "reject_unknown_helo_hostname", default: true, doc: "Refuse HELO names without A, AAAA or MX records.") { c, b in c.smtp.rejectUnknownHelo = b },
        bool("smtp", "reject_unknown_sender_domain", default: true, doc: "Refuse senders whose domain cannot receive mail: no MX and no address, NXDOMAIN, or a null MX (RFC 7505). DNS failures give 4xx.") { c, b in c.smtp.rejectUnknownSenderDomain = b },
        bool("smtp", "strict_envelopes", default: true, doc: "Require <angle brackets> around MAIL FROM and RCPT TO addresses (strict_rfc821_envelopes).") { c, b in c.smtp.strictEnvelopes = b },
        bool("smtp", "reject_unauth_pipelining", default: true, doc: "Refuse clients that send commands ahead of time where not allowed (spam engines).") { c, b in c.smtp.rejectUnauthPipelining = b },
        bool("smtp", "reverse_lookup", default: true, doc: "Look up and forward-confirm the client's reverse DNS name, for Received headers and domain blocklists.") { c, b in c.smtp.reverseLookup = b },
        stringArray("smtp", "dnsbl", default: "[]", doc: "Client IP blocklists (reject_rbl_client). A timeout counts as not listed.", example: "[\"zen.spamhaus.org\"]") { c, v in
            for name in v where (try? Domain(name)) == nil { return "expected DNS zone names, got \"\(name)\"" }
            c.smtp.dnsbl = v; return nil
        },
        stringArray("smtp", "rhsbl", default: "[]", doc: "Domain blocklists for the HELO name, the sender domain and the client's name (reject_rhsbl_*).", example: "[\"dbl.spamhaus.org\"]") { c, v in
            for name in v where (try? Domain(name)) == nil { return "expected DNS zone names, got \"\(name)\"" }
            c.smtp.rhsbl = v; return nil
        },
        stringArray("smtp", "trusted_networks", default: "[\"127.0.0.0/8\", \"::1\"]", doc: "Clients in these networks skip the greeting delay, HELO, sender and blocklist checks (Postfix's mynetworks). They may NOT relay: only authenticated clients send to other domains.") { c, v in
            var nets: [Network] = []
            for s in v { guard let n = Network(parsing: s) else { return "expected CIDR networks like \"192.0.2.0/24\", got \"\(s)\"" }; nets.append(n) }
            c.smtp.trustedNetworks = nets; return nil
        },
        integer("smtp", "reject_code", 550...559, default: 554, doc: "Reply code for permanent policy refusals (the seed's *_reject_code = 554).") { c, n in c.smtp.rejectCode = n },
        integer("smtp", "message_size_limit", 1024...(1 << 31), default: 26_214_400, doc: "Largest message accepted, in bytes (advertised with SIZE).") { c, n in c.smtp.maxMessageSize = n },
        integer("smtp", "recipient_limit", 1...10_000, default: 100, doc: "Most recipients per message.") { c, n in c.smtp.maxRecipients = n },
        integer("smtp", "max_connections", 1...100_000, default: 500, doc: "Most simultaneous SMTP connections per listener.") { c, n in c.smtp.maxConnections = n },
        integer("smtp", "max_connections_per_client", 1...10_000, default: 50, doc: "Most simultaneous connections from one IP address (trusted_networks are exempt, as Postfix exempts mynetworks).") { c, n in c.smtp.maxConnectionsPerClient = n },
        duration("smtp", "timeout", default: "300s", doc: "Idle time before a connection is closed with 421 (RFC 5321 §4.5.3.2 asks for at least 5 minutes).") { c, d in c.smtp.readTimeout = d },

        // [submission]
        bool("submission", "hide_client", default: true, doc: "Remove the submitting client's Received line (its IP address) before mail leaves, as the seed's header_checks do.") { c, b in c.submission.hideClient = b },
        bool("submission", "plaintext_auth_on_loopback", default: false, doc: "Offer AUTH without TLS to clients on loopback. Never for other clients.") { c, b in c.submission.plaintextAuthOnLoopback = b },

        // [imap]
        integer("imap", "max_connections", 1...1_000_000, default: 2000, doc: "Most simultaneous IMAP connections per listener.") { c, n in c.imap.maxConnections = n },
        integer("imap", "max_connections_per_client", 1...100_000, default: 50, doc: "Most simultaneous IMAP connections from one IP address.") { c, n in c.imap.maxConnectionsPerClient = n },
        bool("imap", "plaintext_auth_on_loopback", default: false, doc: "Allow LOGIN/AUTHENTICATE without TLS for clients on loopback. Never for other clients.") { c, b in c.imap.plaintextAuthOnLoopback = b },
        duration("imap", "idle_timeout", default: "30m", doc: "An authenticated client idle this long is logged out (RFC 9051 §5.4 asks for at least 30 minutes).") { c, d in c.imap.idleTimeout = d },
        duration("imap", "auth_failure_delay", default: "2s", doc: "How long a failed login waits for its answer (slows password guessing; the failure is logged with result=auth-failed).") { c, d in c.imap.authFailureDelay = d },

        // [queue]
        duration("queue", "max_lifetime", default: "5d", doc: "How long undeliverable mail is retried before it bounces (maximal_queue_lifetime).") { c, d in c.queue.maxLifetime = d },
        duration("queue", "delay_warning", default: "4h", doc: "When the sender is told that delivery is delayed. 0 disables.") { c, d in c.queue.delayWarning = d },
        duration("queue", "minimum_backoff", default: "5m", doc: "First retry delay; doubled per attempt.") { c, d in c.queue.minimumBackoff = d },
        duration("queue", "maximum_backoff", default: "4000s", doc: "Longest delay between attempts.") { c, d in c.queue.maximumBackoff = d },
        integer("queue", "destination_concurrency", 1...100, default: 10, doc: "Parallel deliveries to one destination.") { c, n in c.queue.concurrencyPerDestination = n },
    ]

    // MARK: key constructors

    static func string(_ section: String?, _ name: String, default d: String, doc: String, example: String? = nil,
                       _ set: @escaping @Sendable (inout PosternConfig, String) -> String?) -> ConfigKey {
        ConfigKey(section: section, name: name, type: "string", defaultText: d, doc: doc, example: example.map { "\"\($0)\"" }) { c, node, problems in
            guard let s = node.value.string else { problems.append("expected a string, got \(describe(node.value))"); return }
            if let p = set(&c, s) { problems.append(p) }
        }
    }

    static func path(_ section: String, _ name: String, default d: String, doc: String, example: String? = nil,
                     _ set: @escaping @Sendable (inout PosternConfig, String) -> Void) -> ConfigKey {
        ConfigKey(section: section, name: name, type: "path", defaultText: d, doc: doc, example: example.map { "\"\($0)\"" }) { c, node, problems in
            guard let s = node.value.string, !s.isEmpty else { problems.append("expected a file path string, got \(describe(node.value))"); return }
            set(&c, s)
        }
    }

    static func choice(_ section: String?, _ name: String, _ options: [String], default d: String, doc: String,
                       _ set: @escaping @Sendable (inout PosternConfig, String) -> Void) -> ConfigKey {
        ConfigKey(section: section, name: name, type: options.map { "\"\($0)\"" }.joined(separator: " | "), defaultText: d, doc: doc, example: nil) { c, node, problems in
            guard let s = node.value.string, options.contains(s) else {
                problems.append("expected one of \(options.joined(separator: ", ")), got \(describe(node.value))"); return
            }
            set(&c, s)
        }
    }

    static func bool(_ section: String, _ name: String, default d: Bool, doc: String,
                     _ set: @escaping @Sendable (inout PosternConfig, Bool) -> Void) -> ConfigKey {
        ConfigKey(section: section, name: name, type: "boolean", defaultText: String(d), doc: doc, example: nil) { c, node, problems in
            guard let b = node.value.boolean else { problems.append("expected true or false, got \(describe(node.value))"); return }
            set(&c, b)
        }
    }

    static func integer(_ section: String, _ name: String, _ range: ClosedRange<Int>, default d: Int, doc: String,
                        _ set: @escaping @Sendable (inout PosternConfig, Int) -> Void) -> ConfigKey {
        ConfigKey(section: section, name: name, type: "integer (\(range.lowerBound)...\(range.upperBound))", defaultText: String(d), doc: doc, example: nil) { c, node, problems in
            guard let n = node.value.integer, let i = Int(exactly: n), range.contains(i) else {
                problems.append("expected an integer from \(range.lowerBound) to \(range.upperBound), got \(describe(node.value))"); return
            }
            set(&c, i)
        }
    }

    static func duration(_ section: String, _ name: String, default d: String, doc: String,
                         _ set: @escaping @Sendable (inout PosternConfig, Duration) -> Void) -> ConfigKey {
        ConfigKey(section: section, name: name, type: "duration (\"90s\", \"5m\", \"4h\", \"5d\", or seconds)", defaultText: d, doc: doc, example: nil) { c, node, problems in
            switch node.value {
            case .integer(let n) where n >= 0 && n < 100 * 365 * 86_400:
                set(&c, .seconds(n))
            case .float(let x) where x >= 0 && x < 1e9:
                set(&c, .milliseconds(Int64(x * 1000)))
            case .string(let s):
                guard let parsed = parseDuration(s) else {
                    problems.append("expected a duration like \"90s\", \"500ms\", \"5m\", \"4h\" or \"5d\", got \"\(s)\""); return
                }
                set(&c, parsed)
            default:
                problems.append("expected a duration like \"90s\" or a number of seconds, got \(describe(node.value))")
            }
        }
    }

    static func stringArray(_ section: String, _ name: String, default d: String, doc: String, example: String? = nil,
                            _ set: @escaping @Sendable (inout PosternConfig, [String]) -> String?) -> ConfigKey {
        ConfigKey(section: section, name: name, type: "array of strings", defaultText: d, doc: doc, example: example) { c, node, problems in
            guard let items = node.value.array else { problems.append("expected an array of strings, got \(describe(node.value))"); return }
            var out: [String] = []
            for i in items {
                guard let s = i.value.string else { problems.append("expected an array of strings, found \(describe(i.value))"); return }
                out.append(s)
            }
            if let p = set(&c, out) { problems.append(p) }
        }
    }

    static func listen(_ name: String, doc: String, example: String, _ kp: any WritableKeyPath<ListenConfig, ListenAddress?> & Sendable) -> ConfigKey {
        ConfigKey(section: "listen", name: name, type: "\"ADDRESS:PORT\"", defaultText: "(off)", doc: doc, example: "\"\(example)\"") { c, node, problems in
            guard let s = node.value.string else {
                problems.append("expected \"ADDRESS:PORT\" (e.g. \"\(example)\"), got \(describe(node.value))"); return
            }
            guard let a = ListenAddress(parsing: s) else {
                problems.append("expected \"ADDRESS:PORT\" with an IP address and a port from 0 to 65535 (e.g. \"\(example)\"), got \"\(s)\""); return
            }
            c.listen[keyPath: kp] = a
        }
    }

    static func describe(_ v: TOMLValue) -> String {
        switch v {
        case .string(let s): "string \"\(s)\""
        case .integer(let n): "integer \(n)"
        case .float(let x): "float \(x)"
        case .boolean(let b): "boolean \(b)"
        default: v.typeName
        }
    }

    /// "90s", "500ms", "5m", "4h", "5d", "1h30m"; a bare number is seconds.
    static func parseDuration(_ s: String) -> Duration? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if let n = Double(t), n >= 0 { return .milliseconds(Int64(n * 1000)) }
        var total: Int64 = 0
        var number = ""
        var i = t.startIndex
        guard !t.isEmpty else { return nil }
        while i < t.endIndex {
            let ch = t[i]
            if ch.isNumber { number.append(ch); i = t.index(after: i); continue }
            var unit = ""
            while i < t.endIndex, t[i].isLetter { unit.append(t[i]); i = t.index(after: i) }
            guard let n = Int64(number), n < 1_000_000_000 else { return nil }
            let ms: Int64
            switch unit {
            case "ms": ms = n
            case "s": ms = n * 1000
            case "m": ms = n * 60_000
            case "h": ms = n * 3_600_000
            case "d": ms = n * 86_400_000
            case "w": ms = n * 7 * 86_400_000
            default: return nil
            }
            total += ms
            number = ""
        }
        guard number.isEmpty else { return nil }
        return .milliseconds(total)
    }
}

import Foundation
import MailCore
