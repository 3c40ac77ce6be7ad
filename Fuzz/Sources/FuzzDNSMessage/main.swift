// Any bytes as a DNS response: decoded or a typed error; what decodes re-encodes.
import FuzzDriver
import DNSClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? DNSWire.decode(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

runFuzzer(fuzz)
