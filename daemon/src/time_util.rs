//! Wall-clock helpers. Paseo timestamps are epoch milliseconds (pong) or
//! ISO-8601 strings with millisecond precision (everything else).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch; 0 if the clock is before 1970.
pub(crate) fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The current time as `2026-11-25T17:04:36.347Z`, the format Paseo's
/// JavaScript `Date.toISOString()` produces.
pub(crate) fn iso_now() -> String {
    iso_from(SystemTime::now())
}

/// `at` in the format of [`iso_now`] (file modification times).
/// Out-of-range times (possible for file mtimes) read as the epoch.
pub(crate) fn iso_from(at: SystemTime) -> String {
    let nanos = match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(0),
        Err(before) => i128::try_from(before.duration().as_nanos()).map_or(0, |n| -n),
    };
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_now_looks_like_javascript() {
        let s = iso_now();
        assert_eq!(s.len(), 24, "{s}");
        assert!(s.ends_with('Z') && s.as_bytes()[10] == b'T', "{s}");
    }

    #[test]
    fn epoch_ms_is_after_2020() {
        assert!(epoch_ms() > 1_577_836_800_000);
    }
}
