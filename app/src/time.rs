//! Times as the screens show them. Daemon times are ISO-8601 strings; the
//! list shows them short (`HH:MM` today, else the date), pure and tested.

/// `2026-12-05T21:03:04.123Z` → `21:03` when `today` (`2026-12-05`) is its
/// day, else `2026-12-05`. Anything unreadable is shown as given.
pub fn short(iso: &str, today: &str) -> String {
    let (Some(day), Some(clock)) = (iso.get(..10), iso.get(11..16)) else {
        return iso.to_owned();
    };
    if day == today {
        clock.to_owned()
    } else {
        day.to_owned()
    }
}

/// Now, as ISO-8601 (the browser's clock; empty during SSR).
pub fn now_iso() -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::Date::new_0().to_iso_string())
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// Epoch milliseconds now (the browser's clock; 0 during SSR).
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    0
}

/// "just now", "5 min ago", "3 h ago", "2 days ago" (pure).
pub fn ago(now_ms: i64, then_ms: i64) -> String {
    let secs = (now_ms - then_ms).max(0) / 1000;
    match secs {
        0..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => {
            let days = secs / 86_400;
            format!("{days} day{} ago", if days == 1 { "" } else { "s" })
        }
    }
}

/// How long ago an epoch-millisecond time was, by the browser's clock.
pub fn relative_ms(then_ms: i64) -> String {
    ago(now_ms(), then_ms)
}

/// The last two path components, `…/` before them when cut.
pub fn short_path(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty())
        .rev()
        .take(3)
        .collect();
    if parts.len() < 3 {
        return path.to_owned();
    }
    format!("…/{}/{}", parts[1], parts[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_shows_the_clock_other_days_the_date() {
        assert_eq!(short("2026-12-05T21:03:04.123Z", "2026-12-05"), "21:03");
        assert_eq!(short("2026-12-04T21:03:04Z", "2026-12-05"), "2026-12-04");
        assert_eq!(short("garbage", "2026-12-05"), "garbage");
    }

    #[test]
    fn long_paths_keep_their_last_two_parts() {
        assert_eq!(short_path("/home/me/src/project"), "…/src/project");
        assert_eq!(short_path("/tmp/x"), "/tmp/x");
        assert_eq!(short_path("/a/b/c/"), "…/b/c");
    }
}

#[cfg(test)]
mod ago_tests {
    use super::ago;

    #[test]
    fn ages_read_naturally() {
        assert_eq!(ago(10_000, 9_000), "just now");
        assert_eq!(ago(10 * 60_000, 0), "10 min ago");
        assert_eq!(ago(3 * 3_600_000, 0), "3 h ago");
        assert_eq!(ago(86_400_000, 0), "1 day ago");
        assert_eq!(ago(0, 5_000), "just now", "a clock behind is not negative");
    }
}
