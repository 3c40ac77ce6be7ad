// The server certificate every TLS listener and STARTTLS uses: PEM files from the
// configuration (re-read when they change, or on SIGHUP), or a self-signed certificate for
// the host name, generated at first start and kept in the data directory. New connections
// get the current certificate; open connections keep the one they started with.

import Crypto
public import Foundation
public import NIOSSL
import SwiftASN1
import Synchronization
public import X509

public enum CertificateSource: String, Sendable {
    case file
    case selfSigned = "self-signed"
    case acme
}

/// What `postern tls status` prints.
public struct CertificateSummary: Sendable, Equatable {
    public var subject: String
    public var subjectAlternativeNames: [String]
    public var issuer: String
    public var notBefore: Date
    public var notAfter: Date
    public var source: CertificateSource
    public var certificatePath: String
}

public enum CertificateError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case noCertificate(String)
    case keyMismatch(String)
    case generationFailed(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let why): "cannot read \(path): \(why)"
        case .noCertificate(let path): "\(path) holds no PEM certificate"
        case .keyMismatch(let path): "the key in \(path) does not match the certificate"
        case .generationFailed(let why): "cannot create a self-signed certificate: \(why)"
        }
    }
}

public final class CertificateStore: Sendable {
    struct Loaded: Sendable {
        var context: NIOSSLContext
        var summary: CertificateSummary
        var certificateModified: Date?
        var keyModified: Date?
    }

    public let certificatePath: String
    public let keyPath: String
    public let source: CertificateSource
    private let current: Mutex<Loaded>

    /// TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3's are fixed and modern).
    static let cipherSuites = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!SHA1:!SHA256:!SHA384"

    /// Certificate and key from the configuration.
    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.source = .file
        current = Mutex(try Self.load(certificatePath: certificatePath, keyPath: keyPath, source: .file))
    }

    /// The self-signed certificate for `hostname` in `directory` (created when missing or when
    /// it names another host or expires within 30 days).
    public init(selfSignedFor hostname: String, directory: String) throws {
        certificatePath = (directory as NSString).appendingPathComponent("selfsigned-cert.pem")
        keyPath = (directory as NSString).appendingPathComponent("selfsigned-key.pem")
        source = .selfSigned
        var loaded = try? Self.load(certificatePath: certificatePath, keyPath: keyPath, source: .selfSigned)
        if let l = loaded, !l.summary.subjectAlternativeNames.contains(hostname) || l.summary.notAfter < Date().addingTimeInterval(30 * 86_400) {
            loaded = nil
        }
        if loaded == nil {
            try Self.writeSelfSigned(hostname: hostname, certificatePath: certificatePath, keyPath: keyPath, directory: directory)
            loaded = try Self.load(certificatePath: certificatePath, keyPath: keyPath, source: .selfSigned)
        }
        current = Mutex(loaded!)
    }

    /// The context for a new connection.
    public var context: NIOSSLContext { current.withLock { $0.context } }

    public var summary: CertificateSummary { current.withLock { $0.summary } }

    /// Re-reads the files if they changed (or when `force`). A broken new file keeps the old
    /// certificate in service and is reported to the caller.
    @discardableResult
    public func reloadIfChanged(force: Bool = false) throws -> Bool {
        let (cm, km) = (Self.modified(certificatePath), Self.modified(keyPath))
        let unchanged = current.withLock { $0.certificateModified == cm && $0.keyModified == km }
        if unchanged && !force { return false }
        let fresh = try Self.load(certificatePath: certificatePath, keyPath: keyPath, source: source)
        current.withLock { $0 = fresh }
        return true
    }

    // MARK: loading

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    static func load(certificatePath: String, keyPath: String, source: CertificateSource) throws -> Loaded {
        let certPEM: Data, keyPEM: Data
        do { certPEM = try Data(contentsOf: URL(fileURLWithPath: certificatePath)) } catch {
            throw CertificateError.unreadable(certificatePath, (error as NSError).localizedDescription)
        }
        do { keyPEM = try Data(contentsOf: URL(fileURLWithPath: keyPath)) } catch {
            throw CertificateError.unreadable(keyPath, (error as NSError).localizedDescription)
        }
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMBytes(Array(certPEM)) } catch {
            throw CertificateError.unreadable(certificatePath, "not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw CertificateError.noCertificate(certificatePath) }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(bytes: Array(keyPEM), format: .pem) } catch {
            throw CertificateError.unreadable(keyPath, "not a PEM private key (\(error))")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = cipherSuites
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: tls) } catch {
            throw CertificateError.keyMismatch(keyPath)
        }
        let summary = try summarize(pem: String(decoding: certPEM, as: UTF8.self), source: source, path: certificatePath)
        return Loaded(context: context, summary: summary, certificateModified: modified(certificatePath), keyModified: modified(keyPath))
    }

    static func summarize(pem: String, source: CertificateSource, path: String) throws -> CertificateSummary {
        // The leaf is the first certificate of the chain.
        guard let end = pem.range(of: "-----END CERTIFICATE-----") else { throw CertificateError.noCertificate(path) }
        let leaf = try Certificate(pemEncoded: String(pem[..<end.upperBound]))
        var names: [String] = []
        if let san = try? leaf.extensions.subjectAlternativeNames {
            for n in san {
                switch n {
                case .dnsName(let d): names.append(d)
                case .ipAddress(let bytes): names.append(bytes.bytes.map(String.init).joined(separator: "."))
                default: continue
                }
            }
        }
        return CertificateSummary(subject: leaf.subject.description, subjectAlternativeNames: names, issuer: leaf.issuer.description,
                                  notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter, source: source, certificatePath: path)
    }

    static func writeSelfSigned(hostname: String, certificatePath: String, keyPath: String, directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let key = P256.Signing.PrivateKey()
            let name = try DistinguishedName { CommonName(hostname) }
            let now = Date()
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(825 * 86_400),
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames([.dnsName(hostname)])
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            let certPEM = PEMDocument(type: "CERTIFICATE", derBytes: serializer.serializedBytes).pemString + "\n"
            // The key first, private from its creation.
            try writePrivate(keyPath, key.pemRepresentation + "\n")
            try writePrivate(certificatePath, certPEM)
        } catch let e as CertificateError {
            throw e
        } catch {
            throw CertificateError.generationFailed("\(error)")
        }
    }

    static func writePrivate(_ path: String, _ text: String) throws {
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CertificateError.generationFailed("cannot write \(tmp)")
        }
        _ = rename(tmp, path)
    }
}
