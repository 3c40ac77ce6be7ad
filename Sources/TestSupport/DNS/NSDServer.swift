// NLnet Labs' NSD (Debian package `nsd`) as a real authoritative server for integration
// tests and benchmarks: zone files and configuration in a temporary directory, listening on
// 127.0.0.1 on a free port, stopped with its whole process group.

import Foundation
public import DNSClient
import NIOCore
import NIOPosix

public final class NSDServer: Sendable {
    public static let executable = "/usr/sbin/nsd"

    public let port: Int
    public let directory: String
    private let process: SpawnedProcess

    private init(port: Int, directory: String, process: SpawnedProcess) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    public var nameserver: Nameserver { Nameserver(.v4(0x7F00_0001), port: port) }

    /// Starts NSD serving `zones` (origin → master-file text) and waits until it answers
    /// the first zone's SOA. Throws when NSD is not installed or does not come up.
    public static func start(zones: [(origin: String, text: String)]) async throws -> NSDServer {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw NSDServerError("\(executable) not found: install the Debian package nsd")
        }
        guard let probeZone = zones.first, let probeName = try? DNSName(probeZone.origin) else {
            throw NSDServerError("no zone to serve")
        }
        var lastLog = ""
        for _ in 0..<startAttempts {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("postern-nsd-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let port = try await freeLoopbackPort()
            var zoneConfig = ""
            for (index, zone) in zones.enumerated() {
                try zone.text.write(toFile: "\(directory)/zone\(index).zone", atomically: true, encoding: .utf8)
                zoneConfig += "zone:\n  name: \"\(zone.origin)\"\n  zonefile: \"zone\(index).zone\"\n"
            }
            try """
                server:
                  ip-address: 127.0.0.1
                  port: \(port)
                  do-ip6: no
                  username: ""
                  chroot: ""
                  zonesdir: "\(directory)"
                  database: ""
                  zonelistfile: "\(directory)/zone.list"
                  xfrdfile: "\(directory)/xfrd.state"
                  pidfile: "\(directory)/nsd.pid"
                  logfile: "\(directory)/nsd.log"
                  server-count: 1
                  verbosity: 1
                remote-control:
                  control-enable: no

                """.appending(zoneConfig)
                .write(toFile: "\(directory)/nsd.conf", atomically: true, encoding: .utf8)
            let process = try SpawnedProcess.spawn(executable, ["-d", "-c", "\(directory)/nsd.conf"],
                                                   outputPath: "\(directory)/output.log")
            let server = NSDServer(port: port, directory: directory, process: process)
            let probe = StubResolver(
                configuration: ResolverConfiguration(nameservers: [server.nameserver], timeout: .milliseconds(200),
                                                     attempts: 1, cacheCapacity: 0),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            let deadline = ContinuousClock.now + startTimeout
            while ContinuousClock.now < deadline, process.isRunning {
                if case .found = await probe.lookup(probeName, .soa) { return server }
                try await Task.sleep(for: .milliseconds(50))
            }
            // The port was taken meanwhile, or NSD rejected the zone: try again.
            let log = (try? String(contentsOfFile: "\(directory)/nsd.log", encoding: .utf8)) ?? ""
            let output = (try? String(contentsOfFile: "\(directory)/output.log", encoding: .utf8)) ?? ""
            lastLog = "running=\(process.isRunning) log: \(log.suffix(600)) output: \(output.suffix(600))"
            await server.stop()
            if !log.isEmpty && log.contains("error") && !log.contains("in use") {
                throw NSDServerError("nsd failed: \(log)")
            }
        }
        throw NSDServerError("nsd did not start after \(startAttempts) attempts; last: \(lastLog)")
    }

    private static let startAttempts = 6
    private static let startTimeout: Duration = .seconds(10)

    /// Stops NSD and removes its directory.
    public func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

public struct NSDServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A port free for both UDP and TCP on 127.0.0.1 at the time of asking.
func freeLoopbackPort() async throws -> Int {
    let udp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = udp.localAddress?.port ?? 0
    let tcp = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: port).get()
    try await udp.close()
    try? await tcp?.close()
    return port
}
