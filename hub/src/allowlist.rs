//! The operator's daemon-host allowlist: which hosts browsers may have the
//! hub connect to (watch) or test ("test connection"). Without it, a
//! browser could make the server open connections anywhere its network
//! reaches, e.g. scan ports of machines behind it through `probe`. Targets
//! the server itself is configured with (`Hub::pin`) are the operator's
//! own and do not need to be listed.
//!
//! Entries: `host` (any port), `host:port`, `[v6]:port`, or `*.domain`
//! (the domain's subdomains, any port). Names compare case-insensitively
//! with what the URL parser made of the URL (so `LOCALHOST` and
//! `localhost`, or `127.1` and `127.0.0.1`, are one host).

use url::Url;

/// An empty list allows every host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostAllowlist {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// `host` or `host:port`.
    Host { name: String, port: Option<u16> },
    /// `*.domain`: strictly below `domain`.
    Suffix(String),
}

impl HostAllowlist {
    /// Parses the operator's entries (blank ones are skipped).
    pub fn new<S: AsRef<str>>(entries: &[S]) -> Self {
        let entries = entries
            .iter()
            .map(|e| e.as_ref().trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .map(|e| match e.strip_prefix("*.") {
                Some(domain) => Entry::Suffix(format!(".{domain}")),
                None => parse_host_port(&e),
            })
            .collect();
        Self { entries }
    }

    /// Whether the list allows everything (nothing was configured).
    pub fn is_open(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `url`'s host (and port) may be reached.
    pub fn allows(&self, url: &Url) -> bool {
        if self.is_open() {
            return true;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = url.port_or_known_default();
        self.entries.iter().any(|entry| match entry {
            Entry::Host { name, port: want } => {
                *name == host && want.is_none_or(|want| Some(want) == port)
            }
            Entry::Suffix(suffix) => host.ends_with(suffix.as_str()),
        })
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address; the
/// host normalised as a `ws://` URL would normalise it.
fn parse_host_port(entry: &str) -> Entry {
    let (name, port) = if let Some(rest) = entry.strip_prefix('[') {
        let (name, after) = rest.split_once(']').unwrap_or((rest, ""));
        (
            name.to_owned(),
            after.strip_prefix(':').and_then(|p| p.parse().ok()),
        )
    } else if entry.matches(':').count() == 1 {
        let (name, port) = entry.split_once(':').unwrap_or((entry, ""));
        (name.to_owned(), port.parse().ok())
    } else {
        (entry.to_owned(), None)
    };
    let normalised = Url::parse(&format!("ws://{}/", bracket(&name)))
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
        })
        .unwrap_or(name);
    Entry::Host {
        name: normalised,
        port,
    }
}

fn bracket(name: &str) -> String {
    if name.contains(':') {
        format!("[{name}]")
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn empty_allows_all_and_entries_restrict() {
        assert!(HostAllowlist::default().allows(&url("ws://anything:1/ws")));
        let list = HostAllowlist::new(&[
            "box.lan",
            "127.0.0.1:6767",
            "*.corp.example",
            "[::1]:7000",
            "",
        ]);
        assert!(list.allows(&url("ws://BOX.lan:1234/ws")));
        assert!(list.allows(&url("wss://box.lan/ws")));
        assert!(list.allows(&url("ws://127.0.0.1:6767/ws")));
        assert!(
            list.allows(&url("ws://127.1:6767/ws")),
            "normalised by the URL parser"
        );
        assert!(!list.allows(&url("ws://127.0.0.1:22/ws")), "another port");
        assert!(list.allows(&url("ws://a.corp.example:9/ws")));
        assert!(!list.allows(&url("ws://corp.example/ws")), "strictly below");
        assert!(!list.allows(&url("ws://evilcorp.example/ws")));
        assert!(list.allows(&url("ws://[::1]:7000/ws")));
        assert!(!list.allows(&url("ws://[::1]:7001/ws")));
        assert!(!list.allows(&url("ws://10.0.0.1:6767/ws")));
    }
}
