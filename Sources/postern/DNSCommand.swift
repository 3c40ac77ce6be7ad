import ArgumentParser
import Config
import DNSClient
import Foundation
import NIOPosix
import PosternServer

struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dns", abstract: "DNS lookups through the configured resolver.",
                                                    subcommands: [Lookup.self])

    struct Lookup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Look a name up, dig-like: postern dns lookup MX example.org")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Record type: A, AAAA, MX, TXT, PTR, CNAME, SRV, TLSA, SOA, NS.") var type: String
        @Argument(help: "The name; for PTR an IP address is accepted.") var name: String

        func run() async throws {
            let config = try options.load()
            guard let recordType = RecordType(mnemonic: type.uppercased()) else {
                throw ValidationError("unknown record type \(type)")
            }
            var queryName = name
            if recordType == .ptr, let ip = IPAddress(name) { queryName = ip.reverseLookupName }
            let dnsName: DNSName
            do { dnsName = try DNSName(queryName) } catch { throw ValidationError("invalid name \(name): \(error)") }
            let resolverConfig: ResolverConfiguration
            do { resolverConfig = try ServerComponents.resolverConfiguration(for: config) } catch {
                printError("postern: \(error)")
                throw ExitCode(1)
            }
            let resolver = StubResolver(configuration: resolverConfig, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            let result = await resolver.lookup(dnsName, recordType)
            print(formatLookup(name: dnsName, type: recordType, result: result), terminator: "")
            if case .temporaryFailure = result { throw ExitCode(1) }
        }
    }
}

import MailCore
