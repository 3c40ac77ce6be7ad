// IDLE (RFC 2177, RFC 9051 §6.3.13): the client waits; the server sends what changes as it
// happens. A delivery or another session's change wakes the session at once (the store's
// notification stream); changes by other programs are found by a sync every
// `idleSyncInterval`.

import IMAPProtocol

extension IMAPSession {
    mutating func startIdle<Output: ResponseOutput>(tag: String, _ out: inout Output) async throws {
        idleTag = tag
        out.send(.continuation(.text("idling")))
        var watch: AsyncStream<Void>?
        if var current = selected, !current.watched {
            current.watched = true
            watch = current.mailbox.notifications
            selected = current
        }
        try await out.idle(true, watch: watch)
        // Whatever changed before the IDLE is reported now.
        try await reportUpdates(.syncAll, &out)
        try await out.flush()
    }

    /// A wake-up during IDLE: sync and send what changed.
    public mutating func wake<Output: ResponseOutput>(_ out: inout Output) async throws {
        guard isIdling else { return }
        try await reportUpdates(.syncAll, &out)
        try await out.flush()
    }

    /// RFC 2177 §3: DONE ends the IDLE with its tagged OK.
    mutating func endIdle<Output: ResponseOutput>(_ out: inout Output) async throws {
        guard let tag = idleTag else {
            out.send(.untagged(.condition(.bad, ResponseText(code: .clientBug, "DONE without IDLE"))))
            try await out.flush()
            return
        }
        idleTag = nil
        try await out.idle(false, watch: nil)
        try await reportUpdates(.all, &out)
        out.send(TaggedResponse.ok(tag, "IDLE terminated"))
        try await out.flush()
    }
}
