// One line per event, for operators and for log parsers (intrusion prevention reads
// authentication failures from these lines). Two formats:
//   text: 2026-11-25T08:19:13.123Z info smtp conn=4f2a remote=192.0.2.1 result=rejected: RCPT refused
//         -> `<time> <level> <label> <key=value ...>: <message>` ... keys in a stable order.
//   json: {"time":"...","level":"info","label":"smtp","msg":"...","conn":"4f2a",...}

public import Logging
import Foundation
import Synchronization

public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// Where log lines go; the default is standard error. Tests capture lines in memory.
public protocol LogSink: Sendable {
    func write(_ line: String)
}

public struct StandardErrorSink: LogSink {
    public init() {}
    public func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}

/// Keeps lines in memory (tests, and `postern` commands that show recent log lines).
public final class MemoryLogSink: LogSink {
    private let storage = Mutex<[String]>([])
    public init() {}
    public func write(_ line: String) { storage.withLock { $0.append(line) } }
    public var lines: [String] { storage.withLock { $0 } }
}

public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let label: String
    let format: LogFormat
    let sink: any LogSink

    /// Keys printed first, in this order, so that lines line up for grep and parsers.
    static let leadingKeys = ["conn", "remote", "user", "queue_id", "result"]
    /// Keys whose values never reach the log, whatever a caller passes.
    static let secretKeys: Set<String> = ["password", "secret", "pass", "token", "authorization"]

    public init(label: String, format: LogFormat = .text, level: Logger.Level = .info, sink: any LogSink = StandardErrorSink()) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata {
            all.merge(extra) { _, new in new }
        }
        let time = Self.timestamp()
        var fields: [(String, String)] = []
        for key in Self.leadingKeys {
            if let v = all.removeValue(forKey: key) { fields.append((key, Self.render(key, v))) }
        }
        for key in all.keys.sorted() {
            fields.append((key, Self.render(key, all[key]!)))
        }
        switch format {
        case .text:
            var line = "\(time) \(event.level) \(label)"
            for (k, v) in fields { line += " \(k)=\(Self.quoteIfNeeded(v))" }
            line += ": \(event.message)"
            sink.write(line)
        case .json:
            var line = "{\"time\":\(Self.json(time)),\"level\":\(Self.json(event.level.rawValue)),\"label\":\(Self.json(label)),\"msg\":\(Self.json(event.message.description))"
            for (k, v) in fields { line += ",\(Self.json(k)):\(Self.json(v))" }
            line += "}"
            sink.write(line)
        }
    }

    static func render(_ key: String, _ value: Logger.Metadata.Value) -> String {
        if secretKeys.contains(key.lowercased()) { return "[redacted]" }
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return a.map { render(key, $0) }.joined(separator: ",")
        case .dictionary(let d): return d.keys.sorted().map { "\($0):\(render($0, d[$0]!))" }.joined(separator: ",")
        }
    }

    /// Values with spaces, quotes, `=` or control characters are quoted so that one line is
    /// one event and a client cannot forge fields (a HELO name with " result=ok").
    static func quoteIfNeeded(_ v: String) -> String {
        if !v.isEmpty && v.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "=" && $0 != "\\" }) {
            return v
        }
        var out = "\""
        for s in v.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if s.value < 0x20 || s.value == 0x7F { out += hexEscape("\\x", s.value, width: 2) } else { out.unicodeScalars.append(s) }
            }
        }
        return out + "\""
    }

    static func json(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += hexEscape("\\u", scalar.value, width: 4) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// `2026-11-25T12:00:00.123Z`, UTC. Written digit by digit: it is on every line, and
    /// Foundation's `String(format:)` cost more than the rest of a line's formatting.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var tm = tm()
        gmtime_r(&t, &tm)
        var out = [UInt8]()
        out.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(truncatingIfNeeded: 0x30 + (v / divisor) % 10))
                v %= divisor
                divisor /= 10
            }
        }
        digits(Int(tm.tm_year) + 1900, 4); out.append(0x2D)
        digits(Int(tm.tm_mon) + 1, 2); out.append(0x2D)
        digits(Int(tm.tm_mday), 2); out.append(0x54)
        digits(Int(tm.tm_hour), 2); out.append(0x3A)
        digits(Int(tm.tm_min), 2); out.append(0x3A)
        digits(Int(tm.tm_sec), 2); out.append(0x2E)
        digits(Int(ts.tv_nsec / 1_000_000), 3); out.append(0x5A)
        return String(decoding: out, as: UTF8.self)
    }

    /// `\x1b`-style escapes for control characters (`width` hex digits).
    static func hexEscape(_ prefix: String, _ value: UInt32, width: Int) -> String {
        let hex = String(value, radix: 16)
        return prefix + String(repeating: "0", count: max(0, width - hex.count)) + hex
    }
}

extension Logger.Level {
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}
