public import NIOCore

extension ResponseEncoder {
    /// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
    /// env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"`
    public func writeEnvelope(_ envelope: IMAPEnvelope, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("(")
        writeIMAPNString(envelope.date, into: &buffer)
        buffer.writeStaticString(" ")
        writeIMAPNString(envelope.subject, into: &buffer)
        for list in [envelope.from, envelope.sender, envelope.replyTo, envelope.to, envelope.cc, envelope.bcc] {
            buffer.writeStaticString(" ")
            writeAddressList(list, into: &buffer)
        }
        buffer.writeStaticString(" ")
        writeIMAPNString(envelope.inReplyTo, into: &buffer)
        buffer.writeStaticString(" ")
        writeIMAPNString(envelope.messageID, into: &buffer)
        buffer.writeStaticString(")")
    }

    /// `"(" 1*address ")" / nil`; addresses follow each other without a separator. A group is
    /// `(NIL NIL "name" NIL)`, its members, then `(NIL NIL NIL NIL)` (RFC 9051 §7.5.2).
    private func writeAddressList(_ list: [IMAPAddressListItem], into buffer: inout ByteBuffer) {
        guard !list.isEmpty else {
            buffer.writeStaticString("NIL")
            return
        }
        buffer.writeStaticString("(")
        for item in list {
            switch item {
            case .address(let address):
                writeAddress(address, into: &buffer)
            case .group(let name, let members):
                buffer.writeStaticString("(NIL NIL ")
                writeIMAPString(name, into: &buffer)
                buffer.writeStaticString(" NIL)")
                for member in members { writeAddress(member, into: &buffer) }
                buffer.writeStaticString("(NIL NIL NIL NIL)")
            }
        }
        buffer.writeStaticString(")")
    }

    /// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`
    private func writeAddress(_ address: IMAPAddress, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("(")
        writeIMAPNString(address.name, into: &buffer)
        buffer.writeStaticString(" ")
        writeIMAPNString(address.adl, into: &buffer)
        buffer.writeStaticString(" ")
        writeIMAPNString(address.mailbox, into: &buffer)
        buffer.writeStaticString(" ")
        writeIMAPNString(address.host, into: &buffer)
        buffer.writeStaticString(")")
    }

    /// `body = "(" (body-type-1part / body-type-mpart) ")"`; with `extensions` false, the
    /// BODY form (RFC 9051 §7.5.2: "BODYSTRUCTURE ... without extension data").
    public func writeBody(_ body: IMAPBodyStructure, extensions: Bool, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("(")
        switch body {
        case .singlePart(let part):
            writeSinglePart(part, extensions: extensions, into: &buffer)
        case .multipart(let multipart):
            // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
            for child in multipart.parts {
                writeBody(child, extensions: extensions, into: &buffer)
            }
            buffer.writeStaticString(" ")
            writeIMAPString(multipart.subtype, into: &buffer)
            if extensions {
                // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
                buffer.writeStaticString(" ")
                writeParameters(multipart.parameters, into: &buffer)
                writeExtensionFields(multipart.extensionFields, into: &buffer)
            }
        }
        buffer.writeStaticString(")")
    }

    private func writeSinglePart(_ part: IMAPBodyStructure.SinglePart, extensions: Bool, into buffer: inout ByteBuffer) {
        switch part.kind {
        case .basic(let type, let subtype):
            // body-type-basic = media-basic SP body-fields
            writeIMAPString(type, into: &buffer)
            buffer.writeStaticString(" ")
            writeIMAPString(subtype, into: &buffer)
            buffer.writeStaticString(" ")
            writeBodyFields(part.fields, into: &buffer)
        case .text(let subtype, let lines):
            // body-type-text = media-text SP body-fields SP body-fld-lines
            buffer.writeStaticString("\"TEXT\" ")
            writeIMAPString(subtype, into: &buffer)
            buffer.writeStaticString(" ")
            writeBodyFields(part.fields, into: &buffer)
            buffer.writeStaticString(" ")
            writeDecimal(lines, into: &buffer)
        case .message(let subtype, let envelope, let body, let lines):
            // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
            buffer.writeStaticString("\"MESSAGE\" ")
            writeIMAPString(subtype, into: &buffer)
            buffer.writeStaticString(" ")
            writeBodyFields(part.fields, into: &buffer)
            buffer.writeStaticString(" ")
            writeEnvelope(envelope, into: &buffer)
            buffer.writeStaticString(" ")
            writeBody(body, extensions: extensions, into: &buffer)
            buffer.writeStaticString(" ")
            writeDecimal(lines, into: &buffer)
        }
        if extensions {
            // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
            buffer.writeStaticString(" ")
            writeIMAPNString(part.md5, into: &buffer)
            writeExtensionFields(part.extensionFields, into: &buffer)
        }
    }

    /// `body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets`
    private func writeBodyFields(_ fields: BodyFields, into buffer: inout ByteBuffer) {
        writeParameters(fields.parameters, into: &buffer)
        buffer.writeStaticString(" ")
        writeIMAPNString(fields.id, into: &buffer)
        buffer.writeStaticString(" ")
        writeIMAPNString(fields.description, into: &buffer)
        buffer.writeStaticString(" ")
        writeIMAPString(fields.encoding, into: &buffer)
        buffer.writeStaticString(" ")
        writeDecimal(fields.octets, into: &buffer)
    }

    /// `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil`
    private func writeParameters(_ parameters: [BodyParameter], into buffer: inout ByteBuffer) {
        guard !parameters.isEmpty else {
            buffer.writeStaticString("NIL")
            return
        }
        buffer.writeStaticString("(")
        for (index, parameter) in parameters.enumerated() {
            if index > 0 { buffer.writeStaticString(" ") }
            writeIMAPString(parameter.name, into: &buffer)
            buffer.writeStaticString(" ")
            writeIMAPString(parameter.value, into: &buffer)
        }
        buffer.writeStaticString(")")
    }

    /// `SP body-fld-dsp SP body-fld-lang SP body-fld-loc *(SP body-extension)`: all written,
    /// NIL where absent, so the position of each stays unambiguous.
    private func writeExtensionFields(_ fields: BodyExtensionFields, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(" ")
        if let disposition = fields.disposition {
            // body-fld-dsp = "(" string SP body-fld-param ")" / nil
            buffer.writeStaticString("(")
            writeIMAPString(disposition.kind, into: &buffer)
            buffer.writeStaticString(" ")
            writeParameters(disposition.parameters, into: &buffer)
            buffer.writeStaticString(")")
        } else {
            buffer.writeStaticString("NIL")
        }
        buffer.writeStaticString(" ")
        // body-fld-lang = nstring / "(" string *(SP string) ")"
        switch fields.language.count {
        case 0: buffer.writeStaticString("NIL")
        case 1: writeIMAPString(fields.language[0], into: &buffer)
        default:
            buffer.writeStaticString("(")
            for (index, language) in fields.language.enumerated() {
                if index > 0 { buffer.writeStaticString(" ") }
                writeIMAPString(language, into: &buffer)
            }
            buffer.writeStaticString(")")
        }
        buffer.writeStaticString(" ")
        writeIMAPNString(fields.location, into: &buffer)
        for item in fields.extensions {
            buffer.writeStaticString(" ")
            writeBodyExtension(item, depth: 0, into: &buffer)
        }
    }

    /// `body-extension = nstring / number64 / "(" body-extension *(SP body-extension) ")"`
    private func writeBodyExtension(_ item: BodyExtension, depth: Int, into buffer: inout ByteBuffer) {
        switch item {
        case .string(let string): writeIMAPNString(string, into: &buffer)
        case .number(let n): writeDecimal(n, into: &buffer)
        case .list(let items):
            buffer.writeStaticString("(")
            for (index, inner) in items.enumerated() {
                if index > 0 { buffer.writeStaticString(" ") }
                writeBodyExtension(inner, depth: depth + 1, into: &buffer)
            }
            buffer.writeStaticString(")")
        }
    }
}

/// The outbound half of the pipeline: encodes the session's `Response`s, switching to UTF-8
/// mode when it sees `* ENABLED UTF8=ACCEPT` (or IMAP4rev2). Place it between the transport
/// and the `CommandDecoder`'s handler (see the module comment).
public final class ResponseEncoderHandler: ChannelOutboundHandler {
    public typealias OutboundIn = Response
    public typealias OutboundOut = ByteBuffer

    public private(set) var encoder: ResponseEncoder

    public init(encoder: ResponseEncoder = ResponseEncoder()) {
        self.encoder = encoder
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let response = Self.unwrapOutboundIn(data)
        if case .encoded(let bytes) = response {
            context.write(Self.wrapOutboundOut(bytes), promise: promise)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 256)
        encoder.write(response, into: &buffer)
        encoder.observe(response)
        context.write(Self.wrapOutboundOut(buffer), promise: promise)
    }
}

@available(*, unavailable)
extension ResponseEncoderHandler: Sendable {}
