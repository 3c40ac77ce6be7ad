// Thin, typed wrappers over the POSIX calls the store needs (Glibc). Everything here blocks;
// callers run it on the store's dispatch queues, never on the Swift concurrency pool.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: which, on what, and errno.
struct POSIXFailure: Error, Sendable {
    var operation: String
    var path: String
    var code: Int32

    var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }
    var isNotFound: Bool { code == ENOENT }
    var message: String { "\(operation) \(path): \(String(cString: strerror(code)))" }

    var storeError: StoreError { isDiskFull ? .diskFull(message) : .io(message) }
    var deliveryError: DeliveryError { isDiskFull ? .diskFull(message) : .failed(message) }
}

/// Identity and change stamps of a directory: a different value means entries were added,
/// removed or renamed (mtime and ctime change then; the inode changes if it was replaced).
struct DirectorySignature: Hashable, Sendable {
    var inode: UInt64
    var mtimeNanoseconds: Int64
    var ctimeNanoseconds: Int64

    var encoded: String { "\(inode):\(mtimeNanoseconds):\(ctimeNanoseconds)" }
    init(inode: UInt64, mtimeNanoseconds: Int64, ctimeNanoseconds: Int64) {
        self.inode = inode
        self.mtimeNanoseconds = mtimeNanoseconds
        self.ctimeNanoseconds = ctimeNanoseconds
    }
    init?(encoded: String) {
        let parts = encoded.split(separator: ":")
        guard parts.count == 3, let i = UInt64(parts[0]), let m = Int64(parts[1]), let c = Int64(parts[2]) else { return nil }
        self.init(inode: i, mtimeNanoseconds: m, ctimeNanoseconds: c)
    }
}

enum POSIXFiles {
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    static func currentErrno() -> Int32 { errno }

    static func realtimeNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// mkdir, treating an existing directory as success. Returns whether it was created.
    @discardableResult
    static func makeDirectory(_ path: String) throws(POSIXFailure) -> Bool {
        if mkdir(path, directoryMode) != 0 {
            let e = errno
            if e == EEXIST { return false }
            throw POSIXFailure(operation: "mkdir", path: path, code: e)
        }
        return true
    }

    /// Creates a Maildir (the directory and its tmp/ new/ cur/), with missing parents (account
    /// roots under the domain directory). Every directory in which an entry was created is
    /// fsynced, so that a message made durable in new/ cannot lose the directory itself.
    static func makeMaildir(_ path: String) throws(POSIXFailure) {
        var created = Set<String>()
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            let parent = current.isEmpty ? "/" : current
            current += "/" + component
            if try makeDirectory(current) { created.insert(parent) }
        }
        for sub in ["tmp", "new", "cur"] where try makeDirectory(path + "/" + sub) { created.insert(path) }
        for dir in created.sorted(by: { $0.count > $1.count }) { try syncDirectory(dir) }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func signature(_ path: String) throws(POSIXFailure) -> DirectorySignature {
        var st = stat()
        guard stat(path, &st) == 0 else { throw POSIXFailure(operation: "stat", path: path, code: errno) }
        return DirectorySignature(
            inode: UInt64(st.st_ino),
            mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
            ctimeNanoseconds: Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec))
    }

    /// Size and mtime (seconds) of `name` inside the open directory `dirFD`.
    static func fileInfo(directory dirFD: Int32, name: String) -> (size: Int, mtime: Int64)? {
        var st = stat()
        guard fstatat(dirFD, name, &st, 0) == 0 else { return nil }
        return (Int(st.st_size), Int64(st.st_mtim.tv_sec))
    }

    static func openDirectory(_ path: String) throws(POSIXFailure) -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXFailure(operation: "open", path: path, code: errno) }
        return fd
    }

    /// Names of the entries of a directory that may be message files: regular files (or
    /// unknown type), not starting with `.`.
    static func listFiles(_ path: String) throws(POSIXFailure) -> [String] {
        guard let dir = opendir(path) else { throw POSIXFailure(operation: "opendir", path: path, code: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            guard type == UInt8(DT_REG) || type == UInt8(DT_UNKNOWN) || type == UInt8(DT_LNK) else { continue }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        return names
    }

    /// Sub-directory names of a directory (entries starting with `.` included, `.`/`..` not).
    static func listDirectories(_ path: String) throws(POSIXFailure) -> [String] {
        guard let dir = opendir(path) else { throw POSIXFailure(operation: "opendir", path: path, code: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            if type == UInt8(DT_DIR) || (type == UInt8(DT_UNKNOWN) && isDirectory(path + "/" + name)) {
                names.append(name)
            }
        }
        return names
    }

    /// Creates and writes a file but does not sync it: returns the open descriptor, for
    /// `syncAndClose` once the file has its final names (see MailStore.deliverOnce).
    static func writeUnsynced(directory: String, name: String, bytes: [UInt8], mtime: Int64?) throws(POSIXFailure) -> Int32 {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw POSIXFailure(operation: "create", path: path, code: errno) }
        if let failure = writeContents(fd, bytes, mtime: mtime, path: path) {
            close(fd)
            unlink(path)
            throw failure
        }
        return fd
    }

    /// Writes all of `bytes` (retrying short writes and EINTR) and sets the mtime if asked.
    private static func writeContents(_ fd: Int32, _ bytes: [UInt8], mtime: Int64?, path: String) -> POSIXFailure? {
        var failure: POSIXFailure?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, failure == nil {
                let n = write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = POSIXFailure(operation: "write", path: path, code: errno)
                } else {
                    offset += n
                }
            }
        }
        if failure == nil, let mtime {
            var times = [timespec(tv_sec: time_t(mtime), tv_nsec: 0), timespec(tv_sec: time_t(mtime), tv_nsec: 0)]
            if futimens(fd, &times) != 0 { failure = POSIXFailure(operation: "futimens", path: path, code: errno) }
        }
        return failure
    }

    /// Linux's O_TMPFILE (`__O_TMPFILE | O_DIRECTORY`, bits/fcntl-linux.h): the C macro does
    /// not reach Swift.
    static let openTemporaryFile: Int32 = 0o20_200_000

    /// Writes `bytes` into a new file that has no name yet, in `directory` (O_TMPFILE), and
    /// returns its descriptor; nil when the file system cannot do that (then use tmp/).
    /// Naming it later with `linkAnonymous` needs no rename and no tmp/ entry, and the inode
    /// is allocated without holding any directory's lock, so concurrent deliveries into one
    /// Maildir do not queue behind each other's inode allocation.
    static func writeAnonymous(directory: String, bytes: [UInt8], mtime: Int64?) throws(POSIXFailure) -> Int32? {
        let fd = open(directory, openTemporaryFile | O_WRONLY | O_CLOEXEC, fileMode)
        if fd < 0 {
            if errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL { return nil }
            throw POSIXFailure(operation: "create", path: directory, code: errno)
        }
        if let failure = writeContents(fd, bytes, mtime: mtime, path: directory) {
            close(fd)
            throw failure
        }
        return fd
    }

    /// Gives a file from `writeAnonymous` a name (linkat through /proc/self/fd, which needs
    /// no privilege, unlike AT_EMPTY_PATH).
    static func linkAnonymous(_ fd: Int32, to path: String) throws(POSIXFailure) {
        guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 else {
            throw POSIXFailure(operation: "link", path: path, code: errno)
        }
    }

    /// fsync and close a descriptor from `writeUnsynced`.
    static func syncAndClose(_ fd: Int32, path: String) throws(POSIXFailure) {
        var failure: POSIXFailure?
        if fsync(fd) != 0 { failure = POSIXFailure(operation: "fsync", path: path, code: errno) }
        if close(fd) != 0, failure == nil { failure = POSIXFailure(operation: "close", path: path, code: errno) }
        if let failure { throw failure }
    }

    /// Creates `directory/name` exclusively, writes `bytes`, sets the mtime if asked, fsyncs
    /// and closes. On failure the file is removed.
    static func writeDurably(directory: String, name: String, bytes: [UInt8], mtime: Int64?) throws(POSIXFailure) {
        let fd = try writeUnsynced(directory: directory, name: name, bytes: bytes, mtime: mtime)
        do throws(POSIXFailure) {
            try syncAndClose(fd, path: directory + "/" + name)
        } catch {
            unlink(directory + "/" + name)
            throw error
        }
    }

    /// fsync of a directory, making renames and links into it durable.
    static func syncDirectory(_ path: String) throws(POSIXFailure) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXFailure(operation: "open", path: path, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw POSIXFailure(operation: "fsync", path: path, code: errno) }
    }

    static func rename(_ from: String, _ to: String) throws(POSIXFailure) {
        guard Glibc.rename(from, to) == 0 else { throw POSIXFailure(operation: "rename", path: from, code: errno) }
    }

    /// rename within open directories (no path resolution per call: fast for bulk renames).
    static func renameAt(_ fromDir: Int32, _ from: String, _ toDir: Int32, _ to: String) -> Int32 {
        renameat(fromDir, from, toDir, to) == 0 ? 0 : errno
    }

    static func link(_ from: String, _ to: String) throws(POSIXFailure) {
        guard Glibc.link(from, to) == 0 else { throw POSIXFailure(operation: "link", path: to, code: errno) }
    }

    @discardableResult
    static func remove(_ path: String) -> Bool { unlink(path) == 0 }

    static func removeDirectory(_ path: String) throws(POSIXFailure) {
        guard rmdir(path) == 0 else { throw POSIXFailure(operation: "rmdir", path: path, code: errno) }
    }

    /// Removes a directory tree (used for DELETE of a folder's own Maildir; does not follow
    /// symbolic links).
    static func removeTree(_ path: String) throws(POSIXFailure) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw POSIXFailure(operation: "lstat", path: path, code: errno)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            guard let dir = opendir(path) else { throw POSIXFailure(operation: "opendir", path: path, code: errno) }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: &entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names { try removeTree(path + "/" + name) }
            try removeDirectory(path)
        } else if unlink(path) != 0, errno != ENOENT {
            throw POSIXFailure(operation: "unlink", path: path, code: errno)
        }
    }

    /// Reads a whole file, refusing files larger than `limit`.
    static func readFile(_ path: String, limit: Int) throws(POSIXFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXFailure(operation: "open", path: path, code: errno) }
        defer { close(fd) }
        return try readAll(fd: fd, path: path, limit: limit)
    }

    static func readAll(fd: Int32, path: String, limit: Int) throws(POSIXFailure) -> [UInt8] {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw POSIXFailure(operation: "fstat", path: path, code: errno) }
        guard Int(st.st_size) <= limit else { throw POSIXFailure(operation: "read", path: path, code: EFBIG) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFailure(operation: "read", path: path, code: errno)
            }
            if n == 0 { bytes.removeSubrange(offset...); break }  // the file shrank meanwhile
            offset += n
        }
        return bytes
    }

    /// Writes a small file atomically (tmp + fsync + rename), for dovecot-keywords.
    static func replaceFile(_ path: String, contents: [UInt8]) throws(POSIXFailure) {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let tmpName = ".postern-tmp-\(getpid())-\(realtimeNanoseconds())"
        try writeDurably(directory: directory, name: tmpName, bytes: contents, mtime: nil)
        do { try rename(directory + "/" + tmpName, path) } catch {
            remove(directory + "/" + tmpName)
            throw error
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func processID() -> Int32 { getpid() }
}
