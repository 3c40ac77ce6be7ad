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

    /// Runs a program with arguments and standard input; kills it after `timeout`. The child
    /// gets a clean signal mask (see SpawnedProcess) and files for its standard streams, so
    /// nothing can block on a pipe.
    public static func run(_ executable: String, _ arguments: [String], input: String? = nil,
                           environment: [String: String]? = nil, timeout: Duration = .seconds(60)) async throws -> ProgramResult {
        let dir = NSTemporaryDirectory() + "prog-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inPath = dir + "/in", outPath = dir + "/out", errPath = dir + "/err"
        _ = FileManager.default.createFile(atPath: inPath, contents: Data((input ?? "").utf8))
        let process = try SpawnedProcess.spawn(executable, arguments, outputPath: outPath, errorPath: errPath,
                                               inputPath: inPath, environment: environment)
        guard let status = await process.wait(timeout: timeout) else { throw ProgramError.timedOut(executable) }
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return ProgramResult(status: status, stdout: out, stderr: err)
    }
}
