public import NIOCore

extension ResponseEncoder {
    /// The hot path of a big mailbox: `* n FETCH (UID u MODSEQ (m) FLAGS (...))\r\n` written
    /// in one reservation of the buffer, as FETCH 1:* (FLAGS), the FLAGS updates of a STORE
    /// and a QRESYNC resynchronisation produce them by the hundred thousand. `uid` and
    /// `modSeq` are left out when nil. Same bytes as `write(.untagged(.fetch(...)))` with
    /// the items in this order.
    public func writeFlagsFetch(sequence: UInt32, uid: UInt32?, modSeq: UInt64?, flags: [Flag], into buffer: inout ByteBuffer) {
        // "* " + 10 + " FETCH (" + "UID " + 10 + " MODSEQ (" + 20 + ") " + "FLAGS (" + "))\r\n"
        var capacity = 80
        for flag in flags { capacity += flag.wireLength + 1 }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
            var out = RawWriter(pointer: base)
            out.write("* ")
            out.writeDecimal(UInt64(sequence))
            out.write(" FETCH (")
            if let uid {
                out.write("UID ")
                out.writeDecimal(UInt64(uid))
                out.write(" ")
            }
            if let modSeq {
                out.write("MODSEQ (")
                out.writeDecimal(modSeq)
                out.write(") ")
            }
            out.write("FLAGS (")
            var first = true
            for flag in flags {
                if !first { out.write(" ") }
                first = false
                switch flag {
                case .answered: out.write("\\Answered")
                case .flagged: out.write("\\Flagged")
                case .deleted: out.write("\\Deleted")
                case .seen: out.write("\\Seen")
                case .draft: out.write("\\Draft")
                case .recent: out.write("\\Recent")
                case .wildcard: out.write("\\*")
                case .keyword(let keyword): out.write(keyword)
                case .extension(let name):
                    out.write("\\")
                    out.write(name)
                }
            }
            out.write("))\r\n")
            return out.count
        }
    }
}

extension Flag {
    /// Octets of the wire form.
    var wireLength: Int {
        switch self {
        case .answered: 9
        case .flagged: 8
        case .deleted: 8
        case .seen: 5
        case .draft: 6
        case .recent: 7
        case .wildcard: 2
        case .keyword(let keyword): keyword.utf8.count
        case .extension(let name): name.utf8.count + 1
        }
    }
}

/// Appends to memory reserved beforehand for the whole line (the caller computed the bound).
private struct RawWriter {
    let pointer: UnsafeMutablePointer<UInt8>
    var count = 0

    @inline(__always) mutating func write(_ text: StaticString) {
        let length = text.utf8CodeUnitCount
        (pointer + count).update(from: text.utf8Start, count: length)
        count += length
    }

    @inline(__always) mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            guard let source = utf8.baseAddress else { return }
            (pointer + count).update(from: source, count: utf8.count)
            count += utf8.count
        }
    }

    @inline(__always) mutating func writeDecimal(_ value: UInt64) {
        var n = value
        var digits = 1
        var probe = n
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var index = count + digits
        repeat {
            index -= 1
            pointer[index] = UInt8(truncatingIfNeeded: n % 10) &+ 48
            n /= 10
        } while n > 0
        count += digits
    }
}
