//! The monitor's own cgroups: `lxc.monitor.NAME` in every hierarchy, as LXC makes them. The
//! monitor is cloned into the unified one (moving a process waits for an RCU grace period of
//! the kernel's cgroup lock; a clone into the cgroup does not) and joins the v1 ones. On exit
//! it moves to the pivot (`lxc.pivot`) and removes them; a foreground start's first process
//! removes them from outside instead.

use crate::hierarchy::Hierarchy;
use crate::placement::{make_one, Placement};
use crate::CgroupDir;
use std::path::PathBuf;

#[derive(Debug)]
pub struct MonitorCgroup {
    dirs: Vec<CgroupDir>,
    /// The pivot of each hierarchy, in the same order.
    pivots: Vec<PathBuf>,
}

impl MonitorCgroup {
    /// Create the monitor's cgroups (not yet entered).
    pub fn make(placement: &Placement, lxcpath: &str) -> Result<MonitorCgroup, String> {
        let all: Vec<&Hierarchy> = placement.layout.hierarchies.iter().collect();
        if all.is_empty() {
            return Ok(MonitorCgroup {
                dirs: Vec::new(),
                pivots: Vec::new(),
            });
        }
        let dirs = placement.make(&placement.monitor, &all, lxcpath)?;
        let pivots = all
            .iter()
            .map(|h| {
                let rel = placement.path_in(h, &placement.pivot);
                h.mount.join(rel.trim_start_matches('/'))
            })
            .collect();
        Ok(MonitorCgroup { dirs, pivots })
    }

    /// The unified cgroup's directory, to clone the monitor straight into it.
    pub fn open(&self) -> Option<std::os::fd::OwnedFd> {
        self.dirs
            .iter()
            .find(|d| d.controllers.is_empty())
            .and_then(|d| lxc_sys::fs::open_dir(&d.dir).ok())
    }

    /// Move this process (the monitor) into the v1 cgroups.
    pub fn join_legacy(&self) -> Result<(), String> {
        for d in self.dirs.iter().filter(|d| !d.controllers.is_empty()) {
            let procs = d.dir.join("cgroup.procs");
            std::fs::write(&procs, lxc_sys::getpid().to_string())
                .map_err(|e| format!("move the monitor into {}: {e}", d.dir.display()))?;
        }
        Ok(())
    }

    /// Remove the cgroups from outside them, once nothing is in them (a failed start, or a
    /// foreground monitor that has exited).
    pub fn discard(self) {
        for d in &self.dirs {
            let _ = std::fs::remove_dir(&d.dir);
        }
    }

    /// Move to the pivots (a cgroup with a process in it cannot be removed) and remove ours.
    pub fn leave(self) {
        let me = lxc_sys::getpid().to_string();
        for (d, pivot) in self.dirs.iter().zip(&self.pivots) {
            let h = Hierarchy {
                mount: PathBuf::new(),
                controllers: d.controllers.clone(),
            };
            let moved = make_one(&h, pivot).is_ok()
                && std::fs::write(pivot.join("cgroup.procs"), &me).is_ok();
            if !moved || std::fs::remove_dir(&d.dir).is_err() {
                tracing::warn!(cgroup = %d.dir.display(), "could not remove the monitor's cgroup");
            }
        }
    }
}
