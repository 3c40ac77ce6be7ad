import IMAPProtocol
@testable import IMAPServer
import NIOCore
import Testing

/// LF files, CRLF wire (see LineEndings).
@Suite struct LineEndingsTests {
    static let crlfCases: [(String, String)] = [
        ("", ""), ("a", "a"), ("a\nb\n", "a\r\nb\r\n"), ("a\r\nb\n", "a\r\nb\r\n"), ("\n\n", "\r\n\r\n"), ("a\rb", "a\rb"),
        ("\r\n\r\n", "\r\n\r\n"),
    ]

    @Test(arguments: 0..<crlfCases.count) func toCRLF(_ index: Int) {
        let (input, output) = Self.crlfCases[index]
        #expect(LineEndings.crlf(Array(input.utf8)) == Array(output.utf8))
    }

    static let lfCases: [(String, String)] = [
        ("a\r\nb\r\n", "a\nb\n"), ("a\nb", "a\nb"), ("a\rb\r", "a\rb\r"), ("\r\r\n", "\r\n"), ("", ""),
    ]

    @Test(arguments: 0..<lfCases.count) func toLF(_ index: Int) {
        let (input, output) = Self.lfCases[index]
        #expect(LineEndings.lf(ByteBuffer(string: input).readableBytesView) == Array(output.utf8))
    }

    /// Streaming block by block gives the same bytes as converting at once, for every window
    /// and block size (a CR at the end of one block and an LF at the start of the next).
    @Test func streamMatchesWholeConversion() {
        let file = Array("ab\r\ncd\nef\r\n\ngh\rij\n".utf8)
        let converted = LineEndings.crlf(file)
        for blockSize in 1...6 {
            for start in 0...converted.count {
                for end in start...converted.count {
                    var stream = CRLFStream(window: UInt64(start)..<UInt64(end))
                    var out = ByteBuffer()
                    var offset = 0
                    while offset < file.count {
                        let block = Array(file[offset..<min(file.count, offset + blockSize)])
                        stream.feed(block, into: &out)
                        offset += block.count
                    }
                    #expect(Array(out.readableBytesView) == Array(converted[start..<end]))
                }
            }
        }
    }

    @Test func partialRanges() {
        let data = Array("0123456789".utf8)
        #expect(applyPartial(data, nil) == data)
        #expect(applyPartial(data, Partial(offset: 2, length: 3)) == Array("234".utf8))
        #expect(applyPartial(data, Partial(offset: 8, length: 100)) == Array("89".utf8))
        #expect(applyPartial(data, Partial(offset: 50, length: 1)) == [])
        #expect(applyPartial(data, Partial(offset: 1, length: UInt64(Int64.max))) == Array("123456789".utf8))
    }
}
