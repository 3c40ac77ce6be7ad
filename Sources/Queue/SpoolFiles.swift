// Blocking file operations of the spool (Glibc). Callers run them on the spool's own
// dispatch queue, never on the Swift concurrency pool.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A failed system call: which, on what, and errno.
public struct SpoolIOError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var code: Int32
    public var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }
    public var isNotFound: Bool { code == ENOENT }
    public var isExisting: Bool { code == EEXIST }
    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

enum SpoolFiles {
    static let fileMode: mode_t = 0o600
    static let directoryMode: mode_t = 0o700

    static func fail(_ op: String, _ path: String) -> SpoolIOError {
        SpoolIOError(operation: op, path: path, code: errno)
    }

    static func makeDirectory(_ path: String) throws(SpoolIOError) {
        if mkdir(path, directoryMode) != 0 && errno != EEXIST { throw fail("mkdir", path) }
    }

    /// Creates `path` exclusively, writes `bytes`, fsyncs; removes it on failure.
    static func writeNew(_ path: String, _ bytes: [UInt8]) throws(SpoolIOError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw fail("open", path) }
        do throws(SpoolIOError) {
            try writeAll(fd, bytes, path: path)
            if fsync(fd) != 0 { throw fail("fsync", path) }
            if close(fd) != 0 { throw fail("close", path) }
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SpoolIOError) {
        var failure: SpoolIOError?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = fail("write", path)
                    return
                }
                offset += n
            }
        }
        if let failure { throw failure }
    }

    /// Appends to an existing file or creates it; fsyncs the file. Returns whether it was
    /// created (the directory then needs an fsync too).
    static func append(_ path: String, _ bytes: [UInt8], create: Bool) throws(SpoolIOError) -> Bool {
        var created = false
        var fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if fd < 0 && errno == ENOENT && create {
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
            created = fd >= 0
            if fd < 0 && errno == EEXIST { fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC) }
        }
        guard fd >= 0 else { throw fail("open", path) }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
        if fsync(fd) != 0 { throw fail("fsync", path) }
        return created
    }

    /// The whole file (spool files are ours, and as large as the message they hold).
    static func readAll(_ path: String) throws(SpoolIOError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("open", path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail("fstat", path) }
        return try readUpTo(fd, count: Int(st.st_size), path: path)
    }

    /// At most `limit` octets from the start of the file.
    static func readPrefix(_ path: String, limit: Int) throws(SpoolIOError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("open", path) }
        defer { close(fd) }
        return try readUpTo(fd, count: limit, path: path)
    }

    /// Reads until `count` octets or the end of the file, retrying short reads and EINTR.
    private static func readUpTo(_ fd: Int32, count: Int, path: String) throws(SpoolIOError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        var failure: SpoolIOError?
        out.withUnsafeMutableBytes { raw in
            while offset < raw.count {
                let n = read(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = fail("read", path)
                    return
                }
                if n == 0 { break }
                offset += n
            }
        }
        if let failure { throw failure }
        return Array(out.prefix(offset))
    }

    static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    static func link(_ from: String, _ to: String) throws(SpoolIOError) {
        if Glibc.link(from, to) != 0 { throw fail("link", to) }
    }

    static func rename(_ from: String, _ to: String) throws(SpoolIOError) {
        if Glibc.rename(from, to) != 0 { throw fail("rename", from) }
    }

    /// unlink; a missing file is not an error. Returns whether something was removed.
    @discardableResult
    static func remove(_ path: String) throws(SpoolIOError) -> Bool {
        if unlink(path) != 0 {
            if errno == ENOENT { return false }
            throw fail("unlink", path)
        }
        return true
    }

    static func truncate(_ path: String, to length: Int) throws(SpoolIOError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("open", path) }
        defer { close(fd) }
        if ftruncate(fd, off_t(length)) != 0 { throw fail("ftruncate", path) }
        if fsync(fd) != 0 { throw fail("fsync", path) }
    }

    static func syncDirectory(_ path: String) throws(SpoolIOError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("open", path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw fail("fsync", path) }
    }

    /// Names in a directory, without `.` and `..`.
    static func list(_ path: String) throws(SpoolIOError) -> [String] {
        guard let dir = opendir(path) else { throw fail("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// fsync of one directory shared by concurrent callers (group commit): a caller returns
/// once an fsync that started after its own change has finished, so many renames or
/// unlinks that happen together cost one fsync.
final class DirectorySync: Sendable {
    let path: String
    private struct State {
        var requested: UInt64 = 0
        var completed: UInt64 = 0
        var running = false
        var failure: (through: UInt64, error: SpoolIOError)?
    }
    private let state = Mutex(State())
    private let condition = NSCondition()

    init(path: String) { self.path = path }

    func sync() throws(SpoolIOError) {
        condition.lock()
        defer { condition.unlock() }
        let ticket = state.withLock { s -> UInt64 in s.requested += 1; return s.requested }
        while true {
            let (done, failed, running) = state.withLock { s in
                (s.completed >= ticket, s.failure.flatMap { $0.through >= ticket ? $0.error : nil }, s.running)
            }
            if done { return }
            if let failed { throw failed }
            if running {
                condition.wait()
                continue
            }
            let target = state.withLock { s -> UInt64 in s.running = true; return s.requested }
            condition.unlock()
            var result: SpoolIOError?
            do throws(SpoolIOError) { try SpoolFiles.syncDirectory(path) } catch { result = error }
            condition.lock()
            state.withLock { s in
                s.running = false
                if let result { s.failure = (target, result) } else { s.completed = max(s.completed, target) }
            }
            condition.broadcast()
        }
    }
}
