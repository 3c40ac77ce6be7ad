// Dovecot's per-Maildir files, read for migration and (keywords) kept for compatibility
// (doc.dovecot.org, "Maildir mailbox format"):
//   dovecot-keywords  lines `<index> <keyword>`; index i is the file-name letter `a`+i.
//   dovecot-uidlist   header then `<uid> [<ext>...] :<base name>` (version 3) or
//                     `<uid> <base name>` (version 1).
// Both parsers are pure and bounded (StoreLimits.dovecotFileLineOctets, record counts).

/// A parsed `dovecot-uidlist`.
struct DovecotUIDList: Sendable, Equatable {
    var uidValidity: UInt32
    var nextUID: UInt32
    /// Base name (without `:2,...`) -> UID.
    var uids: [String: UInt32]

    enum ParseError: Error, Equatable {
        case badHeader
        case unsupportedVersion
        case lineTooLong
        case badRecord(line: Int)
    }

    static func parse(_ bytes: [UInt8], limits: StoreLimits) throws(ParseError) -> DovecotUIDList {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard let headerLine = lines.first else { throw .badHeader }
        guard headerLine.count <= limits.dovecotFileLineOctets else { throw .lineTooLong }
        let header = headerLine.split(separator: UInt8(ascii: " "))
        guard let versionField = header.first, let version = Self.number(versionField) else { throw .badHeader }
        var uidValidity: UInt32 = 0
        var nextUID: UInt32 = 0
        switch version {
        case 1, 2:
            guard header.count >= 3, let v = Self.number(header[1]), let n = Self.number(header[2]) else { throw .badHeader }
            uidValidity = v
            nextUID = n
        case 3:
            for field in header.dropFirst() {
                guard let key = field.first else { continue }
                if key == UInt8(ascii: "V") { uidValidity = Self.number(field.dropFirst()) ?? 0 }
                if key == UInt8(ascii: "N") { nextUID = Self.number(field.dropFirst()) ?? 0 }
            }
        default:
            throw .unsupportedVersion
        }
        guard uidValidity != 0, nextUID != 0 else { throw .badHeader }
        var uids: [String: UInt32] = [:]
        for (lineNumber, line) in lines.enumerated().dropFirst() {
            guard line.count <= limits.dovecotFileLineOctets else { throw .lineTooLong }
            guard let space = line.firstIndex(of: UInt8(ascii: " ")), let uid = Self.number(line[..<space]), uid > 0 else {
                throw .badRecord(line: lineNumber + 1)
            }
            let rest = line[line.index(after: space)...]
            let nameBytes: ArraySlice<UInt8>
            if version == 3 {
                // Extension fields come first; the file name starts after the first " :" or
                // at a leading ":".
                if rest.first == UInt8(ascii: ":") {
                    nameBytes = rest.dropFirst()
                } else if let marker = rest.indices.first(where: { i in
                    rest[i] == UInt8(ascii: ":") && i > rest.startIndex && rest[i - 1] == UInt8(ascii: " ")
                }) {
                    nameBytes = rest[(marker + 1)...]
                } else {
                    throw .badRecord(line: lineNumber + 1)
                }
            } else {
                nameBytes = rest
            }
            guard !nameBytes.isEmpty, uid < nextUID || nextUID == 0,
                  let name = String(validating: nameBytes, as: UTF8.self) else { throw .badRecord(line: lineNumber + 1) }
            uids[MaildirFileName(name).base] = uid
        }
        return DovecotUIDList(uidValidity: uidValidity, nextUID: nextUID, uids: uids)
    }

    private static func number(_ bytes: some Collection<UInt8>) -> UInt32? {
        guard !bytes.isEmpty, bytes.count <= 10 else { return nil }
        var value: UInt64 = 0
        for b in bytes {
            guard b >= 0x30, b <= 0x39 else { return nil }
            value = value * 10 + UInt64(b - 0x30)
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }
}

/// `dovecot-keywords`: keyword names by index (index i <-> letter `a`+i).
enum DovecotKeywords {
    static let letterCount = 26

    /// Parses the file; lines that do not parse, duplicates and indices >= 26 are skipped
    /// (Dovecot rewrites the file the same way).
    static func parse(_ bytes: [UInt8], limits: StoreLimits) -> [Int: String] {
        var result: [Int: String] = [:]
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard line.count <= limits.dovecotFileLineOctets,
                  let space = line.firstIndex(of: UInt8(ascii: " ")) else { continue }
            let indexBytes = line[..<space]
            guard !indexBytes.isEmpty, indexBytes.count <= 2, indexBytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { continue }
            let index = indexBytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard index < letterCount, result[index] == nil,
                  let name = String(validating: line[(space + 1)...], as: UTF8.self),
                  isValidKeyword(name, limits: limits), !result.values.contains(name) else { continue }
            result[index] = name
        }
        return result
    }

    static func render(_ keywords: [String]) -> [UInt8] {
        var out = ""
        for (index, keyword) in keywords.prefix(letterCount).enumerated() { out += "\(index) \(keyword)\n" }
        return Array(out.utf8)
    }

    /// RFC 9051 `flag-keyword = "$MDNSent" / "$Forwarded" / ... / atom`: atom characters
    /// only (no specials, no `\`), within the length limit.
    static func isValidKeyword(_ name: String, limits: StoreLimits) -> Bool {
        guard !name.isEmpty, name.utf8.count <= limits.keywordOctets else { return false }
        for byte in name.utf8 {
            // atom-specials: ( ) { SP CTL % * " \ ]
            if byte <= 0x20 || byte >= 0x7F { return false }
            if "(){%*\"\\]".utf8.contains(byte) { return false }
        }
        return true
    }
}
