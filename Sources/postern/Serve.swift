import ArgumentParser
import Config
import Foundation
import PosternServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run every configured listener until SIGTERM or SIGINT.")
    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Log format: text (key=value lines) or json (one object per line); overrides log_format.")
    var logFormat: String?
    @Option(name: .long, help: "Least severe level logged (trace, debug, info, notice, warning, error, critical); overrides log_level.")
    var logLevel: String?

    func validate() throws {
        if let f = logFormat, !["text", "json"].contains(f) { throw ValidationError("--log-format must be text or json") }
        if let l = logLevel, !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(l) {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        var config = try options.load()
        if let logFormat { config.logFormat = logFormat }
        if let logLevel { config.logLevel = logLevel }
        if config.source == .developmentProfile {
            printError("postern: no configuration file found; running the development profile (data in \(config.dataDirectory))")
        }
        let server: PosternServer
        do {
            server = try await PosternServer.start(config: config)
        } catch {
            printError("postern: cannot start: \(error)")
            throw ExitCode(1)
        }
        try await server.run()
    }
}
