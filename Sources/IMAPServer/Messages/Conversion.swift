// MessageFormat decides what ENVELOPE and BODYSTRUCTURE contain (RFC 9051 §7.5.2); this
// turns its values into IMAPProtocol's, which know how to put them on the wire.

public import IMAPProtocol
public import MessageFormat

extension IMAPEnvelope {
    public init(_ envelope: Envelope) {
        self.init(date: envelope.date.map(IMAPString.init(bytes:)),
                  subject: envelope.subject.map(IMAPString.init(bytes:)),
                  from: addressList(envelope.from), sender: addressList(envelope.sender),
                  replyTo: addressList(envelope.replyTo), to: addressList(envelope.to),
                  cc: addressList(envelope.cc), bcc: addressList(envelope.bcc),
                  inReplyTo: envelope.inReplyTo.map(IMAPString.init(bytes:)),
                  messageID: envelope.messageID.map(IMAPString.init(bytes:)))
    }
}

/// MessageFormat lists a group as a start marker (host NIL), its members and an end marker
/// (all NIL), as RFC 9051 §7.5.2 sends it; IMAPProtocol takes the group as one value and
/// writes the markers itself. An unterminated group ends with the list.
func addressList(_ addresses: [EnvelopeAddress]) -> [IMAPAddressListItem] {
    var out: [IMAPAddressListItem] = []
    var group: (name: IMAPString, members: [IMAPAddress])?
    for address in addresses {
        if address.isGroupEnd {
            if let open = group { out.append(.group(name: open.name, members: open.members)) }
            group = nil
        } else if address.isGroupStart {
            if let open = group { out.append(.group(name: open.name, members: open.members)) }
            group = (IMAPString(bytes: address.mailbox ?? []), [])
        } else {
            let converted = IMAPAddress(name: address.name.map(IMAPString.init(bytes:)), adl: address.adl.map(IMAPString.init(bytes:)),
                                        mailbox: address.mailbox.map(IMAPString.init(bytes:)), host: address.host.map(IMAPString.init(bytes:)))
            if group != nil {
                group?.members.append(converted)
            } else {
                out.append(.address(converted))
            }
        }
    }
    if let open = group { out.append(.group(name: open.name, members: open.members)) }
    return out
}

extension IMAPBodyStructure {
    /// The structure; recursion follows the parsed tree, whose depth MessageLimits bounds.
    public init(_ body: BodyStructure) {
        switch body {
        case .multipart(let multipart):
            self = .multipart(Multipart(
                parts: multipart.children.map(IMAPBodyStructure.init),
                subtype: IMAPString(bytes: multipart.subtype),
                parameters: multipart.parameters.map(bodyParameter),
                extensionFields: BodyExtensionFields(disposition: multipart.disposition.map(bodyDisposition),
                                                     language: multipart.language.map(IMAPString.init(bytes:)),
                                                     location: multipart.location.map(IMAPString.init(bytes:)))))
        case .single(let part):
            let lines = UInt32(clamping: part.lines ?? 0)
            let kind: SinglePart.Kind
            if let message = part.message {
                kind = .message(subtype: IMAPString(bytes: part.subtype), envelope: IMAPEnvelope(message.envelope),
                                body: IMAPBodyStructure(message.body), lines: lines)
            } else if part.type.lowercasedASCII == Array("text".utf8) {
                kind = .text(subtype: IMAPString(bytes: part.subtype), lines: lines)
            } else {
                kind = .basic(type: IMAPString(bytes: part.type), subtype: IMAPString(bytes: part.subtype))
            }
            let fields = BodyFields(parameters: part.parameters.map(bodyParameter), id: part.id.map(IMAPString.init(bytes:)),
                                    description: part.description.map(IMAPString.init(bytes:)),
                                    encoding: IMAPString(bytes: part.encoding), octets: UInt32(clamping: part.size))
            self = .singlePart(SinglePart(kind: kind, fields: fields, md5: part.md5.map(IMAPString.init(bytes:)),
                                          extensionFields: BodyExtensionFields(disposition: part.disposition.map(bodyDisposition),
                                                                               language: part.language.map(IMAPString.init(bytes:)),
                                                                               location: part.location.map(IMAPString.init(bytes:)))))
        }
    }
}

private func bodyParameter(_ parameter: BodyStructure.Parameter) -> BodyParameter {
    BodyParameter(IMAPString(bytes: parameter.name), IMAPString(bytes: parameter.value))
}

private func bodyDisposition(_ disposition: BodyStructure.Disposition) -> BodyDisposition {
    BodyDisposition(IMAPString(bytes: disposition.type), parameters: disposition.parameters.map(bodyParameter))
}

extension Array where Element == UInt8 {
    var lowercasedASCII: [UInt8] { map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
}
