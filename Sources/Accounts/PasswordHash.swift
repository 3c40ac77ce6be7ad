// Password storage: yescrypt through libcrypt (libxcrypt), the default of Debian's own
// /etc/shadow since bookworm. Hashes imported from Dovecot keep their `{SCHEME}` prefix
// (Dovecot's password schemes, doc.dovecot.org "Password schemes") and are verified as they
// are; the first successful login upgrades them to yescrypt.

import CCrypt
import Crypto
import Foundation

public enum PasswordHashError: Error, Hashable, Sendable, CustomStringConvertible {
    case unsupportedScheme(String)
    case malformedHash(String)
    case emptyPassword
    case hashingFailed

    public var description: String {
        switch self {
        case .unsupportedScheme(let s):
            "unsupported password scheme \(s) (supported: CRYPT, SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, MD5-CRYPT, SSHA, SSHA256, SSHA512, PLAIN)"
        case .malformedHash(let s): "malformed \(s) password hash"
        case .emptyPassword: "empty password"
        case .hashingFailed: "password hashing failed"
        }
    }
}

public enum PasswordHash {
    /// The crypt(5) prefix of the scheme new passwords get.
    static let preferredPrefix = "$y$"

    /// Hashes a new password with yescrypt at libxcrypt's default cost and a fresh random salt.
    public static func make(_ password: String) throws(PasswordHashError) -> String {
        guard !password.isEmpty else { throw .emptyPassword }
        var random = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in random.indices { random[i] = rng.next() }
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let ok = random.withUnsafeBufferPointer { rb in
            rb.baseAddress!.withMemoryRebound(to: CChar.self, capacity: rb.count) { rp in
                crypt_gensalt_rn(preferredPrefix, 0, rp, Int32(rb.count), &setting, Int32(setting.count)) != nil
            }
        }
        guard ok else { throw .hashingFailed }
        guard let hashed = cryptR(password, setting: String(decoding: setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)),
              hashed.hasPrefix(preferredPrefix) else { throw .hashingFailed }
        return hashed
    }

    /// Checks a password against a stored hash: a crypt(5) string (`$y$...`, `$6$...`) or a
    /// Dovecot `{SCHEME}...` string. Constant-time comparison of the final digests.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard !password.isEmpty else { return false }
        let (scheme, body) = split(stored)
        switch scheme {
        case nil, "CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "MD5-CRYPT":
            guard let computed = cryptR(password, setting: body) else { return false }
            return constantTimeEqual(Array(computed.utf8), Array(body.utf8))
        case "SSHA", "SSHA256", "SSHA512":
            guard let decoded = Data(base64Encoded: body) else { return false }
            let digestLength = scheme == "SSHA" ? 20 : scheme == "SSHA256" ? 32 : 64
            guard decoded.count > digestLength else { return false }
            let expected = Array(decoded.prefix(digestLength))
            let salt = Array(decoded.dropFirst(digestLength))
            let input = Array(password.utf8) + salt
            let digest: [UInt8] = switch scheme {
            case "SSHA": Array(Insecure.SHA1.hash(data: input))
            case "SSHA256": Array(SHA256.hash(data: input))
            default: Array(SHA512.hash(data: input))
            }
            return constantTimeEqual(digest, expected)
        default:
            return false
        }
    }

    /// Whether a stored hash should be replaced by a fresh yescrypt hash at the next
    /// successful login (imported or weaker schemes).
    public static func needsUpgrade(_ stored: String) -> Bool {
        !stored.hasPrefix(preferredPrefix)
    }

    /// Validates a hash given to `postern user add --password-hash` (a migration from
    /// Dovecot's passwd-file). Returns what to store; `{PLAIN}`/`{CLEARTEXT}` is hashed at once
    /// so that no cleartext password is ever stored.
    public static func importing(_ given: String) throws(PasswordHashError) -> String {
        let trimmed = given.trimmingCharacters(in: .whitespacesAndNewlines)
        let (scheme, body) = split(trimmed)
        switch scheme {
        case "PLAIN", "CLEARTEXT":
            return try make(body)
        case nil, "CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "MD5-CRYPT":
            let expectedPrefix: [String] = switch scheme {
            case "SHA512-CRYPT": ["$6$"]
            case "SHA256-CRYPT": ["$5$"]
            case "BLF-CRYPT": ["$2a$", "$2b$", "$2y$"]
            case "MD5-CRYPT": ["$1$"]
            default: ["$y$", "$gy$", "$7$", "$6$", "$5$", "$2a$", "$2b$", "$2y$", "$1$"]
            }
            // A complete hash re-hashes (with its own setting) to a string of the same shape:
            // same setting up to the last `$`, same length. A bare setting does not.
            guard expectedPrefix.contains(where: body.hasPrefix), let lastDollar = body.lastIndex(of: "$"),
                  body.index(after: lastDollar) < body.endIndex,
                  let probe = cryptR("probe", setting: body), probe.utf8.count == body.utf8.count,
                  probe.hasPrefix(body[...lastDollar])
            else { throw .malformedHash(scheme ?? "crypt") }
            return scheme == nil ? body : trimmed
        case "SSHA", "SSHA256", "SSHA512":
            guard let d = Data(base64Encoded: body), d.count > (scheme == "SSHA" ? 20 : scheme == "SSHA256" ? 32 : 64)
            else { throw .malformedHash(scheme!) }
            return trimmed
        case let other?:
            throw .unsupportedScheme(other)
        }
    }

    static func split(_ stored: String) -> (scheme: String?, body: String) {
        guard stored.hasPrefix("{"), let close = stored.firstIndex(of: "}") else { return (nil, stored) }
        let scheme = stored[stored.index(after: stored.startIndex)..<close].uppercased()
        return (scheme, String(stored[stored.index(after: close)...]))
    }

    /// crypt_r(3) with its 32 KiB work area on the heap; nil when libcrypt refuses the
    /// setting (it then returns a string starting with `*`).
    static func cryptR(_ password: String, setting: String) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer {
            // Wipe the work area: it held the password.
            memset(data, 0, MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let out = crypt_r(password, setting, data) else { return nil }
        let result = String(cString: out)
        return result.hasPrefix("*") ? nil : result
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
