// `postern queue list|show|flush|retry|delete`: the operator's view of the outgoing queue.
// It works on the spool files directly (safe while the server runs: files are only ever
// created whole, and the server is told about flush, retry and delete through
// queue/control/, which it reads every second).

import ArgumentParser
import Config
import Foundation
import MessageFormat
import Queue
import SMTPProtocol

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "The outgoing queue.",
                                                    subcommands: [List.self, Show.self, Flush.self, Retry.self, Delete.self])

    static func spool(_ options: GlobalOptions) throws -> QueueSpool {
        let config = try options.load()
        guard FileManager.default.fileExists(atPath: config.dataDirectory) else {
            printError("postern: data directory \(config.dataDirectory) does not exist (has the server run yet?)")
            throw ExitCode(1)
        }
        do {
            return try QueueSpool(directory: config.dataDirectory + "/queue")
        } catch {
            printError("postern: cannot open the queue in \(config.dataDirectory)/queue: \(error)")
            throw ExitCode(1)
        }
    }

    static func date(_ d: Date) -> String { RFC5322Date.format(seconds: Int64(d.timeIntervalSince1970)) }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queued messages with their pending recipients and the last reason (like mailq).")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let spool = try QueueCommand.spool(options)
            let (messages, unreadable) = try spool.listBlocking()
            var pending = 0
            var octets = 0
            for m in messages {
                let sender = m.envelope.reversePath.address.map { "<\($0)>" } ?? "<>"
                print("\(m.id.padding(toLength: max(m.id.count, 20), withPad: " ", startingAt: 0)) \(String(m.size).leftPad(9)) \(QueueCommand.date(m.envelope.arrival))  \(sender)")
                for i in m.pendingRecipients {
                    let p = m.progress[i]
                    if let reply = p.lastReply {
                        let via = p.lastRelay.map { $0 == "none" || $0 == "local" ? "" : "host \($0) said: " } ?? ""
                        print("    (\(via)\(reply.oneLine))")
                    }
                    print("        \(m.envelope.recipients[i].address)")
                    pending += 1
                }
                octets += m.size
            }
            if messages.isEmpty {
                print("Mail queue is empty")
            } else {
                print("-- \(messages.count) message(s), \(octets) octets, \(pending) recipient(s) pending")
            }
            for name in unreadable { printError("postern: unreadable queue file: \(name)") }
            let corrupt = spool.corruptFiles
            if !corrupt.isEmpty { printError("postern: \(corrupt.count) file(s) in \(spool.directory)/corrupt (quarantined at start-up)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Envelope, recipients, delivery history and header of one message.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Queue id (from `postern queue list`).") var id: String

        func run() async throws {
            let spool = try QueueCommand.spool(options)
            guard QueueID.isValid(id) else { throw ValidationError("invalid queue id \(id)") }
            let m: SpooledMessage
            do {
                switch try spool.loadBlocking(id) {
                case .success(let loaded): m = loaded
                case .failure(let e):
                    printError("postern: queue file \(id) is damaged: \(e)")
                    throw ExitCode(1)
                }
            } catch let e as SpoolIOError where e.isNotFound {
                printError("postern: no message \(id) in the queue")
                throw ExitCode(1)
            }
            let e = m.envelope
            print("Queue ID:  \(e.id)")
            print("Arrival:   \(QueueCommand.date(e.arrival))")
            print("Sender:    \(e.reversePath)")
            print("Size:      \(m.size) octets" + (e.eightBit ? ", 8-bit" : ""))
            var params: [String] = []
            if let b = e.parameters.body { params.append("BODY=\(b.rawValue)") }
            if e.parameters.smtpUTF8 { params.append("SMTPUTF8") }
            if let r = e.parameters.dsnReturn { params.append("RET=\(r.rawValue)") }
            if let v = e.parameters.envelopeID { params.append("ENVID=\(v)") }
            if !params.isEmpty { print("Options:   \(params.joined(separator: " "))") }
            if m.warned { print("Delay warning sent") }
            print("Recipients:")
            for (i, r) in e.recipients.enumerated() {
                let p = m.progress[i]
                var line = "  \(r.address) [\(r.transport.rawValue)] \(p.state.rawValue)"
                if p.deferrals > 0 { line += ", \(p.deferrals) deferral(s)" }
                print(line)
                if let reply = p.lastReply {
                    print("      last: \(p.lastAttempt.map(QueueCommand.date) ?? "?") via \(p.lastRelay ?? "?"): \(reply.oneLine)")
                }
            }
            if !m.journal.isEmpty {
                print("History:")
                for record in m.journal {
                    switch record {
                    case .delivered(let i, let t, let relay, let reply): print("  \(QueueCommand.date(t))  sent      \(e.recipients[safe: i] ?? "#\(i)") via \(relay): \(reply.oneLine)")
                    case .bounced(let i, let t, let relay, let reply): print("  \(QueueCommand.date(t))  bounced   \(e.recipients[safe: i] ?? "#\(i)") via \(relay): \(reply.oneLine)")
                    case .deferred(let i, let t, let relay, let reply): print("  \(QueueCommand.date(t))  deferred  \(e.recipients[safe: i] ?? "#\(i)") via \(relay): \(reply.oneLine)")
                    case .warned(let t): print("  \(QueueCommand.date(t))  delay notification queued")
                    case .notified(let i, let t): print("  \(QueueCommand.date(t))  failure of \(e.recipients[safe: i] ?? "#\(i)") reported to the sender")
                    }
                }
            }
            if case .success(let content) = try spool.contentBlocking(id) {
                print("Header:")
                let header = MessageParser.parseHeader(content)
                let text = String(decoding: content[header.range], as: UTF8.self)
                for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(200) {
                    print("  " + String(line.hasSuffix("\r") ? line.dropLast() : line))
                }
            }
        }
    }

    struct Flush: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask the running server to retry every deferred message now.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let spool = try QueueCommand.spool(options)
            try spool.request(.flush)
            print("flush requested")
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask the running server to retry one message now.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Queue id.") var id: String

        func run() async throws {
            let spool = try QueueCommand.spool(options)
            guard QueueID.isValid(id), FileManager.default.fileExists(atPath: spool.directory + "/msg/" + id) else {
                printError("postern: no message \(id) in the queue")
                throw ExitCode(1)
            }
            try spool.request(.retry(id))
            print("retry of \(id) requested")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete messages from the queue, without notifying anyone.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Delete every queued message.") var all = false
        @Argument(help: "Queue ids.") var ids: [String] = []

        func validate() throws {
            if all == !ids.isEmpty { throw ValidationError("give queue ids, or --all") }
        }

        func run() async throws {
            let spool = try QueueCommand.spool(options)
            let targets = all ? try spool.listBlocking().0.map(\.id) : ids
            var missing = false
            for id in targets {
                if try spool.deleteBlocking(id) {
                    print("deleted \(id)")
                } else {
                    printError("postern: no message \(id) in the queue")
                    missing = true
                }
            }
            if missing { throw ExitCode(1) }
        }
    }
}

extension Array where Element == QueueRecipient {
    subscript(safe i: Int) -> String? { indices.contains(i) ? self[i].address.description : nil }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
