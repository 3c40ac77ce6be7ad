// LIST (RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819) and
// SPECIAL-USE (RFC 6154), and LSUB of IMAP4rev1 (RFC 3501 §6.3.9).

import IMAPProtocol
import Store

extension IMAPSession {
    func list<Output: ResponseOutput>(_ command: ListCommand, _ out: inout Output) async throws -> Completion {
        let account = try requireAccount()
        let reference = try decodePattern(command.reference.bytes)
        let patterns = try command.patterns.map { pattern throws(CommandError) in try decodePattern(pattern.bytes) }
        // RFC 9051 §6.3.9: an empty pattern asks for the delimiter (and the root, "" here).
        if patterns.count == 1, patterns[0].isEmpty, !command.isExtended {
            out.send(.untagged(.list(ListResponse(attributes: [.noSelect], delimiter: StoreMailboxName.separator, mailbox: ""))))
            return Completion("LIST completed")
        }
        let matchers = patterns.filter { !$0.isEmpty }.map { ListPattern(reference + $0) }
        for matcher in matchers where matcher.scalars.count > context.limits.listPatternOctets {
            _ = matcher
            throw CommandError.bad(.limit, "Pattern too long")
        }
        let listings: [MailboxListing]
        let subscriptions: [StoreMailboxName]
        do {
            listings = try await account.list()
            subscriptions = try await account.subscriptions()
        } catch {
            throw failure(error)
        }
        let subscribed = Set(subscriptions)
        let options = command.selectionOptions
        let returns = command.returnOptions
        // RFC 5258 §3.1: SUBSCRIBED selection lists subscribed names, existing or not.
        let selectSubscribed = options.contains(.subscribed)
        let showSubscribed = selectSubscribed || returns.subscribed
        let selectSpecialUse = options.contains(.specialUse)
        let recursive = options.contains(.recursiveMatch)

        var entries: [(name: StoreMailboxName, listing: MailboxListing?)] = listings.map { ($0.name, $0) }
        if selectSubscribed {
            var known = Set(listings.map(\.name))
            var extra = subscriptions.filter { known.insert($0).inserted }
            if recursive {
                // RFC 5258 §3.5: a parent of a subscribed name is a candidate too, even when
                // it does not exist.
                for name in subscriptions {
                    var parent = name.parent
                    while let p = parent {
                        if known.insert(p).inserted { extra.append(p) }
                        parent = p.parent
                    }
                }
            }
            entries += extra.map { ($0, nil) }
            entries.sort { $0.name < $1.name }
        }
        for (name, listing) in entries {
            guard matchers.contains(where: { $0.matches(name.name) }) else { continue }
            let isSubscribed = subscribed.contains(name)
            var childInfo = false
            if selectSubscribed && !isSubscribed {
                // RFC 5258 §3.5: with RECURSIVEMATCH a parent of a subscribed name is listed
                // with CHILDINFO ("SUBSCRIBED").
                guard recursive, subscriptions.contains(where: { $0.isDescendant(of: name) }) else { continue }
                childInfo = true
            }
            if selectSpecialUse && listing?.specialUse == nil {
                guard recursive, listings.contains(where: { $0.specialUse != nil && $0.name.isDescendant(of: name) }) else { continue }
            }
            var attributes: [MailboxAttribute] = []
            if let listing {
                if !listing.selectable { attributes.append(.noSelect) }
                attributes.append(listing.hasChildren ? .hasChildren : .hasNoChildren)
                if let use = listing.specialUse { attributes.append(MailboxAttribute(use.rawValue)) }
            } else {
                // RFC 5258 §3.4: subscribed but absent.
                attributes.append(.nonExistent)
            }
            if showSubscribed && isSubscribed { attributes.append(.subscribed) }
            out.send(.untagged(.list(ListResponse(attributes: attributes, delimiter: StoreMailboxName.separator,
                                                  mailbox: name.name, childInfoSubscribed: childInfo && command.isExtended))))
            // RFC 5819 §2: STATUS right after the LIST of each selectable mailbox.
            if let wanted = returns.status, let listing, listing.selectable {
                do {
                    let status = try await account.status(name)
                    out.send(.untagged(.status(mailbox: name.name, statusValues(status, wanted))))
                } catch {
                    // RFC 5819 §2: a mailbox whose status cannot be had just gets no STATUS.
                    continue
                }
            }
        }
        return Completion("LIST completed")
    }

    /// RFC 3501 §6.3.9 LSUB: subscribed names matching the pattern; a parent that only
    /// matches through `%` is listed with \Noselect.
    func lsub<Output: ResponseOutput>(reference wireReference: WireMailboxName, pattern wirePattern: MailboxPattern,
                                      _ out: inout Output) async throws -> Completion {
        let account = try requireAccount()
        let reference = try decodePattern(wireReference.bytes)
        let pattern = try decodePattern(wirePattern.bytes)
        guard !pattern.isEmpty else {
            out.send(.untagged(.lsub(ListResponse(attributes: [.noSelect], delimiter: StoreMailboxName.separator, mailbox: ""))))
            return Completion("LSUB completed")
        }
        let matcher = ListPattern(reference + pattern)
        guard matcher.scalars.count <= context.limits.listPatternOctets else { throw CommandError.bad(.limit, "Pattern too long") }
        let subscriptions: [StoreMailboxName]
        do {
            subscriptions = try await account.subscriptions()
        } catch {
            throw failure(error)
        }
        let subscribed = Set(subscriptions)
        var names = subscribed
        for name in subscriptions {
            var parent = name.parent
            while let p = parent {
                names.insert(p)
                parent = p.parent
            }
        }
        for name in names.sorted() where matcher.matches(name.name) {
            let attributes: [MailboxAttribute] = subscribed.contains(name) ? [] : [.noSelect]
            out.send(.untagged(.lsub(ListResponse(attributes: attributes, delimiter: StoreMailboxName.separator, mailbox: name.name))))
        }
        return Completion("LSUB completed")
    }

    /// A pattern (or reference) as Unicode text, decoded like mailbox names.
    func decodePattern(_ bytes: [UInt8]) throws(CommandError) -> String {
        do {
            return try MailboxPattern(bytes: bytes).decoded(utf8: state.utf8Names)
        } catch {
            throw .no(.cannot, "Invalid mailbox pattern")
        }
    }
}

/// A LIST pattern (RFC 9051 §6.3.9): `*` matches anything, `%` anything but the hierarchy
/// separator; INBOX matches case-insensitively. Matching is a dynamic program over the
/// pattern and the name (no backtracking), O(pattern × name).
struct ListPattern {
    let scalars: [Unicode.Scalar]

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        // RFC 9051 §5.1: INBOX is case-insensitive; so is its spelling in patterns.
        if scalars.count >= 5, String(String.UnicodeScalarView(scalars[0..<5])).uppercased() == "INBOX",
           scalars.count == 5 || [".", "%", "*"].contains(scalars[5]) {
            scalars.replaceSubrange(0..<5, with: "INBOX".unicodeScalars)
        }
        self.scalars = scalars
    }

    func matches(_ name: String) -> Bool {
        let text = Array(name.unicodeScalars)
        let separator = Unicode.Scalar(UInt8(ascii: "."))
        // row[j]: the pattern so far matches text[0..<j].
        var row = [Bool](repeating: false, count: text.count + 1)
        row[0] = true
        for p in scalars {
            var next = [Bool](repeating: false, count: text.count + 1)
            switch p {
            case "*":
                next[0] = row[0]
                for j in 1...max(text.count, 1) where j <= text.count {
                    next[j] = row[j] || next[j - 1]
                }
            case "%":
                next[0] = row[0]
                for j in 1...max(text.count, 1) where j <= text.count {
                    next[j] = row[j] || (next[j - 1] && text[j - 1] != separator)
                }
            default:
                for j in 1...max(text.count, 1) where j <= text.count {
                    next[j] = row[j - 1] && text[j - 1] == p
                }
            }
            row = next
            if !row.contains(true) { return false }
        }
        return row[text.count]
    }
}
