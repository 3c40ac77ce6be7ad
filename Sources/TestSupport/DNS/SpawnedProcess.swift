// Starting a real server program (nsd, unbound, ...) from a test. Foundation's Process
// passes on the spawning thread's signal mask, and the threads of a Swift test process
// block SIGTERM, so a program started with it cannot be stopped politely and
// `waitUntilExit()` hangs. Here the child gets an empty signal mask, default handlers and
// its own process group, so stopping it also stops whatever it forked.

#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif
import Synchronization

public final class SpawnedProcess: Sendable {
    public let pid: pid_t
    private let reaped = Mutex(false)

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `path` with `arguments`; standard output and error go to `outputPath` (or
    /// /dev/null), standard input comes from /dev/null.
    public static func spawn(_ path: String, _ arguments: [String], outputPath: String? = nil) throws -> SpawnedProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard status == 0 else { throw SpawnError(path: path, errno: status) }
        return SpawnedProcess(pid: pid)
    }

    /// Whether the process is still running (reaping it if it has exited).
    public var isRunning: Bool {
        reaped.withLock { reaped in
            guard !reaped else { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
                return false
            }
            return true
        }
    }

    /// SIGTERM to the process group, then SIGKILL if it has not exited within `grace`.
    public func stop(grace: Duration = .seconds(5)) async {
        guard isRunning else { return }
        kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if !isRunning { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill(-pid, SIGKILL)
        while isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var path: String
        public var errno: Int32
        public var description: String { "cannot start \(path): \(String(cString: strerror(errno)))" }
    }
}
