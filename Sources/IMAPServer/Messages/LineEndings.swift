// Maildir files hold Unix LF line endings (Postfix, Dovecot and mutt write them so; SMTP
// delivery converts CRLF to LF), but IMAP sends messages in their CRLF form: RFC 9051 §4.3
// literals carry the message as it is on the wire, and RFC822.SIZE and body-fld-octets
// count that form. So every message leaving through FETCH has its bare LFs turned into CRLF,
// and every APPENDed message has its CRLFs turned into LF. Files written by other programs
// with CRLF endings pass through unchanged.

import NIOCore

enum LineEndings {
    /// The CRLF form: a CR before every LF that has none.
    static func crlf(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        bytes.withUnsafeBufferPointer { source in
            let extra = bareLineFeeds(source, previous: 0)
            guard extra > 0 else { return Array(source) }
            var out = [UInt8]()
            out.reserveCapacity(source.count + extra)
            var previous: UInt8 = 0
            for byte in source {
                if byte == 0x0A && previous != 0x0D { out.append(0x0D) }
                out.append(byte)
                previous = byte
            }
            return out
        }
    }

    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        crlf(bytes[...])
    }

    /// LFs without a CR before them (`previous` is the byte before the buffer).
    static func bareLineFeeds(_ bytes: UnsafeBufferPointer<UInt8>, previous: UInt8) -> Int {
        var count = 0
        var last = previous
        for byte in bytes {
            if byte == 0x0A && last != 0x0D { count += 1 }
            last = byte
        }
        return count
    }

    /// The LF form of an APPENDed message: CRLF becomes LF; a lone CR or LF stays as it is.
    static func lf(_ bytes: ByteBufferView) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var pendingCR = false
        for byte in bytes {
            if pendingCR {
                pendingCR = false
                if byte == 0x0A {
                    out.append(0x0A)
                    continue
                }
                out.append(0x0D)
            }
            if byte == 0x0D {
                pendingCR = true
            } else {
                out.append(byte)
            }
        }
        if pendingCR { out.append(0x0D) }
        return out
    }
}

/// Turns a file read in blocks into its CRLF form, keeping the position in the converted
/// stream so that a partial range (`<offset.length>`, counted in CRLF octets) can be cut out.
struct CRLFStream {
    private var previous: UInt8 = 0
    /// Octets of converted output produced so far.
    private(set) var position: UInt64 = 0
    /// The window of the converted stream to keep.
    let window: Range<UInt64>

    init(window: Range<UInt64>) {
        self.window = window
    }

    /// Converts the next block and appends the part inside the window to `out`.
    mutating func feed(_ block: [UInt8], into out: inout ByteBuffer) {
        var run: [UInt8] = []
        run.reserveCapacity(block.count + block.count / 16)
        for byte in block {
            if byte == 0x0A && previous != 0x0D { emit(0x0D, &run) }
            emit(byte, &run)
            previous = byte
        }
        out.writeBytes(run)
    }

    @inline(__always) private mutating func emit(_ byte: UInt8, _ run: inout [UInt8]) {
        if window.contains(position) { run.append(byte) }
        position += 1
    }
}
