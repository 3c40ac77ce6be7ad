// Commands valid in any state (RFC 9051 §6.1) and the small authenticated-state ones that
// only describe the server: CAPABILITY, LOGOUT, ID (RFC 2971), ENABLE (RFC 5161),
// NAMESPACE (RFC 2342). NOOP and CHECK are only their updates (see Updates.swift).

import IMAPProtocol
import Store

extension IMAPSession {
    /// RFC 9051 §6.1.1.
    func capability<Output: ResponseOutput>(_ out: inout Output) -> Completion {
        out.send(.untagged(.capability(state.capabilities)))
        return Completion("CAPABILITY completed")
    }

    /// RFC 9051 §6.1.3: BYE, then the tagged OK, then the server closes.
    mutating func logout<Output: ResponseOutput>(tag: String, _ out: inout Output) async throws -> SessionFlow {
        state.loggedOut()
        selected = nil
        logger.info("logout", metadata: ["result": "ok"])
        try await out.close([.fatal(ResponseText("Logging out")), TaggedResponse.ok(tag, "LOGOUT completed")])
        return .closed
    }

    /// RFC 2971 §3.1: the server's identification. The version stays private.
    func id<Output: ResponseOutput>(_ fields: [IDField]?, _ out: inout Output) -> Completion {
        if let fields, !fields.isEmpty {
            let summary = fields.prefix(8).map { "\($0.key)=\($0.value ?? "NIL")" }.joined(separator: " ")
            logger.debug("client id", metadata: ["id": .string(String(summary.prefix(300)))])
        }
        out.send(.untagged(.id([IDField("name", "Postern")])))
        return Completion("ID completed")
    }

    /// RFC 5161 §3.1: `* ENABLED` lists what was turned on now; unknown names are ignored.
    mutating func enable<Output: ResponseOutput>(_ names: [String], _ out: inout Output) -> Completion {
        let done = state.enable(names)
        // The encoder of the connection switches mailbox names to UTF-8 when it sees this.
        out.send(.untagged(.enabled(done)))
        return Completion("ENABLE completed")
    }

    /// RFC 2342 / RFC 9051 §6.3.10: one personal namespace, no prefix, "." as separator.
    func namespace<Output: ResponseOutput>(_ out: inout Output) -> Completion {
        let personal = NamespaceResponse.Description(prefix: "", delimiter: Store.MailboxName.separator)
        out.send(.untagged(.namespace(NamespaceResponse(personal: [personal]))))
        return Completion("NAMESPACE completed")
    }
}
