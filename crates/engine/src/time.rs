//! Dates for people from milliseconds since the Unix epoch, without a time zone
//! database: the host says how far its clock is from UTC.

/// The proleptic Gregorian date (year, month, day) of a day count since 1970-01-01.
pub fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD HH:MM:SS` for `ms` since the epoch, on a clock `offset_minutes` ahead
/// of UTC (negative west of Greenwich).
pub fn date_time(ms: u64, offset_minutes: i64) -> String {
    let seconds = (ms / 1000) as i64 + offset_minutes * 60;
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_date(days);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(20_794), (2026, 12, 7));
        assert_eq!(civil_date(-1), (1969, 12, 31));
    }

    #[test]
    fn date_times_on_a_clock_ahead_of_or_behind_utc() {
        assert_eq!(date_time(1_796_655_655_000, 0), "2026-12-07 15:00:55");
        assert_eq!(date_time(1_796_655_655_000, 60), "2026-12-07 16:00:55");
        assert_eq!(date_time(1_796_655_655_000, -16 * 60), "2026-12-06 23:00:55");
        assert_eq!(date_time(0, -60), "1969-12-31 23:00:00");
    }
}
