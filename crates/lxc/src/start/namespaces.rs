//! Which namespaces a start creates: the defaults, narrowed by `lxc.namespace.clone` or
//! `lxc.namespace.keep`, less those `lxc.namespace.share.<ns>` takes from another
//! container or process (init is cloned into them).

use lxc_config::ContainerConfig;
use lxc_sys::process as p;
use std::os::fd::{AsFd, OwnedFd};

/// A namespace taken from elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedNamespace {
    /// Its CLONE_NEW* flag.
    pub flag: i32,
    /// Its name in /proc/PID/ns (`net`, `uts`, ...).
    pub ns: String,
    /// A container of the same lxcpath, an lxcpath-qualified container path, or a pid.
    pub target: String,
}

/// The namespaces to create and those to join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespaces {
    pub clone_flags: i32,
    pub shared: Vec<SharedNamespace>,
}

fn flag_of(ns: &str) -> i32 {
    match ns {
        "user" => libc::CLONE_NEWUSER,
        "mnt" => libc::CLONE_NEWNS,
        "pid" => libc::CLONE_NEWPID,
        "uts" => libc::CLONE_NEWUTS,
        "ipc" => libc::CLONE_NEWIPC,
        "net" => libc::CLONE_NEWNET,
        "cgroup" => libc::CLONE_NEWCGROUP,
        _ => libc::CLONE_NEWTIME,
    }
}

/// From the configuration; `mapped`: the container has `lxc.idmap`; `host_net`: its first
/// NIC is of type `none` (the host's network namespace).
pub fn plan(config: &ContainerConfig, mapped: bool, host_net: bool) -> Result<Namespaces, String> {
    let mut flags = libc::CLONE_NEWNS
        | libc::CLONE_NEWPID
        | libc::CLONE_NEWUTS
        | libc::CLONE_NEWIPC
        | libc::CLONE_NEWCGROUP
        | libc::CLONE_NEWNET;
    if mapped {
        flags |= libc::CLONE_NEWUSER;
    }
    let offsets = config.time_offset_boot.is_some() || config.time_offset_monotonic.is_some();
    if offsets {
        flags |= libc::CLONE_NEWTIME;
    }
    if !config.namespace_clone.is_empty() {
        flags = config
            .namespace_clone
            .iter()
            .fold(0, |all, ns| all | flag_of(ns));
    }
    for ns in &config.namespace_keep {
        flags &= !flag_of(ns);
    }
    let mut shared = Vec::new();
    for (ns, target) in &config.namespace_share {
        match ns.as_str() {
            "mnt" | "user" | "time" => {
                return Err(format!(
                    "lxc.namespace.share.{ns}: sharing the {ns} namespace is not supported yet"
                ))
            }
            _ => {}
        }
        flags &= !flag_of(ns);
        shared.push(SharedNamespace {
            flag: flag_of(ns),
            ns: ns.clone(),
            target: target.trim().to_string(),
        });
    }
    if host_net {
        flags &= !libc::CLONE_NEWNET;
    }
    if flags & libc::CLONE_NEWNS == 0 {
        return Err(
            "a container needs a mount namespace of its own (lxc.namespace.clone or \
                    lxc.namespace.keep leaves it out)"
                .into(),
        );
    }
    if offsets && flags & libc::CLONE_NEWTIME == 0 {
        return Err(
            "lxc.time.offset.* needs a time namespace of its own (lxc.namespace.clone \
                    or lxc.namespace.keep leaves it out)"
                .into(),
        );
    }
    match (mapped, flags & libc::CLONE_NEWUSER != 0) {
        (true, false) => Err(
            "lxc.idmap needs a user namespace of its own (lxc.namespace.clone \
                              or lxc.namespace.keep leaves it out)"
                .into(),
        ),
        (false, true) => Err("lxc.namespace.clone = user needs lxc.idmap".into()),
        _ => Ok(Namespaces {
            clone_flags: flags,
            shared,
        }),
    }
}

/// Init's time namespace: made with its clock offsets (`lxc.time.offset.*`) and entered. A
/// clone cannot do it: offsets can only be set before any process is in the namespace.
pub fn enter_new_time_namespace(config: &ContainerConfig) -> Result<(), String> {
    let mut offsets = String::new();
    for (clock, value) in [
        ("monotonic", &config.time_offset_monotonic),
        ("boottime", &config.time_offset_boot),
    ] {
        if let Some(v) = value {
            let nanos = lxc_config::values::time_offset_nanos(v)
                .map_err(|e| format!("lxc.time.offset = {v}: {e}"))?;
            let (secs, rest) = (
                nanos.div_euclid(1_000_000_000),
                nanos.rem_euclid(1_000_000_000),
            );
            offsets.push_str(&format!("{clock} {secs} {rest}\n"));
        }
    }
    lxc_sys::ns::unshare(libc::CLONE_NEWTIME)
        .map_err(|e| format!("unshare the time namespace: {e}"))?;
    if !offsets.is_empty() {
        std::fs::write("/proc/self/timens_offsets", &offsets)
            .map_err(|e| format!("set the clock offsets ({}): {e}", offsets.trim()))?;
    }
    let ns = std::fs::File::open("/proc/self/ns/time_for_children")
        .map_err(|e| format!("open the new time namespace: {e}"))?;
    lxc_sys::ns::setns(ns.as_fd(), libc::CLONE_NEWTIME)
        .map_err(|e| format!("enter the new time namespace: {e}"))
}

/// The pidfd of what `shared` names, for the container `lxcpath`/`name`'s start.
pub fn open_target(shared: &SharedNamespace, lxcpath: &str) -> Result<OwnedFd, String> {
    let what = format!("lxc.namespace.share.{} = {}", shared.ns, shared.target);
    let target = shared.target.as_str();
    if let Ok(pid) = target.parse::<i32>() {
        return p::pidfd_open(pid).map_err(|e| format!("{what}: {e}"));
    }
    let path = std::path::Path::new(target);
    let (dir, name) = match (path.parent(), path.file_name().and_then(|n| n.to_str())) {
        (Some(dir), Some(name)) if target.contains('/') => (dir.to_string_lossy(), name),
        _ => (lxcpath.into(), target),
    };
    match crate::commands::get_init_pidfd(&dir, name) {
        Ok(Some(fd)) => Ok(fd),
        Ok(None) => Err(format!("{what}: the container is not running")),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// The monitor in the namespaces `lxc.namespace.share.*` names while it clones init, who is
/// born in them (a user namespace of init's own could not join them afterwards: they are
/// not its). Dropped, the monitor goes back to its own; init `keep`s them.
pub struct Borrowed {
    own: Vec<(OwnedFd, i32)>,
}

impl Borrowed {
    pub fn enter(targets: &[(OwnedFd, i32)]) -> Result<Borrowed, String> {
        let mut borrowed = Borrowed { own: Vec::new() };
        for (target, flag) in targets {
            // For pid: what children are born in (the monitor's own stays).
            let ns = match *flag {
                libc::CLONE_NEWPID => "pid_for_children",
                libc::CLONE_NEWNET => "net",
                libc::CLONE_NEWUTS => "uts",
                libc::CLONE_NEWIPC => "ipc",
                libc::CLONE_NEWCGROUP => "cgroup",
                other => return Err(format!("namespace {other:#x} cannot be shared")),
            };
            let own = std::fs::File::open(format!("/proc/thread-self/ns/{ns}"))
                .map_err(|e| format!("open our {ns} namespace: {e}"))?;
            lxc_sys::ns::setns(target.as_fd(), *flag)
                .map_err(|e| format!("enter the shared {ns} namespace: {e}"))?;
            borrowed.own.push((own.into(), *flag));
        }
        Ok(borrowed)
    }

    /// In init: stay in them.
    pub fn keep(self) {
        std::mem::forget(self);
    }
}

impl Drop for Borrowed {
    fn drop(&mut self) {
        for (own, flag) in self.own.iter().rev() {
            if let Err(e) = lxc_sys::ns::setns(own.as_fd(), *flag) {
                tracing::error!("back to our own namespace ({flag:#x}): {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::start::plan::tests::config;

    #[test]
    fn defaults_keep_clone_and_share() {
        let all = libc::CLONE_NEWNS
            | libc::CLONE_NEWPID
            | libc::CLONE_NEWUTS
            | libc::CLONE_NEWIPC
            | libc::CLONE_NEWCGROUP
            | libc::CLONE_NEWNET;
        assert_eq!(plan(&config(""), false, false).unwrap().clone_flags, all);
        assert_eq!(
            plan(&config(""), false, true).unwrap().clone_flags,
            all & !libc::CLONE_NEWNET
        );
        let kept = plan(&config("lxc.namespace.keep = net ipc\n"), false, false).unwrap();
        assert_eq!(
            kept.clone_flags,
            all & !libc::CLONE_NEWNET & !libc::CLONE_NEWIPC
        );
        let cloned = plan(&config("lxc.namespace.clone = mnt pid\n"), false, false).unwrap();
        assert_eq!(cloned.clone_flags, libc::CLONE_NEWNS | libc::CLONE_NEWPID);
        let timed = plan(&config("lxc.time.offset.boot = -5s\n"), false, false).unwrap();
        assert_eq!(timed.clone_flags, all | libc::CLONE_NEWTIME);
        let shared = plan(&config("lxc.namespace.share.net = other\n"), false, false).unwrap();
        assert_eq!(shared.clone_flags, all & !libc::CLONE_NEWNET);
        assert_eq!(
            shared.shared,
            vec![SharedNamespace {
                flag: libc::CLONE_NEWNET,
                ns: "net".into(),
                target: "other".into()
            }]
        );
    }

    #[test]
    fn what_cannot_work_is_refused() {
        let refused = |text: &str, mapped: bool| plan(&config(text), mapped, false).unwrap_err();
        assert!(refused("lxc.namespace.keep = mnt\n", false).contains("mount namespace"));
        assert!(refused("lxc.namespace.clone = pid net\n", false).contains("mount namespace"));
        assert!(refused("lxc.namespace.keep = user\n", true).contains("lxc.idmap"));
        assert!(refused("lxc.namespace.clone = mnt user\n", false).contains("lxc.idmap"));
        assert!(refused(
            "lxc.time.offset.boot = 1h\nlxc.namespace.keep = time\n",
            false
        )
        .contains("time namespace"));
        assert!(refused("lxc.namespace.share.mnt = other\n", false).contains("not supported"));
    }
}
