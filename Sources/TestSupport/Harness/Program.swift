// Running the real programs interoperability tests use (swaks, mbsync, mutt, openssl,
// smtp-source, Debian's python3). A missing program is a test failure, not a skip: CI
// installs them through scripts/test.

import Foundation
import Synchronization

public struct ProgramResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var output: String { stdout + stderr }
}

public enum ProgramError: Error, CustomStringConvertible {
    case notInstalled(String, package: String)
    case timedOut(String)

    public var description: String {
        switch self {
        case .notInstalled(let p, let pkg): "\(p) is not installed (Debian package \(pkg); scripts/test installs it)"
        case .timedOut(let p): "\(p) did not finish in time"
        }
    }
}

public enum Program {
    /// Finds an executable in the usual system directories (not the pyenv shims on PATH).
    public static func path(_ name: String, package: String) throws -> String {
        for dir in ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"] {
            let p = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw ProgramError.notInstalled(name, package: package)
    }

    /// Runs a program with arguments and standard input; kills it after `timeout`.
    public static func run(_ executable: String, _ arguments: [String], input: String? = nil,
                           environment: [String: String]? = nil, timeout: Duration = .seconds(60)) async throws -> ProgramResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Drain both pipes concurrently so a chatty program cannot block on a full pipe. The
        // blocking reads run on threads of their own: on the concurrency pool they could take
        // every thread (two on a 2-core machine) and starve the server under test and the
        // killer below.
        async let out = Self.readToEnd(outPipe)
        async let err = Self.readToEnd(errPipe)
        let killed = KilledFlag()
        let killer = Task.detached {
            try await Task.sleep(for: timeout)
            if process.isRunning {
                killed.set()
                process.terminate()
            }
        }
        let (o, e) = await (out, err)
        process.waitUntilExit()
        killer.cancel()
        if killed.value { throw ProgramError.timedOut(executable) }
        return ProgramResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

extension Program {
    static func readToEnd(_ pipe: Pipe) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile())
            }
        }
    }
}

final class KilledFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var value: Bool { state.withLock { $0 } }
}
