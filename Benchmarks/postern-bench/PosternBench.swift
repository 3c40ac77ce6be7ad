// postern-bench: Postern's benchmarks, one subcommand per area. Each prints what it
// measured; docs/benchmarks.md records the numbers and the machine.

import ArgumentParser

@main
struct PosternBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postern-bench",
        abstract: "Benchmarks for Postern's modules.",
        subcommands: [DNSBenchmark.self, OutboundBenchmark.self])
}
