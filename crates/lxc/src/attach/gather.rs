//! What an attach learns before it enters the container: from the monitor (one question to
//! an lxc-rs monitor, one at a time to LXC's), from init's pidfd and from the host.

use super::{AttachOptions, ALL_NS};
use crate::commands::{self, Cmd};
use lxc_sys::process as p;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// Whether init's user namespace is not ours (an unprivileged container); an answer that
/// cannot be had is an error, never a guess.
pub(crate) fn in_other_user_namespace(pidfd: BorrowedFd<'_>) -> std::result::Result<bool, String> {
    in_other_namespace(pidfd, "user")
}

/// Init's pid from its pidfd: as our pid namespace numbers it (`Pid:`), or with `inner` as
/// its own does (the last of `NSpid:`).
pub(crate) fn pid_of(pidfd: BorrowedFd<'_>, inner: bool) -> std::result::Result<i32, String> {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd()))
        .map_err(|e| format!("read the pidfd's fdinfo: {e}"))?;
    let field = if inner { "NSpid:" } else { "Pid:" };
    info.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|p| p.split_whitespace().last())
        .and_then(|p| p.parse::<i32>().ok())
        .filter(|p| *p > 0)
        .ok_or_else(|| "init is gone".to_string())
}

/// Take init's core-scheduling cookie (`lxc.sched.core`); `pid`: init as we number it.
pub(super) fn share_core_scheduling(pid: i32) -> std::result::Result<(), String> {
    match p::sched_core_share_from(pid) {
        Err(e) if e.raw_os_error() != Some(libc::ENODEV) => {
            Err(format!("lxc.sched.core: share init's core scheduling: {e}"))
        }
        _ => Ok(()),
    }
}

/// Whether init's namespace `ns` (its /proc/PID/ns name) is not ours.
pub(super) fn in_other_namespace(
    pidfd: BorrowedFd<'_>,
    ns: &str,
) -> std::result::Result<bool, String> {
    differs(pid_of(pidfd, false)?, ns)
}

/// Whether process `pid`'s namespace `ns` is not ours.
pub(super) fn differs(pid: i32, ns: &str) -> std::result::Result<bool, String> {
    use std::os::unix::fs::MetadataExt;
    let of = |pid: &str| {
        std::fs::metadata(format!("/proc/{pid}/ns/{ns}"))
            .map(|m| (m.dev(), m.ino()))
            .map_err(|e| format!("{ns} namespace of {pid}: {e}"))
    };
    Ok(of(&pid.to_string())? != of("self")?)
}

/// The namespaces an attach joins: the user namespace too when the container has its own
/// and the mount namespace is joined (a process in the host's mount namespace must not
/// become the container's root, which could then reach the host's files through it).
pub(super) fn attach_namespaces(
    pidfd: BorrowedFd<'_>,
    requested: i32,
) -> std::result::Result<i32, String> {
    let pid = pid_of(pidfd, false)?;
    let mut ns = requested;
    if requested & libc::CLONE_NEWNS != 0 && differs(pid, "user")? {
        ns |= libc::CLONE_NEWUSER;
    }
    // A container with a time namespace (clock offsets): its programs see its clocks. (A
    // kernel without time namespaces has no such file: nothing to join then.)
    if requested == ALL_NS && differs(pid, "time").unwrap_or(false) {
        ns |= libc::CLONE_NEWTIME;
    }
    Ok(ns)
}

/// What an attach learns from the monitor and the host before it enters the container.
pub(super) struct Gathered {
    pub(super) pidfd: OwnedFd,
    /// Only the attached process goes into the container's cgroups (cloned into them).
    pub(super) cgroups: Option<crate::cgroup::CgroupEntry>,
    pub(super) seccomp: Option<crate::seccomp::SeccompFilter>,
    pub(super) label: Option<crate::lsm::LsmPlan>,
    pub(super) caps: Vec<u32>,
    pub(super) personality: Option<u64>,
    /// The container has its own core-scheduling cookie (`lxc.sched.core`).
    pub(super) sched_core: bool,
    /// The container's processes run with no_new_privs (`lxc.no_new_privs`).
    pub(super) no_new_privs: bool,
}

/// Ask the monitor (one question to an lxc-rs monitor; LXC's answer one at a time) and the
/// host what the attach needs; Ok(None) when the container is not running.
pub(super) fn gather(
    lxcpath: &str,
    name: &str,
    opts: &AttachOptions,
) -> std::result::Result<Option<Gathered>, String> {
    let (pidfd, info) = match commands::get_attach_info(lxcpath, name).map_err(|e| e.to_string())? {
        Some((pidfd, info)) => (pidfd, Some(info)),
        None => match commands::get_init_pidfd(lxcpath, name).map_err(|e| e.to_string())? {
            Some(pidfd) => (pidfd, None),
            None => return Ok(None),
        },
    };
    let items = MonitorItems {
        lxcpath,
        name,
        info: info.as_ref(),
    };
    let cgroups = if opts.move_to_cgroup {
        let dirs = match &info {
            Some(info) => {
                crate::cgroup::dirs_in_listing(&crate::cgroup::Layout::current(), &info.cgroups)
            }
            None => crate::cgroup::running_dirs(lxcpath, name)
                .map_err(|e| e.to_string())?
                .unwrap_or_default(),
        };
        Some(crate::cgroup::CgroupEntry::open(&dirs)?)
    } else {
        None
    };
    let caps = if opts.drop_capabilities {
        container_caps(&items, pidfd.as_fd())?
    } else {
        Vec::new()
    };
    Ok(Some(Gathered {
        pidfd,
        cgroups,
        seccomp: container_seccomp(&items)?,
        label: container_label(opts, lxcpath, name)?,
        caps,
        sched_core: items
            .item("lxc.sched.core")
            .is_some_and(|v| v.trim() == "1"),
        no_new_privs: items
            .item("lxc.no_new_privs")
            .is_some_and(|v| v.trim() == "1"),
        personality: opts
            .personality
            .or_else(|| {
                items
                    .item("lxc.arch")
                    .and_then(|arch| lxc_config::values::arch_personality(arch.trim()))
            })
            .filter(|_| opts.set_personality),
    }))
}

/// The running container's configuration items an attach needs: from the `AttachInfo` an
/// lxc-rs monitor gave, else asked one by one (LXC's monitor).
pub(super) struct MonitorItems<'a> {
    lxcpath: &'a str,
    name: &'a str,
    info: Option<&'a commands::AttachInfo>,
}

impl MonitorItems<'_> {
    /// The item's value; None when unset.
    fn item(&self, key: &str) -> Option<String> {
        let known = self.info.and_then(|info| match key {
            "lxc.seccomp.profile" => Some(&info.seccomp_profile),
            "lxc.cap.drop" => Some(&info.cap_drop),
            "lxc.cap.keep" => Some(&info.cap_keep),
            "lxc.arch" => Some(&info.arch),
            "lxc.sched.core" => Some(&info.sched_core),
            "lxc.no_new_privs" => Some(&info.no_new_privs),
            _ => None,
        });
        match known {
            Some(value) => Some(value.clone()).filter(|v| !v.is_empty()),
            None => commands::get_string(self.lxcpath, self.name, Cmd::GetConfigItem, key)
                .ok()
                .flatten(),
        }
    }
}

/// The running container's seccomp filter (its `lxc.seccomp.profile`, read and compiled on
/// the host).
pub(super) fn container_seccomp(
    items: &MonitorItems<'_>,
) -> std::result::Result<Option<crate::seccomp::SeccompFilter>, String> {
    match items.item("lxc.seccomp.profile") {
        Some(path) if !path.trim().is_empty() => {
            let policy = crate::seccomp::read_policy(path.trim()).map_err(|e| e.to_string())?;
            crate::seccomp::compile_cached(&policy).map(Some)
        }
        _ => Ok(None),
    }
}

/// The security label of the container's init, when the attached program is to have it.
pub(super) fn container_label(
    opts: &AttachOptions,
    lxcpath: &str,
    name: &str,
) -> std::result::Result<Option<crate::lsm::LsmPlan>, String> {
    if let Some(label) = &opts.lsm_label {
        // An explicit label (`lxc-attach -c`, LXC_ATTACH_LSM_LABEL): without a security
        // module there is nothing to apply it to, as in LXC.
        let Some(module) = crate::lsm::active() else {
            tracing::info!("no security module on this host: label \"{label}\" not applied");
            return Ok(None);
        };
        return Ok(Some(crate::lsm::LsmPlan {
            module: Some(module),
            exec_label: Some(label.clone()),
            ..Default::default()
        }));
    }
    if !opts.apply_lsm || crate::lsm::active().is_none() {
        return Ok(None);
    }
    let pid = commands::get_init_pid(lxcpath, name)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "container is not running".to_string())?;
    Ok(crate::lsm::attach_label(pid))
}

/// The capabilities the running container's processes lack, from its monitor's
/// configuration (so containers run by LXC itself are covered too).
pub(super) fn container_caps(
    items: &MonitorItems<'_>,
    pidfd: BorrowedFd<'_>,
) -> std::result::Result<Vec<u32>, String> {
    let item = |key: &str| -> Vec<String> {
        items
            .item(key)
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    };
    let (drop, keep) = (item("lxc.cap.drop"), item("lxc.cap.keep"));
    if !keep.is_empty() && drop == keep {
        // LXC 5.0's monitors answer both keys with the one list they hold, whichever it
        // is: init's bounding set tells what the container's processes lack.
        return init_lacks(pidfd);
    }
    crate::caps::to_drop(&drop, &keep).map_err(|e| e.to_string())
}

/// The capabilities missing from init's bounding set (`CapBnd:` of its status).
fn init_lacks(pidfd: BorrowedFd<'_>) -> std::result::Result<Vec<u32>, String> {
    let pid = pid_of(pidfd, false)?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("read init's status: {e}"))?;
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .ok_or("no bounding set in init's status")?;
    // Still the same init: its pid was not reused while we read.
    lxc_sys::process::pidfd_send_signal(pidfd, 0).map_err(|_| "init is gone".to_string())?;
    Ok(crate::caps::missing_from(mask))
}
