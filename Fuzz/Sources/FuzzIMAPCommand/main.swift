// Any bytes as one IMAP command (literals inline) and through the framing decoder.
import Glibc
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

// SwiftPM links an executable with its entry point renamed to `<target>_main`, so libFuzzer's
// own `main` is never reached: this file's top-level code starts libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32
var fuzzerArgc = CommandLine.argc
var fuzzerArgv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&fuzzerArgc, &fuzzerArgv, fuzz))
