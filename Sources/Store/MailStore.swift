// Store: Postern's mail store. Mail lives in Maildir (cr.yp.to/proto/maildir.html) with
// Maildir++ folders as Courier and Dovecot lay them out, so mutt can read it and Dovecot can
// take it over (and back). Beside each account's Maildir, a SQLite index (GRDB, WAL) caches
// what IMAP needs: UIDVALIDITY/UIDNEXT/UIDs (RFC 9051 §2.3.1.1), flags and keywords,
// mod-sequences and expunge tombstones (RFC 7162 CONDSTORE/QRESYNC), INTERNALDATE, sizes,
// opaque ENVELOPE/BODYSTRUCTURE blobs, header fields and an FTS5 full-text index.
//
// Layout:  <root>/<domain A-label>/<escaped local part>/      the account's Maildir (INBOX)
//              cur/ new/ tmp/                                   INBOX
//              .Sent/ .Drafts/ .Trash/ .Junk/ .Archive/ .A.B/  Maildir++ folders (modified UTF-7)
//              postern-index.sqlite (+ -wal, -shm)              the index (a cache)
//              postern-uidvalidity                              last UIDVALIDITY given
//              <folder>/dovecot-keywords                        keyword letters, as Dovecot
// Trust boundary: message bytes are never parsed here (the injected MessageAnalyzer does);
// file names found in the Maildir are untrusted text and parsed by bounded, total functions;
// dovecot-uidlist/-keywords are parsed within StoreLimits.
//
// Consistency: the Maildir is the record. The index follows it on every sync (SELECT, NOOP,
// IDLE, STATUS); when it is lost or corrupt it is rebuilt and UIDVALIDITY changes. UIDs only
// grow (UIDNEXT is committed with the messages that used it). A known race, as in Dovecot:
// when our own renames into cur/ happen while another program changes cur/ in the same
// instant, that change is seen at the next change of cur/, or at the periodic full read
// (StoreLimits.curRereadIntervalNanoseconds), rather than at once.

import Dispatch
public import MailCore
import Synchronization

/// Where delivery puts a message: an account and one of its folders (created on demand).
public struct DeliveryTarget: Hashable, Sendable {
    public var account: EmailAddress
    public var mailbox: MailboxName
    public init(account: EmailAddress, mailbox: MailboxName = .inbox) {
        self.account = account
        self.mailbox = mailbox
    }
}

public final class MailStore: Sendable {
    public struct Configuration: Sendable {
        /// Directory holding `<domain>/<local part>/` Maildirs.
        public var root: String
        /// Host name written into unique file names.
        public var hostname: String
        public var limits: StoreLimits
        public var analyzer: (any MessageAnalyzer)?
        public var clock: StoreClock

        public init(root: String, hostname: String, limits: StoreLimits = StoreLimits(),
                    analyzer: (any MessageAnalyzer)? = nil,
                    clock: @escaping StoreClock = MailStore.systemClock) {
            self.root = root
            self.hostname = hostname
            self.limits = limits
            self.analyzer = analyzer
            self.clock = clock
        }
    }

    /// CLOCK_REALTIME in nanoseconds.
    public static let systemClock: StoreClock = { POSIXFiles.realtimeNanoseconds() }

    let configuration: Configuration
    let names: UniqueNames
    private let accounts = Mutex<[EmailAddress: AccountStore]>([:])
    private let openQueue = DispatchQueue(label: "postern.store.open")
    let deliveryQueue = DispatchQueue(label: "postern.store.delivery", attributes: .concurrent)
    /// Maildirs known to exist, so delivery does not mkdir on every message.
    let preparedMaildirs = Mutex<Set<String>>([])
    /// The fsyncs of `new/` that end every delivery, shared by deliveries finishing together.
    let newDirectorySyncs = DirectorySyncBatcher()

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.names = UniqueNames(host: configuration.hostname)
    }

    /// The directory of an account's Maildir (see AccountDirectory for the escaping).
    public func accountPath(_ address: EmailAddress) -> String {
        configuration.root + "/" + AccountDirectory.relativePath(for: address)
    }

    /// Opens (creating if needed) an account's store: Maildir, INBOX and the special-use
    /// folders, and the index (rebuilt if missing or corrupt). One instance per account and
    /// process; every session of the account shares it.
    public func account(_ address: EmailAddress) async throws(StoreError) -> AccountStore {
        let key = address.canonical
        if let open = accounts.withLock({ $0[key] }) { return open }
        return try await runBlocking(on: openQueue) { () throws(StoreError) in
            if let open = self.accounts.withLock({ $0[key] }) { return open }
            let root = self.accountPath(key)
            do throws(POSIXFailure) {
                try POSIXFiles.makeMaildir(root)
            } catch {
                throw error.storeError
            }
            let index = try IndexDatabase.open(directory: root)
            let context = AccountContext(address: key, root: root, index: index, limits: self.configuration.limits,
                                         analyzer: self.configuration.analyzer, names: self.names, clock: self.configuration.clock)
            let store = AccountStore(context: context)
            try store.prepare()
            self.accounts.withLock { $0[key] = store }
            return store
        }
    }

    /// Completes queued file work of every open account (call before the process exits).
    public func flush() async {
        for account in accounts.withLock({ Array($0.values) }) { await account.flush() }
    }

    /// Wakes IDLE sessions of a mailbox that got mail (delivery does not touch the index).
    func notifyDelivered(_ target: DeliveryTarget) {
        let account = accounts.withLock { $0[target.account.canonical] }
        account?.loadedState(target.mailbox)?.noteDelivery()
    }
}
