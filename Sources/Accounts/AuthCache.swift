// A cache of recent successful logins, so that a client reconnecting every minute (or a
// benchmark) does not pay for yescrypt each time. Memory only; entries are keyed by the
// stored hash as well, so a password change or removal invalidates them at once.

import Crypto
import Foundation
import Synchronization

final class AuthCache: Sendable {
    struct Entry {
        var storedHash: String
        var digest: [UInt8]
        var expires: ContinuousClock.Instant
    }

    /// Dovecot's auth_cache_ttl default is one hour.
    static let ttl: Duration = .seconds(3600)
    static let capacity = 10_000

    private let key = SymmetricKey(size: .bits256)
    private let entries = Mutex<[String: Entry]>([:])

    func digest(_ user: String, _ password: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array((user + "\u{0}" + password).utf8), using: key))
    }

    func check(_ user: String, storedHash: String, password: String) -> Bool {
        let d = digest(user, password)
        let now = ContinuousClock.now
        return entries.withLock { e in
            guard let entry = e[user] else { return false }
            guard entry.expires > now, entry.storedHash == storedHash else {
                e[user] = nil
                return false
            }
            return PasswordHash.constantTimeEqual(entry.digest, d)
        }
    }

    func remember(_ user: String, storedHash: String, password: String) {
        let d = digest(user, password)
        let expires = ContinuousClock.now + Self.ttl
        entries.withLock { e in
            if e.count >= Self.capacity { e.removeAll(keepingCapacity: true) }
            e[user] = Entry(storedHash: storedHash, digest: d, expires: expires)
        }
    }

    func forget(_ user: String) {
        _ = entries.withLock { $0.removeValue(forKey: user) }
    }
}
