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

    /// Starts `path` with `arguments`; standard output goes to `outputPath` (or /dev/null),
    /// standard error to `errorPath` (or with the output), standard input comes from
    /// `inputPath` (or /dev/null). `environment` replaces the environment when given.
    public static func spawn(_ path: String, _ arguments: [String], outputPath: String? = nil, errorPath: String? = nil,
                             inputPath: String? = nil, environment: [String: String]? = nil) throws -> SpawnedProcess {
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
        posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { env in env.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var pid: pid_t = 0
        let status = envp == nil
            ? posix_spawn(&pid, path, &actions, &attributes, argv, environ)
            : posix_spawn(&pid, path, &actions, &attributes, argv, envp!)
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

    /// Waits for the process to exit; returns its exit status (128 + signal when killed), or
    /// nil when `timeout` passed first (the process group is then killed).
    public func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let status: Int32? = reaped.withLock { reaped in
                guard !reaped else { return exitStatus.withLock { $0 } }
                var raw: Int32 = 0
                guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
                reaped = true
                let code: Int32 = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
                exitStatus.withLock { $0 = code }
                return code
            }
            if let status { return status }
            try? await Task.sleep(for: .milliseconds(5))
        }
        kill(-pid, SIGKILL)
        await stop(grace: .zero)
        return nil
    }

    private let exitStatus = Mutex<Int32?>(nil)

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
