//! The container's filesystem: rootfs bind, lxc.mount.auto, fstab entries, autodev /dev,
//! console and ttys, pivot_root. Every target inside the rootfs is opened with
//! RESOLVE_IN_ROOT and mounted through its fd, so symlinks in the rootfs cannot redirect a
//! mount onto the host.

use super::plan::Plan;
use lxc_config::{CgroupMount, ProcMount, SysMount};
use lxc_sys::mount::{
    self as m, mount, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT,
};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

type R<T> = Result<T, String>;

/// Name an operation's failure; successful steps are logged at TRACE.
fn ctx<T>(what: &str, r: std::io::Result<T>) -> R<T> {
    match r {
        Ok(v) => {
            tracing::trace!("{what}");
            Ok(v)
        }
        Err(e) => Err(format!("{what}: {e}")),
    }
}

fn fdp(fd: &OwnedFd) -> String {
    lxc_sys::fs::fd_path(fd.as_fd())
}

/// Open (creating it if asked) a directory target inside the rootfs.
fn dir_in(root: BorrowedFd<'_>, path: &str, create: bool) -> R<OwnedFd> {
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

/// Bind the rootfs to its mount point; returns an fd of the new root.
pub fn bind_rootfs(plan: &Plan) -> R<OwnedFd> {
    // Nothing we mount may propagate back to the host.
    ctx(
        "make / a slave mount",
        mount(None, "/", None, MS_REC | m::MS_SLAVE, None),
    )?;
    ctx(
        &format!("bind {} to {}", plan.rootfs, plan.rootfs_mount),
        mount(
            Some(&plan.rootfs),
            &plan.rootfs_mount,
            None,
            MS_BIND | MS_REC,
            None,
        ),
    )?;
    ctx(
        &format!("open {}", plan.rootfs_mount),
        lxc_sys::fs::open_dir_path(std::path::Path::new(&plan.rootfs_mount)),
    )
}

/// proc, sys and cgroup mounts of `lxc.mount.auto`.
pub fn mount_auto(plan: &Plan, root: BorrowedFd<'_>) -> R<()> {
    let auto = &plan.config.mount_auto;
    let flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if let Some(mode) = auto.proc {
        let target = dir_in(root, "/proc", true)?;
        ctx(
            "mount proc",
            mount(Some("proc"), &fdp(&target), Some("proc"), flags, None),
        )?;
        if mode == ProcMount::Mixed {
            // /proc/sys read-only except the network part (it belongs to our net ns).
            read_only_bind(root, "/proc/sys")?;
            if !plan.share_net {
                if let Ok(net) = dir_in(root, "/proc/sys/net", false) {
                    let p = fdp(&net);
                    ctx(
                        "bind /proc/sys/net",
                        mount(Some(&p), &p, None, MS_BIND, None),
                    )?;
                    // A bind starts with its source's flags: make this one writable again.
                    let net = dir_in(root, "/proc/sys/net", false)?;
                    let p = fdp(&net);
                    ctx(
                        "remount /proc/sys/net read-write",
                        mount(
                            None,
                            &p,
                            None,
                            MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            None,
                        ),
                    )?;
                }
            }
            if let Ok(fd) = ctx(
                "open sysrq",
                m::open_in_root(root, "/proc/sysrq-trigger", libc::O_PATH, 0),
            ) {
                let p = fdp(&fd);
                ctx(
                    "bind sysrq-trigger",
                    mount(Some(&p), &p, None, MS_BIND, None),
                )?;
                ctx(
                    "remount sysrq-trigger",
                    mount(None, &p, None, MS_BIND | MS_REMOUNT | MS_RDONLY, None),
                )?;
            }
        }
    }
    if let Some(mode) = auto.sys {
        let target = dir_in(root, "/sys", true)?;
        let ro = if mode == SysMount::Rw { 0 } else { MS_RDONLY };
        ctx(
            "mount sysfs",
            mount(
                Some("sysfs"),
                &fdp(&target),
                Some("sysfs"),
                flags | ro,
                None,
            ),
        )?;
    }
    if let Some(cg) = &auto.cgroup {
        mount_cgroup(root, cg)?;
    }
    Ok(())
}

fn read_only_bind(root: BorrowedFd<'_>, path: &str) -> R<()> {
    let fd = dir_in(root, path, false)?;
    let p = fdp(&fd);
    ctx(
        &format!("bind {path}"),
        mount(Some(&p), &p, None, MS_BIND | MS_REC, None),
    )?;
    let fd = dir_in(root, path, false)?;
    let p = fdp(&fd);
    ctx(
        &format!("remount {path} read-only"),
        mount(
            None,
            &p,
            None,
            MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            None,
        ),
    )
}

/// The container sees its own cgroup (the cgroup namespace root) on the unified hierarchy.
/// Legacy controller hierarchies are added with the cgroups issue.
fn mount_cgroup(root: BorrowedFd<'_>, cg: &CgroupMount) -> R<()> {
    let ro = match cg {
        CgroupMount::Unified { ro, .. } => *ro,
        CgroupMount::Legacy { mode, .. } => *mode == lxc_config::CgroupMountMode::Ro,
    };
    let flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    let hybrid = crate::cgroup::host_is_hybrid();
    if hybrid {
        let base = dir_in(root, "/sys/fs/cgroup", false)?;
        ctx(
            "mount tmpfs on /sys/fs/cgroup",
            mount(
                Some("tmpfs"),
                &fdp(&base),
                Some("tmpfs"),
                flags,
                Some("size=10240k,mode=755"),
            ),
        )?;
        let unified = dir_in(root, "/sys/fs/cgroup/unified", true)?;
        let ro_flag = if ro { MS_RDONLY } else { 0 };
        ctx(
            "mount cgroup2",
            mount(
                Some("cgroup2"),
                &fdp(&unified),
                Some("cgroup2"),
                flags | ro_flag,
                None,
            ),
        )?;
        let base = dir_in(root, "/sys/fs/cgroup", false)?;
        let p = fdp(&base);
        ctx(
            "remount /sys/fs/cgroup read-only",
            mount(
                None,
                &p,
                None,
                MS_REMOUNT | MS_RDONLY | flags,
                Some("size=10240k,mode=755"),
            ),
        )?;
    } else {
        let target = dir_in(root, "/sys/fs/cgroup", false)?;
        let ro_flag = if ro { MS_RDONLY } else { 0 };
        ctx(
            "mount cgroup2",
            mount(
                Some("cgroup2"),
                &fdp(&target),
                Some("cgroup2"),
                flags | ro_flag,
                None,
            ),
        )?;
    }
    Ok(())
}

/// One fstab-format line of `lxc.mount.entry` / `lxc.mount.fstab`.
pub fn mount_entry(plan: &Plan, root: BorrowedFd<'_>, line: &str) -> R<()> {
    tracing::debug!("mount entry \"{line}\"");
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 3 {
        return Err(format!("invalid mount entry \"{line}\""));
    }
    let (source, target, fstype) = (fields[0], fields[1], fields[2]);
    let options = fields.get(3).copied().unwrap_or("defaults");
    let mut flags: libc::c_ulong = 0;
    let mut data = Vec::new();
    let mut optional = false;
    let mut create: Option<&str> = None;
    let mut ro = false;
    for opt in options.split(',') {
        match opt {
            "defaults" | "rw" | "auto" | "noauto" | "nouser" | "relative" => {}
            "ro" => ro = true,
            "bind" => flags |= MS_BIND,
            "rbind" => flags |= MS_BIND | MS_REC,
            "nosuid" => flags |= MS_NOSUID,
            "nodev" => flags |= MS_NODEV,
            "noexec" => flags |= MS_NOEXEC,
            "sync" => flags |= libc::MS_SYNCHRONOUS,
            "remount" => flags |= MS_REMOUNT,
            "noatime" => flags |= libc::MS_NOATIME,
            "nodiratime" => flags |= libc::MS_NODIRATIME,
            "relatime" => flags |= m::MS_RELATIME,
            "strictatime" => flags |= m::MS_STRICTATIME,
            "optional" => optional = true,
            "create=dir" => create = Some("dir"),
            "create=file" => create = Some("file"),
            other => data.push(other),
        }
    }
    // Relative targets live under the rootfs; absolute ones under the rootfs mount point.
    let rel = target
        .strip_prefix(&plan.rootfs_mount)
        .or_else(|| target.strip_prefix(&plan.rootfs))
        .unwrap_or(target);
    let result = (|| -> R<()> {
        let target_fd = match create {
            Some("file") => ctx(&format!("create {rel}"), m::touch_in_root(root, rel, 0o644))?,
            Some(_) => dir_in(root, rel, true)?,
            None => ctx(
                &format!("open {rel} in rootfs"),
                m::open_in_root(root, rel, libc::O_PATH, 0),
            )?,
        };
        let tp = fdp(&target_fd);
        let data = data.join(",");
        let data = (!data.is_empty()).then_some(data.as_str());
        let base = flags
            | if ro && flags & MS_BIND == 0 {
                MS_RDONLY
            } else {
                0
            };
        ctx(
            &format!("mount {source} on {rel}"),
            mount(Some(source), &tp, Some(fstype), base, data),
        )?;
        if ro && flags & MS_BIND != 0 {
            let target_fd = ctx(
                &format!("open {rel}"),
                m::open_in_root(root, rel, libc::O_PATH, 0),
            )?;
            let tp = fdp(&target_fd);
            ctx(
                &format!("remount {rel} read-only"),
                mount(
                    None,
                    &tp,
                    None,
                    MS_BIND | MS_REMOUNT | MS_RDONLY | (flags & !MS_REC & !MS_BIND),
                    None,
                ),
            )?;
        }
        Ok(())
    })();
    match result {
        Err(e) if optional => {
            tracing::info!("skipping optional mount entry \"{line}\": {e}");
            Ok(())
        }
        other => other,
    }
}

/// lxc.mount.fstab lines then lxc.mount.entry lines.
pub fn mount_entries(plan: &Plan, root: BorrowedFd<'_>) -> R<()> {
    if let Some(fstab) = &plan.config.mount_fstab {
        let text = ctx(&format!("read {fstab}"), std::fs::read_to_string(fstab))?;
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            mount_entry(plan, root, line)?;
        }
    }
    for line in &plan.config.mount_entries {
        mount_entry(plan, root, line)?;
    }
    Ok(())
}

const DEVICES: &[(&str, u32, u32)] = &[
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
];

/// A fresh tmpfs on /dev with the standard nodes, devpts and the usual links.
pub fn autodev(plan: &Plan, root: BorrowedFd<'_>) -> R<()> {
    let dev = dir_in(root, "/dev", true)?;
    let size = plan.config.autodev_tmpfs_size.unwrap_or(500_000);
    ctx(
        "mount tmpfs on /dev",
        mount(
            Some("none"),
            &fdp(&dev),
            Some("tmpfs"),
            MS_NOSUID | m::MS_STRICTATIME,
            Some(&format!("size={size},mode=755")),
        ),
    )?;
    let dev = ctx(
        "open /dev",
        m::open_in_root(root, "/dev", libc::O_DIRECTORY, 0),
    )?;
    let old = lxc_sys::process::umask(0);
    for (name, major, minor) in DEVICES {
        ctx(
            &format!("mknod /dev/{name}"),
            lxc_sys::fs::mknodat(dev.as_fd(), name, libc::S_IFCHR | 0o666, *major, *minor),
        )?;
    }
    lxc_sys::process::umask(old);
    for d in ["pts", "shm", "mqueue"] {
        dir_in(root, &format!("/dev/{d}"), true)?;
    }
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("ptmx", "pts/ptmx"),
    ] {
        let path = format!("{}/dev/{link}", plan.rootfs_mount);
        // Inside a tmpfs we just made: nothing of the container's can be in the way yet.
        ctx(
            &format!("symlink /dev/{link}"),
            std::os::unix::fs::symlink(target, &path),
        )?;
    }
    mount_devpts(plan, root)
}

fn mount_devpts(plan: &Plan, root: BorrowedFd<'_>) -> R<()> {
    let pts = dir_in(root, "/dev/pts", true)?;
    let max = if plan.config.pty_max > 0 {
        format!(",max={}", plan.config.pty_max)
    } else {
        String::new()
    };
    ctx(
        "mount devpts",
        mount(
            Some("devpts"),
            &fdp(&pts),
            Some("devpts"),
            MS_NOSUID | MS_NOEXEC,
            Some(&format!("newinstance,ptmxmode=0666,mode=0620,gid=5{max}")),
        ),
    )
}

/// Bind a host pty onto a file inside the rootfs (/dev/console, /dev/ttyN). By its host
/// path: an fd's mount belongs to the monitor's namespace, not to our copy of it.
pub fn bind_pty(root: BorrowedFd<'_>, pty_number: u32, path: &str) -> R<()> {
    let target = ctx(
        &format!("create {path}"),
        m::touch_in_root(root, path, 0o600),
    )?;
    let src = format!("/dev/pts/{pty_number}");
    ctx(
        &format!("bind the pty to {path}"),
        mount(Some(&src), &fdp(&target), None, MS_BIND, None),
    )
}

/// A symlink in the container's /dev (an existing node there is replaced).
pub fn link_dev(root: BorrowedFd<'_>, target: &str, path: &str) -> R<()> {
    match m::symlink_in_root(root, target, path) {
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
            let dev = ctx(
                "open /dev",
                m::open_in_root(root, "/dev", libc::O_DIRECTORY, 0),
            )?;
            let name = path.rsplit('/').next().unwrap_or(path);
            ctx(
                &format!("remove {path}"),
                lxc_sys::fs::unlinkat(dev.as_fd(), name),
            )?;
            ctx(
                &format!("link {path}"),
                m::symlink_in_root(root, target, path),
            )
        }
        other => ctx(&format!("link {path}"), other),
    }
}

/// Make the rootfs `/` and drop the old root.
pub fn pivot(root: BorrowedFd<'_>) -> R<()> {
    tracing::debug!("pivot_root into the container's rootfs");
    ctx("chdir to the new root", m::fchdir(root))?;
    ctx("pivot_root", m::pivot_root(".", "."))?;
    ctx("detach the old root", m::umount(".", libc::MNT_DETACH))?;
    ctx("chdir /", lxc_sys::process::chdir("/"))
}
