// Where a session's responses go. The connection writes them to its channel; session tests
// collect them (no sockets). Small responses are queued and sent together with the tagged
// response; large ones (FETCH of a whole mailbox) arrive as encoded blocks sent at once, so
// that a slow client slows the producer down instead of growing a buffer.

public import IMAPProtocol
public import NIOCore

public protocol ResponseOutput {
    /// Queues a response; it is sent at the next `flush` at the latest.
    mutating func send(_ response: Response)
    /// Sends what is queued, then a block of encoded untagged responses; returns once the
    /// connection can take more.
    mutating func send(encoded: ByteBuffer) async throws
    /// Sends what is queued.
    mutating func flush() async throws
    /// Sends what is queued and `ok` (STARTTLS's tagged OK), then puts TLS in front of the
    /// connection; every byte the client sent after STARTTLS is discarded (RFC 9051 §6.2.1).
    mutating func startTLS(_ ok: Response) async throws
    /// Sends what is queued and `ok` (the tagged OK of LOGIN or AUTHENTICATE), then switches
    /// the connection to the authenticated limits and autologout timer.
    mutating func authenticated(_ ok: Response) async throws
    /// Sends what is queued; IDLE began (`on`) or ended. While IDLE is on, the session is
    /// woken (`IMAPSession.wake`) every `idleSyncInterval` and whenever a watched stream
    /// yields. `watch` is a selected mailbox's notification stream, given once per
    /// selection: it is watched until it finishes (when the selection ends).
    mutating func idle(_ on: Bool, watch: AsyncStream<Void>?) async throws
    /// Sends what is queued and `last` (a BYE, or LOGOUT's tagged OK after its BYE), then closes.
    mutating func close(_ last: [Response]) async throws
}

/// A command that cannot be carried out, as the client will read it (STYLE.md habit 5:
/// user errors `NO [CODE]`, syntax `BAD`, server failures `NO [SERVERBUG]` + a log line).
struct CommandError: Error {
    var status: TaggedStatus
    var code: ResponseCode?
    var text: String

    static func no(_ code: ResponseCode?, _ text: String) -> CommandError {
        CommandError(status: .no, code: code, text: text)
    }

    static func bad(_ code: ResponseCode?, _ text: String) -> CommandError {
        CommandError(status: .bad, code: code, text: text)
    }

    func response(tag: String) -> Response {
        .tagged(TaggedResponse(tag: tag, status: status, text: ResponseText(code: code, text)))
    }
}
