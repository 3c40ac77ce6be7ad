// Certificates change on disk (certbot renewals, a new key): new connections should use the
// new one without a restart. Checked every few seconds and at once on SIGHUP.

import Logging
import ServiceLifecycle
import TLSCertificates
import UnixSignals

struct CertificateReloader: Service {
    let store: CertificateStore
    let logger: Logger
    var interval: Duration = .seconds(5)

    func run() async throws {
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    reload(force: true)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    reload(force: false)
                }
            }
            // Stop with the rest of the server.
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    func reload(force: Bool) {
        do {
            if try store.reloadIfChanged(force: force) {
                let s = store.summary
                logger.info("certificate reloaded", metadata: ["subject": .string(s.subject), "not_after": .string("\(s.notAfter)")])
            }
        } catch {
            logger.error("certificate reload failed; keeping the current one", metadata: ["error": .string("\(error)")])
        }
    }
}
