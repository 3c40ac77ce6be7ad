// Turning configuration into module configurations, and the start-up chores.

public import Accounts
public import Config
public import DNSClient
import Foundation
public import Logging
import MailCore
public import PosternLogging
public import SMTPServer
import SMTPProtocol
public import TLSCertificates

public enum ServerComponents {
    public static func logger(_ label: String, config: PosternConfig, sink: any LogSink) -> Logger {
        let format = LogFormat(rawValue: config.logFormat) ?? .text
        let level = Logger.Level(name: config.logLevel) ?? .info
        return Logger(label: label) { LineLogHandler(label: $0, format: format, level: level, sink: sink) }
    }

    /// The data directory and its parts, private to the server's user (0700).
    public static func prepareDataDirectory(_ path: String) throws {
        for dir in [path, path + "/mail", path + "/queue", path + "/tls"] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            chmod(dir, 0o700)
        }
    }

    /// The development profile's first start: domain `localhost` and one admin account whose
    /// password is shown once (never logged).
    public static func createDevelopmentAccount(_ directory: AccountDirectory, announce: (String) -> Void) throws {
        guard try directory.users().isEmpty else { return }
        if try !directory.domains().contains(where: { $0.ascii == "localhost" }) {
            try directory.addDomain("localhost")
        }
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let password = String((0..<16).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        try directory.addUser("admin@localhost", password: .plain(password), admin: true)
        announce("""
            Development account created (this password is shown only once):
              user:     admin@localhost
              password: \(password)
            """)
    }

    /// The configured certificate, or the self-signed one in `<data_dir>/tls`.
    public static func certificateStore(for config: PosternConfig) throws -> CertificateStore {
        if let cert = config.tls.certificate, let key = config.tls.key {
            return try CertificateStore(certificatePath: cert, keyPath: key)
        }
        return try CertificateStore(selfSignedFor: config.hostname, directory: config.dataDirectory + "/tls")
    }

    public static func resolverConfiguration(for config: PosternConfig) throws -> ResolverConfiguration {
        var rc: ResolverConfiguration
        if let servers = config.dns.nameservers {
            rc = ResolverConfiguration(nameservers: servers.compactMap { s in IPAddress(s.host).map { Nameserver($0, port: s.port) } })
        } else {
            rc = try ResolverConfiguration.systemDefault()
        }
        rc.timeout = config.dns.timeout
        rc.attempts = config.dns.attempts
        return rc
    }

    public static func policyConfiguration(_ config: PosternConfig) -> InboundPolicyConfiguration {
        var p = InboundPolicyConfiguration()
        p.rejectInvalidHelo = config.smtp.rejectInvalidHelo
        p.rejectNonFQDNHelo = config.smtp.rejectNonFQDNHelo
        p.rejectUnknownHelo = config.smtp.rejectUnknownHelo
        p.rejectUnknownSenderDomain = config.smtp.rejectUnknownSenderDomain
        p.dnsBlocklists = config.smtp.dnsbl
        p.domainBlocklists = config.smtp.rhsbl
        p.trustedNetworks = config.smtp.trustedNetworks.map { ($0.address, $0.prefixLength) }
        p.rejectCode = config.smtp.rejectCode
        return p
    }

    public static func smtpConfiguration(_ config: PosternConfig, kind: SMTPListenerKind, implicitTLS: Bool) -> SMTPServerConfiguration {
        let submission = kind == .submission
        let session = SMTPSessionConfiguration(
            hostname: config.hostname,
            maxMessageSize: config.smtp.maxMessageSize,
            maxRecipients: config.smtp.maxRecipients,
            heloRequired: config.smtp.heloRequired,
            requireAuthentication: submission,
            authenticationEnabled: submission,
            plaintextAuthenticationAllowed: false,
            startTLSAvailable: true,
            rejectUnauthPipelining: config.smtp.rejectUnauthPipelining)
        var c = SMTPServerConfiguration(hostname: config.hostname, kind: kind, session: session, policy: policyConfiguration(config))
        c.strictEnvelopes = config.smtp.strictEnvelopes
        c.reverseLookup = config.smtp.reverseLookup && !submission
        c.greetDelay = submission ? .zero : config.smtp.greetDelay
        c.readTimeout = config.smtp.readTimeout
        c.implicitTLS = implicitTLS
        c.plaintextAuthOnLoopback = submission && config.submission.plaintextAuthOnLoopback
        c.hideClient = submission && config.submission.hideClient
        return c
    }
}
