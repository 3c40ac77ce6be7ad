// Any bytes as a configuration file.
import FuzzDriver
import TOML

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? TOMLParser.parse(utf8: Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

runFuzzer(fuzz)
