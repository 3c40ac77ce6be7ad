// `postern-bench dns`: lookups per second of StubResolver against a DNS server on
// loopback, uncached (every lookup goes to the server over UDP, fresh socket each time) and
// cached (answers from StubResolver's cache), at several concurrency levels.

import ArgumentParser
import DNSClient
import Foundation
import MailCore
import NIOPosix
import TestSupport

struct DNSBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Cached and uncached DNS lookups per second against a local server.")

    enum ServerKind: String, ExpressibleByArgument, CaseIterable {
        /// NSD in its own process (Debian package nsd): the realistic case.
        case nsd
        /// TestSupport's in-process TestDNSServer, sharing the CPU with the resolver.
        case test
    }

    @Option(help: "Server to query: nsd (separate process) or test (in-process TestDNSServer).")
    var server: ServerKind = .nsd

    @Option(help: "Distinct names in the zone; each uncached round looks every one up once.")
    var names = 5_000

    @Option(help: "Lookups per cached round.")
    var cachedLookups = 200_000

    @Option(parsing: .upToNextOption, help: "Concurrent lookups (tasks), one round each.")
    var concurrency: [Int] = [1, 16, 64]

    @Option(help: "With --server nsd: also time dnspython (python3-dnspython) doing the uncached sequential lookups, as a reference; path of Benchmarks/reference/dnspython_lookups.py.")
    var reference: String?

    func validate() throws {
        guard names > 0, names <= 60_000, cachedLookups > 0, !concurrency.isEmpty, concurrency.allSatisfy({ $0 > 0 })
        else { throw ValidationError("names 1...60000, lookups and concurrency positive") }
    }

    func run() async throws {
        let hosts = try (0..<names).map { try DNSName("h\($0).bench.test") }
        let nameserver: Nameserver
        var stop: () async -> Void
        switch server {
        case .nsd:
            var zone = "$ORIGIN bench.test.\n$TTL 3600\n"
            zone += "@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n"
            for i in 0..<names { zone += "h\(i) IN A 10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)\n" }
            let nsd = try await NSDServer.start(zones: [("bench.test", zone)])
            nameserver = nsd.nameserver
            stop = { await nsd.stop() }
        case .test:
            var zone = TestDNSZone()
            for (i, host) in hosts.enumerated() {
                zone.add(host, .a(.v4(UInt32(10) << 24 | UInt32(i))), ttl: 3600)
            }
            let testServer = try await TestDNSServer.start(zone)
            nameserver = testServer.nameserver
            stop = { await testServer.stop() }
        }
        print("DNS benchmark: server \(server.rawValue) at \(nameserver), \(names) names")
        var sequentialUncachedRate: Double?
        print("mode      concurrency   lookups    seconds   lookups/s   p50 ms   p99 ms   failures")
        for level in concurrency {
            let uncached = StubResolver(
                configuration: ResolverConfiguration(nameservers: [nameserver], timeout: .seconds(2), attempts: 2,
                                                     cacheCapacity: 0),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            let cold = await measure(resolver: uncached, hosts: hosts, lookups: names, concurrency: level)
            print(cold.line(mode: "uncached", concurrency: level))
            if level == 1 { sequentialUncachedRate = Double(cold.lookups) / cold.seconds }

            let cached = StubResolver(
                configuration: ResolverConfiguration(nameservers: [nameserver], cacheCapacity: names),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            _ = await measure(resolver: cached, hosts: hosts, lookups: names, concurrency: 16)  // warm up
            let warm = await measure(resolver: cached, hosts: hosts, lookups: cachedLookups, concurrency: level)
            print(warm.line(mode: "cached", concurrency: level))
        }
        if let reference, server == .nsd {
            await runReference(script: reference, port: nameserver.port, ours: sequentialUncachedRate)
        }
        await stop()
    }

    /// Runs the dnspython reference against the same NSD and prints the ratio.
    func runReference(script: String, port: Int, ours: Double?) async {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("dns-reference-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        do {
            let process = try SpawnedProcess.spawn("/usr/bin/python3", [script, String(port), String(names), "bench.test"],
                                                   outputPath: output)
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            let fields = try String(contentsOfFile: output, encoding: .utf8).split(separator: " ")
            guard fields.count == 3, let seconds = Double(fields[1].trimmingCharacters(in: .whitespacesAndNewlines)),
                  let lookups = Double(fields[0]), seconds > 0 else {
                print("reference: unexpected output: \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
                return
            }
            let rate = lookups / seconds
            print("reference dnspython, uncached, concurrency 1: \(format(rate, 0)) lookups/s, failures \(fields[2].trimmingCharacters(in: .whitespacesAndNewlines))")
            if let ours { print("ratio StubResolver / dnspython (uncached, concurrency 1): \(format(ours / rate, 2))") }
        } catch {
            print("reference: \(error)")
        }
    }

    struct Measurement {
        var lookups: Int
        var seconds: Double
        var latencies: [Duration]
        var failures: Int

        func line(mode: String, concurrency: Int) -> String {
            let sorted = latencies.sorted()
            func ms(_ q: Double) -> String {
                guard !sorted.isEmpty else { return "-" }
                let d = sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
                return format(Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000, 3)
            }
            return [pad(mode, 9), pad(String(concurrency), 12, right: true), pad(String(lookups), 10, right: true),
                    pad(format(seconds, 3), 10, right: true), pad(format(Double(lookups) / seconds, 0), 11, right: true),
                    pad(ms(0.5), 8, right: true), pad(ms(0.99), 8, right: true), pad(String(failures), 10, right: true)]
                .joined(separator: " ")
        }
    }

    /// `lookups` A lookups cycling over `hosts`, spread over `concurrency` tasks.
    func measure(resolver: StubResolver, hosts: [DNSName], lookups: Int, concurrency: Int) async -> Measurement {
        let clock = ContinuousClock()
        let start = clock.now
        let results = await withTaskGroup(of: ([Duration], Int).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var latencies: [Duration] = []
                    var failures = 0
                    var index = worker
                    while index < lookups {
                        let began = clock.now
                        if case .found = await resolver.lookup(hosts[index % hosts.count], .a) {
                            latencies.append(clock.now - began)
                        } else {
                            failures += 1
                        }
                        index += concurrency
                    }
                    return (latencies, failures)
                }
            }
            var all: ([Duration], Int) = ([], 0)
            for await (latencies, failures) in group {
                all.0 += latencies
                all.1 += failures
            }
            return all
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Measurement(lookups: lookups, seconds: seconds, latencies: results.0, failures: results.1)
    }
}

private func format(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = decimals == 0 ? String(Int(rounded)) : String(rounded)
    if decimals > 0, let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}

private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return right ? fill + text : text + fill
}
