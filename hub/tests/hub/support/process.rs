//! The `paseo-daemon` binary as a separate process, for cases an in-process
//! daemon cannot show (a daemon killed with SIGKILL: no close frame, no
//! graceful shutdown).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use super::DEADLINE;
use super::agents::require_binaries;

/// A running `paseo-daemon`; killed when dropped.
pub struct DaemonProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl DaemonProcess {
    /// Starts the daemon on an ephemeral loopback port with `home` and
    /// waits for its `listening on ws://ADDR/ws` log line.
    pub fn spawn(home: &Path) -> Self {
        let binary = require_binaries().join("paseo-daemon");
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--home"])
            .arg(home)
            .env_remove("PASEO_LISTEN")
            .env_remove("PASEO_HOME")
            .env_remove("PASEO_SERVER_ID")
            .env_remove("PASEO_PASSWORD")
            .env_remove("PASEO_PASSWORD_FILE")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn paseo-daemon");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        const NEEDLE: &str = "listening on ws://";
        let addr = loop {
            let line = rx
                .recv_timeout(DEADLINE)
                .unwrap_or_else(|err| panic!("no listening line from paseo-daemon: {err}"));
            if let Some(at) = line.find(NEEDLE) {
                let rest = &line[at + NEEDLE.len()..];
                let addr = rest.split('/').next().unwrap_or_default();
                break addr
                    .parse()
                    .unwrap_or_else(|err| panic!("bad address in {line:?}: {err}"));
            }
        };
        Self { child, addr }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
