// SEARCH support: header fields (case-insensitive substring) and FTS5 text, filled lazily by
// the injected analyser; cached blobs.

import Testing
@testable import Store

@Suite struct SearchTests {
    @Test func headerAndFullTextSearch() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        _ = try await account.append(to: .inbox, message: message(subject: "Quarterly INVOICE", body: "Please pay.\n"))
        _ = try await account.append(to: .inbox, message: message(subject: "Lunch", body: "The zebrafish results are attached.\n", from: "Dr. Zoë <zoe@example.net>"))
        _ = try await account.append(to: .inbox, message: message(subject: "Ünïcode Straße", body: "Crème brûlée recipe\n"))
        var session = try await account.select(.inbox)
        #expect(try await session.search(header: .subject, contains: "invoice") == [1])
        #expect(try await session.search(header: .subject, contains: "STRASSE").isEmpty)  // no full case folding of ß
        #expect(try await session.search(header: .subject, contains: "straße") == [3])
        #expect(try await session.search(header: .from, contains: "zoë") == [2])
        #expect(try await session.search(text: "zebrafish", scope: .text) == [2])
        #expect(try await session.search(text: "ZEBRA", scope: .body) == [2])  // prefix of a word
        #expect(try await session.search(text: "results are", scope: .body) == [2])
        #expect(try await session.search(text: "are results", scope: .body).isEmpty)  // a phrase, in order
        #expect(try await session.search(text: "creme brulee", scope: .body) == [3])  // diacritics folded
        #expect(try await session.search(text: "lunch", scope: .text) == [2])  // TEXT includes the header
        #expect(try await session.search(text: "lunch", scope: .body).isEmpty)
        #expect(try await session.search(text: "\"quoted\" OR x*", scope: .text).isEmpty)  // no FTS5 syntax injection
        // Expunged messages drop out of the index.
        _ = try await session.store(uids: [2], .add, flags: [.deleted])
        _ = try await session.expunge()
        #expect(try await session.search(text: "zebrafish", scope: .text).isEmpty)
        // Blobs: the analyser's envelope, then the IMAP layer's own.
        #expect(try await session.cachedBlobs(uids: [1])[1]?.envelope == Array("ENV Quarterly INVOICE".utf8))
        try await session.setCachedBlobs([3: CachedBlobs(bodyStructure: [1, 2, 3])])
        let blobs = try await session.cachedBlobs(uids: [3])
        #expect(blobs[3]?.bodyStructure == [1, 2, 3] && blobs[3]?.envelope != nil)
    }

    @Test func backgroundIndexing() async throws {
        let root = TempRoot()
        let account = try await root.store().account(alice)
        for i in 0..<7 { _ = try await account.append(to: .inbox, message: message(subject: "s\(i)", body: i == 5 ? "needle\n" : "hay\n")) }
        #expect(try await account.indexPendingMessages(in: .inbox, maxMessages: 3) == 3)
        #expect(try await account.indexPendingMessages(in: .inbox) == 4)
        #expect(try await account.indexPendingMessages(in: .inbox) == 0)
        let session = try await account.select(.inbox)
        #expect(try await session.search(text: "needle", scope: .body) == [6])
    }

    @Test func queryBuilding() {
        #expect(FullTextQuery.match("zebra fish") == "\"zebra fish\" *")
        #expect(FullTextQuery.match("a\"b") == "\"a b\" *")
        #expect(FullTextQuery.match("  -- ") == nil)
    }
}
