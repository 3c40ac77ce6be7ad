import NIOCore
import Testing
@testable import SMTPProtocol
import TestRandom

/// Feeds `input` to a decoder in pieces of `split` bytes (every split size exercises a
/// different boundary) and collects frames; after a line ending in DATA the test driver does
/// what a session would: begin data mode.
func runDecoder(_ input: String, split: Int, beginDataAfterDATA: Bool = true) -> [String] {
    var decoder = SMTPFrameDecoder()
    var buffer = ByteBuffer()
    var out: [String] = []
    var content = ""
    let bytes = Array(input.utf8)
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + split)
        buffer.writeBytes(bytes[offset..<end])
        offset = end
        while let frame = decoder.decode(&buffer) {
            switch frame {
            case .line(let l, _):
                let text = String(buffer: l)
                out.append("line:" + text)
                if text.uppercased() == "DATA" && beginDataAfterDATA { decoder.beginData() }
            case .lineTooLong: out.append("toolong")
            case .data(let d): content += String(buffer: d)
            case .dataEnd(let bare):
                out.append("data:" + content.debugDescription + " bare=\(bare)")
                content = ""
            case .chunk(let c): content += String(buffer: c)
            case .chunkEnd(let last):
                out.append("chunk:" + content.debugDescription + (last ? " last" : ""))
                content = ""
            }
        }
    }
    return out
}

@Suite struct SMTPFrameDecoderTests {
    @Test(arguments: [1, 2, 3, 7, 1000])
    func linesDataAndChunks(split: Int) {
        let session = "EHLO x\r\nMAIL FROM:<a@b>\r\nDATA\r\nSubject: hi\r\n\r\n..dot\r\n.\r\nBDAT 5\r\nhelloBDAT 3 LAST\r\nabcQUIT\r\n"
        #expect(runDecoder(session, split: split) == [
            "line:EHLO x", "line:MAIL FROM:<a@b>", "line:DATA",
            "data:\"Subject: hi\\r\\n\\r\\n.dot\\r\\n\" bare=0",
            "line:BDAT 5", "chunk:\"hello\"", "line:BDAT 3 LAST", "chunk:\"abc\" last", "line:QUIT",
        ])
    }

    // The SMTP smuggling variants: none of them may end the message or start a command.
    @Test(arguments: [
        ("a\n.\nMAIL FROM:<x@y>\r\n.\r\n", "a\r\n.\r\nMAIL FROM:<x@y>\r\n", 2),
        ("a\n.\r\nRCPT TO:<x@y>\r\n.\r\n", "a\r\n.\r\nRCPT TO:<x@y>\r\n", 1),
        ("a\r.\r\nRSET\r\n.\r\n", "a\r\n.\r\nRSET\r\n", 1),
        ("a\r\n.\nQUIT\r\n.\r\n", "a\r\n.\r\nQUIT\r\n", 1),
        ("a\r\n.\rQUIT\r\n.\r\n", "a\r\n.\r\nQUIT\r\n", 1),
        ("a\r\n\r.\r\nx\r\n.\r\n", "a\r\n\r\n.\r\nx\r\n", 1),
    ])
    func smugglingIsContent(body: String, stored: String, bare: Int) {
        for split in [1, 2, 5, 100] {
            #expect(runDecoder("DATA\r\n" + body, split: split) == ["line:DATA", "data:\(stored.debugDescription) bare=\(bare)"])
        }
    }

    @Test func nothingIsDecodedAfterDATAUntilTheSessionDecides() {
        var decoder = SMTPFrameDecoder()
        var buffer = ByteBuffer(string: "DATA\r\nMAIL FROM:<x@y>\r\n")
        guard case .line(_, let more) = decoder.decode(&buffer) else { Issue.record(); return }
        #expect(more)
        #expect(decoder.decode(&buffer) == nil)
        #expect(decoder.mode == .paused)
        decoder.resumeCommands()
        guard case .line(let l, _) = decoder.decode(&buffer) else { Issue.record(); return }
        #expect(String(buffer: l) == "MAIL FROM:<x@y>")
    }

    @Test func overlongLinesAreSkipped() {
        let long = String(repeating: "A", count: 20_000)
        #expect(runDecoder("NOOP \(long)\r\nQUIT\r\n", split: 4096) == ["toolong", "line:QUIT"])
        #expect(runDecoder("NOOP \(long)\r\nQUIT\r\n", split: 100_000) == ["toolong", "line:QUIT"])
    }

    @Test func bareLFCommandLinesAccepted() {
        #expect(runDecoder("EHLO x\nQUIT\n", split: 3) == ["line:EHLO x", "line:QUIT"])
    }

    @Test func randomInputNeverTraps() {
        var rng = SplitMix64(seed: 7)
        let alphabet: [UInt8] = Array("\r\n.BDATbdat 0123456789LASTx".utf8)
        for _ in 0..<2000 {
            var decoder = SMTPFrameDecoder()
            var buffer = ByteBuffer()
            let n = Int(rng.next() % 200)
            buffer.writeBytes((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            var guardCount = 0
            while guardCount < 10_000 {
                guardCount += 1
                guard let frame = decoder.decode(&buffer) else {
                    if decoder.mode == .paused { decoder.beginData(); continue }
                    break
                }
                _ = frame
            }
            #expect(guardCount < 10_000)
        }
    }
}

