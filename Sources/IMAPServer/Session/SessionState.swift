// The IMAP connection states of RFC 9051 §3 and what each allows, as a value: no I/O, so
// tests drive it with plain commands. The async session (IMAPSession) asks it before running
// a command and tells it what happened (login, select, TLS, ENABLE).

public import IMAPProtocol
public import MailCore

/// RFC 9051 §3: Not Authenticated, Authenticated, Selected, Logout.
public enum SessionPhase: Hashable, Sendable {
    case notAuthenticated
    case authenticated
    case selected(readOnly: Bool)
    case logout
}

/// Extensions a client turned on with ENABLE (RFC 5161) or by using them (CONDSTORE through
/// SELECT (CONDSTORE), a FETCH MODSEQ... RFC 7162 §3.1).
public struct EnabledExtensions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let condstore = EnabledExtensions(rawValue: 1 << 0)
    public static let qresync = EnabledExtensions(rawValue: 1 << 1)
    /// RFC 6855 UTF8=ACCEPT: mailbox names in UTF-8.
    public static let utf8Accept = EnabledExtensions(rawValue: 1 << 2)
    /// RFC 9051 IMAP4rev2 semantics (no \Recent, ESEARCH answers, UTF-8 names).
    public static let imap4rev2 = EnabledExtensions(rawValue: 1 << 3)
}

public struct SessionState: Hashable, Sendable {
    public private(set) var phase: SessionPhase = .notAuthenticated
    public private(set) var user: EmailAddress?
    public private(set) var tlsActive: Bool
    /// A certificate is configured, so STARTTLS can be offered.
    public let tlsAvailable: Bool
    /// `plaintext_auth_on_loopback` is set and the client is on loopback.
    public let plaintextAuthenticationAllowed: Bool
    public private(set) var enabled: EnabledExtensions = []
    public private(set) var authenticationFailures = 0
    /// APPENDLIMIT (RFC 7889), the authenticated decoder's `appendLiteral`.
    public let appendLimit: Int

    public init(tlsActive: Bool, tlsAvailable: Bool, plaintextAuthenticationAllowed: Bool, appendLimit: Int) {
        self.tlsActive = tlsActive
        self.tlsAvailable = tlsAvailable
        self.plaintextAuthenticationAllowed = plaintextAuthenticationAllowed
        self.appendLimit = appendLimit
    }

    /// RFC 9051 §11.1 / RFC 8314: credentials only over TLS, unless explicitly allowed on
    /// loopback.
    public var authenticationAllowed: Bool { tlsActive || plaintextAuthenticationAllowed }

    /// Mailbox names are UTF-8 on the wire (RFC 6855 §3, RFC 9051 §5.1), else modified UTF-7.
    public var utf8Names: Bool { !enabled.isDisjoint(with: [.utf8Accept, .imap4rev2]) }
    public var isIMAP4rev2: Bool { enabled.contains(.imap4rev2) }
    public var condstore: Bool { !enabled.isDisjoint(with: [.condstore, .qresync]) }
    public var qresync: Bool { enabled.contains(.qresync) }
    public var isAuthenticated: Bool {
        switch phase {
        case .authenticated, .selected: true
        case .notAuthenticated, .logout: false
        }
    }
    public var isSelected: Bool {
        if case .selected = phase { return true }
        return false
    }

    // MARK: capabilities

    /// RFC 9051 §7.2.2 CAPABILITY: exactly what works in the current state.
    public var capabilities: [String] {
        var names = ["IMAP4rev1", "IMAP4rev2"]
        guard isAuthenticated else {
            names += ["SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE"]
            if tlsAvailable && !tlsActive { names.append("STARTTLS") }
            if authenticationAllowed {
                names += ["AUTH=PLAIN", "AUTH=LOGIN"]
            } else {
                // RFC 9051 §6.2.3: LOGIN (and AUTHENTICATE) refused until TLS.
                names.append("LOGINDISABLED")
            }
            return names
        }
        names += [
            "LITERAL+", "ID", "ENABLE", "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "CHILDREN",
            "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE", "STATUS=SIZE",
            "ESEARCH", "SEARCHRES", "MOVE", "CONDSTORE", "QRESYNC", "UTF8=ACCEPT", "BINARY",
            "APPENDLIMIT=\(appendLimit)",
        ]
        return names
    }

    // MARK: which commands each state allows (RFC 9051 §6)

    /// Why `command` cannot run now, as the tagged response; nil when it may.
    public func refusal(of command: Command, tag: String) -> Response? {
        switch command {
        case .capability, .noop, .logout, .id:
            // RFC 9051 §6.1: any state.
            return nil
        case .starttls:
            guard phase == .notAuthenticated else { return TaggedResponse.bad(tag, "Already authenticated", code: .clientBug) }
            guard !tlsActive else { return TaggedResponse.bad(tag, "TLS is already active", code: .clientBug) }
            guard tlsAvailable else { return TaggedResponse.no(tag, "TLS is not available", code: .unavailable) }
            return nil
        case .login, .authenticate:
            guard phase == .notAuthenticated else { return TaggedResponse.bad(tag, "Already authenticated", code: .clientBug) }
            guard authenticationAllowed else {
                // RFC 9051 §6.2.3 and §7.1: PRIVACYREQUIRED until STARTTLS.
                return TaggedResponse.no(tag, "Login only after STARTTLS", code: .privacyRequired)
            }
            return nil
        case .enable:
            // RFC 5161 §3.1: only in the authenticated state.
            guard phase == .authenticated else {
                return TaggedResponse.bad(tag, isSelected ? "ENABLE is not allowed while a mailbox is selected" : "Not authenticated",
                                          code: .clientBug)
            }
            return nil
        case .select, .examine, .create, .delete, .rename, .subscribe, .unsubscribe, .list, .lsub,
             .namespace, .status, .append, .idle:
            // RFC 9051 §6.3: authenticated (or selected) state.
            return isAuthenticated ? nil : TaggedResponse.bad(tag, "Not authenticated", code: .clientBug)
        case .check, .close, .unselect, .expunge, .uidExpunge, .search, .fetch, .store, .copy, .move:
            // RFC 9051 §6.4: selected state.
            guard isAuthenticated else { return TaggedResponse.bad(tag, "Not authenticated", code: .clientBug) }
            guard isSelected else { return TaggedResponse.bad(tag, "No mailbox selected", code: .clientBug) }
            return nil
        }
    }

    // MARK: transitions

    public mutating func tlsStarted() {
        tlsActive = true
    }

    public mutating func loggedIn(as user: EmailAddress) {
        self.user = user
        phase = .authenticated
    }

    /// Counts a failed login; true when the connection should now be closed.
    public mutating func authenticationFailed(limit: Int) -> Bool {
        authenticationFailures += 1
        return authenticationFailures >= limit
    }

    public mutating func selected(readOnly: Bool) {
        phase = .selected(readOnly: readOnly)
    }

    public mutating func deselected() {
        if isSelected { phase = .authenticated }
    }

    public mutating func loggedOut() {
        phase = .logout
    }

    /// RFC 7162 §3.1: using CONDSTORE features turns CONDSTORE on.
    public mutating func enableCondstore() {
        enabled.insert(.condstore)
    }

    /// RFC 5161 ENABLE: turns on what we know and returns what was newly enabled, for
    /// `* ENABLED`. Unknown names are ignored (RFC 5161 §3.1).
    public mutating func enable(_ names: [String]) -> [String] {
        var done: [String] = []
        for name in names {
            let upper = name.uppercased()
            let flag: EnabledExtensions
            switch upper {
            case "CONDSTORE": flag = .condstore
            // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
            case "QRESYNC": flag = [.qresync, .condstore]
            case "UTF8=ACCEPT": flag = .utf8Accept
            case "IMAP4REV2": flag = .imap4rev2
            default: continue
            }
            guard !enabled.isSuperset(of: flag) else { continue }
            enabled.formUnion(flag)
            if !done.contains(upper) { done.append(upper) }
        }
        return done
    }
}
