//! What the hosts screen tells the user (pure, tested natively): the reason
//! a connection test failed, what will not work with a daemon's version or
//! capabilities, and which profiles reach the same daemon.

use crate::sorted::SortedMap;

use crate::contract::ProbeError;

/// One sentence for a failed connection test, by the server's failure kind.
pub fn probe_reason(error: &ProbeError) -> String {
    let reason = match error.kind.as_str() {
        "refused" => {
            "Connection refused: nothing listens at that address and port. Is the daemon running there?"
        }
        "timed_out" => {
            "Timed out: the host did not answer. Check the address, the port and any firewall."
        }
        "host_not_found" => "Host not found: that name does not resolve. Check the spelling.",
        "tls" => {
            "TLS failed: the certificate or the wss:// setup does not match (try ws:// for a plain daemon)."
        }
        "password_required" => "This daemon requires a password: fill in the password field.",
        "wrong_password" => "Wrong password: the daemon rejected it.",
        "not_paseo" => {
            "Something answered, but it is not a Paseo daemon (check the port and the /ws path)."
        }
        "version_mismatch" => {
            "This daemon speaks another protocol version: update the daemon or this app."
        }
        "invalid_url" => "The URL cannot be used",
        "not_allowed" => "This server's operator does not allow that host",
        _ => "The test failed",
    };
    // The server's own words add the detail (port, close code…).
    format!("{reason} ({})", error.message)
}

/// The protocol generation this app is built for (Paseo's `0.1.x`).
pub const SUPPORTED_VERSION_PREFIX: &str = "0.1.";

/// What will not work with a daemon, from its version and capabilities
/// (empty = nothing to flag).
pub fn compatibility(
    version: Option<&str>,
    capabilities: Option<&serde_json::Value>,
) -> Vec<String> {
    let mut notes = Vec::new();
    match version {
        None => notes.push(
            "The daemon did not say its version: features newer than Paseo 0.1 may be missing.".to_owned(),
        ),
        Some(v) if !v.starts_with(SUPPORTED_VERSION_PREFIX) => notes.push(format!(
            "Daemon version {v} is not 0.1.x: timelines, permissions and actions follow Paseo 0.1's protocol and may not all work."
        )),
        Some(_) => {}
    }
    if let Some(caps) = capabilities.and_then(|c| c.as_object()) {
        let ours = caps.get("paseoWeb");
        let protocol = ours
            .and_then(|o| o.get("protocolVersion"))
            .and_then(|v| v.as_u64());
        if ours.is_some() && protocol != Some(1) {
            notes.push(format!(
                "The daemon's paseo-web protocol is {}: this app speaks 1.",
                protocol.map_or("unknown".to_owned(), |p| p.to_string())
            ));
        }
    }
    notes
}

/// Profiles that reach the same daemon (same `srv_` id), grouped by it:
/// only groups of two or more.
pub fn same_daemon<'a>(
    hosts: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> SortedMap<String, Vec<String>> {
    let mut groups: SortedMap<String, Vec<String>> = SortedMap::new();
    for (profile, daemon) in hosts {
        if let Some(daemon) = daemon {
            groups
                .entry(daemon.to_owned())
                .or_default()
                .push(profile.to_owned());
        }
    }
    groups.retain(|_, profiles| profiles.len() > 1);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn failure(kind: &str) -> ProbeError {
        ProbeError {
            kind: kind.into(),
            message: "detail".into(),
        }
    }

    #[test]
    fn every_failure_kind_has_its_own_reason() {
        let kinds = [
            "refused",
            "timed_out",
            "host_not_found",
            "tls",
            "password_required",
            "wrong_password",
            "not_paseo",
            "version_mismatch",
            "invalid_url",
            "not_allowed",
        ];
        let reasons: crate::sorted::SortedSet<String> =
            kinds.iter().map(|k| probe_reason(&failure(k))).collect();
        assert_eq!(reasons.len(), kinds.len(), "no two kinds read the same");
        assert!(probe_reason(&failure("refused")).starts_with("Connection refused"));
        assert!(probe_reason(&failure("wrong_password")).contains("Wrong password"));
        assert!(probe_reason(&failure("from_the_future")).starts_with("The test failed"));
        assert!(probe_reason(&failure("tls")).ends_with("(detail)"));
    }

    #[test]
    fn versions_and_capabilities_are_flagged_with_what_breaks() {
        assert!(
            compatibility(
                Some("0.1.0+paseo-web"),
                Some(&json!({"paseoWeb": {"protocolVersion": 1}}))
            )
            .is_empty()
        );
        assert!(compatibility(Some("0.1.65-beta.5"), None).is_empty());
        assert_eq!(compatibility(None, None).len(), 1);
        assert!(compatibility(Some("0.2.0"), None)[0].contains("0.2.0"));
        assert!(
            compatibility(
                Some("0.1.0"),
                Some(&json!({"paseoWeb": {"protocolVersion": 2}}))
            )[0]
            .contains("is 2")
        );
    }

    #[test]
    fn profiles_reaching_one_daemon_are_grouped() {
        let groups = same_daemon([
            ("a", Some("srv_1")),
            ("b", Some("srv_2")),
            ("c", Some("srv_1")),
            ("d", None),
        ]);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups["srv_1"], vec!["a".to_owned(), "c".to_owned()]);
    }
}
