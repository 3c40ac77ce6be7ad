import ArgumentParser
import Config
import PosternServer
import Foundation
import TLSCertificates

struct TLSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tls", abstract: "Certificates.", subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the certificate in use: subject, names, issuer, expiry, source.")
        @OptionGroup var options: GlobalOptions
        func run() async throws {
            let c = try options.load()
            let store: CertificateStore
            do {
                store = try ServerComponents.certificateStore(for: c)
            } catch {
                printError("postern: \(error)")
                throw ExitCode(1)
            }
            let s = store.summary
            let days = Int(s.notAfter.timeIntervalSinceNow / 86_400)
            print("""
                source:     \(s.source.rawValue) (\(s.certificatePath))
                subject:    \(s.subject)
                names:      \(s.subjectAlternativeNames.joined(separator: ", "))
                issuer:     \(s.issuer)
                not before: \(ISO8601DateFormatter().string(from: s.notBefore))
                not after:  \(ISO8601DateFormatter().string(from: s.notAfter)) (\(days) days left)
                """)
        }
    }
}
