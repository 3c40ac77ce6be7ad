// Server side of the SASL mechanisms Postern offers: PLAIN (RFC 4616) and LOGIN
// (draft-murchison-sasl-login-00, which every mail client still speaks). Pure: the caller
// moves base64 text to and from the wire (SMTP 334 lines, RFC 4954 §4; IMAP "+" lines,
// RFC 9051 §6.2.2) and checks the credentials.
//
// SCRAM-SHA-256 is not offered: it needs a SCRAM-specific secret stored per user, and we keep
// only slow password hashes (yescrypt), as Dovecot does with crypt schemes.

import Foundation

public struct SASLCredentials: Sendable, Equatable {
    /// Authorization identity; empty when the client did not ask to act as someone else.
    public var authorizationID: String
    public var username: String
    public var password: String
}

public enum SASLError: Error, Sendable, Equatable {
    case unsupportedMechanism
    case malformed
    /// The client sent "*" (RFC 4954 §4, RFC 9051 §6.2.2).
    case cancelled
}

public enum SASLStep: Sendable, Equatable {
    /// Send this challenge (raw bytes; the caller base64-encodes) and wait for a response.
    case challenge([UInt8])
    case done(SASLCredentials)
    case failed(SASLError)
}

public struct SASLServer: Sendable {
    public enum Mechanism: String, Sendable, CaseIterable {
        case plain = "PLAIN"
        case login = "LOGIN"
    }

    enum State: Sendable {
        case start
        case loginAwaitingUser
        case loginAwaitingPassword(String)
        case finished
    }

    public let mechanism: Mechanism
    var state: State = .start

    /// The longest credential we read: RFC 4616 §2 caps each field at 255 octets.
    static let maxFieldLength = 255

    public init?(mechanism: String) {
        guard let m = Mechanism(rawValue: mechanism.uppercased()) else { return nil }
        self.mechanism = m
    }

    /// Begins the exchange; `initialResponse` is the already decoded initial response
    /// (RFC 4954 §4: "=" stands for an empty one), or nil when none was sent.
    public mutating func start(initialResponse: [UInt8]?) -> SASLStep {
        switch mechanism {
        case .plain:
            guard let r = initialResponse else { return .challenge([]) }
            return plain(r)
        case .login:
            if let r = initialResponse, !r.isEmpty {
                // Some clients send the user name as an initial response.
                return loginUser(r)
            }
            state = .loginAwaitingUser
            return .challenge(Array("Username:".utf8))
        }
    }

    /// A response line from the client (base64 already decoded by `decodeResponse`).
    public mutating func respond(_ response: [UInt8]) -> SASLStep {
        switch (mechanism, state) {
        case (.plain, .start):
            return plain(response)
        case (.login, .loginAwaitingUser), (.login, .start):
            return loginUser(response)
        case (.login, .loginAwaitingPassword(let user)):
            state = .finished
            guard response.count <= Self.maxFieldLength, let password = String(validating: response, as: UTF8.self), !password.isEmpty
            else { return .failed(.malformed) }
            return .done(SASLCredentials(authorizationID: "", username: user, password: password))
        default:
            return .failed(.malformed)
        }
    }

    mutating func loginUser(_ r: [UInt8]) -> SASLStep {
        guard r.count <= Self.maxFieldLength, let user = String(validating: r, as: UTF8.self), !user.isEmpty else {
            state = .finished
            return .failed(.malformed)
        }
        state = .loginAwaitingPassword(user)
        return .challenge(Array("Password:".utf8))
    }

    /// RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
    mutating func plain(_ r: [UInt8]) -> SASLStep {
        state = .finished
        let parts = r.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ $0.count <= Self.maxFieldLength }),
              let authz = String(validating: parts[0], as: UTF8.self),
              let user = String(validating: parts[1], as: UTF8.self),
              let pass = String(validating: parts[2], as: UTF8.self),
              !user.isEmpty, !pass.isEmpty
        else { return .failed(.malformed) }
        return .done(SASLCredentials(authorizationID: authz, username: user, password: pass))
    }

    /// Decodes a client response line: "*" cancels, "=" is empty (initial responses only), else base64.
    public static func decodeResponse(_ line: String, initial: Bool = false) -> Result<[UInt8], SASLError> {
        let t = line.trimmingCharacters(in: .whitespaces)
        if t == "*" { return .failure(.cancelled) }
        if initial && t == "=" { return .success([]) }
        guard t.count <= 4 * ((3 * maxFieldLength + 2) / 3 + 2), let d = Data(base64Encoded: t) else { return .failure(.malformed) }
        return .success(Array(d))
    }

    public static func encodeChallenge(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
