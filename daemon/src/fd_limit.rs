//! Raising the open-file limit at start.
//!
//! Why: the common default soft limit is 1,024 descriptors, while the hard
//! limit is usually far higher. A daemon with ~1,000 agents plus clients,
//! agent processes and git watchers can hit 1,024 and then fail to accept
//! clients or open timelines. Any process may raise its soft limit up to its
//! hard limit, so we do that once, before loading agents.

/// Raises the soft `RLIMIT_NOFILE` to the hard limit. Failures are logged
/// (the daemon still works, with a lower ceiling), never fatal.
#[allow(
    unsafe_code,
    reason = "getrlimit/setrlimit on a valid local struct (see SAFETY)"
)]
pub(crate) fn raise_nofile_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass, which is valid.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        let err = std::io::Error::last_os_error();
        tracing::warn!(%err, "cannot read the open-file limit");
        return;
    }
    if limit.rlim_cur >= limit.rlim_max {
        tracing::debug!(
            soft = limit.rlim_cur,
            "open-file limit already at its hard limit"
        );
        return;
    }
    let raised = libc::rlimit {
        rlim_cur: limit.rlim_max,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit only reads the struct we pass, which is valid.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        let err = std::io::Error::last_os_error();
        tracing::warn!(%err, soft = limit.rlim_cur, "cannot raise the open-file limit");
        return;
    }
    tracing::debug!(
        from = limit.rlim_cur,
        to = raised.rlim_cur,
        "raised the open-file limit to its hard limit"
    );
}
