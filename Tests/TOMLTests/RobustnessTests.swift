import Testing
@testable import TOML
import TestRandom

/// Randomized mutations of valid documents: the parser must return or throw, never trap or
/// hang; whatever it accepts must survive render → parse unchanged; whatever it rejects must
/// be reported at a position inside the document.
@Suite struct RobustnessTests {
    static let seeds: [String] = [
        """
        # Postern configuration
        hostname = "mail.example.org"
        data_dir = '/var/lib/postern'

        [listen]
        smtp        = "0.0.0.0:25"
        submission  = "0.0.0.0:587"   # STARTTLS
        imaps       = "[::]:993"

        [dns]
        nameservers = ["127.0.0.1:53", "[::1]:53",]

        [relay]
        host = "smtp.example.net"
        port = 587
        tls.mode = "starttls"
        limits = { connections = 0x10, timeout = 1.5e2, retry = [1, 2, 3] }

        [[user]]
        name = "alice@example.org"
        quota = 1_000_000
        created = 1979-05-27T07:32:00.999-07:00

        [[user]]
        name = "bob"
        enabled = false
        since = 2024-02-29
        at = 07:32:00
        """,
        """
        str1 = \"\"\"
        Roses are red \\
          Violets are blue\"\"\"
        str2 = '''C:\\path\\'''
        esc = "\\u00E9\\U0001F600\\t\\"q\\""
        lit = 'x'
        [a.b.c]
        d = [ [ 1, 2 ], ["a", 'b'], [ {x = 1}, { y.z = -0.0 } ] ]
        [a]
        e = inf
        f = -nan
        g = 0o755
        h = 0b1010
        i = +1e-3
        j = 1979-05-27 07:32:00Z
        k = 1979-05-27T00:32:00
        "quoted key" = "ünïcödé"
        '' = ''
        """,
        "a = 1\r\nb = [\r\n  2, # c\r\n]\r\n[t]\r\nx = \"\"\"\r\ny\"\"\"\r\n",
        "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n[[fruits.varieties]]\nname = \"rd\"\n[[fruits]]\nname = \"banana\"",
    ]

    /// Bytes that steer mutations towards the grammar's decision points.
    static let interesting: [UInt8] = Array("[]{}=.,\"'#\\\n\r\t -+_:eEzZT0179xob".utf8) + [0x00, 0x7F, 0xC3, 0xA9, 0xFF, 0xED]

    @Test func mutationsNeverCrash() throws {
        var rng = SplitMix64(seed: 0x7045_7273_7465_726E)  // fixed seed: repeatable
        var accepted = 0
        var rejected = 0
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<10_000 {
            var bytes = Array(Self.seeds[Int.random(in: 0..<Self.seeds.count, using: &rng)].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                mutate(&bytes, using: &rng)
            }
            do {
                let table = try TOMLParser.parse(utf8: bytes)
                accepted += 1
                try checkRoundTrip(table, from: bytes)
            } catch let error as TOMLError {
                rejected += 1
                let lines = bytes.filter { $0 == 0x0A }.count + 1
                #expect(error.position.line >= 1 && error.position.line <= lines, "\(error)")
                #expect(error.position.column >= 1, "\(error)")
            }
        }
        #expect(accepted > 250 && rejected > 2_500, "accepted \(accepted), rejected \(rejected)")
        #expect(clock.now - start < .seconds(30))
    }

    func mutate(_ bytes: inout [UInt8], using rng: inout SplitMix64) {
        guard !bytes.isEmpty else {
            bytes = [Self.interesting.randomElement(using: &rng) ?? 0x61]
            return
        }
        let at = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0: bytes.remove(at: at)
        case 1: bytes.insert(Self.interesting.randomElement(using: &rng) ?? 0, at: at)
        case 2: bytes[at] = Self.interesting.randomElement(using: &rng) ?? 0
        case 3: bytes[at] = UInt8.random(in: 0...255, using: &rng)
        case 4:  // duplicate a slice: repeats keys, headers and brackets
            let end = min(bytes.count, at + Int.random(in: 1...40, using: &rng))
            bytes.insert(contentsOf: bytes[at..<end], at: Int.random(in: 0...bytes.count, using: &rng))
        case 5:  // cut a slice out
            let end = min(bytes.count, at + Int.random(in: 1...20, using: &rng))
            bytes.removeSubrange(at..<end)
        default: bytes.removeSubrange(at...)
        }
    }

    /// What parses renders to a document that parses to the same structure.
    func checkRoundTrip(_ table: TOMLTable, from bytes: [UInt8]) throws {
        let rendered = table.render()
        do {
            let again = try parse(rendered)
            #expect(canonical(again, sorted: true) == canonical(table, sorted: true),
                    "round trip changed \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        } catch {
            Issue.record("rendered document does not parse: \(error)\n\(rendered)")
        }
    }

    /// Every prefix of every seed: truncation at each byte, the common way a file is damaged.
    @Test func everyTruncation() {
        for seed in Self.seeds {
            let bytes = Array(seed.utf8)
            for end in 0...bytes.count {
                _ = try? TOMLParser.parse(utf8: Array(bytes[..<end]))
            }
        }
    }
}
