//! Steps the monitor takes on its container from the host's side: core scheduling, its own
//! mount namespace, and the handles it keeps of init (namespaces, devpts).

use lxc_sys::process as p;
use std::os::fd::{AsFd, OwnedFd};

/// `lxc.sched.core`: init (and all it starts) gets a core-scheduling cookie of its own, so
/// that no other task shares an SMT core with the container's. Without SMT there is nothing
/// to do (LXC goes on too); a kernel without core scheduling is an error.
pub(super) fn core_scheduling_domain(init: i32) -> Result<(), String> {
    match p::sched_core_create(init) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::ENODEV) => {
            tracing::info!("lxc.sched.core: this machine has no SMT, nothing to isolate");
            Ok(())
        }
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Err(format!(
            "lxc.sched.core: this kernel has no core scheduling (CONFIG_SCHED_CORE): {e}"
        )),
        Err(e) => Err(format!("lxc.sched.core: {e}")),
    }
}

/// `lxc.monitor.unshare`: the monitor (and so the container) gets a mount namespace of its
/// own, receiving the host's mounts but sending none back, before the pre-start hooks run:
/// what they mount stays out of the host.
pub(super) fn unshare_mounts() -> Result<(), String> {
    let what = |e: std::io::Error| {
        let hint = if e.raw_os_error() == Some(libc::EPERM) {
            " (this needs CAP_SYS_ADMIN)"
        } else {
            ""
        };
        format!("lxc.monitor.unshare: {e}{hint}")
    };
    lxc_sys::ns::unshare(libc::CLONE_NEWNS).map_err(what)?;
    let root = lxc_sys::fs::open_dir_path(std::path::Path::new("/")).map_err(what)?;
    lxc_sys::newmount::make_rslave(root.as_fd()).map_err(what)
}

/// The devpts mounted on init's /dev/pts, found through its root before the container's
/// own code runs; None when no devpts is there.
pub(super) fn open_devpts(init_pid: i32) -> Option<OwnedFd> {
    const DEVPTS_SUPER_MAGIC: u64 = 0x1cd1;
    let root = format!("/proc/{init_pid}/root");
    let root = lxc_sys::fs::open_dir_path(std::path::Path::new(&root)).ok()?;
    let flags = libc::O_PATH | libc::O_DIRECTORY;
    let pts = lxc_sys::mount::open_in_root(root.as_fd(), "/dev/pts", flags, 0).ok()?;
    lxc_sys::fs::fs_magic(pts.as_fd())
        .is_ok_and(|m| m == DEVPTS_SUPER_MAGIC)
        .then_some(pts)
}

/// Open the namespaces init was created with, so they outlive it for the stop hooks.
pub(super) fn preserve_namespaces(pid: i32, clone_flags: i32) -> Vec<(&'static str, OwnedFd)> {
    [
        (libc::CLONE_NEWUSER, "user"),
        (libc::CLONE_NEWNS, "mnt"),
        (libc::CLONE_NEWPID, "pid"),
        (libc::CLONE_NEWUTS, "uts"),
        (libc::CLONE_NEWIPC, "ipc"),
        (libc::CLONE_NEWNET, "net"),
        (libc::CLONE_NEWCGROUP, "cgroup"),
        (libc::CLONE_NEWTIME, "time"),
    ]
    .into_iter()
    .filter(|(flag, _)| clone_flags & flag != 0)
    .filter_map(|(_, ns)| {
        let file = std::fs::File::open(format!("/proc/{pid}/ns/{ns}")).ok()?;
        Some((ns, OwnedFd::from(file)))
    })
    .collect()
}
