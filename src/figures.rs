//! Numbers for people with a fixed count of decimals ("12.5 ms", "33.33%"), written
//! without Rust's fixed-precision float formatting, which costs the page about 5 KB.

/// `x` rounded to `places` decimals (halves away from zero), as `{:.N}` writes the
/// timings and sizes the page shows; "?" for NaN and infinities.
pub fn fixed(x: f64, places: u32) -> String {
    if !x.is_finite() {
        return "?".into();
    }
    let scale = 10i64.pow(places);
    let scaled = (x.abs() * scale as f64).round() as i64;
    let sign = if x < 0.0 && scaled != 0 { "-" } else { "" };
    if places == 0 {
        return format!("{sign}{scaled}");
    }
    format!("{sign}{}.{:0width$}", scaled / scale, scaled % scale, width = places as usize)
}

#[cfg(test)]
mod tests {
    use super::fixed;

    #[test]
    fn decimals_as_the_page_writes_them() {
        assert_eq!(fixed(12.34, 1), "12.3");
        assert_eq!(fixed(0.96, 1), "1.0");
        assert_eq!(fixed(1536.0 / 1024.0, 1), "1.5");
        assert_eq!(fixed(33.333_333, 2), "33.33");
        assert_eq!(fixed(7.0, 2), "7.00");
        assert_eq!(fixed(0.04, 1), "0.0");
        assert_eq!(fixed(-2.06, 1), "-2.1");
        assert_eq!(fixed(-0.01, 1), "0.0");
        assert_eq!(fixed(812.4, 0), "812");
        assert_eq!(fixed(f64::NAN, 1), "?");
        for x in [0.0, 0.5, 2.71, 99.95, 1234.56] {
            assert_eq!(fixed(x + 1e-9, 2), format!("{:.2}", x + 1e-9), "{x}");
        }
    }
}
