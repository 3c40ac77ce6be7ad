/// Why a mailbox name from the client cannot be used.
public enum MailboxNameError: Error, Hashable, Sendable {
    /// Not valid modified UTF-7 (before UTF8=ACCEPT; RFC 3501 §5.1.3).
    case invalidModifiedUTF7(ModifiedUTF7.DecodingError)
    /// Not valid UTF-8 (after UTF8=ACCEPT, or IMAP4rev2; RFC 6855 §3, RFC 9051 §5.1).
    case invalidUTF8
    /// Contains a control character: RFC 9051 §5.1 asks for names that are valid Net-Unicode
    /// (RFC 5198), which excludes them.
    case controlCharacter
}

/// Decodes a mailbox name or pattern the way the session's mode says. The grammar parser keeps
/// the bytes as sent: a pipelined command after `ENABLE UTF8=ACCEPT` may be parsed before the
/// session has acted on ENABLE, so the interpretation belongs to the session, in command order.
private func decodeMailboxBytes(_ bytes: [UInt8], utf8: Bool) throws(MailboxNameError) -> String {
    let text: String
    if utf8 {
        guard let valid = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        text = valid
    } else {
        do {
            text = try ModifiedUTF7.decode(bytes)
        } catch {
            throw .invalidModifiedUTF7(error)
        }
    }
    for scalar in text.unicodeScalars where scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) {
        _ = scalar
        throw .controlCharacter
    }
    return text
}

/// A mailbox name as the client sent it (RFC 9051 §9 `mailbox = "INBOX" / astring`).
///
/// RFC 9051 §5.1: INBOX is case-insensitive; any spelling of it is stored as `INBOX`.
public struct MailboxName: Hashable, Sendable, CustomStringConvertible {
    /// The octets of the astring, quotes and escapes removed.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        if bytes.count == 5, bytes.lowercasedASCII() == Array("inbox".utf8) {
            self.bytes = Array("INBOX".utf8)
        } else {
            self.bytes = bytes
        }
    }

    /// A name from its UTF-8 (or already modified UTF-7) text.
    public init(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }

    public static let inbox = MailboxName("INBOX")

    public var isInbox: Bool { bytes == MailboxName.inbox.bytes }

    /// The Unicode name: modified UTF-7 decoded when `utf8` is false; UTF-8 when it is true
    /// (UTF8=ACCEPT enabled, RFC 6855 §3, or IMAP4rev2 enabled, RFC 9051 §5.1).
    public func decoded(utf8: Bool) throws(MailboxNameError) -> String {
        try decodeMailboxBytes(bytes, utf8: utf8)
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// A LIST/LSUB pattern (RFC 9051 §9 `list-mailbox = 1*list-char / string`), possibly with the
/// wildcards `*` and `%` (RFC 9051 §6.3.9).
public struct MailboxPattern: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }

    /// The Unicode pattern, decoded as `MailboxName.decoded(utf8:)` does.
    public func decoded(utf8: Bool) throws(MailboxNameError) -> String {
        try decodeMailboxBytes(bytes, utf8: utf8)
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

extension Array where Element == UInt8 {
    func lowercasedASCII() -> [UInt8] {
        map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }
}
