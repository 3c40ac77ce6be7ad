// Any byte stream through the SMTP framer, switching to DATA whenever it pauses: it must
// always make progress and never trap.
import FuzzDriver
import NIOCore
import SMTPProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var decoder = SMTPFrameDecoder()
    var buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    var steps = 0
    while steps < 100_000 {
        steps += 1
        if let _ = decoder.decode(&buffer) { continue }
        if decoder.mode == .paused { decoder.beginData(); continue }
        break
    }
    precondition(steps < 100_000, "the framer stopped making progress")
    return 0
}

runFuzzer(fuzz)
