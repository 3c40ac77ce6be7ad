// Any bytes as an SMTP command line: a value or a typed error, never a trap.
import FuzzDriver
import SMTPProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let line = UnsafeBufferPointer(start: data, count: size)
    for utf8 in [false, true] {
        _ = try? SMTPCommandParser(strictEnvelopes: !utf8, utf8Allowed: utf8).parse(line)
    }
    return 0
}

runFuzzer(fuzz)
