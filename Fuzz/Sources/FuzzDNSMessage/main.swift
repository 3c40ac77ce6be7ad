// Any bytes as a DNS response: decoded or a typed error; what decodes re-encodes.
import Glibc
import DNSClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? DNSWire.decode(Array(UnsafeBufferPointer(start: data, count: size)))
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
