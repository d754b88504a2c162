//! `$PASEO_HOME` and the lock that gives one daemon exclusive use of it.
//!
//! Two daemons sharing a home would fight over the server id, the agent
//! store and the process-group records, so the second one must fail fast
//! with a clear message. An exclusive `flock` (via `File::try_lock`) on
//! `daemon.lock` does that; the kernel drops it when the process dies, even
//! by SIGKILL, so a stale file never blocks a restart. The holder writes its
//! pid into the file only to make the error message useful.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::DaemonError;

/// Name of the lock file inside `$PASEO_HOME`.
pub const LOCK_FILE: &str = "daemon.lock";

/// An existing, writable `$PASEO_HOME` locked by this process. The lock is
/// released when this value is dropped.
#[derive(Debug)]
pub struct LockedHome {
    path: PathBuf,
    _lock: File,
}

impl LockedHome {
    /// Creates `path` if needed and takes the exclusive lock on it.
    pub fn acquire(path: &Path) -> Result<Self, DaemonError> {
        std::fs::create_dir_all(path).map_err(|source| DaemonError::HomeNotWritable {
            path: path.to_path_buf(),
            source,
        })?;
        let lock_file = path.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_file)
            .map_err(|source| DaemonError::HomeNotWritable {
                path: lock_file.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(DaemonError::LockHeld {
                    home: path.to_path_buf(),
                    pid: read_pid(&mut file),
                    lock_file,
                });
            }
            Err(TryLockError::Error(source)) => {
                return Err(DaemonError::Lock { lock_file, source });
            }
        }
        write_pid(&mut file).map_err(|source| DaemonError::HomeNotWritable {
            path: lock_file.clone(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            _lock: file,
        })
    }

    /// The home directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn write_pid(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{}", std::process::id())?;
    file.sync_all()
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_same_home_is_refused_then_freed_on_drop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("nested/home");
        let first = LockedHome::acquire(&home).expect("first lock");
        match LockedHome::acquire(&home) {
            Err(DaemonError::LockHeld { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected LockHeld, got {other:?}"),
        }
        drop(first);
        LockedHome::acquire(&home).expect("lock again after release");
    }
}
