// ENVELOPE and BODYSTRUCTURE as the store caches them: the FETCH item already encoded
// (`ENVELOPE (...)`), so that a FETCH of a whole mailbox copies bytes instead of parsing
// 100,000 messages. Rendered in IMAP4rev1 mode (8-bit strings as literals), which is valid
// in UTF-8 mode too, so one blob serves every client. The first octet is a format version:
// a blob of another version is a cache miss and is rendered again.

import IMAPProtocol
import MessageFormat
import NIOCore

enum CachedItems {
    static let version: UInt8 = 1

    static func envelope(_ envelope: Envelope) -> [UInt8] {
        blob(.envelope(IMAPEnvelope(envelope)))
    }

    static func bodyStructure(_ message: Message) -> [UInt8] {
        blob(.bodyStructure(IMAPBodyStructure(message.bodyStructure(lineEndings: .crlf))))
    }

    private static func blob(_ item: FetchResponseItem) -> [UInt8] {
        let rendered = ResponseEncoder(utf8: false).render(item)
        var out = [UInt8]()
        out.reserveCapacity(rendered.readableBytes + 1)
        out.append(version)
        out.append(contentsOf: rendered.readableBytesView)
        return out
    }

    /// Whether a cached blob is of the current format.
    static func isCurrent(_ blob: [UInt8]?) -> Bool {
        guard let blob, blob.count > 1 else { return false }
        return blob[0] == version
    }
}
