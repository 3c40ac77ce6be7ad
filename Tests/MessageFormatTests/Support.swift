import Foundation
import Testing
@testable import MessageFormat

/// Test helpers: fixtures and compact renderings of parse results for golden comparison.
enum Fixture {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }

    /// The real-world samples (LF line endings).
    static var samples: [String] {
        let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix("msg_") && $0.hasSuffix(".txt") }.sorted()
    }

    /// Hand-written hostile messages (CRLF, 8-bit, NUL, broken structure).
    static var hostile: [String] {
        let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix("hostile_") }.sorted()
    }
}

extension Array where Element == UInt8 {
    init(_ s: String) { self = Array(s.utf8) }
}

extension Collection where Element == UInt8 {
    var string: String { String(decoding: self, as: UTF8.self) }
}

/// Converts bare LF to CRLF (wire form); existing CRLFs stay.
func crlf(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    for b in s.utf8 {
        if b == 10 && out.last != 13 { out.append(13) }
        out.append(b)
    }
    return out
}

/// One line per part: section number, type, header and body ranges, body lines, flags;
/// children indented. The golden form of a parsed structure.
func describe(_ message: Message) -> String {
    var lines: [String] = []
    func walk(_ part: MIMEPart, _ section: String, _ indent: String) {
        var line = "\(indent)\(section.isEmpty ? "-" : section) \(part.contentType.mimeType)"
        line += " h\(part.headerRange.lowerBound)-\(part.headerRange.upperBound)"
        line += " b\(part.bodyRange.lowerBound)-\(part.bodyRange.upperBound) l\(part.bodyLineCount)"
        if part.limitReached { line += " LIMIT" }
        lines.append(line)
        if let e = part.encapsulatedMessage {
            // RFC 9051 §6.4.5: a non-multipart message's body is part 1.
            let prefix = section.isEmpty ? "1." : section + "."
            if e.isMultipart {
                lines.append("\(indent)  [message \(e.contentType.mimeType) h\(e.headerRange.lowerBound)-\(e.headerRange.upperBound) b\(e.bodyRange.lowerBound)-\(e.bodyRange.upperBound)]")
                for (i, c) in e.children.enumerated() { walk(c, prefix + "\(i + 1)", indent + "  ") }
            } else {
                walk(e, prefix + "1", indent + "  ")
            }
        }
        for (i, c) in part.children.enumerated() {
            walk(c, (section.isEmpty ? "" : section + ".") + "\(i + 1)", indent + "  ")
        }
    }
    walk(message.root, "", "")
    return lines.joined(separator: "\n")
}

func describe(_ a: EnvelopeAddress) -> String {
    func s(_ v: [UInt8]?) -> String { v.map { "\"\($0.string)\"" } ?? "NIL" }
    return "(\(s(a.name)) \(s(a.adl)) \(s(a.mailbox)) \(s(a.host)))"
}

func describe(_ e: Envelope) -> String {
    func s(_ v: [UInt8]?) -> String { v.map { "\"\($0.string)\"" } ?? "NIL" }
    func l(_ v: [EnvelopeAddress]) -> String { v.isEmpty ? "NIL" : "(" + v.map(describe).joined() + ")" }
    return [s(e.date), s(e.subject), l(e.from), l(e.sender), l(e.replyTo), l(e.to), l(e.cc), l(e.bcc),
            s(e.inReplyTo), s(e.messageID)].joined(separator: " ")
}
