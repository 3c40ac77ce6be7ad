// APPEND (RFC 9051 §6.3.12) with LITERAL+ / LITERAL- (RFC 7888, handled by the decoder),
// literal8 and UTF8 (RFC 3516 §4.4, RFC 6855 §4), answered with APPENDUID (RFC 4315 §3).

import IMAPProtocol
import Store

extension IMAPSession {
    func append(_ command: AppendCommand) async throws -> Completion {
        let account = try requireAccount()
        let name = try storeName(command.mailbox)
        guard command.message.readableBytes > 0 else {
            throw CommandError.no(.cannot, "Empty message")
        }
        let (flags, keywords) = try storeFlags(command.flags)
        // Maildir keeps LF line endings (see LineEndings).
        let bytes = LineEndings.lf(command.message.readableBytesView)
        let result: AppendResult
        do {
            result = try await account.append(to: name, message: bytes, flags: flags, keywords: keywords,
                                              internalDate: command.internalDate?.secondsSince1970)
        } catch {
            if case .nonexistent = error {
                // RFC 9051 §6.3.12: TRYCREATE when the mailbox does not exist.
                throw CommandError.no(.tryCreate, "No such mailbox")
            }
            throw failure(error)
        }
        return Completion("APPEND completed", code: .appendUID(uidValidity: result.uidValidity, uids: SequenceSet([result.uid...result.uid])))
    }

    /// IMAP flags as the store keeps them: system flags and keyword names. RFC 9051 §2.3.2:
    /// \Recent cannot be set by a client and is ignored; other unknown system flags are a BAD.
    func storeFlags(_ flags: [Flag]) throws(CommandError) -> (MessageFlags, [String]) {
        var system: MessageFlags = []
        var keywords: [String] = []
        for flag in flags {
            switch flag {
            case .answered: system.insert(.answered)
            case .flagged: system.insert(.flagged)
            case .deleted: system.insert(.deleted)
            case .seen: system.insert(.seen)
            case .draft: system.insert(.draft)
            case .recent: continue
            case .keyword(let name):
                if !keywords.contains(where: { $0.equalsIgnoringCase(name) }) { keywords.append(name) }
            case .extension(let name):
                throw .bad(.clientBug, "Unknown system flag \\\(String(name.prefix(40)))")
            case .wildcard:
                throw .bad(.clientBug, "\\* is not a flag")
            }
        }
        return (system, keywords)
    }
}

extension String {
    func equalsIgnoringCase(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}
