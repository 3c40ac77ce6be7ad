/// A command the server cannot accept as sent, with what the server must answer.
///
/// RFC 9051 §7.1: a syntax error is answered with `BAD`, tagged when the tag could be read and
/// untagged otherwise. The decoder resynchronises at the next line, except when `closesConnection`
/// is set (a non-synchronizing literal too large to skip): then the answer is `* BYE` and the
/// session closes the connection.
public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// A line longer than `IMAPLimits.line` (or `authenticationLine`).
        case lineTooLong
        /// The command's lines and literals together exceed `IMAPLimits.command`, or it has more
        /// than `IMAPLimits.literalsPerCommand` literals.
        case commandTooLong
        /// A literal larger than `IMAPLimits.literal`.
        case literalTooLarge
        /// An APPEND message larger than `IMAPLimits.appendLiteral` (RFC 7889 `TOOBIG`).
        case messageTooLarge
        /// More parentheses or nested search keys than `IMAPLimits.nesting`.
        case nestingTooDeep
        /// A sequence set with more elements than `IMAPLimits.sequenceSetRanges`.
        case sequenceSetTooLarge
        /// The line does not start with a valid tag (RFC 9051 §9 `tag`).
        case invalidTag
        /// A tag and nothing else.
        case missingCommand
        case unknownCommand(String)
        /// The grammar did not match; the text says what was expected.
        case syntax(String)
        /// A string that must be UTF-8 is not.
        case invalidUTF8
        /// An AUTHENTICATE response or initial response that is not base64 (RFC 4959, RFC 9051 §6.2.2).
        case invalidBase64
        /// The client cancelled an AUTHENTICATE exchange with `*` (RFC 9051 §6.2.2).
        case authenticationCancelled
        /// SEARCH with a CHARSET other than US-ASCII and UTF-8 (RFC 9051 §6.4.4: `NO [BADCHARSET]`).
        case unsupportedCharset(String)
        /// During IDLE, a line other than DONE (RFC 2177 §3).
        case expectedDone
    }

    /// The tag of the command, when it could be read: the answer is then tagged.
    public let tag: String?
    public let reason: Reason
    /// True when the decoder could not resynchronise: answer `* BYE` and close the connection.
    public let closesConnection: Bool

    public init(tag: String?, reason: Reason, closesConnection: Bool = false) {
        self.tag = tag
        self.reason = reason
        self.closesConnection = closesConnection
    }

    /// Public text for the client; it never echoes client input beyond a command name.
    public var text: String {
        switch reason {
        case .lineTooLong: "Line too long"
        case .commandTooLong: "Command too long"
        case .literalTooLarge: "Literal too large"
        case .messageTooLarge: "Message too large"
        case .nestingTooDeep: "Too deeply nested"
        case .sequenceSetTooLarge: "Sequence set too large"
        case .invalidTag: "Invalid tag"
        case .missingCommand: "Missing command"
        case .unknownCommand: "Unknown command"
        case .syntax(let expected): "Syntax error: expected \(expected)"
        case .invalidUTF8: "Invalid UTF-8"
        case .invalidBase64: "Invalid base64"
        case .authenticationCancelled: "Authentication cancelled"
        case .unsupportedCharset: "Unsupported charset"
        case .expectedDone: "Expected DONE"
        }
    }

    public var description: String { "\(tag ?? "*") \(text)" }

    /// The response the server sends for this error.
    public var response: Response {
        if closesConnection {
            return .fatal(ResponseText(code: reason == .messageTooLarge || reason == .literalTooLarge ? .tooBig : nil, text))
        }
        let code: ResponseCode?
        let status: TaggedStatus
        switch reason {
        case .messageTooLarge:
            // RFC 7889 §4 / RFC 9051 §7.1: APPEND over the size limit is `NO [TOOBIG]`.
            code = .tooBig
            status = .no
        case .literalTooLarge:
            // RFC 7888 §5: an oversized literal is rejected with `BAD [TOOBIG]`.
            code = .tooBig
            status = .bad
        case .unsupportedCharset:
            code = .badCharset(["US-ASCII", "UTF-8"])
            status = .no
        case .authenticationCancelled:
            code = nil
            status = .bad
        default:
            code = nil
            status = .bad
        }
        let responseText = ResponseText(code: code, text)
        guard let tag else {
            // RFC 9051 §7.1.3: a BAD that cannot be tied to a command is untagged.
            return .untagged(.condition(.bad, responseText))
        }
        return .tagged(TaggedResponse(tag: tag, status: status, text: responseText))
    }
}
