import Foundation
import MailCore
@testable import Store

/// A temporary store root, removed when the value is released.
final class TempRoot: Sendable {
    let path: String

    init() {
        let base = FileManager.default.temporaryDirectory.path + "/postern-store-tests"
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base + "/" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func store(analyzer: (any MessageAnalyzer)? = TestAnalyzer(), clock: StoreClock? = nil, limits: StoreLimits = StoreLimits()) -> MailStore {
        MailStore(configuration: .init(root: path, hostname: "mx.test", limits: limits, analyzer: analyzer,
                                       clock: clock ?? MailStore.systemClock))
    }
}

let alice = try! EmailAddress("alice@example.org")
let bob = try! EmailAddress("Bob@Example.ORG")

func message(subject: String, body: String = "Hello.\n", from: String = "carol@example.net") -> [UInt8] {
    Array("From: \(from)\nTo: alice@example.org\nSubject: \(subject)\nDate: Mon, 24 Nov 2025 10:00:00 +0000\n\n\(body)".utf8)
}

func name(_ s: String) -> MailboxName { try! MailboxName(s) }

/// Files of a Maildir directory (`cur`, `new`, `tmp`), sorted.
func files(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
}

/// A minimal analyser for tests: header fields by name, header and body text split at the
/// first empty line, bytes scanned once. (The real one is built on the MIME parser.)
struct TestAnalyzer: MessageAnalyzer {
    func analyze(_ message: [UInt8]) -> MessageAnalysis {
        var split = message.count
        var i = 0
        while i + 1 < message.count {
            if message[i] == 0x0A && (message[i + 1] == 0x0A || (message[i + 1] == 0x0D && i + 2 < message.count && message[i + 2] == 0x0A)) {
                split = i + 1
                break
            }
            i += 1
        }
        let header = message[..<split]
        let body = split < message.count ? message[split...] : []
        var a = MessageAnalysis(headerText: String(decoding: header, as: UTF8.self), bodyText: String(decoding: body, as: UTF8.self))
        for line in header.split(separator: 0x0A) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            var valueStart = colon + 1
            while valueStart < line.endIndex, line[valueStart] == 0x20 { valueStart += 1 }
            var valueEnd = line.endIndex
            if valueEnd > valueStart, line[valueEnd - 1] == 0x0D { valueEnd -= 1 }
            let value = String(decoding: line[valueStart..<valueEnd], as: UTF8.self)
            switch String(decoding: line[..<colon], as: UTF8.self).lowercased() {
            case "subject": a.subject = value
            case "from": a.from = value
            case "to": a.to = value
            case "cc": a.cc = value
            case "date": a.date = value
            default: break
            }
        }
        a.envelope = Array("ENV \(a.subject)".utf8)
        return a
    }
}

/// Runs a command (mount, umount, python); returns its exit status.
@discardableResult
func run(_ program: String, _ arguments: [String]) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = arguments
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}
