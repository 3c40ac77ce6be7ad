// Any bytes as one IMAP command (literals inline) and through the framing decoder.
import FuzzDriver
import IMAPProtocol
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? CommandParser.parse(bytes)
    var decoder = CommandDecoder()
    var buffer = ByteBuffer(bytes: bytes)
    var steps = 0
    while steps < 100_000, let _ = decoder.next(&buffer) { steps += 1 }
    return 0
}

runFuzzer(fuzz)
