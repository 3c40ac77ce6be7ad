// The store's message analyser (Store.MessageAnalyzer): what SEARCH looks up and what FETCH
// serves from the cache, computed once per message. Header fields for SEARCH FROM/TO/CC/
// BCC/SUBJECT are decoded (RFC 2047) text; the full text is MessageFormat's search text;
// ENVELOPE and BODYSTRUCTURE are encoded with IMAPProtocol (see CachedItems).
//
// Messages are untrusted: MessageFormat's parser never fails and is bounded by its
// MessageLimits; nothing here can trap on input.

import IMAPProtocol
public import MessageFormat
public import Store

public struct IMAPMessageAnalyzer: MessageAnalyzer {
    public let limits: MessageLimits
    /// Text per message handed to the full-text index.
    public let searchTextOctets: Int

    public init(limits: MessageLimits = MessageLimits(), searchTextOctets: Int = Message.defaultSearchTextLimit) {
        self.limits = limits
        self.searchTextOctets = searchTextOctets
    }

    public func analyze(_ bytes: [UInt8]) -> MessageAnalysis {
        let message = MessageParser.parse(bytes, limits: limits)
        let header = message.header
        func decoded(_ name: String) -> String {
            header.all(name).map(\.decodedText).joined(separator: ", ")
        }
        let text = message.textForSearch(maxBytes: searchTextOctets)
        return MessageAnalysis(
            subject: decoded("Subject"), from: decoded("From"), to: decoded("To"), cc: decoded("Cc"), bcc: decoded("Bcc"),
            date: header.first("Date")?.text ?? "",
            headerText: text.header, bodyText: text.body,
            envelope: CachedItems.envelope(message.envelope), bodyStructure: CachedItems.bodyStructure(message))
    }
}
