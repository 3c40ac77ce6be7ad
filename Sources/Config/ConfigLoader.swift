// Finding, reading and validating the configuration file. Every problem is collected (not
// just the first) and names the file, the line, the key and what was expected.

import Foundation
import TOML

public enum ConfigLoader {
    /// Largest configuration file read (a typo pointing at a log file should not eat memory).
    static let maxFileSize = 1 << 20

    /// Which file to use: the explicit one, else ./postern.toml, else /etc/postern/postern.toml;
    /// nil means the development profile.
    public static func locate(explicit: String?, currentDirectory: String? = nil,
                              systemPath: String = "/etc/postern/postern.toml") -> String? {
        if let explicit { return explicit }
        let cwd = currentDirectory ?? FileManager.default.currentDirectoryPath
        let local = (cwd as NSString).appendingPathComponent("postern.toml")
        if FileManager.default.fileExists(atPath: local) { return local }
        if FileManager.default.fileExists(atPath: systemPath) { return systemPath }
        return nil
    }

    /// Loads the configuration: from `path`, or the development profile when nil.
    public static func load(path: String?, developmentDataDirectory: String = "./postern-data") -> Result<PosternConfig, ConfigErrors> {
        guard let path else {
            return .success(PosternConfig.developmentProfile(dataDirectory: developmentDataDirectory))
        }
        let data: Data
        do {
            let attrs = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attrs[.size] as? Int, size > maxFileSize {
                return .failure(ConfigErrors([ConfigProblem(file: path, line: nil, key: nil, message: "file is larger than \(maxFileSize) bytes")]))
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file (permissions?)" : "no such file"
            return .failure(ConfigErrors([ConfigProblem(file: path, line: nil, key: nil, message: reason)]))
        }
        return parse(Array(data), file: path)
    }

    /// Parses and validates configuration text; `file` names it in messages.
    public static func parse(_ bytes: [UInt8], file: String) -> Result<PosternConfig, ConfigErrors> {
        let root: TOMLTable
        do {
            root = try TOMLParser.parse(utf8: bytes)
        } catch {
            return .failure(ConfigErrors([ConfigProblem(file: file, line: error.position.line, key: nil, message: "TOML syntax: \(error.message)")]))
        }
        var config = PosternConfig()
        config.source = .file(file)
        // A configuration file starts from production defaults: nothing listens unless asked.
        config.dataDirectory = "/var/lib/postern"
        var problems: [ConfigProblem] = []
        var relayTLSGiven = false

        func apply(_ key: ConfigKey, _ node: TOMLNode) {
            var messages: [String] = []
            key.apply(&config, node, &messages)
            for m in messages { problems.append(ConfigProblem(file: file, line: node.position.line, key: key.path, message: m)) }
        }

        for entry in root.entries {
            if let key = ConfigSchema.keys.first(where: { $0.section == nil && $0.name == entry.key }) {
                apply(key, entry.node)
                continue
            }
            guard let section = ConfigSchema.sections.first(where: { $0.name == entry.key }) else {
                let known = (ConfigSchema.keys.filter { $0.section == nil }.map(\.name) + ConfigSchema.sections.map { "[\($0.name)]" }).joined(separator: ", ")
                problems.append(ConfigProblem(file: file, line: entry.keyPosition.line, key: entry.key,
                                              message: "unknown key (known: \(known))"))
                continue
            }
            guard let table = entry.node.value.table else {
                problems.append(ConfigProblem(file: file, line: entry.keyPosition.line, key: entry.key,
                                              message: "expected a table [\(entry.key)], got \(entry.node.value.typeName)"))
                continue
            }
            section.onPresence?(&config)
            for sub in table.entries {
                guard let key = ConfigSchema.keys.first(where: { $0.section == section.name && $0.name == sub.key }) else {
                    let known = ConfigSchema.keys.filter { $0.section == section.name }.map(\.name).joined(separator: ", ")
                    problems.append(ConfigProblem(file: file, line: sub.keyPosition.line, key: "\(section.name).\(sub.key)",
                                                  message: "unknown key (known in [\(section.name)]: \(known))"))
                    continue
                }
                if key.path == "relay.tls" { relayTLSGiven = true }
                apply(key, sub.node)
            }
        }

        // Cross-key rules.
        func line(_ section: String, _ name: String) -> Int? {
            root[section]?.value.table?.entry(name)?.keyPosition.line ?? root[section]?.value.table?.position.line
        }
        if (config.tls.certificate == nil) != (config.tls.key == nil) {
            problems.append(ConfigProblem(file: file, line: line("tls", config.tls.certificate == nil ? "key" : "certificate"), key: "tls",
                                          message: "set both certificate and key, or neither (for a self-signed certificate)"))
        }
        for (name, path) in [("certificate", config.tls.certificate), ("key", config.tls.key)] {
            if let path, !isReadableFile(path) {
                problems.append(ConfigProblem(file: file, line: line("tls", name), key: "tls.\(name)", message: "cannot read \(path)"))
            }
        }
        if var relay = config.relay {
            if relay.host.isEmpty {
                problems.append(ConfigProblem(file: file, line: line("relay", "host"), key: "relay.host", message: "required when [relay] is present"))
            }
            if relay.username != nil && relay.passwordFile == nil {
                problems.append(ConfigProblem(file: file, line: line("relay", "username"), key: "relay.password_file",
                                              message: "a username needs password_file"))
            }
            if let pf = relay.passwordFile, !isReadableFile(pf) {
                problems.append(ConfigProblem(file: file, line: line("relay", "password_file"), key: "relay.password_file", message: "cannot read \(pf)"))
            }
            if let ca = relay.caCertificate, !isReadableFile(ca) {
                problems.append(ConfigProblem(file: file, line: line("relay", "ca_certificate"), key: "relay.ca_certificate", message: "cannot read \(ca)"))
            }
            if !relayTLSGiven && relay.port == 465 { relay.tls = .implicit }
            config.relay = relay
        }
        var seen: [ListenAddress: String] = [:]
        let listeners: [(String, ListenAddress?)] = [("smtp", config.listen.smtp), ("submission", config.listen.submission),
                                                     ("submissions", config.listen.submissions), ("imap", config.listen.imap),
                                                     ("imaps", config.listen.imaps), ("http", config.listen.http), ("https", config.listen.https)]
        for (name, address) in listeners {
            guard let address, address.port != 0 else { continue }
            if let other = seen[address] {
                problems.append(ConfigProblem(file: file, line: line("listen", name), key: "listen.\(name)",
                                              message: "\(address) is already used by listen.\(other)"))
            }
            seen[address] = name
        }
        if listeners.allSatisfy({ $0.1 == nil }) && (root["listen"]?.value.table?.isEmpty ?? true) {
            problems.append(ConfigProblem(file: file, line: nil, key: "listen", message: "no listener configured: add a [listen] section (e.g. smtp = \"0.0.0.0:25\")"))
        }
        return problems.isEmpty ? .success(config) : .failure(ConfigErrors(problems.enumerated().sorted {
            ($0.element.line ?? Int.max, $0.offset) < ($1.element.line ?? Int.max, $1.offset)
        }.map(\.element)))
    }

    static func isReadableFile(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
            && FileManager.default.isReadableFile(atPath: path)
    }
}

/// Every problem of a configuration, in file order.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]
    public init(_ problems: [ConfigProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
