// Mailbox management (RFC 9051 §6.3.4-§6.3.8): CREATE (with RFC 6154 USE), DELETE, RENAME
// (with hierarchy), SUBSCRIBE, UNSUBSCRIBE; and the translation of the client's mailbox
// names (modified UTF-7 or UTF-8, RFC 9051 §5.1) into the store's.

import IMAPProtocol
import Store

typealias StoreMailboxName = Store.MailboxName
typealias WireMailboxName = IMAPProtocol.MailboxName

extension IMAPSession {
    /// The store's name for a name the client sent. RFC 9051 §5.1: modified UTF-7 until
    /// UTF8=ACCEPT or IMAP4rev2 is enabled, UTF-8 after. Invalid names are `NO [CANNOT]`.
    func storeName(_ wire: WireMailboxName, allowTrailingSeparator: Bool = false) throws(CommandError) -> StoreMailboxName {
        var text: String
        do {
            text = try wire.decoded(utf8: state.utf8Names)
        } catch {
            switch error {
            case .invalidModifiedUTF7: throw .no(.cannot, "Invalid mailbox name: not modified UTF-7")
            case .invalidUTF8: throw .no(.cannot, "Invalid mailbox name: not UTF-8")
            case .controlCharacter: throw .no(.cannot, "Invalid mailbox name: control character")
            }
        }
        // RFC 9051 §6.3.4: a trailing separator on CREATE declares a parent; Maildir++
        // parents need no directory, so the name is created without it.
        if allowTrailingSeparator, text.count > 1, text.last == StoreMailboxName.separator {
            text.removeLast()
        }
        do {
            return try StoreMailboxName(text)
        } catch {
            throw failure(error)
        }
    }

    /// RFC 9051 §6.3.4 CREATE; RFC 6154 §3 `USE (\Sent)`.
    func create(_ wire: WireMailboxName, specialUse uses: [MailboxAttribute]) async throws -> Completion {
        let account = try requireAccount()
        let name = try storeName(wire, allowTrailingSeparator: true)
        var use: SpecialUse?
        if !uses.isEmpty {
            // RFC 6154 §3: a USE the server cannot honour refuses the whole CREATE.
            guard uses.count == 1, let known = SpecialUse(rawValue: uses[0].text) else {
                throw CommandError.no(.other("USEATTR", nil), "Only one special use of \\Archive \\Drafts \\Junk \\Sent \\Trash \\All \\Flagged")
            }
            use = known
        }
        do {
            try await account.create(name, specialUse: use)
        } catch {
            throw failure(error)
        }
        return Completion("CREATE completed")
    }

    /// RFC 9051 §6.3.5 DELETE. Deleting the selected mailbox closes it for this session at
    /// the next update.
    func delete(_ wire: WireMailboxName) async throws -> Completion {
        let account = try requireAccount()
        let name = try storeName(wire)
        do {
            try await account.delete(name)
        } catch {
            throw failure(error)
        }
        return Completion("DELETE completed")
    }

    /// RFC 9051 §6.3.6 RENAME: the mailbox and everything below it.
    func rename(_ from: WireMailboxName, _ to: WireMailboxName) async throws -> Completion {
        let account = try requireAccount()
        let source = try storeName(from)
        let target = try storeName(to)
        do {
            try await account.rename(source, to: target)
        } catch {
            throw failure(error)
        }
        return Completion("RENAME completed")
    }

    /// RFC 9051 §6.3.7-§6.3.8: a name need not exist to be subscribed.
    func subscribe(_ wire: WireMailboxName, _ subscribed: Bool) async throws -> Completion {
        let account = try requireAccount()
        let name = try storeName(wire)
        do {
            try await account.setSubscribed(name, subscribed)
        } catch {
            throw failure(error)
        }
        return Completion(subscribed ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed")
    }
}
