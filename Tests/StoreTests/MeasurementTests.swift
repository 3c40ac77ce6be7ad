// Timings of the operations IMAP needs to be fast on a big mailbox. Printed, not asserted
// (a benchmark reports numbers; the machine is shared). The small run always goes (it checks
// the results are right); the benchmark-sized run needs POSTERN_STORE_BENCH=<count>, and uses
// the benchmark's own generator (/usr/bin/python3 shared/bench/make_maildir.py; path in
// POSTERN_MAKE_MAILDIR, default /work/shared/bench/make_maildir.py).

import Foundation
import Testing
@testable import Store

@Suite(.serialized) struct MeasurementTests {
    /// Writes `count` messages like make_maildir.py does (Dovecot names, mtime = date,
    /// "zebrafish" in 1% of bodies, "invoice" in 1% of subjects).
    static func generate(into maildir: String, count: Int) throws {
        for sub in ["cur", "new", "tmp"] { try FileManager.default.createDirectory(atPath: maildir + "/" + sub, withIntermediateDirectories: true) }
        for i in 0..<count {
            let ts = 1_700_000_000 + i * 37
            let subject = "meeting report \(i)" + (i % 100 == 7 ? " invoice" : "")
            let body = "alpha bravo charlie \(i)\n" + (i % 100 == 42 ? "the zebrafish results are attached\n" : "delta echo\n")
            let bytes = message(subject: subject, body: body)
            let path = maildir + "/cur/\(ts).M\(i)P1.maillab,S=\(bytes.count),W=\(MaildirFileName.virtualSize(of: bytes)):2,"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: TimeInterval(ts))], ofItemAtPath: path)
        }
    }

    static func ms(_ d: Duration) -> String {
        let (s, atto) = d.components
        return String(format: "%.1f ms", Double(s) * 1000 + Double(atto) / 1e15)
    }

    @Test func smallMailbox() async throws {
        try await measure(count: 2000, generator: nil)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["POSTERN_STORE_BENCH"] != nil))
    func benchmarkMailbox() async throws {
        let count = Int(ProcessInfo.processInfo.environment["POSTERN_STORE_BENCH"] ?? "") ?? 100_000
        let script = ProcessInfo.processInfo.environment["POSTERN_MAKE_MAILDIR"] ?? "/work/shared/bench/make_maildir.py"
        try await measure(count: count, generator: script)
    }

    func measure(count: Int, generator: String?) async throws {
        let root = TempRoot()
        let clock = ContinuousClock()
        let maildir = root.path + "/example.org/alice"
        if let existing = ProcessInfo.processInfo.environment["POSTERN_STORE_BENCH_ROOT"], generator != nil {
            // A mailbox generated beforehand (same layout), linked in; index files dropped.
            for file in files(existing + "/example.org/alice") where file.hasPrefix("postern-") {
                try FileManager.default.removeItem(atPath: existing + "/example.org/alice/" + file)
            }
            try FileManager.default.createDirectory(atPath: root.path + "/example.org", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: maildir, withDestinationPath: existing + "/example.org/alice")
        } else if let generator {
            try FileManager.default.createDirectory(atPath: maildir, withIntermediateDirectories: true)
            let status = try run("/usr/bin/python3", [generator, "--maildir", maildir, "--count", String(count), "--clear", "--rcpt", "alice@example.org"])
            #expect(status == 0)
        } else {
            try Self.generate(into: maildir, count: count)
        }
        var report: [String] = ["store measurements, \(count) messages:"]

        var start = clock.now
        let account = try await root.store().account(alice)
        var session = try await account.select(.inbox)
        report.append("  first SELECT (builds index): \(Self.ms(clock.now - start))")
        #expect(session.count == count)

        start = clock.now
        let again = try await root.store().account(alice).select(.inbox)
        report.append("  SELECT with a new store (index loaded from SQLite): \(Self.ms(clock.now - start))")
        #expect(again.count == count && again.snapshot.uidValidity == session.snapshot.uidValidity)

        start = clock.now
        _ = try await session.poll(sync: true, reportExpunges: true)
        report.append("  NOOP sync, nothing changed: \(Self.ms(clock.now - start))")

        start = clock.now
        let all = session.allMessages()
        var flagged = 0
        for (_, m) in all where !m.flags.isEmpty { flagged += 1 }
        report.append("  FLAGS for all from memory: \(Self.ms(clock.now - start))")
        #expect(all.count == count && flagged == 0)

        start = clock.now
        let stored = try await session.store(uids: session.uids, .add, flags: [.flagged])
        report.append("  STORE 1:* +FLAGS (\\Flagged): \(Self.ms(clock.now - start))")
        #expect(stored.modified.count == count)

        start = clock.now
        let afterStore = try await session.poll(sync: true, reportExpunges: true)
        report.append("  NOOP sync after the STORE (waits for the file renames, then re-reads cur/): \(Self.ms(clock.now - start))")
        #expect(afterStore.isEmpty)
        #expect(files(maildir + "/cur").filter { $0.hasSuffix(":2,F") }.count == count)
        if ProcessInfo.processInfo.environment["POSTERN_STORE_BENCH_QUICK"] != nil {
            _ = try await session.store(uids: session.uids, .remove, flags: [.flagged])
            _ = try await session.poll(sync: true, reportExpunges: true)  // waits for the renames
            print(report.joined(separator: "\n"))
            return
        }

        start = clock.now
        let unstored = try await session.store(uids: session.uids, .remove, flags: [.flagged])
        report.append("  STORE 1:* -FLAGS (\\Flagged): \(Self.ms(clock.now - start))")
        #expect(unstored.modified.count == count)

        start = clock.now
        let indexed = try await account.indexPendingMessages(in: .inbox)
        report.append("  analyse + FTS index all (test analyser): \(Self.ms(clock.now - start))")
        #expect(indexed == count)

        var hits: [UInt32] = []
        for round in 0..<3 {
            start = clock.now
            hits = try await session.search(text: "zebrafish", scope: .text)
            report.append("  SEARCH TEXT zebrafish (\(hits.count) hits) #\(round + 1): \(Self.ms(clock.now - start))")
        }
        #expect(hits.count == count / 100)
        start = clock.now
        let subjects = try await session.search(header: .subject, contains: "invoice")
        report.append("  SEARCH SUBJECT invoice (\(subjects.count) hits): \(Self.ms(clock.now - start))")
        #expect(subjects.count == count / 100)
        print(report.joined(separator: "\n"))
    }
}
