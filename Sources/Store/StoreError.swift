// Typed errors of the store. Public text never names paths of other accounts; the detail is
// for logs.

/// Errors of mailbox and message operations. The IMAP layer maps them to response codes:
/// `.nonexistent` -> `NO [NONEXISTENT]`, `.alreadyExists` -> `NO [ALREADYEXISTS]`,
/// `.invalidName` -> `NO` (or `BAD`), `.limit` -> `NO [LIMIT]`, `.diskFull` -> `NO [OVERQUOTA]`,
/// `.noPermission` -> `NO [NOPERM]`, `.io`/`.index` -> `NO [SERVERBUG]` + log.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The mailbox does not exist (or was deleted while selected).
    case nonexistent(String)
    /// CREATE or RENAME target exists.
    case alreadyExists(String)
    /// A mailbox name that cannot be represented (empty component, forbidden character...).
    case invalidName(String, reason: String)
    /// A named limit was hit (see `StoreLimits`).
    case limit(String)
    /// The operation is not allowed on this mailbox (deleting INBOX, writing a read-only session).
    case notAllowed(String)
    /// ENOSPC or EDQUOT.
    case diskFull(String)
    /// Any other file-system failure: the operation and the errno text.
    case io(String)
    /// The SQLite index failed.
    case index(String)
    /// An account address that cannot name a directory.
    case invalidAccount(String)

    public var description: String {
        switch self {
        case .nonexistent(let n): "mailbox does not exist: \(n)"
        case .alreadyExists(let n): "mailbox already exists: \(n)"
        case .invalidName(let n, let r): "invalid mailbox name \(n): \(r)"
        case .limit(let s): "limit reached: \(s)"
        case .notAllowed(let s): "not allowed: \(s)"
        case .diskFull(let s): "disk full: \(s)"
        case .io(let s): "I/O error: \(s)"
        case .index(let s): "index error: \(s)"
        case .invalidAccount(let s): "invalid account: \(s)"
        }
    }
}

/// Why a delivery failed; the SMTP layer answers `452 4.3.1` for `.diskFull` and
/// `451 4.3.0` for `.failed` (RFC 3463 §3.4, §3.1). No partial file is left behind.
public enum DeliveryError: Error, Hashable, Sendable, CustomStringConvertible {
    case diskFull(String)
    case failed(String)
    /// The message is larger than `StoreLimits.messageOctets` (SMTP: 552 5.3.4).
    case tooLarge
    /// No targets, or a target that cannot be a Maildir (bad folder name).
    case invalidTarget(String)

    public var description: String {
        switch self {
        case .diskFull(let s): "disk full: \(s)"
        case .failed(let s): "delivery failed: \(s)"
        case .tooLarge: "message too large"
        case .invalidTarget(let s): "invalid delivery target: \(s)"
        }
    }
}
