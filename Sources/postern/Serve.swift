import ArgumentParser
import Config
import Foundation
import PosternServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run every configured listener until SIGTERM or SIGINT.")
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let config = try options.load()
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
