// Any byte stream through the SMTP framer, switching to DATA whenever it pauses: it must
// always make progress and never trap.
import Glibc
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

// SwiftPM links an executable with its entry point renamed to `<target>_main`, so libFuzzer's
// own `main` is never reached: this file's top-level code starts libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32
var fuzzerArgc = CommandLine.argc
var fuzzerArgv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&fuzzerArgc, &fuzzerArgv, fuzz))
