import MailCore

// Output of `postern dns lookup TYPE NAME`: dig's look, so operators can compare it with
// what they already know. Records in master-file form (RFC 1035 §5.1).

/// Text for one lookup: a header with the question and status, then one record per line.
public func formatLookup(name: DNSName, type: RecordType, result: DNSResult<[ResourceRecord]>) -> String {
    var lines = [";; QUESTION: \(name.absoluteText) IN \(type.mnemonic)"]
    let unicode = name.unicodeDescription
    if unicode != name.description { lines.append(";; NAME: \(unicode)") }
    switch result {
    case .found(let records, let authenticated):
        let count = records.count == 1 ? "1 record" : "\(records.count) records"
        lines.append(";; STATUS: NOERROR, \(count)" + (authenticated ? ", authenticated (AD)" : ""))
        if let owner = records.first?.name, owner != name {
            lines.append(";; ALIAS: \(name.absoluteText) is a CNAME chain ending at \(owner.absoluteText)")
        }
        lines.append(";; ANSWER:")
        lines += records.map(\.description)
    case .nxdomain:
        lines.append(";; STATUS: NXDOMAIN (the name does not exist)")
    case .nodata:
        lines.append(";; STATUS: NOERROR, no \(type.mnemonic) records (NODATA)")
    case .temporaryFailure(let failure):
        lines.append(";; STATUS: temporary failure: \(failure)")
    }
    return lines.joined(separator: "\n") + "\n"
}

extension DNSName {
    /// For the CLI: `dns lookup PTR 192.0.2.1` means the reverse name of the address, as
    /// `dig -x` does; any other text is a name.
    public init(lookupArgument text: String, type: RecordType) throws(DNSNameError) {
        if type == .ptr, let ip = IPAddress(text) {
            self.init(reverseOf: ip)
        } else {
            try self.init(text)
        }
    }
}
