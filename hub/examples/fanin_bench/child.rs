//! Starting the synthetic daemons in a child process (this same binary with
//! `source …` arguments) and telling them when to stream.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

use crate::source::Plan;

pub struct Sources {
    child: Child,
    stdin: Option<ChildStdin>,
    pub ports: Vec<u16>,
}

impl Sources {
    pub fn start(plan: Plan) -> Self {
        let exe = std::env::current_exe().expect("current exe");
        let mut child = Command::new(exe)
            .arg("source")
            .args([plan.daemons, plan.agents, plan.frames].map(|n| n.to_string()))
            .arg(plan.rate.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the source process");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("ports line");
        let ports = line
            .strip_prefix("PORTS ")
            .expect("PORTS line")
            .split_whitespace()
            .map(|p| p.parse().expect("port"))
            .collect();
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            ports,
        }
    }

    /// The source process id (for its CPU time).
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    pub fn urls(&self) -> Vec<String> {
        self.ports
            .iter()
            .map(|p| format!("ws://127.0.0.1:{p}/ws"))
            .collect()
    }

    /// Every daemon starts streaming.
    pub fn go(&mut self) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(b"go\n");
            let _ = stdin.flush();
        }
    }
}

impl Drop for Sources {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
