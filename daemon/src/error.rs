//! Why a daemon could not start. Each variant names the address or path at
//! fault so the CLI can print it as-is and the embedding server can show it.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A failure to start (or keep) a daemon.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// The listen address is not loopback and no password is set: anyone
    /// on the network could drive the agents.
    #[error(
        "refusing to listen on {addr} without a password: set PASEO_PASSWORD, --password-file or daemon.auth.password in config.json, or listen on a loopback address (127.0.0.1, ::1)"
    )]
    NonLoopbackListen {
        /// The rejected address.
        addr: SocketAddr,
    },
    /// Binding the listen socket failed (port in use, permission, ...).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address we tried to bind.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// `$PASEO_HOME` cannot be created or written.
    #[error("PASEO_HOME {} is not writable: {source}", path.display())]
    HomeNotWritable {
        /// The home directory or the file in it that failed.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Another daemon holds the lock on this home.
    #[error(
        "another paseo-daemon{} is already using PASEO_HOME {} (lock file {} is held); stop it or pass a different --home",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        home.display(),
        lock_file.display()
    )]
    LockHeld {
        /// The contested home.
        home: PathBuf,
        /// The lock file.
        lock_file: PathBuf,
        /// The holder's pid, as it wrote it into the lock file, if readable.
        pid: Option<u32>,
    },
    /// Locking failed for a reason other than contention.
    #[error("cannot lock {}: {source}", lock_file.display())]
    Lock {
        /// The lock file.
        lock_file: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The TLS certificate or key could not be used.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The agent store in `$PASEO_HOME/agents` could not be opened.
    #[error("cannot open the agent store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The process ledger in `$PASEO_HOME` could not be opened.
    #[error(transparent)]
    Procs(#[from] crate::procs::ProcsError),
    /// The persisted server id could not be read or written.
    #[error("cannot read or write the server id at {}: {source}", path.display())]
    ServerId {
        /// `$PASEO_HOME/server-id`.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}
