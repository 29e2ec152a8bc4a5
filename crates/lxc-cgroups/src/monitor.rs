//! The monitor's own cgroup (`lxc.monitor.<name>`) on the unified hierarchy: the monitor is
//! cloned straight into it, and leaves it at the end by carrying on in a child cloned into
//! the pivot cgroup.
//!
//! A process never moves in or out of it: a migration (a write to `cgroup.procs`) waits for
//! an RCU grace period of the kernel's cgroup lock, milliseconds on every start and stop.

use super::placement::{remove_parents, Placement};
use lxc_sys::process::Forked;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long the removal retries while the exited parent still counts as a member.
const REMOVE_PATIENCE: Duration = Duration::from_millis(500);

/// The monitor's own cgroup. A host without cgroup2 has none.
#[derive(Debug)]
pub struct MonitorCgroup {
    dir: Option<PathBuf>,
    /// The parents made for it (`lxc.cgroup.dir`), deepest first.
    parents: Vec<PathBuf>,
    pivot: PathBuf,
}

impl MonitorCgroup {
    /// Create the monitor's cgroup (not yet entered).
    pub fn make(placement: &Placement, lxcpath: &str) -> Result<MonitorCgroup, String> {
        let Some(unified) = placement.layout.unified() else {
            return Ok(MonitorCgroup {
                dir: None,
                parents: Vec::new(),
                pivot: PathBuf::new(),
            });
        };
        let (made, parents) = placement.make(&placement.monitor, &[unified], lxcpath)?;
        let dir = made
            .into_iter()
            .next()
            .map(|d| d.dir)
            .ok_or("no monitor cgroup was made")?;
        let pivot = placement.path_in(unified, &placement.pivot);
        Ok(MonitorCgroup {
            dir: Some(dir),
            parents,
            pivot: unified.mount.join(pivot.trim_start_matches('/')),
        })
    }

    /// The cgroup's directory, to clone the monitor straight into it.
    pub fn open(&self) -> Option<OwnedFd> {
        self.dir
            .as_ref()
            .and_then(|d| lxc_sys::fs::open_dir(d).ok())
    }

    /// Remove the cgroup from outside it, once nothing is in it (a failed fork, or a
    /// foreground monitor that has exited).
    pub fn discard(self) {
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir(dir);
            remove_parents(&self.parents);
        }
    }

    /// Called by the monitor in it, once the container is down: the monitor carries on in
    /// a child cloned into the pivot cgroup and the parent exits, after which ours is empty
    /// and removed. Where no child can be made, the monitor moves to the pivot itself.
    pub fn leave(self) {
        let Some(dir) = self.dir else {
            return;
        };
        let removed = match carry_on_in(&dir, &self.pivot) {
            Some(ino) => remove_when_empty(&dir, ino),
            None => {
                std::fs::create_dir_all(&self.pivot).is_ok()
                    && std::fs::write(
                        self.pivot.join("cgroup.procs"),
                        lxc_sys::getpid().to_string(),
                    )
                    .is_ok()
                    && std::fs::remove_dir(&dir).is_ok()
            }
        };
        if !removed {
            tracing::warn!(cgroup = %dir.display(), "could not remove the monitor's cgroup");
        }
        remove_parents(&self.parents);
    }
}

/// Fork into `pivot`: the parent exits at once, the child returns once the parent is gone,
/// with the inode number of `dir`, the cgroup they were in. None, and no fork, when that
/// cannot be done.
fn carry_on_in(dir: &Path, pivot: &Path) -> Option<u64> {
    let me = lxc_sys::process::pidfd_open(lxc_sys::getpid()).ok()?;
    std::fs::create_dir_all(pivot).ok()?;
    let into = lxc_sys::fs::open_dir(pivot).ok()?;
    let ino = std::fs::metadata(dir).ok()?.ino();
    match lxc_sys::process::clone3_fork(0, Some(into.as_fd())) {
        Ok(Forked::Parent { .. }) => lxc_sys::process::exit_now(0),
        Ok(Forked::Child) => {
            // A pidfd polls readable once its process has exited.
            while lxc_sys::fs::poll(&[(me.as_fd(), libc::POLLIN)], -1).is_err() {}
            Some(ino)
        }
        Err(e) => {
            tracing::debug!("cannot carry on outside the monitor's cgroup: {e}");
            None
        }
    }
}

/// rmdir `dir`, retrying while the kernel still counts the exited monitor in it. A cgroup
/// of the same name made since (a restart that found ours empty and took it over) stays.
fn remove_when_empty(dir: &Path, ino: u64) -> bool {
    let since = Instant::now();
    loop {
        if std::fs::metadata(dir).map_or(true, |m| m.ino() != ino) {
            return true;
        }
        match std::fs::remove_dir(dir) {
            Ok(()) => return true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return true,
            Err(e)
                if e.raw_os_error() == Some(libc::EBUSY) && since.elapsed() < REMOVE_PATIENCE =>
            {
                std::thread::sleep(Duration::from_micros(100));
            }
            Err(_) => return false,
        }
    }
}
