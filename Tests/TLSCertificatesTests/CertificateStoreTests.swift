import Foundation
import NIOSSL
import Testing
@testable import TLSCertificates

@Suite struct CertificateStoreTests {
    let dir = NSTemporaryDirectory() + "tls-" + UUID().uuidString

    @Test func selfSignedIsCreatedOnceAndPrivate() throws {
        let store = try CertificateStore(selfSignedFor: "mail.example.org", directory: dir)
        let s = store.summary
        #expect(s.source == .selfSigned)
        #expect(s.subjectAlternativeNames == ["mail.example.org"])
        #expect(s.subject.contains("mail.example.org"))
        #expect(s.notAfter > Date().addingTimeInterval(365 * 86_400))
        let keyMode = try FileManager.default.attributesOfItem(atPath: store.keyPath)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        // A second start reuses it; another host name makes a new one.
        let again = try CertificateStore(selfSignedFor: "mail.example.org", directory: dir)
        #expect(again.summary.notBefore == s.notBefore)
        let other = try CertificateStore(selfSignedFor: "mx.example.net", directory: dir)
        #expect(other.summary.subjectAlternativeNames == ["mx.example.net"])
    }

    @Test func filesAreReloadedWhenTheyChange() throws {
        let a = try CertificateStore(selfSignedFor: "a.example", directory: dir + "/a")
        let b = try CertificateStore(selfSignedFor: "b.example", directory: dir + "/b")
        let cert = dir + "/cert.pem", key = dir + "/key.pem"
        try FileManager.default.copyItem(atPath: a.certificatePath, toPath: cert)
        try FileManager.default.copyItem(atPath: a.keyPath, toPath: key)
        let store = try CertificateStore(certificatePath: cert, keyPath: key)
        #expect(store.summary.subjectAlternativeNames == ["a.example"] && store.summary.source == .file)
        #expect(try store.reloadIfChanged() == false)
        let before = store.context
        // Swap both files (mtime granularity: force a different timestamp).
        try FileManager.default.removeItem(atPath: cert); try FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: b.certificatePath, toPath: cert)
        try FileManager.default.copyItem(atPath: b.keyPath, toPath: key)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: cert)
        #expect(try store.reloadIfChanged() == true)
        #expect(store.summary.subjectAlternativeNames == ["b.example"])
        #expect(store.context !== before)
    }

    @Test func brokenFilesAreReportedAndTheOldCertificateStays() throws {
        let a = try CertificateStore(selfSignedFor: "a.example", directory: dir + "/a")
        let b = try CertificateStore(selfSignedFor: "b.example", directory: dir + "/b")
        #expect(throws: CertificateError.self) { try CertificateStore(certificatePath: dir + "/missing.pem", keyPath: a.keyPath) }
        // A key that does not belong to the certificate.
        #expect(throws: CertificateError.self) { try CertificateStore(certificatePath: a.certificatePath, keyPath: b.keyPath) }
        let garbage = dir + "/garbage.pem"
        FileManager.default.createFile(atPath: garbage, contents: Data("not pem".utf8))
        #expect(throws: CertificateError.self) { try CertificateStore(certificatePath: garbage, keyPath: a.keyPath) }

        let cert = dir + "/c.pem", key = dir + "/k.pem"
        try FileManager.default.copyItem(atPath: a.certificatePath, toPath: cert)
        try FileManager.default.copyItem(atPath: a.keyPath, toPath: key)
        let store = try CertificateStore(certificatePath: cert, keyPath: key)
        FileManager.default.createFile(atPath: cert, contents: Data("broken".utf8))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: cert)
        #expect(throws: CertificateError.self) { try store.reloadIfChanged() }
        #expect(store.summary.subjectAlternativeNames == ["a.example"])
    }
}
