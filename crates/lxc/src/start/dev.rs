//! The container's /dev: autodev tmpfs with the standard nodes, devpts, and the host ptys
//! that serve as console and ttys.

use super::mounts::{bind, ctx, dir_in, mount_fs, R};
use super::plan::Plan;
use lxc_sys::mount as m;
use lxc_sys::newmount::{MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID, MOUNT_ATTR_STRICTATIME};
use std::os::fd::{AsFd, BorrowedFd};

const DEVICES: &[(&str, u32, u32)] = &[
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
];

const LINKS: &[(&str, &str)] = &[
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
    ("ptmx", "pts/ptmx"),
];

/// A fresh tmpfs on /dev with the standard nodes, devpts and the usual links.
pub fn autodev(plan: &Plan, root: BorrowedFd<'_>) -> R<()> {
    let dev = dir_in(root, "/dev", true)?;
    let size = plan.config.autodev_tmpfs_size.unwrap_or(500_000);
    let attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME;
    mount_fs(
        "tmpfs",
        Some("none"),
        &format!("size={size},mode=755"),
        attrs,
        &dev,
        "tmpfs on /dev",
    )?;
    let dev = ctx(
        "open /dev",
        m::open_in_root(root, "/dev", libc::O_DIRECTORY, 0),
    )?;
    if plan.mapped_root.is_some() {
        // A user namespace may not make device nodes: the host's are bound instead.
        for (name, _, _) in DEVICES {
            let path = format!("/dev/{name}");
            let target = ctx(
                &format!("create {path}"),
                m::touch_in_root(root, &path, 0o666),
            )?;
            bind(
                None,
                &path,
                false,
                0,
                &target,
                &format!("the host's {path}"),
            )?;
        }
    } else {
        make_nodes(&dev)?;
    }
    for d in ["pts", "shm", "mqueue"] {
        dir_in(root, &format!("/dev/{d}"), true)?;
    }
    for (link, target) in LINKS {
        ctx(
            &format!("symlink /dev/{link}"),
            m::symlink_in_root(root, target, &format!("/dev/{link}")),
        )?;
    }
    mount_devpts(plan, root)
}

/// Without autodev the rootfs's own /dev stays, and the container still gets a devpts of
/// its own (as LXC's does): /dev/ptmx is made to open it, a link to `pts/ptmx` where there
/// is none, or that ptmx bound over a node the rootfs has.
pub fn devpts_only(plan: &Plan, root: BorrowedFd<'_>) -> R<()> {
    mount_devpts(plan, root)?;
    let flags = libc::O_PATH | libc::O_NOFOLLOW;
    let existing = match m::open_in_root(root, "/dev/ptmx", flags, 0) {
        Ok(fd) => fd,
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            return ctx(
                "symlink /dev/ptmx",
                m::symlink_in_root(root, "pts/ptmx", "/dev/ptmx"),
            );
        }
        Err(e) => return Err(format!("open /dev/ptmx in rootfs: {e}")),
    };
    let kind = ctx(
        "stat /dev/ptmx",
        lxc_sys::tree::stat_at(existing.as_fd(), std::ffi::OsStr::new("")),
    )?
    .kind();
    if kind == libc::S_IFLNK {
        return Ok(());
    }
    let ptmx = ctx(
        "open /dev/pts/ptmx",
        m::open_in_root(root, "/dev/pts/ptmx", libc::O_PATH, 0),
    )?;
    bind(
        Some(ptmx.as_fd()),
        "",
        false,
        0,
        &existing,
        "/dev/pts/ptmx on /dev/ptmx",
    )?;
    Ok(())
}

fn make_nodes(dev: &std::os::fd::OwnedFd) -> R<()> {
    let old = lxc_sys::process::umask(0);
    for (name, major, minor) in DEVICES {
        let made = lxc_sys::fs::mknodat(dev.as_fd(), name, libc::S_IFCHR | 0o666, *major, *minor);
        if let Err(e) = made {
            lxc_sys::process::umask(old);
            return Err(format!("mknod /dev/{name}: {e}"));
        }
    }
    lxc_sys::process::umask(old);
    Ok(())
}

fn mount_devpts(plan: &Plan, root: BorrowedFd<'_>) -> R<()> {
    let pts = dir_in(root, "/dev/pts", true)?;
    let max = if plan.config.pty_max > 0 {
        format!(",max={}", plan.config.pty_max)
    } else {
        String::new()
    };
    let data = format!("newinstance,ptmxmode=0666,mode=0620,gid=5{max}");
    mount_fs(
        "devpts",
        Some("devpts"),
        &data,
        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
        &pts,
        "devpts",
    )?;
    Ok(())
}

/// Bind a host pty onto a file inside the rootfs (/dev/console, /dev/ttyN), by its host
/// path: an fd's mount belongs to the monitor's namespace, not to our copy of it.
pub fn bind_pty(root: BorrowedFd<'_>, pty_number: u32, path: &str) -> R<()> {
    let target = ctx(
        &format!("create {path}"),
        m::touch_in_root(root, path, 0o600),
    )?;
    bind(
        None,
        &format!("/dev/pts/{pty_number}"),
        false,
        0,
        &target,
        &format!("the pty to {path}"),
    )?;
    Ok(())
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
