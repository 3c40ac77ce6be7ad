// Integers, floats and the four date-time kinds (TOML spec "Integer", "Float", "Offset
// Date-Time", "Local Date-Time", "Local Date", "Local Time"; RFC 3339 §5.6 for the forms).

extension Parser {
    /// Dispatches on the shape at `i`: `dddd-` starts a date, `dd:` a time, anything else a
    /// number.
    mutating func parseNumberOrDateTime() throws(TOMLError) -> TOMLValue {
        if digitsFollow(4, at: i) && peek(4) == ASCII.minus { return try parseDateTime() }
        if digitsFollow(2, at: i) && peek(2) == ASCII.colon {
            let start = i
            let time = try parseTime()
            if let b = peek(), b == UInt8(ascii: "Z") || b == UInt8(ascii: "z") || b == ASCII.plus || b == ASCII.minus {
                throw error("a time of day without a date cannot have a UTC offset", at: start)
            }
            return .localTime(TOMLDateTime(time: time))
        }
        return try parseNumber()
    }

    func digitsFollow(_ count: Int, at offset: Int) -> Bool {
        guard offset + count <= bytes.count else { return false }
        return bytes[offset..<(offset + count)].allSatisfy(ASCII.isDigit)
    }

    /// ABNF `integer = dec-int / hex-int / oct-int / bin-int`,
    /// `float = float-int-part ( exp / frac [ exp ] ) / special-float`.
    mutating func parseNumber() throws(TOMLError) -> TOMLValue {
        let start = i
        while let b = peek(), ASCII.isBareKey(b) || b == ASCII.dot || b == ASCII.plus { i += 1 }
        let end = i
        var k = start
        var negative = false
        let signed = bytes[k] == ASCII.plus || bytes[k] == ASCII.minus
        if signed {
            negative = bytes[k] == ASCII.minus
            k += 1
        }
        let unsigned = String(decoding: bytes[k..<end], as: UTF8.self)
        // ABNF `special-float = [ minus / plus ] ( inf / nan )`, always lower case.
        if unsigned == "inf" { return .float(negative ? -.infinity : .infinity) }
        if unsigned == "nan" { return .float(negative ? -.nan : .nan) }

        // ABNF `hex-int = hex-prefix HEXDIG *( HEXDIG / underscore HEXDIG )` and the octal
        // and binary forms: "leading + is not allowed", nor is -.
        if k + 1 < end, bytes[k] == ASCII.zero,
           let radix: UInt64 = [UInt8(ascii: "x"): 16, UInt8(ascii: "o"): 8, UInt8(ascii: "b"): 2][bytes[k + 1]] {
            if signed {
                throw error("a sign is not allowed on a hexadecimal, octal or binary integer", at: start)
            }
            return .integer(try parseRadixDigits(from: k + 2, to: end, radix: radix, numberStart: start))
        }

        // ABNF `dec-int = [ minus / plus ] unsigned-dec-int`,
        // `unsigned-dec-int = DIGIT / digit1-9 1*( DIGIT / underscore DIGIT )`.
        k = try scanDigits(from: k, to: end, leadingZeros: false, part: "number")
        var isFloat = false
        // ABNF `frac = decimal-point zero-prefixable-int`: "The decimal point, if used, must
        // be surrounded by at least one digit on each side."
        if k < end && bytes[k] == ASCII.dot {
            isFloat = true
            k += 1
            guard k < end, ASCII.isDigit(bytes[k]) else {
                throw error("a decimal point must be followed by a digit", at: k - 1)
            }
            k = try scanDigits(from: k, to: end, leadingZeros: true, part: "fraction")
        }
        // ABNF `exp = "e" float-exp-part`, `float-exp-part = [ minus / plus ] zero-prefixable-int`.
        if k < end && (bytes[k] == UInt8(ascii: "e") || bytes[k] == UInt8(ascii: "E")) {
            isFloat = true
            k += 1
            if k < end && (bytes[k] == ASCII.plus || bytes[k] == ASCII.minus) { k += 1 }
            k = try scanDigits(from: k, to: end, leadingZeros: true, part: "exponent")
        }
        guard k == end else {
            throw error("invalid character \(describe(k)) in number", at: k)
        }
        let digits = bytes[start..<end].filter { $0 != ASCII.underscore }
        if isFloat {
            // The syntax is checked above; what is left is the IEEE 754 conversion.
            guard let value = Double(String(decoding: digits, as: UTF8.self)) else {
                throw error("invalid float", at: start)
            }
            return .float(value)
        }
        // TOML spec "Integer": -2^63 ... 2^63-1 must be accepted; anything else is an error.
        var magnitude: UInt64 = 0
        for d in digits where ASCII.isDigit(d) {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(d - ASCII.zero))
            guard !overflow1 && !overflow2 else { throw outOfRange(start) }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw outOfRange(start) }
            return .integer(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { throw outOfRange(start) }
        return .integer(Int64(magnitude))
    }

    mutating func outOfRange(_ start: Int) -> TOMLError {
        error("integer does not fit in 64 bits (-9223372036854775808 to 9223372036854775807)", at: start)
    }

    /// Digits (with single underscores between digits) from `k`; returns where they end.
    /// Without `leadingZeros`, a number that starts with 0 must be just "0".
    mutating func scanDigits(from start: Int, to end: Int, leadingZeros: Bool, part: String) throws(TOMLError) -> Int {
        guard start < end, ASCII.isDigit(bytes[start]) else {
            throw error("expected a digit in the \(part), found \(describe(start))", at: start)
        }
        var k = start
        while k < end {
            if ASCII.isDigit(bytes[k]) {
                k += 1
            } else if bytes[k] == ASCII.underscore {
                // "Each underscore must be surrounded by at least one digit on each side."
                guard k + 1 < end, ASCII.isDigit(bytes[k + 1]) else {
                    throw error("an underscore in a number must be between two digits", at: k)
                }
                k += 1
            } else {
                break
            }
        }
        if !leadingZeros && bytes[start] == ASCII.zero && k - start > 1 {
            throw error("leading zeros are not allowed in a decimal number", at: start)
        }
        return k
    }

    /// Digits of a 0x / 0o / 0b integer after the prefix, underscores only between digits.
    /// TOML spec "Integer": non-negative, and it must fit in a signed 64-bit integer.
    mutating func parseRadixDigits(from start: Int, to end: Int, radix: UInt64, numberStart: Int) throws(TOMLError) -> Int64 {
        let name = radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary"
        var value: UInt64 = 0
        var k = start
        var previousWasDigit = false
        while k < end {
            let b = bytes[k]
            if b == ASCII.underscore {
                guard previousWasDigit, k + 1 < end, bytes[k + 1] != ASCII.underscore else {
                    throw error("an underscore in a number must be between two digits", at: k)
                }
                previousWasDigit = false
                k += 1
                continue
            }
            let digit: UInt64
            if ASCII.isHexDigit(b), UInt64(ASCII.hexValue(b)) < radix {
                digit = UInt64(ASCII.hexValue(b))
            } else {
                throw error("invalid \(name) digit \(describe(k))", at: k)
            }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = shifted.addingReportingOverflow(digit)
            guard !overflow1 && !overflow2 && sum <= UInt64(Int64.max) else { throw outOfRange(numberStart) }
            value = sum
            previousWasDigit = true
            k += 1
        }
        guard previousWasDigit else {
            throw error("expected \(name) digits after the prefix", at: start == end ? numberStart : k)
        }
        return Int64(value)
    }

    // MARK: date and time

    /// ABNF `offset-date-time = full-date time-delim full-time`, `local-date-time = full-date
    /// time-delim partial-time`, `local-date = full-date`; `time-delim = "T" / %x20` (ABNF
    /// strings are case-insensitive, so "t" too; RFC 3339 §5.6 note on the space).
    mutating func parseDateTime() throws(TOMLError) -> TOMLValue {
        let date = try parseDate()
        if peek() == UInt8(ascii: "T") || peek() == UInt8(ascii: "t") {
            i += 1
            guard digitsFollow(2, at: i) else {
                throw error("expected a time (HH:MM:SS) after \"T\"", at: i)
            }
        } else if peek() == ASCII.space && digitsFollow(2, at: i + 1) && peek(3) == ASCII.colon {
            i += 1
        } else {
            return .localDate(TOMLDateTime(date: date))
        }
        let time = try parseTime()
        // ABNF `time-offset = "Z" / time-numoffset`, `time-numoffset = ( "+" / "-" ) time-hour ":" time-minute`
        switch peek() {
        case UInt8(ascii: "Z")?, UInt8(ascii: "z")?:
            i += 1
            return .offsetDateTime(TOMLDateTime(date: date, time: time, offsetMinutes: 0))
        case let sign? where sign == ASCII.plus || sign == ASCII.minus:
            i += 1
            let hour = try twoDigits(max: 23, what: "offset hour")
            try expect(ASCII.colon, "\":\" in the UTC offset")
            let minute = try twoDigits(max: 59, what: "offset minute")
            let minutes = hour * 60 + minute
            return .offsetDateTime(TOMLDateTime(date: date, time: time,
                                                offsetMinutes: sign == ASCII.minus ? -minutes : minutes))
        default:
            return .localDateTime(TOMLDateTime(date: date, time: time))
        }
    }

    /// ABNF `full-date = date-fullyear "-" date-month "-" date-mday`; RFC 3339 §5.7: the day
    /// must exist in that month (29 February only in leap years).
    mutating func parseDate() throws(TOMLError) -> TOMLDateTime.LocalDate {
        var year = 0
        for _ in 0..<4 {
            year = year * 10 + Int(bytes[i] - ASCII.zero)  // four digits checked by the caller
            i += 1
        }
        try expect(ASCII.minus, "\"-\" after the year")
        let month = try twoDigits(max: 12, min: 1, what: "month")
        try expect(ASCII.minus, "\"-\" after the month")
        let dayStart = i
        let day = try twoDigits(max: 31, min: 1, what: "day")
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= monthDays else {
            throw error("day \(day) does not exist in month \(month) of \(year)", at: dayStart)
        }
        return TOMLDateTime.LocalDate(year: year, month: month, day: day)
    }

    /// ABNF `partial-time = time-hour ":" time-minute ":" time-second [ time-secfrac ]`,
    /// `time-secfrac = "." 1*DIGIT`. Seconds are required in TOML 1.0. Fractions beyond
    /// nanoseconds are truncated, as the spec asks ("truncated, not rounded").
    mutating func parseTime() throws(TOMLError) -> TOMLDateTime.LocalTime {
        let hour = try twoDigits(max: 23, what: "hour")
        try expect(ASCII.colon, "\":\" after the hour")
        let minute = try twoDigits(max: 59, what: "minute")
        guard peek() == ASCII.colon else {
            throw error("expected \":\" and seconds after the minute (TOML 1.0 times are HH:MM:SS)", at: i)
        }
        i += 1
        let second = try twoDigits(max: 60, what: "second")  // RFC 3339 §5.7: 60 is a leap second
        var nanosecond = 0
        if peek() == ASCII.dot {
            i += 1
            guard let first = peek(), ASCII.isDigit(first) else {
                throw error("expected digits after the decimal point in the seconds", at: i)
            }
            var scale = 100_000_000
            while let d = peek(), ASCII.isDigit(d) {
                nanosecond += Int(d - ASCII.zero) * scale
                scale /= 10
                i += 1
            }
        }
        return TOMLDateTime.LocalTime(hour: hour, minute: minute, second: second, nanosecond: nanosecond)
    }

    mutating func twoDigits(max: Int, min: Int = 0, what: String) throws(TOMLError) -> Int {
        let start = i
        guard digitsFollow(2, at: i) else {
            throw error("expected a two-digit \(what), found \(describe(i))", at: i)
        }
        let value = Int(bytes[i] - ASCII.zero) * 10 + Int(bytes[i + 1] - ASCII.zero)
        i += 2
        guard value >= min && value <= max else {
            throw error("\(what) \(value) is out of range (\(min) to \(max))", at: start)
        }
        return value
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(TOMLError) {
        guard peek() == byte else { throw error("expected \(what), found \(describe(i))", at: i) }
        i += 1
    }
}
