import Foundation
import MailCore
import Queue
import SMTPProtocol

func address(_ s: String) -> EmailAddress { try! EmailAddress(s) }

func temporaryDirectory(_ name: String = "queue") -> String {
    let dir = NSTemporaryDirectory() + "postern-\(name)-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func sampleEnvelope(id: String = "ABC123", recipients: [String] = ["bob@example.net"], sender: String? = "alice@example.org",
                    arrival: Date = Date(timeIntervalSince1970: 1_800_000_000)) -> QueueEnvelope {
    var p = MailParameters()
    p.body = .eightBitMIME
    p.dsnReturn = .headers
    p.envelopeID = "env id+1"
    return QueueEnvelope(id: id, arrival: arrival, reversePath: sender.map { .mailbox(address($0)) } ?? .null, parameters: p,
                         recipients: recipients.map { QueueRecipient(address: address($0), transport: .remote) }, eightBit: false)
}

let sampleContent = Array("Received: by mail.example.org\r\nFrom: alice@example.org\r\nSubject: hi\r\n\r\nhello\r\n".utf8)

