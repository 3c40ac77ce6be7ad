// Any bytes as an SMTP command line: a value or a typed error, never a trap.
import Glibc
import SMTPProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let line = UnsafeBufferPointer(start: data, count: size)
    for utf8 in [false, true] {
        _ = try? SMTPCommandParser(strictEnvelopes: !utf8, utf8Allowed: utf8).parse(line)
    }
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
