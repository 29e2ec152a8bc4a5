//! How a new process (init, an attached one) gets into a container's cgroups without being
//! migrated by someone else: a migration of a whole process (a pid written to
//! `cgroup.procs`) takes the kernel's global threadgroup lock, whose RCU grace period costs
//! milliseconds on every start and attach. Instead the process is cloned straight into the
//! unified cgroup (`CLONE_INTO_CGROUP`) and moves its only thread into each v1 cgroup itself
//! ("0" to `tasks`), which skips that lock.

use super::CgroupDir;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

/// The container's cgroups, opened on the host before the fork (the new process may no
/// longer see them by path).
#[derive(Debug)]
pub struct CgroupEntry {
    /// The unified cgroup's directory, to clone into.
    unified_dir: Option<OwnedFd>,
    /// Its `cgroup.procs`, for a process that could not be cloned into it.
    unified_procs: Option<OwnedFd>,
    /// The `tasks` file of every v1 cgroup.
    legacy_tasks: Vec<OwnedFd>,
}

impl CgroupEntry {
    /// Open the cgroups `dirs` (the unified one has no controllers listed).
    pub fn open(dirs: &[CgroupDir]) -> Result<CgroupEntry, String> {
        let mut entry = CgroupEntry {
            unified_dir: None,
            unified_procs: None,
            legacy_tasks: Vec::new(),
        };
        for d in dirs {
            if d.controllers.is_empty() {
                entry.unified_dir = Some(
                    lxc_sys::fs::open_dir(&d.dir)
                        .map_err(|e| format!("open {}: {e}", d.dir.display()))?,
                );
                entry.unified_procs = Some(open_for_writing(&d.dir.join("cgroup.procs"))?);
            } else {
                entry
                    .legacy_tasks
                    .push(open_for_writing(&d.dir.join("tasks"))?);
            }
        }
        Ok(entry)
    }

    /// The unified cgroup, for `clone3(CLONE_INTO_CGROUP)`.
    pub fn clone_target(&self) -> Option<BorrowedFd<'_>> {
        self.unified_dir.as_ref().map(|d| d.as_fd())
    }

    /// In the new, single-threaded process: join the v1 cgroups, and the unified one too
    /// unless it was cloned into it.
    pub fn join(&self, cloned_in: bool) -> Result<(), String> {
        if !cloned_in {
            if let Some(procs) = &self.unified_procs {
                // "0" is the writer, whatever its pid looks like from where it is.
                lxc_sys::fs::write_all(procs.as_fd(), b"0")
                    .map_err(|e| format!("join the unified cgroup: {e}"))?;
            }
        }
        for tasks in &self.legacy_tasks {
            lxc_sys::fs::write_all(tasks.as_fd(), b"0")
                .map_err(|e| format!("join a v1 cgroup: {e}"))?;
        }
        Ok(())
    }
}

fn open_for_writing(path: &Path) -> Result<OwnedFd, String> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map(OwnedFd::from)
        .map_err(|e| format!("open {}: {e}", path.display()))
}
