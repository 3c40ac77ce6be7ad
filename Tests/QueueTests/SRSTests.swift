import Foundation
import MailCore
import Queue
import Testing

/// Sender Rewriting Scheme as libsrs2 writes it. The vectors were computed with Python's
/// hmac module (HMAC-SHA1 over the lower-cased fields, base64, first four characters).
@Suite struct SRSTests {
    let srs = SRS(key: Array("postern-test-secret".utf8))
    let now = Date(timeIntervalSince1970: 1_800_000_000)   // day 353 mod 1024: "LB"
    let forwarder = try! Domain("forward.example.org")

    @Test func forwardMatchesLibsrs2() {
        let rewritten = srs.forward(address("Bob.Smith@example.net"), forwardingDomain: forwarder, now: now)
        #expect(rewritten.description == "SRS0=OU+A=LB=example.net=Bob.Smith@forward.example.org")
    }

    @Test func senderInTheForwardingDomainIsKept() {
        let a = address("alice@forward.example.org")
        #expect(srs.forward(a, forwardingDomain: forwarder, now: now) == a)
    }

    @Test func reverseRoundTripAndCaseInsensitivity() throws {
        let rewritten = srs.forward(address("Bob.Smith@example.net"), forwardingDomain: forwarder, now: now)
        #expect(srs.reverse(rewritten, now: now.addingTimeInterval(5 * 86_400)) == .success(address("Bob.Smith@example.net")))
        // Some MTAs lower-case local parts on the way back.
        let lowered = EmailAddress(localPart: rewritten.localPart.lowercased(), domain: forwarder)
        #expect(try srs.reverse(lowered, now: now).get().description.lowercased() == "bob.smith@example.net")
    }

    @Test func tamperedOrForeignKeyIsRefused() {
        let forged = address("SRS0=AAAA=LB=example.net=victim@forward.example.org")
        #expect(srs.reverse(forged, now: now) == .failure(.badHash))
        let other = SRS(key: Array("another key".utf8))
        let theirs = other.forward(address("bob@example.net"), forwardingDomain: forwarder, now: now)
        #expect(srs.reverse(theirs, now: now) == .failure(.badHash))
        // The hash covers the fields: changing the destination breaks it.
        let rewritten = srs.forward(address("bob@example.net"), forwardingDomain: forwarder, now: now)
        let redirected = EmailAddress(localPart: rewritten.localPart.replacingOccurrences(of: "=bob", with: "=eve"), domain: forwarder)
        #expect(srs.reverse(redirected, now: now) == .failure(.badHash))
    }

    @Test func expiresAfterMaximumAge() {
        let rewritten = srs.forward(address("bob@example.net"), forwardingDomain: forwarder, now: now)
        #expect(srs.reverse(rewritten, now: now.addingTimeInterval(21 * 86_400)) == .success(address("bob@example.net")))
        #expect(srs.reverse(rewritten, now: now.addingTimeInterval(22 * 86_400)) == .failure(.expired))
    }

    @Test func timestampWrapsAround() {
        // Day 1023 (mod 1024) issued, checked two days later on day 1 of the next cycle.
        let day1023 = Date(timeIntervalSince1970: TimeInterval((1024 * 20 + 1023) * 86_400 + 3600))
        let rewritten = srs.forward(address("bob@example.net"), forwardingDomain: forwarder, now: day1023)
        #expect(srs.reverse(rewritten, now: day1023.addingTimeInterval(2 * 86_400)) == .success(address("bob@example.net")))
    }

    @Test func srs0OfAnotherForwarderBecomesSRS1AndComesBack() {
        let theirs = address("SRS0=abcd=XY=orig.example=user@first.example")
        let rewritten = srs.forward(theirs, forwardingDomain: forwarder, now: now)
        #expect(rewritten.description == "SRS1=mAGf=first.example==abcd=XY=orig.example=user@forward.example.org")
        // A bounce to it goes back to the first forwarder's SRS0 address.
        #expect(srs.reverse(rewritten, now: now) == .success(theirs))
        // Forwarded again by us: stays SRS1, still pointing at the first forwarder.
        let again = srs.forward(rewritten, forwardingDomain: try! Domain("other.example.org"), now: now)
        #expect(again.localPart.hasPrefix("SRS1="))
        #expect(srs.reverse(again, now: now) == .success(theirs))
    }

    @Test(arguments: ["SRS0=", "SRS0=abcd", "SRS0=abcd=LB", "SRS0=abcd=L!=x=y", "SRS1=abcd", "SRS1=abcd=host", "srs0=ab=LB=x=y"])
    func malformed(_ local: String) {
        let a = EmailAddress(localPart: local, domain: forwarder)
        let r = srs.reverse(a, now: now)
        #expect(r == .failure(.malformed) || r == .failure(.badHash))
    }

    @Test func notSRS() {
        #expect(srs.reverse(address("bob@forward.example.org"), now: now) == .failure(.notSRS))
        #expect(!SRS.isSRS("SRS2=x"))
        #expect(SRS.isSRS("srs0+x") && SRS.isSRS("SRS1-x"))
    }

    @Test func keyIsCreatedOnceWithMode0600() throws {
        let dir = temporaryDirectory("srs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try SRS.loadOrCreateKey(path: dir + "/srs.key")
        let second = try SRS.loadOrCreateKey(path: dir + "/srs.key")
        #expect(first == second && first.count >= 40)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/srs.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
