// docs/configuration.md, generated from the schema so that it cannot drift from the code
// (`postern config docs` prints it; a test compares it with the committed file).

extension ConfigSchema {
    public static func markdown() -> String {
        var out = """
        # Configuration reference

        Postern reads one TOML file: `--config PATH`, else `./postern.toml`, else
        `/etc/postern/postern.toml`. With none of them it runs the development profile (data in
        `./postern-data`, domain `localhost`, listeners on 127.0.0.1: SMTP 2525, submission 5870,
        submissions 4650, IMAP 1430, IMAPS 9930, HTTP 8080).

        `postern check-config` validates a file and lists every problem with its line; `postern
        serve` refuses to start (exit code 2) on any problem. Unknown keys are errors, so a typo
        never silently falls back to a default.

        Durations are strings like `"90s"`, `"500ms"`, `"5m"`, `"4h"`, `"5d"`, or plain numbers of
        seconds.

        This file is generated from the code (`postern config docs`); edit
        `Sources/Config/ConfigSchema.swift` instead.

        ## Example

        ```toml
        hostname = "mail.example.org"
        data_dir = "/var/lib/postern"

        [listen]
        smtp        = "0.0.0.0:25"
        submission  = "0.0.0.0:587"
        submissions = "0.0.0.0:465"
        imap        = "0.0.0.0:143"
        imaps       = "0.0.0.0:993"

        [dns]
        nameservers = ["127.0.0.1:53"]

        [tls]
        certificate = "/etc/postern/fullchain.pem"
        key         = "/etc/postern/privkey.pem"

        [relay]
        host          = "smtp.sendgrid.net"
        port          = 587
        username      = "apikey"
        password_file = "/etc/postern/relay.secret"

        [smtp]
        dnsbl = ["zen.spamhaus.org"]
        rhsbl = ["dbl.spamhaus.org"]
        ```

        """
        func table(_ keys: [ConfigKey]) -> String {
            var t = "| key | type | default | meaning |\n|---|---|---|---|\n"
            for k in keys {
                var doc = k.doc
                if let e = k.example { doc += " Example: `\(k.name) = \(e)`." }
                t += "| `\(k.name)` | \(k.type.replacingOccurrences(of: "|", with: "\\|")) | \(k.defaultText) | \(doc.replacingOccurrences(of: "|", with: "\\|")) |\n"
            }
            return t
        }
        out += "\n## Top level\n\n" + table(keys.filter { $0.section == nil })
        for section in sections {
            out += "\n## [\(section.name)]\n\n\(section.doc)\n\n" + table(keys.filter { $0.section == section.name })
        }
        return out
    }
}

import Foundation
