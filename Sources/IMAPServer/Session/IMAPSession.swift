// One client's IMAP session: the commands of RFC 9051 carried out against the mail store.
// It knows nothing of sockets: messages come in as `ClientMessage` values (from
// IMAPProtocol's decoder) and responses go out through a `ResponseOutput`, so tests drive it
// directly. The per-command logic lives in Commands/, one file per command family.
//
// Trust boundary: the commands are untrusted client input, already bounded by the decoder
// (IMAPLimits). Everything reaches the store through the authenticated user's own
// `AccountStore`: mailbox names resolve inside that account only, so no command can name
// another account's mail.

import Dispatch
public import IMAPProtocol
public import Logging
public import MailCore
import SASL
public import Store

/// What an IMAP listener shares with all its sessions.
public final class IMAPServerContext: Sendable {
    public let configuration: IMAPServerConfiguration
    public let store: MailStore
    public let authenticator: any IMAPAuthenticator
    /// Blocking work (reading and parsing messages) runs here, off the event loops and the
    /// concurrency pool.
    let work = DispatchQueue(label: "postern.imap.work", attributes: .concurrent)

    public init(configuration: IMAPServerConfiguration, store: MailStore, authenticator: any IMAPAuthenticator) {
        self.configuration = configuration
        self.store = store
        self.authenticator = authenticator
    }

    var limits: IMAPServerLimits { configuration.limits }

    /// Runs blocking work on the work queue and returns its result.
    func offload<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            work.async { continuation.resume(returning: body()) }
        }
    }
}

/// Whether the connection goes on after a message.
public enum SessionFlow: Sendable, Equatable {
    case proceed
    /// The output was closed (LOGOUT, BYE).
    case closed
}

/// The selected mailbox and what this session keeps about it.
struct SelectedMailbox {
    var mailbox: MailboxSession
    /// IMAP4rev1 \Recent (RFC 3501 §2.3.2): the store does not record which session saw a
    /// message first, so messages that arrive while this session has the mailbox selected
    /// are recent to it ("SHOULD be considered recent" when the server cannot tell).
    var recentFrom: UInt32
    /// RFC 5182 SEARCHRES: the saved result, as UIDs (expunged ones drop out on use).
    var savedSearch: [UInt32] = []
    /// The connection watches this mailbox's notifications (from its first IDLE on).
    var watched = false
    var readOnly: Bool { mailbox.readOnly }
}

/// An AUTHENTICATE exchange in progress.
struct PendingAuthentication {
    var tag: String
    var sasl: SASLServer
}

public struct IMAPSession {
    let context: IMAPServerContext
    public internal(set) var state: SessionState
    var logger: Logger
    let remoteAddress: IPAddress?
    var account: AccountStore?
    var selected: SelectedMailbox?
    var authentication: PendingAuthentication?
    /// The tag of the IDLE in progress (RFC 2177).
    var idleTag: String?

    public init(context: IMAPServerContext, tlsActive: Bool, tlsAvailable: Bool, remoteAddress: IPAddress?, logger: Logger) {
        self.context = context
        let configuration = context.configuration
        self.state = SessionState(
            tlsActive: tlsActive, tlsAvailable: tlsAvailable,
            plaintextAuthenticationAllowed: configuration.plaintextAuthOnLoopback && remoteAddress?.isLoopback == true,
            appendLimit: configuration.limits.authenticated.appendLiteral)
        self.remoteAddress = remoteAddress
        self.logger = logger
    }

    var encoder: ResponseEncoder { ResponseEncoder(utf8: state.utf8Names) }
    var isIdling: Bool { idleTag != nil }

    /// RFC 9051 §7.1.1: the greeting, with the capabilities (saves a round trip).
    public func greeting() -> Response {
        .untagged(.condition(.ok, ResponseText(code: .capability(state.capabilities), "\(context.configuration.hostname) Postern IMAP ready")))
    }

    // MARK: input

    /// Handles one message from the decoder.
    public mutating func receive<Output: ResponseOutput>(_ message: ClientMessage, _ out: inout Output) async throws -> SessionFlow {
        switch message {
        case .command(let command):
            if isIdling {
                // The decoder reads only DONE during IDLE; nothing else can arrive here.
                return .proceed
            }
            return try await run(command, &out)
        case .continuationRequired(let tag):
            // RFC 9051 §7.5: the literal is within the decoder's limits for this state.
            if state.phase == .logout {
                out.send(TaggedResponse.bad(tag, "Logging out"))
            } else {
                out.send(.continuation(.text("Ready for literal data")))
            }
            try await out.flush()
            return .proceed
        case .idleDone:
            try await endIdle(&out)
            return .proceed
        case .authenticationResponse(let bytes):
            return try await continueAuthentication(bytes, &out)
        case .error(let error):
            if error.closesConnection {
                logger.info("protocol error", metadata: ["result": "closed", "reason": .string(error.text)])
                try await out.close([error.response])
                return .closed
            }
            if let tag = idleTag, error.tag == tag {
                idleTag = nil
                try await out.idle(false, watch: nil)
            }
            if let pending = authentication, error.tag == pending.tag { authentication = nil }
            out.send(error.response)
            try await out.flush()
            return .proceed
        }
    }

    /// The autologout timer ran out (RFC 9051 §5.4).
    public mutating func timedOut<Output: ResponseOutput>(_ out: inout Output) async throws {
        logger.info("timeout", metadata: ["result": "timeout"])
        state.loggedOut()
        try await out.close([.fatal(ResponseText("Autologout; idle for too long"))])
    }

    /// The server is shutting down: RFC 9051 §7.1.5 BYE.
    public mutating func shutDown<Output: ResponseOutput>(_ out: inout Output) async throws {
        state.loggedOut()
        try await out.close([.fatal(ResponseText(code: .unavailable, "Server shutting down"))])
    }

    // MARK: commands

    /// How a command ended: the tagged response's status, code and text.
    struct Completion {
        var status: TaggedStatus = .ok
        var code: ResponseCode?
        var text: String

        init(_ text: String, code: ResponseCode? = nil) {
            self.text = text
            self.code = code
        }
    }

    /// When a command may report what others changed (RFC 9051 §7.5.1: no EXPUNGE during
    /// FETCH, STORE and SEARCH; the UID forms may have them).
    enum UpdatePolicy {
        case none
        case withoutExpunges
        case all
        /// NOOP, CHECK: look at the Maildir first.
        case syncAll
    }

    mutating func run<Output: ResponseOutput>(_ tagged: TaggedCommand, _ out: inout Output) async throws -> SessionFlow {
        let tag = tagged.tag
        let command = tagged.command
        if let refusal = state.refusal(of: command, tag: tag) {
            out.send(refusal)
            try await out.flush()
            return .proceed
        }
        logger.debug("command", metadata: ["command": .string(command.name)])
        var policy = UpdatePolicy.all
        let completion: Completion
        do {
            switch command {
            case .capability:
                completion = capability(&out)
            case .noop, .check:
                policy = .syncAll
                completion = Completion("\(command.name) completed")
            case .logout:
                return try await logout(tag: tag, &out)
            case .id(let fields):
                completion = id(fields, &out)
            case .starttls:
                try await startTLS(tag: tag, &out)
                return .proceed
            case .login(let user, let password):
                return try await login(user: user, password: password, tag: tag, mechanism: "LOGIN", &out)
            case .authenticate(let mechanism, let initial):
                return try await authenticate(mechanism: mechanism, initialResponse: initial, tag: tag, &out)
            case .enable(let names):
                completion = enable(names, &out)
            case .select(let name, let parameters):
                policy = .none
                completion = try await select(name, parameters, readOnly: false, &out)
            case .examine(let name, let parameters):
                policy = .none
                completion = try await select(name, parameters, readOnly: true, &out)
            case .create(let name, let uses):
                completion = try await create(name, specialUse: uses)
            case .delete(let name):
                completion = try await delete(name)
            case .rename(let from, let to):
                completion = try await rename(from, to)
            case .subscribe(let name):
                completion = try await subscribe(name, true)
            case .unsubscribe(let name):
                completion = try await subscribe(name, false)
            case .list(let list):
                completion = try await self.list(list, &out)
            case .lsub(let reference, let pattern):
                completion = try await lsub(reference: reference, pattern: pattern, &out)
            case .namespace:
                completion = namespace(&out)
            case .status(let name, let attributes):
                completion = try await status(name, attributes, &out)
            case .append(let append):
                completion = try await self.append(append)
            case .idle:
                try await startIdle(tag: tag, &out)
                return .proceed
            case .close:
                policy = .none
                completion = try await close()
            case .unselect:
                policy = .none
                completion = unselect()
            case .expunge:
                completion = try await expunge(uids: nil, &out)
            case .uidExpunge(let set):
                completion = try await expunge(uids: set, &out)
            case .search(let search, let uid):
                if !uid { policy = .withoutExpunges }
                completion = try await self.search(search, uid: uid, tag: tag, &out)
            case .fetch(let fetch, let uid):
                if !uid { policy = .withoutExpunges }
                completion = try await self.fetch(fetch, uid: uid, &out)
            case .store(let store, let uid):
                if !uid { policy = .withoutExpunges }
                completion = try await self.store(store, uid: uid, &out)
            case .copy(let set, let name, let uid):
                completion = try await copy(set, to: name, uid: uid, &out)
            case .move(let set, let name, let uid):
                completion = try await move(set, to: name, uid: uid, &out)
            }
        } catch let error as CommandError {
            try await reportUpdates(policy == .syncAll ? .all : policy, &out)
            out.send(error.response(tag: tag))
            try await out.flush()
            return .proceed
        }
        try await reportUpdates(policy, &out)
        out.send(.tagged(TaggedResponse(tag: tag, status: completion.status, text: ResponseText(code: completion.code, completion.text))))
        try await out.flush()
        return .proceed
    }

    // MARK: errors

    /// Maps a store failure to the client's answer; server-side failures are logged with
    /// their detail, which the client never sees.
    func failure(_ error: StoreError) -> CommandError {
        switch error {
        case .nonexistent:
            return .no(.nonExistent, "No such mailbox")
        case .alreadyExists:
            return .no(.alreadyExists, "Mailbox already exists")
        case .invalidName(_, let reason):
            return .no(.cannot, "Invalid name: \(reason)")
        case .limit(let what):
            return .no(.limit, "Limit reached: \(what)")
        case .notAllowed(let why):
            return .no(.cannot, "Not allowed: \(why)")
        case .diskFull:
            logger.error("store failure", metadata: ["result": "error", "error": .string(error.description)])
            return .no(.overQuota, "Out of disk space")
        case .io, .index, .invalidAccount:
            logger.error("store failure", metadata: ["result": "error", "error": .string(error.description)])
            return .no(.serverBug, "Internal error, logged")
        }
    }

    /// The account of the logged-in user (the state machine guarantees there is one).
    func requireAccount() throws(CommandError) -> AccountStore {
        guard let account else { throw .bad(.clientBug, "Not authenticated") }
        return account
    }
}
