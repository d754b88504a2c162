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
