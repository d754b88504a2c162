//! Keyboard shortcuts. Which key does what is a pure function (tested
//! natively); in an editable field nothing fires but Mod+K (the composer
//! keeps its own Enter / Mod+Enter / Esc).

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    Palette,
    Help,
    NewAgent,
    FocusComposer,
    NextAgent,
    PreviousAgent,
    Inbox,
    Settings,
    CloseOverlay,
}

/// The shortcuts as the help dialog lists them.
pub const LIST: &[(&str, &str)] = &[
    ("Ctrl/⌘ K", "Jump to an agent, a host, text or an action"),
    ("?", "This help"),
    ("n", "New agent"),
    ("c", "Focus the message box"),
    ("j / k", "Next / previous agent"),
    ("i", "Inbox"),
    (",", "Settings"),
    ("Esc", "Close a dialog"),
];

/// The shortcut for a key press (`key` as `KeyboardEvent.key`).
pub fn action_for(
    key: &str,
    ctrl: bool,
    meta: bool,
    alt: bool,
    in_field: bool,
) -> Option<Shortcut> {
    if (ctrl || meta) && !alt && key.eq_ignore_ascii_case("k") {
        return Some(Shortcut::Palette);
    }
    if in_field || ctrl || meta || alt {
        return None;
    }
    Some(match key {
        "?" => Shortcut::Help,
        "n" => Shortcut::NewAgent,
        "c" => Shortcut::FocusComposer,
        "j" => Shortcut::NextAgent,
        "k" => Shortcut::PreviousAgent,
        "i" => Shortcut::Inbox,
        "," => Shortcut::Settings,
        "Escape" => Shortcut::CloseOverlay,
        _ => return None,
    })
}

/// The neighbour of `current` in `order` (wrapping); the first when the
/// current one is not in the list.
pub fn neighbour<T: PartialEq + Clone>(
    order: &[T],
    current: Option<&T>,
    forward: bool,
) -> Option<T> {
    let len = order.len();
    if len == 0 {
        return None;
    }
    let at = current.and_then(|c| order.iter().position(|x| x == c));
    let next = match (at, forward) {
        (None, _) => 0,
        (Some(i), true) => (i + 1) % len,
        (Some(i), false) => (i + len - 1) % len,
    };
    order.get(next).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod_k_fires_everywhere_and_plain_keys_only_outside_fields() {
        assert_eq!(
            action_for("k", true, false, false, true),
            Some(Shortcut::Palette)
        );
        assert_eq!(
            action_for("K", false, true, false, false),
            Some(Shortcut::Palette)
        );
        assert_eq!(
            action_for("k", false, false, false, false),
            Some(Shortcut::PreviousAgent)
        );
        assert_eq!(action_for("k", false, false, false, true), None);
        assert_eq!(action_for("?", false, false, false, true), None);
        assert_eq!(
            action_for("?", false, false, false, false),
            Some(Shortcut::Help)
        );
        assert_eq!(
            action_for("n", true, false, false, false),
            None,
            "Ctrl+N stays the browser's"
        );
        assert_eq!(action_for("x", false, false, false, false), None);
    }

    #[test]
    fn neighbours_wrap_and_start_at_the_top() {
        let order = ["a", "b", "c"];
        assert_eq!(neighbour(&order, Some(&"b"), true), Some("c"));
        assert_eq!(neighbour(&order, Some(&"c"), true), Some("a"));
        assert_eq!(neighbour(&order, Some(&"a"), false), Some("c"));
        assert_eq!(neighbour(&order, None, true), Some("a"));
        assert_eq!(neighbour::<&str>(&[], None, true), None);
    }
}
