// Not-authenticated state (RFC 9051 §6.2): STARTTLS, LOGIN, AUTHENTICATE with PLAIN
// (RFC 4616) and LOGIN, and SASL-IR initial responses (RFC 4959).
//
// Failed logins are delayed (IMAPServerConfiguration.authFailureDelay) and logged as
// `result=auth-failed user=... remote=...`, the line intrusion-prevention tools read.

import IMAPProtocol
import Logging
import MailCore
import SASL
import Store

extension IMAPSession {
    /// RFC 9051 §6.2.1. The state machine has checked that TLS is available and not active.
    mutating func startTLS<Output: ResponseOutput>(tag: String, _ out: inout Output) async throws {
        try await out.startTLS(TaggedResponse.ok(tag, "Begin TLS negotiation now"))
        state.tlsStarted()
        logger.info("starttls", metadata: ["result": "ok"])
    }

    /// RFC 9051 §6.2.3 LOGIN, and the end of every AUTHENTICATE.
    mutating func login<Output: ResponseOutput>(user: String, password: String, tag: String, mechanism: String,
                                                _ out: inout Output) async throws -> SessionFlow {
        guard let address = await context.authenticator.authenticate(username: user, password: password) else {
            return try await authenticationFailed(user: user, tag: tag, reason: "credentials", &out)
        }
        let account: AccountStore
        do {
            account = try await context.store.account(address)
        } catch {
            logger.error("cannot open account", metadata: ["user": .string(address.description), "result": "error",
                                                           "error": .string(error.description)])
            out.send(TaggedResponse.no(tag, "Mailbox unavailable, try again later", code: .unavailable))
            try await out.flush()
            return .proceed
        }
        self.account = account
        state.loggedIn(as: address)
        logger[metadataKey: "user"] = .string(address.description)
        logger.info("login", metadata: ["result": "ok", "mechanism": .string(mechanism)])
        // RFC 9051 §6.2.3: the capabilities may change after login; send them along.
        try await out.authenticated(TaggedResponse.ok(tag, "Logged in", code: .capability(state.capabilities)))
        return .proceed
    }

    mutating func authenticationFailed<Output: ResponseOutput>(user: String, tag: String, reason: String,
                                                               _ out: inout Output) async throws -> SessionFlow {
        // The line fail2ban-style tools read: result=auth-failed user=... remote=...
        logger.warning("authentication failed", metadata: [
            "result": "auth-failed", "user": .string(String(user.prefix(100))), "reason": .string(reason),
        ])
        try? await Task.sleep(for: context.configuration.authFailureDelay)
        out.send(TaggedResponse.no(tag, "Authentication failed", code: .authenticationFailed))
        if state.authenticationFailed(limit: context.limits.authenticationFailures) {
            state.loggedOut()
            try await out.close([.fatal(ResponseText("Too many failed logins"))])
            return .closed
        }
        try await out.flush()
        return .proceed
    }

    /// RFC 9051 §6.2.2 AUTHENTICATE, with the initial response of RFC 4959.
    mutating func authenticate<Output: ResponseOutput>(mechanism: String, initialResponse: [UInt8]?, tag: String,
                                                       _ out: inout Output) async throws -> SessionFlow {
        guard let sasl = SASLServer(mechanism: mechanism) else {
            out.send(TaggedResponse.no(tag, "Unsupported authentication mechanism", code: .cannot))
            try await out.flush()
            return .proceed
        }
        var pending = PendingAuthentication(tag: tag, sasl: sasl)
        let step = pending.sasl.start(initialResponse: initialResponse)
        return try await advance(pending, step, &out)
    }

    /// The client's answer to a challenge (base64 already decoded by the decoder).
    mutating func continueAuthentication<Output: ResponseOutput>(_ bytes: [UInt8], _ out: inout Output) async throws -> SessionFlow {
        guard var pending = authentication else {
            // Only reachable if the decoder and the session disagree; answer untagged.
            out.send(.untagged(.condition(.bad, ResponseText(code: .clientBug, "No authentication in progress"))))
            try await out.flush()
            return .proceed
        }
        authentication = nil
        let step = pending.sasl.respond(bytes)
        return try await advance(pending, step, &out)
    }

    private mutating func advance<Output: ResponseOutput>(_ pending: PendingAuthentication, _ step: SASLStep,
                                                          _ out: inout Output) async throws -> SessionFlow {
        switch step {
        case .challenge(let challenge):
            authentication = pending
            out.send(.continuation(.challenge(challenge)))
            try await out.flush()
            return .proceed
        case .done(let credentials):
            // An authorization identity other than the user (acting as someone else) is not
            // offered (RFC 4616 §2).
            if !credentials.authorizationID.isEmpty && credentials.authorizationID.lowercased() != credentials.username.lowercased() {
                return try await authenticationFailed(user: credentials.username, tag: pending.tag, reason: "authzid", &out)
            }
            return try await login(user: credentials.username, password: credentials.password, tag: pending.tag,
                                   mechanism: pending.sasl.mechanism.rawValue, &out)
        case .failed(.cancelled):
            out.send(TaggedResponse.bad(pending.tag, "Authentication cancelled"))
        case .failed(.unsupportedMechanism):
            out.send(TaggedResponse.no(pending.tag, "Unsupported authentication mechanism", code: .cannot))
        case .failed(.malformed):
            out.send(TaggedResponse.bad(pending.tag, "Malformed authentication response"))
        }
        try await out.flush()
        return .proceed
    }
}
