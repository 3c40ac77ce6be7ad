// The receiving policy, on by default as in the seed's Postfix configuration:
//   smtpd_helo_required, reject_invalid/non_fqdn/unknown_helo_hostname,
//   reject_unknown_sender_domain (with RFC 7505 null MX), reject_unauth_destination,
//   reject_unlisted_recipient, reject_rbl_client, reject_rhsbl_{helo,sender,reverse_client}.
// Checks run at RCPT time in Postfix's order (smtpd_delay_reject = yes): client, HELO,
// sender, then recipient, so every refusal is logged with its recipient. Trusted networks
// (loopback by default) skip the reputation checks but never the relay rule: only hosted
// recipients or authenticated clients, whoever asks.

public import Accounts
public import DNSClient
public import MailCore
public import SMTPProtocol

public struct InboundPolicyConfiguration: Sendable {
    public var rejectInvalidHelo = true
    public var rejectNonFQDNHelo = true
    public var rejectUnknownHelo = true
    public var rejectUnknownSenderDomain = true
    /// Client-IP DNS blocklists (reject_rbl_client).
    public var dnsBlocklists: [String] = []
    /// Domain blocklists for HELO, sender and client names (reject_rhsbl_*).
    public var domainBlocklists: [String] = []
    /// Networks whose clients skip HELO, sender and blocklist checks (permit_mynetworks in
    /// those restriction lists). Never a relay permission.
    public var trustedNetworks: [(IPAddress, Int)] = [(IPAddress("127.0.0.0")!, 8), (IPAddress("::1")!, 128)]
    /// The seed's *_reject_code settings: permanent policy refusals.
    public var rejectCode = 554
    /// unknown_local_recipient_reject_code.
    public var unknownRecipientCode = 550
    public init() {}
}

/// Where an accepted recipient goes.
public enum RecipientRoute: Sendable, Hashable {
    /// A hosted address: the accounts that receive it and the addresses it forwards to.
    case hosted(Resolution)
    /// An authenticated client sending out: through the queue to the world.
    case outbound
    /// A hosted address that leads elsewhere without an alias: an SRS bounce address going
    /// back to the sender of forwarded mail (RecipientRewriter).
    case returned(EmailAddress)
}

/// What the policy knows about the client (per connection).
public struct ClientIdentity: Sendable {
    public var address: IPAddress?
    /// Forward-confirmed reverse name, or nil ("unknown" in Postfix's logs).
    public var verifiedName: DNSName?
    public var heloName: String?
    public var authenticatedUser: EmailAddress?
    public var tls: Bool = false
    public init(address: IPAddress?) { self.address = address }
}

/// Recipients in hosted domains that the accounts directory does not list but that still
/// lead somewhere: SRS bounce addresses (`SRS0=...@our.domain`) going back to the sender
/// of forwarded mail.
public protocol RecipientRewriter: Sendable {
    /// nil when `recipient` is not the rewriter's; else where it leads, or the refusal
    /// (invalid or expired SRS hash: 550).
    func rewrite(_ recipient: EmailAddress) -> Result<EmailAddress, SMTPReply>?
}

public struct InboundPolicy: Sendable {
    public let configuration: InboundPolicyConfiguration
    let resolver: any Resolver
    let directory: AccountDirectory
    let rewriter: (any RecipientRewriter)?

    public init(configuration: InboundPolicyConfiguration, resolver: any Resolver, directory: AccountDirectory,
                rewriter: (any RecipientRewriter)? = nil) {
        self.configuration = configuration
        self.resolver = resolver
        self.directory = directory
        self.rewriter = rewriter
    }

    public func isTrusted(_ ip: IPAddress?) -> Bool {
        guard let ip else { return false }
        return configuration.trustedNetworks.contains { ip.isIn(network: $0.0, prefixLength: $0.1) }
    }

    // MARK: client

    /// The client's forward-confirmed reverse name (Postfix's "name[address]"), or nil.
    public func verifiedName(of ip: IPAddress) async -> DNSName? {
        if case .found(let names, _) = await resolver.forwardConfirmedNames(ip) { return names.first }
        return nil
    }

    /// reject_rbl_client and reject_rhsbl_reverse_client.
    public func checkClient(_ client: ClientIdentity) async -> SMTPReply? {
        guard !isTrusted(client.address), let ip = client.address else { return nil }
        for list in configuration.dnsBlocklists {
            if await isListed(name: ip.reverseLookupName.replacingSuffix(ip.isIPv4 ? ".in-addr.arpa" : ".ip6.arpa", with: "." + list)) {
                return Replies.blocklisted("Client host [\(ip)]", list: list, code: configuration.rejectCode)
            }
        }
        if let name = client.verifiedName?.description {
            for list in configuration.domainBlocklists where await isListed(name: name + "." + list) {
                return Replies.blocklisted("Client host \(name)", list: list, code: configuration.rejectCode)
            }
        }
        return nil
    }

    // MARK: HELO

    public func checkHelo(_ name: String, client: ClientIdentity) async -> SMTPReply? {
        // An address literal ([192.0.2.1], [IPv6:...]) is a valid HELO (RFC 5321 §4.1.4).
        if name.hasPrefix("[") && name.hasSuffix("]") {
            var inner = name.dropFirst().dropLast()
            if inner.lowercased().hasPrefix("ipv6:") { inner = inner.dropFirst(5) }
            if IPAddress(inner) != nil || !configuration.rejectInvalidHelo { return nil }
            return Replies.invalidHelo(name)
        }
        guard let domain = try? Domain(name) else {
            return configuration.rejectInvalidHelo ? Replies.invalidHelo(name) : nil
        }
        if isTrusted(client.address) { return nil }
        if configuration.rejectNonFQDNHelo && !domain.isFullyQualified {
            return Replies.nonFQDNHelo(name, code: configuration.rejectCode)
        }
        if configuration.rejectUnknownHelo {
            let dn = DNSName(domain)
            switch await resolver.addresses(dn) {
            case .found: break
            case .temporaryFailure:
                return SMTPReply(450, EnhancedStatus(4, 7, 1), "<\(name)>: Helo command rejected: Host not found (temporary DNS failure)")
            case .nxdomain, .nodata:
                switch await resolver.mx(domain) {
                case .found(let mx, _) where !mx.isEmpty: break
                case .temporaryFailure:
                    return SMTPReply(450, EnhancedStatus(4, 7, 1), "<\(name)>: Helo command rejected: Host not found (temporary DNS failure)")
                default:
                    return Replies.unknownHeloHostname(name, code: configuration.rejectCode)
                }
            }
        }
        for list in configuration.domainBlocklists where await isListed(name: domain.ascii + "." + list) {
            return Replies.blocklisted("Helo command <\(name)>", list: list, code: configuration.rejectCode)
        }
        return nil
    }

    // MARK: sender

    public func checkSender(_ path: ReversePath, client: ClientIdentity) async -> SMTPReply? {
        guard case .mailbox(let sender) = path else { return nil }
        if isTrusted(client.address) || client.authenticatedUser != nil { return nil }
        if (try? directory.isHosted(sender.domain)) == true { return nil }
        if configuration.rejectUnknownSenderDomain {
            // RFC 5321 §5.1: no MX means the domain's A/AAAA act as an implicit MX.
            switch await resolver.mx(sender.domain) {
            case .found(let records, _):
                // RFC 7505 §3: a single MX with preference 0 and root exchange says "no mail".
                if records.count == 1 && records[0].isNull {
                    return Replies.nullMX(sender.domain.ascii, code: 550)
                }
            case .temporaryFailure:
                return SMTPReply(450, EnhancedStatus(4, 1, 8), "<\(sender)>: Sender address rejected: Domain not found (temporary DNS failure)")
            case .nxdomain:
                return Replies.unknownSenderDomain(sender.description, code: configuration.rejectCode)
            case .nodata:
                switch await resolver.addresses(DNSName(sender.domain)) {
                case .found: break
                case .temporaryFailure:
                    return SMTPReply(450, EnhancedStatus(4, 1, 8), "<\(sender)>: Sender address rejected: Domain not found (temporary DNS failure)")
                case .nxdomain, .nodata:
                    return Replies.unknownSenderDomain(sender.description, code: configuration.rejectCode)
                }
            }
        }
        for list in configuration.domainBlocklists where await isListed(name: sender.domain.ascii + "." + list) {
            return Replies.blocklisted("Sender address <\(sender)>", list: list, code: configuration.rejectCode)
        }
        return nil
    }

    // MARK: recipient

    /// reject_unauth_destination, then reject_unlisted_recipient.
    public func checkRecipient(_ rcpt: EmailAddress, client: ClientIdentity) -> Result<RecipientRoute, SMTPReply> {
        if let rewriter, (try? directory.isHosted(rcpt.domain)) == true, let rewritten = rewriter.rewrite(rcpt) {
            switch rewritten {
            case .failure(let refusal):
                return .failure(refusal)
            case .success(let target):
                // The original sender: a mailbox here, or an address elsewhere to forward to.
                if case .success(let r)? = try? directory.resolve(target) { return .success(.hosted(r)) }
                return .success(.returned(target))
            }
        }
        let resolved: Result<Resolution, ResolveError>
        do {
            resolved = try directory.resolve(rcpt)
        } catch {
            return .failure(Replies.localError)
        }
        switch resolved {
        case .success(let r):
            return .success(.hosted(r))
        case .failure(.notHosted):
            // Never an open relay: only an authenticated client sends to the world.
            return client.authenticatedUser != nil ? .success(.outbound) : .failure(Replies.relayDenied)
        case .failure(.unknownRecipient):
            let r = Replies.unknownRecipient(rcpt.description)
            return .failure(SMTPReply(configuration.unknownRecipientCode, r.enhanced, r.lines))
        case .failure(.expansionLimit):
            return .failure(SMTPReply(451, EnhancedStatus(4, 3, 0), "<\(rcpt)>: alias expansion limit exceeded"))
        }
    }

    /// A blocklist hit: an A record in 127.0.0.0/8, except 127.255.255.0/24, which Spamhaus
    /// uses for "query refused" answers. A timeout or failure is a pass, as in Postfix.
    func isListed(name: String) async -> Bool {
        guard let dn = try? DNSName(name) else { return false }
        guard case .found(let addresses, _) = await resolver.ipv4(dn) else { return false }
        return addresses.contains { a in
            a.isIn(network: IPAddress("127.0.0.0")!, prefixLength: 8) && !a.isIn(network: IPAddress("127.255.255.0")!, prefixLength: 24)
        }
    }
}

extension String {
    func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}
