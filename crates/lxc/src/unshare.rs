//! `lxc-unshare`: a command in namespaces of its own, no container around it. The calling
//! program (a single-threaded tool) forks it into the new namespaces; the parent writes
//! its id maps and moves network interfaces in before letting it run.

use crate::error::{sys_err, Error, Result};
use lxc_sys::process::{self as p, Forked, WaitStatus};
use std::os::fd::{AsFd, OwnedFd};

#[derive(Debug, Default, Clone)]
pub struct UnshareOptions {
    /// CLONE_NEW* flags.
    pub namespaces: i32,
    /// Run the command as this uid. With a new user namespace it is the one our own uid
    /// is mapped to (without `uid`, none is: the command runs as the overflow uid).
    pub uid: Option<u32>,
    /// With a new UTS namespace: its hostname.
    pub hostname: Option<String>,
    /// With a new network namespace: host interfaces moved into it.
    pub interfaces: Vec<String>,
    /// With a new mount namespace: fresh /proc, /dev/shm and /dev/mqueue for the new pid
    /// and ipc namespaces.
    pub remount: bool,
    /// Do not wait for the command.
    pub daemonize: bool,
    pub argv: Vec<String>,
}

impl UnshareOptions {
    fn check(&self) -> Result<()> {
        let needs = |flag: i32, option: &str, ns: &str| {
            if self.namespaces & flag == 0 {
                Err(Error::InvalidArgument(format!(
                    "{option} needs a new {ns} namespace (-s {ns})"
                )))
            } else {
                Ok(())
            }
        };
        if self.namespaces == 0 {
            return Err(Error::InvalidArgument(
                "no namespace to unshare given (-s)".into(),
            ));
        }
        if self.argv.is_empty() {
            return Err(Error::InvalidArgument("no command given".into()));
        }
        if self.hostname.is_some() {
            needs(libc::CLONE_NEWUTS, "-H", "UTSNAME")?;
        }
        if !self.interfaces.is_empty() {
            needs(libc::CLONE_NEWNET, "-i", "NETWORK")?;
        }
        if self.remount {
            needs(libc::CLONE_NEWNS, "-M", "MOUNT")?;
        }
        Ok(())
    }
}

/// Run the command; its pid when daemonized, else 0 when it exited 0 and 1 otherwise (as
/// LXC's tool answers).
pub fn unshare_run(o: &UnshareOptions) -> Result<i32> {
    o.check()?;
    if !crate::process_mode::in_process() {
        return Err(Error::InvalidArgument(
            "unshare forks its caller: only a single-threaded tool may ask for it".into(),
        ));
    }
    let (go_read, go_write) = lxc_sys::fs::pipe().map_err(sys_err("pipe"))?;
    let child = match p::clone3_fork(o.namespaces, None).map_err(sys_err("clone3"))? {
        Forked::Child => {
            drop(go_write);
            let err = run_child(o, go_read);
            eprintln!("lxc-unshare: {err}");
            p::exit_now(1)
        }
        Forked::Parent { pid, .. } => pid,
    };
    drop(go_read);
    let ready = prepare(o, child);
    if let Err(e) = ready {
        let _ = p::kill(child, libc::SIGKILL);
        let _ = p::waitpid(child, false);
        return Err(e);
    }
    // The child goes on only with this byte (not if we die half way).
    let go = lxc_sys::fs::write_all(go_write.as_fd(), b"g");
    drop(go_write);
    if let Err(e) = go {
        let _ = p::kill(child, libc::SIGKILL);
        let _ = p::waitpid(child, false);
        return Err(Error::Sys {
            op: "let the command run".into(),
            source: e,
        });
    }
    if o.daemonize {
        return Ok(0);
    }
    match p::waitpid(child, false).map_err(sys_err("wait"))? {
        WaitStatus::Exited(0) => Ok(0),
        _ => Ok(1),
    }
}

/// In the parent: the child's id maps and network interfaces.
fn prepare(o: &UnshareOptions, child: i32) -> Result<()> {
    let fail = |message: String| Error::InvalidArgument(message);
    // As LXC's tool: our uid becomes `-u`'s in there, and nothing else is mapped.
    if let (true, Some(uid)) = (o.namespaces & libc::CLONE_NEWUSER != 0, o.uid) {
        let path = format!("/proc/{child}/uid_map");
        std::fs::write(&path, format!("{uid} {} 1\n", lxc_sys::geteuid()))
            .map_err(|e| fail(format!("{path}: {e}")))?;
    }
    if !o.interfaces.is_empty() {
        let ns = std::fs::File::open(format!("/proc/{child}/ns/net"))
            .map_err(|e| fail(format!("the new network namespace: {e}")))?;
        let mut netlink = crate::net::netlink::Netlink::open().map_err(fail)?;
        for dev in &o.interfaces {
            let index = netlink
                .link_index(dev)
                .map_err(fail)?
                .ok_or_else(|| fail(format!("no network device {dev} on the host")))?;
            netlink
                .move_to_netns(index, ns.as_fd(), None)
                .map_err(|e| fail(format!("move {dev}: {e}")))?;
        }
    }
    Ok(())
}

/// In the child: wait for the parent, set up, exec. Returns only on failure.
fn run_child(o: &UnshareOptions, go: OwnedFd) -> String {
    let mut byte = [0u8; 1];
    if !matches!(lxc_sys::fs::read(go.as_fd(), &mut byte), Ok(1)) {
        return "the parent gave up before the command could run".into();
    }
    drop(go);
    if let Some(h) = &o.hostname {
        if let Err(e) = lxc_sys::ns::sethostname(h) {
            return format!("sethostname {h}: {e}");
        }
    }
    if o.remount {
        if let Err(e) = remount(o.namespaces) {
            return e;
        }
    }
    if let Some(uid) = o.uid {
        if let Err(e) = p::setresuid(uid) {
            return format!("setuid {uid}: {e}");
        }
    }
    let env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    let err = p::execvpe(&o.argv[0], &o.argv, &env);
    format!("{}: {err}", o.argv[0])
}

/// Our mounts stop propagating to the host; /proc (and with a new ipc namespace /dev/shm
/// and /dev/mqueue) are mounted afresh over the old ones.
fn remount(namespaces: i32) -> std::result::Result<(), String> {
    let mut mounts = vec![("proc", "/proc")];
    if namespaces & libc::CLONE_NEWIPC != 0 {
        mounts.push(("tmpfs", "/dev/shm"));
        mounts.push(("mqueue", "/dev/mqueue"));
    }
    mount_afresh(&mounts)
}

/// In a mount namespace of its own, fresh /proc and /sys over the current ones: they show
/// the pid and network namespaces this process is in (an attach that keeps the host's
/// mounts, `lxc-attach -R`).
pub(crate) fn remount_proc_sys() -> std::result::Result<(), String> {
    lxc_sys::ns::unshare(libc::CLONE_NEWNS).map_err(|e| format!("unshare mounts: {e}"))?;
    mount_afresh(&[("proc", "/proc"), ("sysfs", "/sys")])
}

/// Make / a slave (nothing propagates back), then mount each (type, path) on top of what
/// is there; a path that does not exist is skipped.
fn mount_afresh(mounts: &[(&str, &str)]) -> std::result::Result<(), String> {
    use lxc_sys::newmount as nm;
    let open = |path: &str| {
        lxc_sys::fs::open_dir_path(std::path::Path::new(path)).map_err(|e| format!("{path}: {e}"))
    };
    nm::make_rslave(open("/")?.as_fd()).map_err(|e| format!("make / a slave: {e}"))?;
    for (fstype, path) in mounts {
        let Ok(target) = open(path) else { continue };
        let safe = nm::MOUNT_ATTR_NOSUID | nm::MOUNT_ATTR_NODEV | nm::MOUNT_ATTR_NOEXEC;
        let tree = nm::fs_mount(fstype, Some(fstype), &[], safe)
            .map_err(|e| format!("mount {fstype} on {path}: {e}"))?;
        nm::attach(tree.as_fd(), target.as_fd())
            .map_err(|e| format!("mount {fstype} on {path}: {e}"))?;
    }
    Ok(())
}
