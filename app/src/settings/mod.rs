//! Settings that live in this browser: hosts (the registry, edited through
//! [`edits`]; what the screen says about them in [`checks`]), the theme and
//! notifications. Pure rules here; the page is `routes::settings`.

pub mod checks;
pub mod edits;
pub mod theme;
