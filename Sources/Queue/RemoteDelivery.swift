// Remote delivery over SMTP: to the configured relay (mandatory TLS with certificate
// verification, AUTH when configured), or to the recipient domain's MX hosts (RFC 5321
// §5.1: MX in preference order, equal preferences shuffled, the domain's own A/AAAA when
// it has no MX, null MX (RFC 7505) a permanent failure; opportunistic STARTTLS, RFC 3207,
// falling back to plaintext on the same host when the handshake fails, as Postfix's
// "may" level). A worker keeps its connection for the next message to the same
// destination (connection reuse); 4xx defers, 5xx bounces, per recipient.

public import DNSClient
import Foundation
public import MailCore
import NIOCore
import NIOSSL
import SMTPClient
import SMTPProtocol

/// Where a group of recipients goes.
public enum Destination: Sendable, Hashable, CustomStringConvertible {
    case local
    case relay
    case domain(Domain)

    public var description: String {
        switch self {
        case .local: "local"
        case .relay: "relay"
        case .domain(let d): d.ascii
        }
    }
}

/// Some recipients of one message, for one destination.
struct DeliveryJob: Sendable {
    var envelope: QueueEnvelope
    /// Indices into `envelope.recipients`.
    var recipients: [Int]
    var destination: Destination
    var id: String { envelope.id }
}

/// What one attempt did.
struct AttemptReport: Sendable {
    var verdicts: [Int: DeliveryVerdict]
    /// `host[address]:port` of the server that answered, `local`, or `none`.
    var relay: String
    var tls: TLSSessionInfo?
    /// The destination as a whole failed (DNS, no host reachable): pause it.
    var destinationFailure = false
    /// The message disappeared from the spool (deleted by the operator).
    var messageGone = false
    /// The server that accepted it offered DSN (RFC 3461), so NOTIFY went on with it and
    /// success reports are that server's to send.
    var remoteTakesDSN = false
}

struct RemoteDelivery: Sendable {
    let configuration: DeliveryConfiguration
    let resolver: any Resolver
    let group: any EventLoopGroup
    let opportunisticTLS: NIOSSLContext?
    let relayTLS: Result<NIOSSLContext, TLSSetupError>?

    struct TLSSetupError: Error, Sendable { var reason: String }

    init(configuration: DeliveryConfiguration, resolver: any Resolver, group: any EventLoopGroup) {
        self.configuration = configuration
        self.resolver = resolver
        self.group = group
        opportunisticTLS = try? SMTPClientTLS.opportunisticContext()
        if let relay = configuration.relay {
            do {
                relayTLS = .success(try SMTPClientTLS.verifiedContext(extraTrustAnchors: relay.extraTrustAnchors))
            } catch {
                relayTLS = .failure(TLSSetupError(reason: "\(error)"))
            }
        } else {
            relayTLS = nil
        }
    }

    var clientConfiguration: SMTPClientConfiguration {
        var c = SMTPClientConfiguration(heloName: configuration.hostname)
        c.timeouts = configuration.timeouts
        c.limits = configuration.limits
        return c
    }

    // MARK: the worker

    /// Delivers `first`, then whatever `next` hands out for the same destination, reusing
    /// the connection while it stays usable.
    func run(first: DeliveryJob, load: @Sendable (String) async -> [UInt8]?, next: @Sendable () async -> DeliveryJob?,
             report: @Sendable (DeliveryJob, AttemptReport) async -> Void) async {
        var job: DeliveryJob? = first
        while let current = job {
            job = await deliver(current, load: load, next: next, report: report)
        }
    }

    /// One job, and the jobs that follow it on the same connection. Returns a job that was
    /// taken but could not be sent because a reused connection had died (it gets a fresh
    /// connection), or the next job to start with.
    func deliver(_ job: DeliveryJob, load: @Sendable (String) async -> [UInt8]?, next: @Sendable () async -> DeliveryJob?,
                 report: @Sendable (DeliveryJob, AttemptReport) async -> Void) async -> DeliveryJob? {
        guard let content = await load(job.id) else {
            await report(job, AttemptReport(verdicts: [:], relay: "none", messageGone: true))
            return await next()
        }
        let targets: [Target]
        switch await self.targets(for: job) {
        case .failure(let failure):
            var r = AttemptReport(verdicts: Dictionary(uniqueKeysWithValues: job.recipients.map { ($0, failure.verdict) }), relay: "none")
            r.destinationFailure = failure.isDestinationFailure
            await report(job, r)
            return await next()
        case .success(let t):
            targets = t
        }
        var lastFailure = DeliveryVerdict.deferred(SMTPReply(451, EnhancedStatus(4, 4, 1), "No host could be reached"))
        var lastRelay = "none"
        var sessions = 0
        for target in targets.prefix(configuration.maxAddresses) {
            guard sessions < configuration.maxSessions else { break }
            var useTLS = true
            while true {
                let outcome = await session(with: target, tls: useTLS, first: job, content: content, load: load, next: next, report: report)
                switch outcome {
                case .finished(let carried):
                    return carried
                case .tlsFailed:
                    // RFC 7435 §5 (opportunistic security): a failed handshake falls back
                    // to a plaintext session with the same host.
                    guard useTLS, configuration.relay == nil else { break }
                    useTLS = false
                    continue
                case .failed(let verdict, let reachedGreeting):
                    lastFailure = verdict
                    // A reply from the server names it as the relay; a failure to talk to
                    // it at all is ours ("relay=none", the host is in the text).
                    lastRelay = reachedGreeting ? target.relay : "none"
                    if reachedGreeting { sessions += 1 }
                    if case .bounced = verdict {
                        // Mail loops back to us: no other host will do better.
                        await report(job, AttemptReport(verdicts: Dictionary(uniqueKeysWithValues: job.recipients.map { ($0, verdict) }), relay: lastRelay))
                        return await next()
                    }
                }
                break
            }
        }
        var r = AttemptReport(verdicts: Dictionary(uniqueKeysWithValues: job.recipients.map { ($0, lastFailure) }), relay: lastRelay)
        r.destinationFailure = true
        await report(job, r)
        return await next()
    }

    enum SessionOutcome {
        /// The first job was attempted (and maybe more). A job taken but not sent because
        /// the reused connection died comes back here.
        case finished(carried: DeliveryJob?)
        /// The opportunistic TLS handshake failed.
        case tlsFailed
        /// Nothing was sent: try the next address.
        case failed(DeliveryVerdict, reachedGreeting: Bool)
    }

    /// One connection: open it, deliver `first`, then keep taking jobs while it is usable.
    func session(with target: Target, tls useTLS: Bool, first: DeliveryJob, content: [UInt8],
                 load: @Sendable (String) async -> [UInt8]?, next: @Sendable () async -> DeliveryJob?,
                 report: @Sendable (DeliveryJob, AttemptReport) async -> Void) async -> SessionOutcome {
        let relay = configuration.relay
        var implicit: SMTPClientTLS?
        if let relay, relay.implicitTLS {
            guard case .success(let context) = relayTLS else {
                return .failed(.deferred(SMTPReply(454, EnhancedStatus(4, 7, 5), "TLS setup for the relay failed: \(relayTLSReason)")), reachedGreeting: false)
            }
            implicit = SMTPClientTLS(context: context, serverName: relay.host, verifiesPeer: true)
        }
        let stage = StageBox()
        do {
            return try await SMTPClient.connect(to: target.address, port: target.port, group: group, configuration: clientConfiguration,
                                                implicitTLS: implicit) { session -> SessionOutcome in
                stage.reachedGreeting = false
                try await session.open()
                stage.reachedGreeting = true
                // Postfix's "mail for X loops back to myself".
                if session.capabilities.serverName.lowercased() == configuration.hostname.lowercased() && !configuration.hostname.isEmpty {
                    return .failed(.bounced(SMTPReply(554, EnhancedStatus(5, 4, 6), "mail for \(target.name) loops back to myself")), reachedGreeting: true)
                }
                if let relay {
                    if !relay.implicitTLS {
                        guard session.capabilities.startTLS else {
                            return .failed(.deferred(SMTPReply(454, EnhancedStatus(4, 7, 4), "TLS is required, but was not offered by host \(target.name)")), reachedGreeting: true)
                        }
                        guard case .success(let context) = relayTLS else {
                            return .failed(.deferred(SMTPReply(454, EnhancedStatus(4, 7, 5), "TLS setup for the relay failed: \(relayTLSReason)")), reachedGreeting: true)
                        }
                        do {
                            try await session.startTLS(SMTPClientTLS(context: context, serverName: relay.host, verifiesPeer: true))
                        } catch {
                            return .failed(.deferred(SMTPReply(454, EnhancedStatus(4, 7, 5), "TLS with \(target.name) failed: \(error)")), reachedGreeting: true)
                        }
                    }
                    if let user = relay.username {
                        guard let password = Self.readPassword(relay.passwordFile) else {
                            return .failed(.deferred(SMTPReply(454, EnhancedStatus(4, 7, 0), "cannot read the relay password file")), reachedGreeting: true)
                        }
                        do {
                            try await session.authenticate(username: user, password: password)
                        } catch let e as SMTPClientError {
                            let reply = e.reply ?? SMTPReply(454, EnhancedStatus(4, 7, 0), "\(e)")
                            // A refused login is the operator's to fix: defer, never bounce.
                            return .failed(.deferred(SMTPReply(454, EnhancedStatus(4, 7, 0), "SASL authentication failed: \(reply.oneLine)")), reachedGreeting: true)
                        }
                    }
                } else if useTLS, session.capabilities.startTLS, let context = opportunisticTLS {
                    do {
                        try await session.startTLS(SMTPClientTLS(context: context, serverName: target.name, verifiesPeer: false))
                    } catch {
                        return .tlsFailed
                    }
                }
                var job = first
                var body = content
                var reused = false
                while true {
                    do {
                        let verdicts = try await transact(session, job, body)
                        await report(job, AttemptReport(verdicts: verdicts, relay: target.relay, tls: session.tls,
                                                        remoteTakesDSN: session.capabilities.dsn))
                    } catch {
                        if reused && !session.endOfDataSent {
                            // The reused connection died before the end of this message was
                            // sent: nothing can have been accepted, so a fresh connection may
                            // send it again without risking a duplicate.
                            return .finished(carried: job)
                        }
                        // The connection broke (or the server said 421) in the middle of a
                        // transaction: nothing is final, even after a 5xx on the way out.
                        let reply = (error as? SMTPClientError)?.reply ?? SMTPReply(451, EnhancedStatus(4, 4, 2), "\(error) with \(target.relay)")
                        let verdict: DeliveryVerdict = reply.isPermanentFailure ? .deferred(SMTPReply(451, EnhancedStatus(4, 4, 2), reply.oneLine)) : .deferred(reply)
                        await report(job, AttemptReport(verdicts: Dictionary(uniqueKeysWithValues: job.recipients.map { ($0, verdict) }), relay: target.relay, tls: session.tls))
                        return .finished(carried: nil)
                    }
                    guard session.isUsable, let following = await next() else {
                        await session.quit()
                        return .finished(carried: nil)
                    }
                    guard following.destination == first.destination, let loaded = await load(following.id) else {
                        await session.quit()
                        return .finished(carried: following)
                    }
                    job = following
                    body = loaded
                    reused = true
                }
            }
        } catch let e as SMTPClientError {
            switch e {
            case .tls:
                if configuration.relay == nil { return .tlsFailed }
                return .failed(.deferred(SMTPReply(454, EnhancedStatus(4, 7, 5), "TLS with \(target.name) failed: \(e)")), reachedGreeting: stage.reachedGreeting)
            case .rejected(_, let reply):
                return .failed(.deferred(reply.isTransientFailure ? reply : SMTPReply(451, EnhancedStatus(4, 4, 0), "host \(target.relay) refused to talk to me: \(reply.oneLine)")),
                               reachedGreeting: stage.reachedGreeting)
            case .connectFailed(let why):
                // Postfix's wording: "connect to host[address]:port: Connection refused".
                return .failed(.deferred(SMTPReply(451, EnhancedStatus(4, 4, 1), "connect to \(target.relay): \(why)")), reachedGreeting: false)
            default:
                return .failed(.deferred(SMTPReply(451, EnhancedStatus(4, 4, 2), "\(e) with \(target.relay)")), reachedGreeting: stage.reachedGreeting)
            }
        } catch {
            return .failed(.deferred(SMTPReply(451, EnhancedStatus(4, 4, 2), "\(error) with \(target.relay)")), reachedGreeting: stage.reachedGreeting)
        }
    }

    var relayTLSReason: String {
        if case .failure(let e) = relayTLS { return e.reason }
        return "unknown"
    }

    static func readPassword(_ path: String?) -> String? {
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let trimmed = line.hasSuffix("\r") ? String(line.dropLast()) : line
        return trimmed.isEmpty ? nil : trimmed
    }

    // MARK: one transaction

    /// Sends one message to the job's recipients; refusals come back as verdicts, a broken
    /// connection as an error.
    func transact(_ session: SMTPClientSession, _ job: DeliveryJob, _ content: [UInt8]) async throws -> [Int: DeliveryVerdict] {
        let envelope = job.envelope
        let caps = session.capabilities
        func all(_ v: DeliveryVerdict) -> [Int: DeliveryVerdict] { Dictionary(uniqueKeysWithValues: job.recipients.map { ($0, v) }) }
        // RFC 1870 §6.1: a message over the server's declared maximum is not sent.
        if let max = caps.maximumSize, content.count > max {
            return all(.bounced(SMTPReply(552, EnhancedStatus(5, 3, 4), "message size \(content.count) exceeds size limit \(max) of server \(caps.serverName)")))
        }
        let recipients = job.recipients.map { envelope.recipients[$0] }
        let needsUTF8 = envelope.reversePath.address?.requiresSMTPUTF8 == true || recipients.contains { $0.address.requiresSMTPUTF8 }
            || (envelope.parameters.smtpUTF8 && envelope.eightBit && Self.headerHasEightBit(content))
        // RFC 6531 §3.2: without SMTPUTF8 at the server, such a message cannot be sent.
        if needsUTF8 && !caps.smtpUTF8 {
            return all(.bounced(SMTPReply(553, EnhancedStatus(5, 6, 7), "SMTPUTF8 is required, but was not offered by host \(caps.serverName)")))
        }
        var params: [String] = []
        var content = content
        if envelope.eightBit || envelope.parameters.body == .eightBitMIME || envelope.parameters.body == .binaryMIME {
            if caps.eightBitMIME {
                params.append("BODY=8BITMIME")
            } else if envelope.eightBit {
                // RFC 6152 §3: convert to 7 bit, or return the message when that is impossible.
                guard let converted = SevenBitDowngrade.convert(content) else {
                    return all(.bounced(SMTPReply(554, EnhancedStatus(5, 6, 3),
                                                  "message has 8-bit content that cannot be converted, and host \(caps.serverName) does not support 8BITMIME")))
                }
                content = converted
            }
        }
        if caps.has("SIZE") { params.insert("SIZE=\(content.count)", at: 0) }
        if needsUTF8 { params.append("SMTPUTF8") }
        if caps.dsn {
            // RFC 3461 §4: pass the sender's DSN requests on.
            if let ret = envelope.parameters.dsnReturn { params.append("RET=\(ret.rawValue)") }
            if let envid = envelope.parameters.envelopeID { params.append("ENVID=\(SMTPCommandParser.encodeXtext(envid))") }
        }
        let rcpts = recipients.map { r -> OutboundTransaction.Recipient in
            var p: [String] = []
            if caps.dsn {
                if let n = r.notify { p.append("NOTIFY=\(SpoolFormat.notifyText(n))") }
                if let o = r.originalRecipient, let semi = o.firstIndex(of: ";") {
                    p.append("ORCPT=\(o[..<semi]);\(SMTPCommandParser.encodeXtext(String(o[o.index(after: semi)...])))")
                }
            }
            return OutboundTransaction.Recipient(address: r.address.description, parameters: p)
        }
        let transaction = OutboundTransaction(reversePath: envelope.reversePath.address?.description ?? "", mailParameters: params,
                                              recipients: rcpts, content: content)
        let result = try await session.send(transaction)
        var out: [Int: DeliveryVerdict] = [:]
        for (k, index) in job.recipients.enumerated() {
            out[index] = DeliveryVerdict(result.outcome(forRecipient: k))
        }
        return out
    }

    static func headerHasEightBit(_ content: [UInt8]) -> Bool {
        var previous: UInt8 = 0x0A
        for b in content {
            if b >= 0x80 { return true }
            if b == 0x0A && previous == 0x0A { return false }
            if b == 0x0D { continue }
            previous = b
        }
        return false
    }

    // MARK: where to connect

    struct Target: Sendable {
        var name: String
        var address: IPAddress
        var port: Int
        var relay: String { "\(name)[\(address)]:\(port)" }
    }

    struct TargetFailure: Error {
        var verdict: DeliveryVerdict
        var isDestinationFailure: Bool
    }

    func targets(for job: DeliveryJob) async -> Result<[Target], TargetFailure> {
        switch job.destination {
        case .local:
            return .failure(TargetFailure(verdict: .deferred(SMTPReply(451, EnhancedStatus(4, 3, 0), "local job given to SMTP")), isDestinationFailure: false))
        case .relay:
            guard let relay = configuration.relay else {
                return .failure(TargetFailure(verdict: .deferred(SMTPReply(451, EnhancedStatus(4, 3, 5), "no relay configured")), isDestinationFailure: true))
            }
            return await hostTargets(name: relay.host, port: relay.port, permanentIfMissing: false)
        case .domain(let domain):
            return await mxTargets(domain)
        }
    }

    /// RFC 5321 §5.1 with RFC 7505.
    func mxTargets(_ domain: Domain) async -> Result<[Target], TargetFailure> {
        var hosts: [DNSName]
        switch await resolver.mx(domain) {
        case .found(let records, _):
            if records.contains(where: \.isNull) {
                // RFC 7505 §4.3: the domain accepts no mail; fail at once (X.1.10).
                return .failure(TargetFailure(verdict: .bounced(SMTPReply(556, EnhancedStatus(5, 1, 10), "Recipient address rejected: Domain \(domain.ascii) does not accept mail (nullMX)")),
                                              isDestinationFailure: false))
            }
            var rng = SystemRandomNumberGenerator()
            hosts = MXOrder.order(records, using: &rng).map(\.exchange)
        case .nodata:
            // RFC 5321 §5.1: no MX, the domain itself is the implicit MX.
            hosts = [DNSName(domain)]
        case .nxdomain:
            return .failure(TargetFailure(verdict: .bounced(SMTPReply(550, EnhancedStatus(5, 1, 2), "Host or domain name not found. Name service error for name=\(domain.ascii) type=MX: Host not found")),
                                          isDestinationFailure: false))
        case .temporaryFailure(let f):
            return .failure(TargetFailure(verdict: .deferred(SMTPReply(451, EnhancedStatus(4, 4, 3), "Host or domain name not found. Name service error for name=\(domain.ascii) type=MX: \(f)")),
                                          isDestinationFailure: true))
        }
        var out: [Target] = []
        var temporary: DNSFailure?
        for host in hosts where out.count < configuration.maxAddresses {
            switch await resolver.addresses(host) {
            case .found(let ips, _):
                for ip in ips where out.count < configuration.maxAddresses {
                    out.append(Target(name: host.description, address: ip, port: configuration.remotePort))
                }
            case .temporaryFailure(let f):
                temporary = temporary ?? f
            case .nxdomain, .nodata:
                continue
            }
        }
        return filter(out, name: domain.ascii, temporary: temporary)
    }

    func hostTargets(name: String, port: Int, permanentIfMissing: Bool) async -> Result<[Target], TargetFailure> {
        if let ip = IPAddress(name.hasPrefix("[") && name.hasSuffix("]") ? String(name.dropFirst().dropLast()) : name) {
            return filter([Target(name: name, address: ip, port: port)], name: name, temporary: nil)
        }
        guard let dn = try? DNSName(name) else {
            return .failure(TargetFailure(verdict: .deferred(SMTPReply(451, EnhancedStatus(4, 4, 3), "invalid relay host name \(name)")), isDestinationFailure: true))
        }
        switch await resolver.addresses(dn) {
        case .found(let ips, _):
            return filter(ips.map { Target(name: name, address: $0, port: port) }, name: name, temporary: nil)
        case .temporaryFailure(let f):
            return filter([], name: name, temporary: f)
        case .nxdomain, .nodata:
            return filter([], name: name, temporary: nil)
        }
    }

    func filter(_ targets: [Target], name: String, temporary: DNSFailure?) -> Result<[Target], TargetFailure> {
        var usable = targets
        if configuration.loopbackOnly { usable = usable.filter { $0.address.isLoopback } }
        if !usable.isEmpty { return .success(usable) }
        if !targets.isEmpty {
            return .failure(TargetFailure(verdict: .deferred(SMTPReply(451, EnhancedStatus(4, 4, 1), "no loopback address for \(name) (delivery restricted to loopback)")),
                                          isDestinationFailure: true))
        }
        if let temporary {
            return .failure(TargetFailure(verdict: .deferred(SMTPReply(451, EnhancedStatus(4, 4, 3), "Host or domain name not found. Name service error for name=\(name) type=A: \(temporary)")),
                                          isDestinationFailure: true))
        }
        if configuration.relay != nil {
            return .failure(TargetFailure(verdict: .deferred(SMTPReply(451, EnhancedStatus(4, 4, 3), "relay host \(name) not found")), isDestinationFailure: true))
        }
        return .failure(TargetFailure(verdict: .bounced(SMTPReply(550, EnhancedStatus(5, 4, 4), "Host or domain name not found. Name service error for name=\(name) type=A: Host not found")),
                                      isDestinationFailure: false))
    }
}

/// Mutable flag shared with the connection body.
final class StageBox {
    var reachedGreeting = false
}

/// MX ordering (RFC 5321 §5.1): ascending preference; hosts of equal preference in random
/// order, to spread the load as the RFC asks.
public enum MXOrder {
    public static func order(_ records: [MXRecord], using rng: inout some RandomNumberGenerator) -> [MXRecord] {
        let sorted = records.enumerated().sorted { ($0.element.preference, $0.offset) < ($1.element.preference, $1.offset) }.map(\.element)
        var out: [MXRecord] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j < sorted.count && sorted[j].preference == sorted[i].preference { j += 1 }
            out.append(contentsOf: sorted[i..<j].shuffled(using: &rng))
            i = j
        }
        // The same exchange listed twice is tried once.
        var seen = Set<DNSName>()
        return out.filter { seen.insert($0.exchange).inserted }
    }
}
