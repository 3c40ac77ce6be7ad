// IMAPProtocol: the IMAP wire protocol, server side. IMAP4rev2 (RFC 9051) with IMAP4rev1
// (RFC 3501) compatibility and the extensions an IMAP server of today needs: LITERAL+/LITERAL-
// (RFC 7888), CONDSTORE/QRESYNC (RFC 7162), LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819),
// SPECIAL-USE (RFC 6154), ESEARCH (RFC 4731), SEARCHRES (RFC 5182), MOVE (RFC 6851), ID (RFC 2971),
// UTF8=ACCEPT (RFC 6855), SASL-IR (RFC 4959), BINARY (RFC 3516), UIDPLUS (RFC 4315), ENABLE
// (RFC 5161), NAMESPACE (RFC 2342), IDLE (RFC 2177), UNSELECT (RFC 3691).
//
// Pure layer: bytes in -> typed commands or typed errors; typed responses -> bytes out.
//
// Trust boundary. Everything `CommandDecoder` reads is untrusted client input. Before any
// allocation that depends on the input, it checks: the length of a command line
// (`IMAPLimits.line`), the announced size of every literal (`IMAPLimits.literal`, or
// `IMAPLimits.appendLiteral` for an APPEND message), the whole size of a command
// (`IMAPLimits.command`) and its number of literals. The grammar parser bounds parenthesis
// nesting (`IMAPLimits.nesting`) and sequence-set ranges (`IMAPLimits.sequenceSetRanges`).
// Nothing here reaches a store, a socket or a clock: the session (IMAPServer) acts on the
// `Command` values and writes `Response` values.
//
// Pipeline, head to tail: [TLS] -> MessageToByteHandler(ResponseEncoder) ->
// ByteToMessageHandler(CommandDecoder) -> session. The decoder observes the `Response`s the
// session writes (it is a `WriteObservingByteToMessageDecoder`), which is how it learns that an
// AUTHENTICATE exchange or a STARTTLS negotiation is over, or that a synchronizing literal was
// refused; the encoder observes `* ENABLED` to switch mailbox names to UTF-8 (RFC 6855).
