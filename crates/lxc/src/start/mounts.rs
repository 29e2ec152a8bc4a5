//! The container's filesystem: rootfs, lxc.mount.auto, pivot_root. Every target inside the
//! rootfs is opened with RESOLVE_IN_ROOT and mounts are made with the new mount API onto
//! that fd, so neither a symlink nor a race in the rootfs can redirect a mount to the host.

use super::plan::Plan;
use lxc_config::{CgroupMount, ProcMount, SysMount};
use lxc_sys::mount as m;
use lxc_sys::newmount::{self as nm, FsOption};
use nm::MOUNT_ATTR_RDONLY as RDONLY;
use nm::{MOUNT_ATTR_NODEV as NODEV, MOUNT_ATTR_NOEXEC as NOEXEC, MOUNT_ATTR_NOSUID as NOSUID};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

pub type R<T> = Result<T, String>;

/// Name an operation's failure; successful steps are logged at TRACE.
pub fn ctx<T>(what: &str, r: std::io::Result<T>) -> R<T> {
    match r {
        Ok(v) => {
            tracing::trace!("{what}");
            Ok(v)
        }
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// Open (creating it if asked) a directory target inside the rootfs.
pub fn dir_in(root: BorrowedFd<'_>, path: &str, create: bool) -> R<OwnedFd> {
    if create {
        ctx(
            &format!("mkdir {path} in rootfs"),
            m::mkdir_all_in_root(root, path, 0o755),
        )
    } else {
        ctx(
            &format!("open {path} in rootfs"),
            m::open_in_root(root, path, libc::O_PATH | libc::O_DIRECTORY, 0),
        )
    }
}

/// `a=b,c` as filesystem options.
pub fn fs_options(data: &str) -> Vec<FsOption<'_>> {
    data.split(',')
        .filter(|o| !o.is_empty())
        .map(|o| match o.split_once('=') {
            Some((k, v)) => FsOption::Value(k, v),
            None => FsOption::Flag(o),
        })
        .collect()
}

/// A new filesystem attached onto `target`; returns the mount's fd.
pub fn mount_fs(
    fstype: &str,
    source: Option<&str>,
    data: &str,
    attrs: u64,
    target: &OwnedFd,
    what: &str,
) -> R<OwnedFd> {
    let mnt = ctx(
        &format!("create {what}"),
        nm::fs_mount(fstype, source, &fs_options(data), attrs),
    )?;
    ctx(
        &format!("mount {what}"),
        nm::attach(mnt.as_fd(), target.as_fd()),
    )?;
    Ok(mnt)
}

/// Bind what `source` holds (a host path, or an fd when `source_fd` is given) onto target,
/// with mount attributes; returns the new mount's fd.
pub fn bind(
    source_fd: Option<BorrowedFd<'_>>,
    source: &str,
    recursive: bool,
    attrs: u64,
    target: &OwnedFd,
    what: &str,
) -> R<OwnedFd> {
    let tree = ctx(
        &format!("clone {what}"),
        nm::clone_tree(source_fd, source, recursive),
    )?;
    if attrs != 0 {
        ctx(
            &format!("set flags of {what}"),
            nm::set_attrs(tree.as_fd(), attrs, 0, recursive),
        )?;
    }
    ctx(
        &format!("bind {what}"),
        nm::attach(tree.as_fd(), target.as_fd()),
    )?;
    Ok(tree)
}

/// `lxc.rootfs.options`: mount attributes (`ro`, `nosuid`, ...) and the filesystem's own
/// options, which only a rootfs that is mounted (not bound) can take.
#[derive(Debug, Clone, Default)]
pub struct RootfsOptions {
    pub attrs: u64,
    pub data: Vec<String>,
}

impl RootfsOptions {
    pub fn parse(text: Option<&str>) -> R<RootfsOptions> {
        let o = super::entries::parse_options(text.unwrap_or(""));
        let what = |option: &str| format!("lxc.rootfs.options: {option}");
        if o.bind || o.remount || o.optional || o.create.is_some() {
            return Err(what(
                "bind, rbind, remount, optional and create= have no meaning here",
            ));
        }
        if let Some(idmap) = o.data.iter().find(|d| d.starts_with("idmap=")) {
            return Err(what(&format!(
                "{idmap}: idmapped rootfs mounts are not supported yet"
            )));
        }
        Ok(RootfsOptions {
            attrs: o.attrs,
            data: o.data.iter().map(|d| d.to_string()).collect(),
        })
    }

    /// The filesystem's own options, as the mount API takes them.
    pub fn fs_options(&self) -> Vec<nm::FsOption<'_>> {
        self.data
            .iter()
            .map(|d| match d.split_once('=') {
                Some((key, value)) => nm::FsOption::Value(key, value),
                None => nm::FsOption::Flag(d),
            })
            .collect()
    }
}

/// Bind the rootfs to its mount point; returns an fd of the new root.
pub fn bind_rootfs(plan: &Plan, premounted: Option<&OwnedFd>) -> R<OwnedFd> {
    // Nothing we mount may propagate back to the host.
    let host_root = ctx(
        "open /",
        lxc_sys::fs::open_dir_path(std::path::Path::new("/")),
    )?;
    ctx("make / a slave mount", nm::make_rslave(host_root.as_fd()))?;
    let target = ctx(
        &format!("open {}", plan.rootfs_mount),
        lxc_sys::fs::open_dir_path(std::path::Path::new(&plan.rootfs_mount)),
    )?;
    let options = &plan.rootfs_options;
    if let Some(rootfs) = &plan.mounted {
        let data = options.fs_options();
        let tree = match (premounted, plan.mapped_root) {
            (Some(tree), _) => ctx("take the rootfs mount", tree.try_clone())?,
            // A user's unprivileged container: nobody could mount it for us.
            (None, Some(_)) => crate::storage::mount_detached_in_userns(rootfs, &data)
                .map_err(|e| e.to_string())?,
            (None, None) => {
                crate::storage::mount_detached(rootfs, &data).map_err(|e| e.to_string())?
            }
        };
        if options.attrs != 0 {
            ctx(
                "apply lxc.rootfs.options",
                nm::set_attrs(tree.as_fd(), options.attrs, 0, true),
            )?;
        }
        let what = format!("attach the rootfs to {}", plan.rootfs_mount);
        ctx(&what, nm::attach(tree.as_fd(), target.as_fd()))?;
        return Ok(tree);
    }
    if !options.data.is_empty() {
        tracing::debug!(options = ?options.data, "a bound rootfs takes no filesystem options");
    }
    let what = format!("{} to {}", plan.rootfs, plan.rootfs_mount);
    // The attached tree's fd is the container's root from here on.
    bind(None, &plan.rootfs, true, options.attrs, &target, &what)
}

/// proc, sys and cgroup mounts of `lxc.mount.auto` (`host_cgroups`: our /proc/self/cgroup
/// as the host's cgroup namespace shows it).
pub fn mount_auto(plan: &Plan, root: BorrowedFd<'_>, host_cgroups: &str) -> R<()> {
    let auto = &plan.config.mount_auto;
    let safe = NOSUID | NODEV | NOEXEC;
    if let Some(mode) = auto.proc {
        let target = dir_in(root, "/proc", true)?;
        mount_fs("proc", Some("proc"), "", safe, &target, "proc")?;
        if mode == ProcMount::Mixed {
            // /proc/sys read-only except the network part (it belongs to our net ns).
            let sys = dir_in(root, "/proc/sys", false)?;
            bind(
                Some(sys.as_fd()),
                "",
                true,
                safe | RDONLY,
                &sys,
                "/proc/sys read-only",
            )?;
            if !plan.share_net {
                if let Ok(net) = dir_in(root, "/proc/sys/net", false) {
                    let tree = ctx(
                        "clone /proc/sys/net",
                        nm::clone_tree(Some(net.as_fd()), "", true),
                    )?;
                    ctx(
                        "make /proc/sys/net writable",
                        nm::set_attrs(tree.as_fd(), safe, RDONLY, true),
                    )?;
                    ctx("bind /proc/sys/net", nm::attach(tree.as_fd(), net.as_fd()))?;
                }
            }
            if let Ok(sysrq) = m::open_in_root(root, "/proc/sysrq-trigger", libc::O_PATH, 0) {
                bind(
                    Some(sysrq.as_fd()),
                    "",
                    false,
                    safe | RDONLY,
                    &sysrq,
                    "sysrq-trigger read-only",
                )?;
            }
        }
    }
    if let Some(mode) = auto.sys {
        let target = dir_in(root, "/sys", true)?;
        let ro = if mode == SysMount::Rw { 0 } else { RDONLY };
        let mounted = mount_fs("sysfs", Some("sysfs"), "", safe | ro, &target, "sysfs");
        match mounted {
            Ok(_) => {}
            // A user namespace may not mount the sysfs of a network namespace it does not
            // own (the host's, or another container's): the host's /sys, bound read-only.
            Err(_) if plan.share_net && plan.mapped_root.is_some() => {
                bind(
                    None,
                    "/sys",
                    true,
                    safe | RDONLY,
                    &target,
                    "the host's /sys",
                )?;
            }
            Err(e) => return Err(e),
        }
        // mixed: the container's own network devices stay writable.
        if mode == SysMount::Mixed && !plan.share_net {
            if let Ok(net) = dir_in(root, "/sys/devices/virtual/net", false) {
                let tree = ctx(
                    "clone /sys/devices/virtual/net",
                    nm::clone_tree(Some(net.as_fd()), "", true),
                )?;
                ctx(
                    "make /sys/devices/virtual/net writable",
                    nm::set_attrs(tree.as_fd(), safe, RDONLY, true),
                )?;
                ctx(
                    "bind /sys/devices/virtual/net",
                    nm::attach(tree.as_fd(), net.as_fd()),
                )?;
            }
        }
    }
    if let Some(cg) = &auto.cgroup {
        mount_cgroup(plan, root, cg, host_cgroups)?;
    }
    Ok(())
}

/// The container sees its own cgroups (its cgroup namespace roots): cgroup2 alone on a pure v2
/// host; else a read-only tmpfs holding `unified` and, for `cgroup`/`cgroup-full`, one
/// directory per v1 hierarchy, named as on the host.
fn mount_cgroup(plan: &Plan, root: BorrowedFd<'_>, cg: &CgroupMount, host_cgroups: &str) -> R<()> {
    let (ro, legacy) = match cg {
        CgroupMount::Unified { ro, .. } => (*ro, false),
        CgroupMount::Legacy { mode, .. } => (*mode == lxc_config::CgroupMountMode::Ro, true),
    };
    let layout = &plan.cgroups.layout;
    let safe = NOSUID | NODEV | NOEXEC;
    let ro_attr = if ro { RDONLY } else { 0 };
    let base = dir_in(root, "/sys/fs/cgroup", false)?;
    if !layout.has_legacy() {
        mount_fs(
            "cgroup2",
            Some("cgroup2"),
            "",
            safe | ro_attr,
            &base,
            "cgroup2",
        )?;
        return Ok(());
    }
    let tmpfs = mount_fs(
        "tmpfs",
        Some("tmpfs"),
        "size=10240k,mode=755",
        safe,
        &base,
        "tmpfs on /sys/fs/cgroup",
    )?;
    if layout.unified().is_some() {
        let unified = dir_in(root, "/sys/fs/cgroup/unified", true)?;
        mount_fs(
            "cgroup2",
            Some("cgroup2"),
            "",
            safe | ro_attr,
            &unified,
            "cgroup2",
        )?;
    }
    for h in layout.legacy().filter(|_| legacy) {
        let Some(dir) = h.mount.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let target = dir_in(root, &format!("/sys/fs/cgroup/{dir}"), true)?;
        if plan.mapped_root.is_some() {
            // A user namespace may not mount v1 hierarchies: its own cgroup is bound from
            // the host's mount instead (what a cgroup namespace would show).
            // The monitor moved us into our payload cgroups: never a hierarchy's root.
            let own = lxc_cgroups::cgroup_in(host_cgroups, h)
                .filter(|p| !p.trim_matches('/').is_empty())
                .ok_or_else(|| format!("no cgroup of ours in the {} hierarchy", h.key()))?;
            let source = h.mount.join(own.trim_start_matches('/'));
            bind(
                None,
                &source.display().to_string(),
                false,
                safe | ro_attr,
                &target,
                &format!("cgroup {}", h.key()),
            )?;
            continue;
        }
        mount_fs(
            "cgroup",
            Some("cgroup"),
            &h.mount_options(),
            safe | ro_attr,
            &target,
            &format!("cgroup {}", h.key()),
        )?;
    }
    ctx(
        "make /sys/fs/cgroup read-only",
        nm::set_attrs(tmpfs.as_fd(), RDONLY, 0, false),
    )
}

/// Make the rootfs `/` and drop the old root.
pub fn pivot(root: BorrowedFd<'_>) -> R<()> {
    tracing::debug!("pivot_root into the container's rootfs");
    ctx("chdir to the new root", m::fchdir(root))?;
    ctx("pivot_root", m::pivot_root(".", "."))?;
    ctx("detach the old root", m::umount(".", libc::MNT_DETACH))?;
    ctx("chdir /", lxc_sys::process::chdir("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rootfs_options_split_into_attributes_and_filesystem_options() {
        let o = RootfsOptions::parse(Some("ro,nosuid,discard,errors=remount-ro")).unwrap();
        assert_eq!(o.attrs, RDONLY | NOSUID);
        assert_eq!(
            o.fs_options(),
            [
                nm::FsOption::Flag("discard"),
                nm::FsOption::Value("errors", "remount-ro")
            ]
        );
        assert_eq!(RootfsOptions::parse(None).unwrap().attrs, 0);
        assert!(RootfsOptions::parse(Some("idmap=container"))
            .unwrap_err()
            .contains("not supported yet"));
        assert!(RootfsOptions::parse(Some("rbind")).is_err());
    }
}
