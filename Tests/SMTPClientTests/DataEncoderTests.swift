import Testing
@testable import SMTPClient
import TestRandom

/// RFC 5321 §4.5.2 transparency and §2.3.8 line endings: what leaves us.
@Suite struct DataEncoderTests {
    static func encode(_ s: String, max: Int = 998) -> String {
        String(decoding: SMTPDataEncoder.encode(Array(s.utf8), maxLineOctets: max), as: UTF8.self)
    }

    @Test(arguments: [
        ("Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n.\r\n"),
        ("Subject: x\n\nbody\n", "Subject: x\r\n\r\nbody\r\n.\r\n"),
        ("no final line end", "no final line end\r\n.\r\n"),
        ("", ".\r\n"),
        (".starts with a dot\n", "..starts with a dot\r\n.\r\n"),
        ("a\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n"),
        ("a\r\n..\r\n", "a\r\n...\r\n.\r\n"),
    ])
    func encodes(_ input: String, _ expected: String) {
        #expect(Self.encode(input) == expected)
    }

    /// The SMTP smuggling sequences (2023): bare LF or bare CR around a dot. Each must come
    /// out as a stuffed dot line inside the data, never as an end of data.
    @Test(arguments: [
        "a\n.\nMAIL FROM:<evil@example.org>\n",
        "a\n.\r\nMAIL FROM:<evil@example.org>\r\n",
        "a\r\n.\nMAIL FROM:<evil@example.org>\r\n",
        "a\r.\rMAIL FROM:<evil@example.org>\r",
        "a\r\n.\rMAIL FROM:<evil@example.org>\r\n",
        "a\r.\r\nMAIL FROM:<evil@example.org>\r\n",
        "a\n.\n",
        "\r\n.\r\n",
    ])
    func smugglingSequencesAreNeutralised(_ input: String) {
        let out = Self.encode(input)
        #expect(out.hasSuffix("\r\n.\r\n") || out == ".\r\n")
        // The only terminator is the last one.
        let terminators = out.components(separatedBy: "\r\n.\r\n").count - 1
        #expect(terminators == 1 || out.hasPrefix(".\r\n"))
        #expect(Self.lineEndingsAreCRLF(Array(out.utf8)))
    }

    @Test func longLinesAreBroken() {
        let out = Self.encode(String(repeating: "x", count: 25) + "\n", max: 10)
        #expect(out == "xxxxxxxxxx\r\n xxxxxxxxx\r\n xxxxxx\r\n.\r\n")
    }

    @Test func dotAfterBreakIsNotAtLineStart() {
        // The continuation begins with a space, so a dot that lands there needs no stuffing.
        #expect(Self.encode("0123456789.abc\n", max: 10) == "0123456789\r\n .abc\r\n.\r\n")
    }

    /// Split at CRLF (the last element is what follows the last CRLF).
    static func lines(_ b: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < b.count {
            if b[i] == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A {
                out.append(current); current = []; i += 2
            } else {
                current.append(b[i]); i += 1
            }
        }
        out.append(current)
        return out
    }

    static func lineEndingsAreCRLF(_ b: [UInt8]) -> Bool {
        for (i, c) in b.enumerated() {
            if c == 0x0D && (i + 1 >= b.count || b[i + 1] != 0x0A) { return false }
            if c == 0x0A && (i == 0 || b[i - 1] != 0x0D) { return false }
        }
        return true
    }

    /// For random content in random pieces: CRLF only, no "." line before the end, lines
    /// within the limit, the same result as one call, and unstuffing gives back the lines.
    @Test func randomizedInvariants() {
        var rng = SplitMix64(seed: 42)
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x2E, 0x41, 0x20, 0xC3, 0xA9]
        for _ in 0..<2000 {
            let n = Int(rng.next() % 200)
            let content = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let whole = SMTPDataEncoder.encode(content, maxLineOctets: 40)
            var encoder = SMTPDataEncoder(maxLineOctets: 40)
            var pieces: [UInt8] = []
            var i = 0
            while i < content.count {
                let step = 1 + Int(rng.next() % 7)
                encoder.encode(content[i..<min(i + step, content.count)], into: &pieces)
                i += step
            }
            encoder.finish(into: &pieces)
            #expect(pieces == whole)
            #expect(Self.lineEndingsAreCRLF(whole))
            var lines = Self.lines(whole)
            #expect(lines.removeLast() == [])
            #expect(lines.removeLast() == [UInt8(ascii: ".")])
            for line in lines {
                #expect(line != [UInt8(ascii: ".")])
                #expect(line.count <= 40)
            }
            // Unstuffed and joined, the lines equal the content with normalised line ends
            // (when no line had to be broken).
            if lines.allSatisfy({ $0.count < 40 }) {
                let unstuffed = lines.map { $0.first == UInt8(ascii: ".") ? Array($0.dropFirst()) : $0 }
                var normalised: [UInt8] = []
                var k = 0
                while k < content.count {
                    if content[k] == 0x0D && k + 1 < content.count && content[k + 1] == 0x0A { normalised.append(0x0A); k += 2; continue }
                    normalised.append(content[k] == 0x0D ? 0x0A : content[k])
                    k += 1
                }
                if !normalised.isEmpty && normalised.last != 0x0A { normalised.append(0x0A) }
                let rebuilt: [UInt8] = unstuffed.flatMap { line -> [UInt8] in line + [UInt8(0x0A)] }
                #expect(rebuilt == normalised)
            }
        }
    }
}

import Foundation
