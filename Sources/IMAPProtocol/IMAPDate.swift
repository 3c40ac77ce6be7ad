/// A calendar date as SEARCH takes it (RFC 9051 §9):
///
/// ```
/// date            = date-text / DQUOTE date-text DQUOTE
/// date-text       = date-day "-" date-month "-" date-year
/// date-day        = 1*2DIGIT
/// date-month      = "Jan" / "Feb" / "Mar" / "Apr" / "May" / "Jun" /
///                   "Jul" / "Aug" / "Sep" / "Oct" / "Nov" / "Dec"
/// date-year       = 4DIGIT
/// ```
public struct IMAPDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let year: Int
    /// 1...12
    public let month: Int
    /// 1...31, checked against the month and leap years.
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (0...9999).contains(year),
              day >= 1, day <= IMAPDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's days_from_civil).
    public var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    public init?(daysSince1970 days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    public static func < (a: IMAPDate, b: IMAPDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `25-Nov-2026`
    public var description: String { "\(day)-\(IMAPDate.monthNames[month - 1])-\(year)" }
}

/// A date and time with its zone (RFC 9051 §9), as INTERNALDATE and APPEND use it:
///
/// ```
/// date-time       = DQUOTE date-day-fixed "-" date-month "-" date-year
///                   SP time SP zone DQUOTE
/// date-day-fixed  = (SP DIGIT) / 2DIGIT
/// time            = 2DIGIT ":" 2DIGIT ":" 2DIGIT
/// zone            = ("+" / "-") 4DIGIT
/// ```
public struct IMAPDateTime: Hashable, Sendable, CustomStringConvertible {
    public let date: IMAPDate
    public let hour: Int
    public let minute: Int
    public let second: Int
    /// Offset from UTC in minutes, -1439...1439 (`+0130` is 90).
    public let zoneMinutes: Int

    public init?(date: IMAPDate, hour: Int, minute: Int, second: Int, zoneMinutes: Int) {
        // RFC 5322 §3.3 allows second 60 (leap second); keep it.
        guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (-1439...1439).contains(zoneMinutes) else { return nil }
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
        self.zoneMinutes = zoneMinutes
    }

    /// The instant, in seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64 {
        Int64(date.daysSince1970) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(zoneMinutes * 60)
    }

    /// The instant `seconds` after the epoch, shown in the zone `zoneMinutes` east of UTC.
    public init?(secondsSince1970 seconds: Int64, zoneMinutes: Int = 0) {
        let local = seconds + Int64(zoneMinutes) * 60
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let rest = Int(local - days * 86_400)
        guard let date = IMAPDate(daysSince1970: Int(days)) else { return nil }
        self.init(date: date, hour: rest / 3600, minute: (rest / 60) % 60, second: rest % 60, zoneMinutes: zoneMinutes)
    }

    /// `25-Nov-2026 10:00:00 +0000`, without the quotes and with the day padded to two
    /// characters by a space as `date-day-fixed` wants.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(26)
        appendWireForm(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    func appendWireForm(to out: inout [UInt8]) {
        func two(_ n: Int) {
            out.append(UInt8(ascii: "0") + UInt8(n / 10))
            out.append(UInt8(ascii: "0") + UInt8(n % 10))
        }
        if date.day < 10 {
            out.append(UInt8(ascii: " "))
            out.append(UInt8(ascii: "0") + UInt8(date.day))
        } else {
            two(date.day)
        }
        out.append(UInt8(ascii: "-"))
        out.append(contentsOf: IMAPDate.monthNames[date.month - 1].utf8)
        out.append(UInt8(ascii: "-"))
        two(date.year / 100)
        two(date.year % 100)
        out.append(UInt8(ascii: " "))
        two(hour)
        out.append(UInt8(ascii: ":"))
        two(minute)
        out.append(UInt8(ascii: ":"))
        two(second)
        out.append(UInt8(ascii: " "))
        out.append(zoneMinutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let z = abs(zoneMinutes)
        two(z / 60)
        two(z % 60)
    }
}
