// RFC 5322 §3.3 date-time, with the §4.3 obsolete forms (two- and three-digit years,
// alphabetic zones, comments) and the broken forms seen in the wild: asctime order
// ("Fri May  4 14:05:44 2001"), missing seconds, missing zone, a zone glued to the time,
// "+hh:mm" zones, full day and month names, ISO 8601 ("2001-05-04 14:05:44").

public enum RFC5322Date {
    /// The longest value looked at; a date is about 40 characters.
    static let maxInputLength = 256

    ///     date-time = [ day-of-week "," ] date time [CFWS]   ; RFC 5322 §3.3
    ///     date      = day month year
    ///     time      = time-of-day zone
    ///     zone      = (FWS ( "+" / "-" ) 4DIGIT) / obs-zone     ; obs-zone §4.3
    ///
    /// Parses a Date-style value into seconds since the Unix epoch (UTC) and the zone
    /// offset east of UTC in seconds. Nil when no day, month, year and time are found.
    public static func parse<C: Collection<UInt8>>(_ input: C) -> (seconds: Int64, offsetSeconds: Int)? {
        var s = Array(input.prefix(maxInputLength))
        stripComments(&s)
        if let iso = parseISO(s) { return iso }
        let tokens = tokenize(s)
        var month: Int? = nil
        var numbers: [(value: Int, digits: Int)] = []
        var time: (h: Int, m: Int, s: Int)? = nil
        var zone: Int? = nil
        var alphaZone: Int? = nil
        for token in tokens {
            switch token {
            case .word(let w):
                if month == nil, let m = monthNumber(w) {
                    month = m
                } else if time != nil, alphaZone == nil, let z = zoneOffset(named: w) {
                    alphaZone = z
                }
            case .number(let v, let digits):
                numbers.append((v, digits))
            case .time(let h, let m, let sec):
                if time == nil { time = (h, m, sec) }
            case .zone(let offset):
                if time != nil && zone == nil { zone = offset }
            }
        }
        guard let month, let time, numbers.count >= 2 else { return nil }
        let yearIndex = numbers.firstIndex { $0.digits >= 3 } ?? 1
        let dayIndex = yearIndex == 0 ? 1 : 0
        let day = numbers[dayIndex].value
        var year = numbers[yearIndex].value
        // RFC 5322 §4.3: 00-49 -> 2000-2049, 50-99 and three digits -> add 1900.
        switch numbers[yearIndex].digits {
        case 1, 2: year += year < 50 ? 2000 : 1900
        case 3: year += 1900
        default: break
        }
        guard (1...31).contains(day), (1...9999).contains(year), time.h < 24, time.m < 60, time.s <= 60 else { return nil }
        let offset = zone ?? alphaZone ?? 0
        let days = daysFromCivil(year: year, month: month, day: day)
        let local = days * 86_400 + Int64(time.h * 3600 + time.m * 60 + time.s)
        return (local - Int64(offset), offset)
    }

    /// Formats RFC 5322 §3.3 `date-time`: "Fri, 4 May 2001 14:05:44 -0400".
    public static func format(seconds: Int64, offsetSeconds: Int = 0) -> String {
        let local = seconds + Int64(offsetSeconds)
        var days = local / 86_400
        var rem = local % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        let weekday = Int(((days % 7) + 11) % 7) // 1970-01-01 was a Thursday
        let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let h = Int(rem / 3600), mi = Int(rem % 3600 / 60), s = Int(rem % 60)
        let sign = offsetSeconds < 0 ? "-" : "+"
        let off = abs(offsetSeconds) / 60
        return "\(dayNames[weekday]), \(d) \(monthNames[m - 1]) \(y) \(two(h)):\(two(mi)):\(two(s)) \(sign)\(two(off / 60))\(two(off % 60))"
    }

    enum Token {
        case word([UInt8])
        case number(Int, digits: Int)
        case time(Int, Int, Int)
        case zone(Int)
    }

    static func stripComments(_ s: inout [UInt8]) {
        var out: [UInt8] = []
        var depth = 0
        for b in s {
            if b == 40 { depth += 1; continue }
            if b == 41 && depth > 0 { depth -= 1; continue }
            if depth == 0 { out.append(b) }
        }
        s = out
    }

    static func tokenize(_ s: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        let n = s.count
        var seenTime = false
        func readNumber(_ j: inout Int, maxDigits: Int = 9) -> (Int, Int)? {
            let start = j
            var v = 0
            while j < n, ASCII.isDigit(s[j]), j - start < maxDigits {
                v = v * 10 + Int(s[j] - 48)
                j += 1
            }
            return j > start ? (v, j - start) : nil
        }
        while i < n {
            let b = s[i]
            if ASCII.isAlpha(b) {
                let start = i
                while i < n, ASCII.isAlpha(s[i]) { i += 1 }
                tokens.append(.word(Array(s[start..<i])))
            } else if ASCII.isDigit(b) {
                var j = i
                guard let (v, digits) = readNumber(&j) else { i += 1; continue }
                if j < n, s[j] == ASCII.colon {
                    // time-of-day = hour ":" minute [ ":" second ]
                    var k = j + 1
                    if let (mi, _) = readNumber(&k, maxDigits: 2) {
                        var sec = 0
                        if k < n, s[k] == ASCII.colon {
                            var q = k + 1
                            if let (sv, _) = readNumber(&q, maxDigits: 2) { sec = sv; k = q }
                            // Fractional seconds ("14:05:44.123") are dropped.
                            if k < n, s[k] == 46 { k += 1; _ = readNumber(&k) }
                        }
                        tokens.append(.time(v, mi, sec))
                        seenTime = true
                        i = k
                        continue
                    }
                }
                tokens.append(.number(v, digits: digits))
                i = j
            } else if (b == 43 || b == 45) && seenTime { // "+" / "-": a zone follows the time
                var j = i + 1
                if let (v, digits) = readNumber(&j, maxDigits: 4) {
                    var hh = 0, mm = 0
                    if digits == 4 || digits == 3 {
                        hh = v / 100; mm = v % 100
                    } else {
                        hh = v
                        if j < n, s[j] == ASCII.colon {
                            var k = j + 1
                            if let (m2, _) = readNumber(&k, maxDigits: 2) { mm = m2; j = k }
                        }
                    }
                    if hh < 100, mm < 60 {
                        let off = (hh * 3600 + mm * 60) * (b == 45 ? -1 : 1)
                        tokens.append(.zone(off))
                    }
                    i = j
                } else {
                    i += 1
                }
            } else {
                i += 1
            }
        }
        return tokens
    }

    /// ISO 8601 `yyyy-mm-dd[T ]hh:mm[:ss][Z|±hh[:]mm]`, as some broken mailers send.
    static func parseISO(_ s: [UInt8]) -> (seconds: Int64, offsetSeconds: Int)? {
        var i = 0
        while i < s.count, ASCII.isWhitespace(s[i]) { i += 1 }
        func num(_ len: Int) -> Int? {
            guard i + len <= s.count else { return nil }
            var v = 0
            for k in i..<(i + len) {
                guard ASCII.isDigit(s[k]) else { return nil }
                v = v * 10 + Int(s[k] - 48)
            }
            i += len
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < s.count, s[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = num(4), expect(45), let mo = num(2), expect(45), let d = num(2) else { return nil }
        guard i < s.count, s[i] == 84 || s[i] == 116 || s[i] == 32 else { return nil }
        i += 1
        guard let h = num(2), expect(58), let mi = num(2) else { return nil }
        var sec = 0
        if expect(58) { guard let sv = num(2) else { return nil }; sec = sv }
        if i < s.count, s[i] == 46 { i += 1; while i < s.count, ASCII.isDigit(s[i]) { i += 1 } }
        while i < s.count, s[i] == 32 { i += 1 }
        var offset = 0
        if i < s.count {
            if s[i] == 90 || s[i] == 122 { offset = 0 } else if s[i] == 43 || s[i] == 45 {
                let neg = s[i] == 45
                i += 1
                guard let hh = num(2) else { return nil }
                _ = expect(58)
                let mm = num(2) ?? 0
                offset = (hh * 3600 + mm * 60) * (neg ? -1 : 1)
            }
        }
        guard (1...12).contains(mo), (1...31).contains(d), (1...9999).contains(y), h < 24, mi < 60, sec <= 60 else {
            return nil
        }
        let local = daysFromCivil(year: y, month: mo, day: d) * 86_400 + Int64(h * 3600 + mi * 60 + sec)
        return (local - Int64(offset), offset)
    }

    static func monthNumber(_ w: [UInt8]) -> Int? {
        guard w.count >= 3 else { return nil }
        let key = String(decoding: w.prefix(3).map(ASCII.lower), as: UTF8.self)
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        guard let idx = months.firstIndex(of: key) else { return nil }
        return idx + 1
    }

    /// RFC 5322 §4.3 obs-zone, plus a few names common in the wild. Military letters are
    /// "-0000" (§4.3: their meaning was never agreed).
    static func zoneOffset(named w: [UInt8]) -> Int? {
        let name = String(decoding: w.map(ASCII.lower), as: UTF8.self)
        switch name {
        case "ut", "utc", "gmt", "z", "wet": return 0
        case "edt": return -4 * 3600
        case "est", "cdt": return -5 * 3600
        case "cst", "mdt": return -6 * 3600
        case "mst", "pdt": return -7 * 3600
        case "pst": return -8 * 3600
        case "cet", "met", "bst", "west": return 3600
        case "cest", "mest", "eet": return 2 * 3600
        case "eest", "msk": return 3 * 3600
        case "jst", "kst": return 9 * 3600
        case "hkt", "sgt", "awst": return 8 * 3600
        case "aest": return 10 * 3600
        default:
            if w.count == 1, ASCII.isAlpha(w[0]), ASCII.lower(w[0]) != UInt8(ascii: "j") { return 0 }
            return nil
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}
