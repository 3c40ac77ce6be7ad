import IMAPProtocol
import NIOCore
import Testing

/// A command line and what it must parse to.
struct ParseCase: Sendable, CustomTestStringConvertible {
    let line: String
    let expected: Command
    var testDescription: String { line }

    init(_ line: String, _ expected: Command) {
        self.line = line
        self.expected = expected
    }
}

/// A command line that must be refused, with the reason.
struct RefusalCase: Sendable, CustomTestStringConvertible {
    let line: String
    let reason: ParseError.Reason?
    var testDescription: String { line.debugDescription }

    init(_ line: String, _ reason: ParseError.Reason? = nil) {
        self.line = line
        self.reason = reason
    }
}

/// Parses one command; CRLF is appended when missing.
func parse(_ line: String, limits: IMAPLimits = IMAPLimits()) throws(ParseError) -> TaggedCommand {
    try CommandParser.parse(line.hasSuffix("\n") ? line : line + "\r\n", limits: limits)
}

func mailbox(_ name: String) -> MailboxName { MailboxName(name) }

func set(_ text: String) -> SequenceSet {
    // A tiny helper to build sets from their wire form through the parser under test's
    // sibling (SEARCH), so expectations read like the RFC.
    guard case .search(let search, _) = try? parse("t SEARCH \(text)").command, case .sequenceSet(let s) = search.key else {
        Issue.record("bad sequence set fixture \(text)")
        return .ranges([])
    }
    return s
}

func date(_ year: Int, _ month: Int, _ day: Int) -> IMAPDate {
    IMAPDate(year: year, month: month, day: day)!
}

/// Feeds `input` to a fresh decoder in one piece and collects every message.
func decodeAll(_ input: String, limits: IMAPLimits = IMAPLimits()) -> [ClientMessage] {
    var decoder = CommandDecoder(limits: limits)
    return decodeAll(input, with: &decoder)
}

func decodeAll(_ input: String, with decoder: inout CommandDecoder) -> [ClientMessage] {
    var buffer = ByteBuffer(string: input)
    var out: [ClientMessage] = []
    while let message = decoder.next(&buffer) { out.append(message) }
    return out
}

func encode(_ response: Response, utf8: Bool = false) -> String {
    var buffer = ByteBuffer()
    ResponseEncoder(utf8: utf8).write(response, into: &buffer)
    return String(buffer: buffer)
}
