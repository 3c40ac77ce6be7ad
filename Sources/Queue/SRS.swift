// Sender Rewriting Scheme, as libsrs2 (Shevek) and postsrsd write it, so that forwarded
// mail passes the destination's SPF check (RFC 7208 §9.2 leaves forwarding to such
// schemes) and bounces find their way back:
//
//     SRS0=HHHH=TT=orig-domain=orig-local@forwarding-domain
//     SRS1=HHHH=first-forwarder==HHHH=TT=orig-domain=orig-local@forwarding-domain
//
// TT: the day number modulo 1024 in two base32 characters; HHHH: the first four base64
// characters of HMAC-SHA1(key, lower-cased concatenation of the other fields), compared
// case-insensitively (local parts may be case-folded on the way). An SRS0 address of
// another forwarder is wrapped as SRS1 (the "guarded" scheme), so a bounce goes back
// through that forwarder. Reversal checks the hash and the age (21 days by default).

import Crypto
public import Foundation
public import MailCore

public struct SRS: Sendable {
    /// Base32 alphabet of the timestamp (libsrs2 SRS_TIME_BASECHARS).
    static let timeAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
    static let hashAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    /// 1024 days: the two characters of the timestamp wrap after this.
    static let timeSlots = 1024
    static let hashLength = 4

    let key: [UInt8]
    /// Days an SRS address stays valid (libsrs2 maxage).
    public var maximumAge: Int

    public init(key: [UInt8], maximumAge: Int = 21) {
        self.key = key
        self.maximumAge = maximumAge
    }

    public enum ReverseError: Error, Hashable, Sendable, CustomStringConvertible {
        case notSRS
        case malformed
        case badHash
        case expired

        public var description: String {
            switch self {
            case .notSRS: "not an SRS address"
            case .malformed: "malformed SRS address"
            case .badHash: "SRS hash does not verify"
            case .expired: "SRS address has expired"
            }
        }
    }

    /// Whether a local part is in the SRS namespace (case-insensitive `SRS0`/`SRS1` and a
    /// separator).
    public static func isSRS(_ localPart: String) -> Bool {
        let u = Array(localPart.utf8.prefix(5))
        guard u.count == 5, u[0] | 0x20 == UInt8(ascii: "s"), u[1] | 0x20 == UInt8(ascii: "r"), u[2] | 0x20 == UInt8(ascii: "s"),
              u[3] == UInt8(ascii: "0") || u[3] == UInt8(ascii: "1") else { return false }
        return "=+-".utf8.contains(u[4])
    }

    /// The rewritten sender for mail from `sender` forwarded by `forwardingDomain`.
    /// A sender already in that domain is returned unchanged (nothing to fix for SPF).
    public func forward(_ sender: EmailAddress, forwardingDomain: Domain, now: Date) -> EmailAddress {
        if sender.domain == forwardingDomain { return sender }
        let local = sender.localPart
        let host = sender.domain.ascii
        let rewritten: String
        if Self.isSRS(local), local.utf8.dropFirst(3).first == UInt8(ascii: "1") {
            // SRS1 of someone else: keep its first forwarder, re-hash (libsrs2 guarded).
            let rest = String(local.dropFirst(5))
            guard let sep = rest.firstIndex(of: "=") else { return shortcut(local, host, forwardingDomain, now) }
            let firstHost = String(rest[rest.index(after: sep)...].prefix(while: { $0 != "=" }))
            let afterHost = rest[rest.index(after: sep)...].dropFirst(firstHost.count)
            guard afterHost.first == "=" else { return shortcut(local, host, forwardingDomain, now) }
            let user = String(afterHost.dropFirst())
            rewritten = "SRS1=" + hash([firstHost, user]) + "=" + firstHost + "=" + user
        } else if Self.isSRS(local) {
            // SRS0 of another forwarder: wrap it so the bounce goes back through them.
            let user = String(local.dropFirst(4))   // keeps its separator, as libsrs2 does
            rewritten = "SRS1=" + hash([host, user]) + "=" + host + "=" + user
        } else {
            return shortcut(local, host, forwardingDomain, now)
        }
        return EmailAddress(localPart: rewritten, domain: forwardingDomain)
    }

    func shortcut(_ local: String, _ host: String, _ forwardingDomain: Domain, _ now: Date) -> EmailAddress {
        let stamp = Self.timestamp(now)
        let h = hash([stamp, host, local])
        return EmailAddress(localPart: "SRS0=" + h + "=" + stamp + "=" + host + "=" + local, domain: forwardingDomain)
    }

    /// The address a bounce to `address` (an SRS local part at one of our domains) goes to.
    public func reverse(_ address: EmailAddress, now: Date) -> Result<EmailAddress, ReverseError> {
        let local = address.localPart
        guard Self.isSRS(local) else { return .failure(.notSRS) }
        let body = String(local.dropFirst(5))
        if local.utf8.dropFirst(3).first == UInt8(ascii: "1") {
            // SRS1=HHHH=host=<separator>rest  ->  SRS0<separator>rest@host
            let fields = body.split(separator: "=", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[1].isEmpty, !fields[2].isEmpty else { return .failure(.malformed) }
            let host = String(fields[1]), user = String(fields[2])
            guard verify(String(fields[0]), [host, user]) else { return .failure(.badHash) }
            guard let domain = try? Domain(host) else { return .failure(.malformed) }
            return .success(EmailAddress(localPart: "SRS0" + user, domain: domain))
        }
        // SRS0=HHHH=TT=host=local
        let fields = body.split(separator: "=", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, !fields[2].isEmpty, !fields[3].isEmpty else { return .failure(.malformed) }
        let stamp = String(fields[1]), host = String(fields[2]), user = String(fields[3])
        guard let age = Self.age(of: stamp, now: now) else { return .failure(.malformed) }
        guard verify(String(fields[0]), [stamp, host, user]) else { return .failure(.badHash) }
        guard age <= maximumAge else { return .failure(.expired) }
        guard let domain = try? Domain(host) else { return .failure(.malformed) }
        return .success(EmailAddress(localPart: user, domain: domain))
    }

    /// Days since 1970, modulo 1024, as two base32 characters.
    static func timestamp(_ now: Date) -> String {
        let day = Int(max(0, now.timeIntervalSince1970) / 86_400) % timeSlots
        return String(decoding: [timeAlphabet[day >> 5], timeAlphabet[day & 31]], as: UTF8.self)
    }

    /// Days between a timestamp and now, taking the wrap-around into account; nil for a
    /// malformed one (case-insensitive, as local parts may be case-folded).
    static func age(of stamp: String, now: Date) -> Int? {
        let chars = Array(stamp.uppercased().utf8)
        guard chars.count == 2, let a = timeAlphabet.firstIndex(of: chars[0]), let b = timeAlphabet.firstIndex(of: chars[1]) else { return nil }
        let then = a << 5 | b
        let today = Int(max(0, now.timeIntervalSince1970) / 86_400) % timeSlots
        return (today - then + timeSlots) % timeSlots
    }

    func hash(_ fields: [String]) -> String {
        var mac = HMAC<Insecure.SHA1>(key: SymmetricKey(data: key))
        for f in fields { mac.update(data: Array(f.lowercased().utf8)) }
        let digest = Array(mac.finalize())
        // The first hashLength base64 characters of the digest (libsrs2's "little base64").
        var out: [UInt8] = []
        var bits = 0, value = 0, i = 0
        while out.count < Self.hashLength {
            value = value << 8 | Int(digest[i]); bits += 8; i += 1
            while bits >= 6 && out.count < Self.hashLength {
                bits -= 6
                out.append(Self.hashAlphabet[(value >> bits) & 63])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func verify(_ given: String, _ fields: [String]) -> Bool {
        guard given.utf8.count >= Self.hashLength else { return false }
        let expected = hash(fields)
        // Case-insensitive, in constant time over the four characters.
        var diff: UInt8 = 0
        for (a, b) in zip(given.lowercased().utf8.prefix(Self.hashLength), expected.lowercased().utf8) { diff |= a ^ b }
        return diff == 0
    }

    /// The key in `<data_dir>/srs.key`, created (32 random octets, base64, mode 0600) when
    /// missing.
    public static func loadOrCreateKey(path: String) throws -> [UInt8] {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { return Array(trimmed.utf8) }
        }
        var rng = SystemRandomNumberGenerator()
        let raw = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let text = Data(raw).base64EncodedString()
        // Written whole and fsynced under a temporary name, then renamed into place.
        let temporary = path + ".tmp"
        unlink(temporary)
        do throws(SpoolIOError) {
            try SpoolFiles.writeNew(temporary, Array((text + "\n").utf8))
            try SpoolFiles.rename(temporary, path)
            try SpoolFiles.syncDirectory((path as NSString).deletingLastPathComponent)
        } catch {
            throw error
        }
        return Array(text.utf8)
    }
}

#if canImport(Glibc)
import Glibc
#endif
