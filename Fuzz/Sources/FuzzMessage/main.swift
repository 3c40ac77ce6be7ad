// Any bytes as a message: parse, structure, envelope, search text; every section resolves.
import FuzzDriver
import MessageFormat

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let message = MessageParser.parse(Array(UnsafeBufferPointer(start: data, count: size)))
    _ = message.bodyStructure(lineEndings: .crlf)
    _ = message.envelope
    _ = message.textForSearch(maxBytes: 1 << 16)
    _ = MessageParser.parseHeader(message.bytes)
    return 0
}

runFuzzer(fuzz)
