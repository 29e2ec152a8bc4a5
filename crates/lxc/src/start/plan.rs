//! Everything a start needs, computed before clone: the child only carries out this plan.

use crate::error::{Error, Result};
use crate::hooks::HookEnv;
use lxc_config::ContainerConfig;
use serde::{Deserialize, Serialize};

/// What the library hands the helper to start a container (JSON in `LXC_RS_START`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartRequest {
    pub name: String,
    pub lxcpath: String,
    /// The configuration text to run with (the caller's in-memory config).
    pub config_text: String,
    /// The config file path (for errors, `LXC_CONFIG_FILE` and the running config).
    pub config_file: String,
    /// The config file existed when the start was asked for (it must still, under the lock).
    #[serde(default)]
    pub config_file_existed: bool,
    pub daemonize: bool,
    /// lxc-execute: run `argv` under our minimal init.
    pub use_init: bool,
    pub argv: Vec<String>,
    pub pidfile: Option<String>,
    pub runtime_dir: String,
    pub rootfs_mount: String,
    /// `-o` / `-l` from the tool, used when the config sets no log file/level.
    pub log_file: Option<String>,
    pub log_level: Option<String>,
    /// The global `lxc.cgroup.pattern` (`%n` = the name), if set.
    #[serde(default)]
    pub cgroup_pattern: Option<String>,
    /// The global `lxc.cgroup.use`: the v1 controllers to use (unset: all).
    #[serde(default)]
    pub cgroup_use: Option<String>,
}

/// Keys whose features exist in this build. Anything else that is set makes start refuse with
/// "not supported yet: <key>" instead of silently running without it.
const SUPPORTED: &[&str] = &[
    "lxc.arch",
    "lxc.ephemeral",
    "lxc.uts.name",
    "lxc.rootfs.path",
    "lxc.rootfs.mount",
    "lxc.rootfs.managed",
    "lxc.tty.max",
    "lxc.tty.dir",
    "lxc.pty.max",
    "lxc.autodev",
    "lxc.autodev.tmpfs.size",
    "lxc.console.logfile",
    "lxc.console.path",
    "lxc.console.buffer.size",
    "lxc.console.size",
    "lxc.console.rotate",
    "lxc.mount.auto",
    "lxc.mount.entry",
    "lxc.mount.fstab",
    "lxc.init.cmd",
    "lxc.init.uid",
    "lxc.init.gid",
    "lxc.init.cwd",
    "lxc.init.groups",
    "lxc.execute.cmd",
    "lxc.environment",
    "lxc.signal.halt",
    "lxc.signal.reboot",
    "lxc.signal.stop",
    "lxc.monitor.signal.pdeath",
    "lxc.log.file",
    "lxc.log.level",
    "lxc.hook.version",
    "lxc.start.auto",
    "lxc.start.delay",
    "lxc.start.order",
    "lxc.group",
    "lxc.include",
    "lxc.no_new_privs",
    "lxc.keyring.session",
    "lxc.prlimit",
    "lxc.cap.drop",
    "lxc.cap.keep",
    "lxc.seccomp.profile",
    "lxc.seccomp.allow_nesting",
    "lxc.seccomp.notify.proxy",
    "lxc.seccomp.notify.cookie",
    "lxc.cgroup.relative",
    "lxc.cgroup.dir",
    "lxc.cgroup.dir.container",
    "lxc.cgroup.dir.monitor",
    "lxc.cgroup.dir.monitor.pivot",
    "lxc.cgroup.dir.container.inner",
    "lxc.idmap",
    "lxc.namespace.clone",
    "lxc.namespace.keep",
    "lxc.rootfs.options",
    "lxc.monitor.unshare",
    "lxc.time.offset.boot",
    "lxc.time.offset.monotonic",
    "lxc.sched.core",
];

fn is_supported(key: &str, config: &ContainerConfig) -> bool {
    let families = [
        "lxc.hook.",
        "lxc.prlimit.",
        "lxc.sysctl.",
        "lxc.proc.",
        "lxc.namespace.share.",
    ];
    if SUPPORTED.contains(&key) || families.iter().any(|f| key.starts_with(f)) {
        return true;
    }
    // AppArmor and SELinux (logged and ignored on hosts without that module, as in LXC).
    if key.starts_with("lxc.apparmor.") || key.starts_with("lxc.selinux.") {
        return true;
    }
    if is_legacy_limit(key) {
        return true;
    }
    // The unified hierarchy's files; its device rules become an eBPF program.
    if key.starts_with("lxc.cgroup2.") {
        return true;
    }
    if let Some(rest) = key.strip_prefix("lxc.net.") {
        let mut parts = rest.splitn(2, '.');
        let index = parts.next().and_then(|i| i.parse::<usize>().ok());
        let sub = parts.next().unwrap_or("");
        let kind = index
            .and_then(|i| config.networks.get(&i))
            .and_then(|n| n.net_type.as_deref())
            .unwrap_or("");
        return (matches!(kind, "none" | "empty") && matches!(sub, "type" | "flags" | "name"))
            || crate::net::nic::supported(kind, sub);
    }
    false
}

/// Whether `key` is a v1 limit (`lxc.cgroup.<controller>.<file>`): applied on hosts with v1
/// hierarchies, ignored with a warning on pure cgroup2 ones, as LXC does.
fn is_legacy_limit(key: &str) -> bool {
    key.strip_prefix("lxc.cgroup.")
        .is_some_and(|rest| rest != "relative" && rest != "dir" && !rest.starts_with("dir."))
}

/// The first set key whose feature is not built yet, if any.
pub fn unsupported_key(config: &ContainerConfig) -> Option<String> {
    if let Some(path) = config.rootfs_path.as_deref().filter(|p| !p.is_empty()) {
        if let Err(key) = crate::storage::Rootfs::parse(path) {
            return Some(key);
        }
    }
    if config
        .console_path
        .as_deref()
        .is_some_and(|p| p != "none" && !p.is_empty())
    {
        return Some("lxc.console.path".into());
    }
    if config.mount_auto.shmounts.is_some() {
        return Some("lxc.mount.auto (shmounts)".into());
    }
    config
        .set_keys()
        .into_iter()
        .find(|k| !is_supported(k, config))
}

/// The plan derived from a request.
#[derive(Debug, Clone)]
pub struct Plan {
    pub req: StartRequest,
    pub config: ContainerConfig,
    /// Host directory of the rootfs (an overlay's: its lower).
    pub rootfs: String,
    /// A rootfs that is mounted rather than bound (overlay, loop, lvm, zfs).
    pub mounted: Option<crate::storage::Rootfs>,
    /// Where the rootfs is bound before pivot_root (`LXC_ROOTFS_MOUNT`).
    pub rootfs_mount: String,
    pub hostname: Option<String>,
    pub init_argv: Vec<String>,
    pub init_env: Vec<String>,
    pub clone_flags: i32,
    /// `lxc.rootfs.options`, checked.
    pub rootfs_options: super::mounts::RootfsOptions,
    /// Namespaces joined instead of made (`lxc.namespace.share.*`).
    pub shared_namespaces: Vec<super::namespaces::SharedNamespace>,
    /// No network namespace of its own (`lxc.net.0.type = none`, or the namespace kept or
    /// shared).
    pub share_net: bool,
    pub loopback_up: bool,
    pub hook_env: HookEnv,
    pub pdeath_signal: i32,
    /// Capabilities removed from the container's bounding set.
    pub cap_drop: Vec<u32>,
    /// `lxc.seccomp.profile`, read and checked before anything starts.
    pub seccomp: Option<crate::seccomp::SeccompFilter>,
    /// Where the payload and monitor cgroups go.
    pub cgroups: crate::cgroup::Placement,
    /// The program of `lxc.cgroup2.devices.*`, if any.
    pub devices: Option<crate::cgroup::DevicePolicy>,
    /// The veth NICs.
    pub nics: Vec<crate::net::nic::NicPlan>,
    /// An unprivileged container's `lxc.idmap` (empty: privileged).
    pub id_maps: lxc_config::idmap::IdMaps,
    /// The host ids of its root (uid, gid), when it has maps.
    pub mapped_root: Option<(u32, u32)>,
}

impl Plan {
    pub fn new(req: StartRequest) -> Result<Plan> {
        let mut config = ContainerConfig::new();
        config.parse_text(&req.config_text, &req.config_file)?;
        let start_err = |message: String| Error::Start {
            name: req.name.clone(),
            message,
        };
        if let Some(key) = unsupported_key(&config) {
            return Err(Error::Unsupported {
                name: req.name.clone(),
                key,
            });
        }
        let cgroups = crate::cgroup::Placement::from_config(
            &req.name,
            &config,
            req.cgroup_pattern.as_deref(),
        )
        .map(|p| p.using(req.cgroup_use.as_deref()))
        .map_err(start_err)?;
        let devices =
            crate::cgroup::DevicePolicy::from_settings(&config.cgroup_v2).map_err(start_err)?;
        if lxc_sys::geteuid() != 0 {
            users_network(&req.name, &config)?;
        }
        let nics = crate::net::nic::plan(&config).map_err(start_err)?;
        // The running config names the host ends, made-up ones too (lxc-info's Link lines).
        for nic in nics
            .iter()
            .filter(|n| n.kind == crate::net::nic::NicKind::Veth)
        {
            let key = format!("lxc.net.{}.veth.pair", nic.index);
            config
                .set_item(&key, &nic.host)
                .map_err(|e| start_err(e.to_string()))?;
        }
        if !config.cgroup_v1.is_empty() && !cgroups.layout.has_legacy() {
            tracing::warn!("Ignoring legacy cgroup limits on pure cgroup2 system");
        }
        let parsed = match config.rootfs_path.as_deref() {
            Some(p) if !p.is_empty() => crate::storage::Rootfs::parse(p).map_err(start_err)?,
            _ => return Err(start_err("no rootfs configured (lxc.rootfs.path)".into())),
        };
        // A mounted rootfs goes on the container's own `rootfs` directory (beside its
        // image or delta0; for a volume or dataset, in the container's directory).
        let own_dir = std::path::Path::new(&req.lxcpath)
            .join(&req.name)
            .join("rootfs");
        let (rootfs, mounted, own_mount) = match parsed {
            crate::storage::Rootfs::Dir(p) | crate::storage::Rootfs::Btrfs(p) => {
                (p.display().to_string(), None, p.display().to_string())
            }
            other => {
                let mount = match &other {
                    crate::storage::Rootfs::Overlay { upper: file, .. }
                    | crate::storage::Rootfs::Loop(file) => file
                        .parent()
                        .map(|d| d.join("rootfs"))
                        .unwrap_or_else(|| own_dir.clone()),
                    _ => own_dir.clone(),
                };
                let shown = match &other {
                    crate::storage::Rootfs::Overlay { lower, .. } => lower.display().to_string(),
                    _ => mount.display().to_string(),
                };
                (shown, Some(other), mount.display().to_string())
            }
        };
        if !std::path::Path::new(&rootfs).is_dir()
            && config
                .hooks
                .get(&lxc_config::HookType::PreStart)
                .is_none_or(|h| h.is_empty())
        {
            return Err(start_err(format!("rootfs {rootfs} does not exist")));
        }
        let rootfs_mount = config.rootfs_mount.clone().unwrap_or_else(|| {
            if std::path::Path::new(&req.rootfs_mount).is_dir() {
                req.rootfs_mount.clone()
            } else {
                own_mount.clone()
            }
        });
        let init_argv = if !req.argv.is_empty() {
            req.argv.clone()
        } else if req.use_init {
            match &config.execute_cmd {
                Some(cmd) => cmd.split_whitespace().map(str::to_string).collect(),
                None => {
                    return Err(start_err(
                        "no command given (and no lxc.execute.cmd)".into(),
                    ))
                }
            }
        } else {
            match &config.init_cmd {
                Some(cmd) => cmd.split_whitespace().map(str::to_string).collect(),
                None => vec!["/sbin/init".to_string()],
            }
        };
        let mut init_env = vec!["container=lxc".to_string()];
        for e in &config.environment {
            if e.contains('=') {
                init_env.push(e.clone());
            } else if let Ok(v) = std::env::var(e) {
                init_env.push(format!("{e}={v}"));
            }
        }
        if !init_env.iter().any(|e| e.starts_with("PATH=")) {
            init_env
                .push("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
        }
        if config.tty_max > 0 {
            let ttys: Vec<String> = (1..=config.tty_max).map(|n| format!("tty{n}")).collect();
            init_env.push(format!("container_ttys={}", ttys.join(" ")));
        }
        let first_net = config.networks.values().next();
        let host_net = first_net.and_then(|n| n.net_type.as_deref()) == Some("none");
        let loopback_up = true;
        let id_maps = config.id_maps();
        let namespaces =
            super::namespaces::plan(&config, !id_maps.is_empty(), host_net).map_err(start_err)?;
        let clone_flags = namespaces.clone_flags;
        let rootfs_options = super::mounts::RootfsOptions::parse(config.rootfs_options.as_deref())
            .map_err(start_err)?;
        // Not a network namespace of its own: nothing of the network is set up, as in LXC.
        let share_net = clone_flags & libc::CLONE_NEWNET == 0;
        let nics = if share_net && !nics.is_empty() {
            tracing::warn!(
                container = %req.name,
                "the network namespace is not the container's own: its lxc.net.* NICs are not made"
            );
            Vec::new()
        } else {
            nics
        };
        let mapped_root = if id_maps.is_empty() {
            if lxc_sys::geteuid() != 0 {
                return Err(start_err(
                    "a non-root user's container needs lxc.idmap (and subordinate ids in \
                     /etc/subuid and /etc/subgid)"
                        .into(),
                ));
            }
            None
        } else {
            Some(unprivileged(&req.name, &config, mounted.as_ref())?)
        };
        let mut hook_env = HookEnv::new(&req.name);
        // LXC 1.0's order first (the seed's example shows it), then what 5.0 adds.
        hook_env.set("LXC_ROOTFS_MOUNT", rootfs_mount.clone());
        hook_env.set("LXC_CONFIG_FILE", req.config_file.clone());
        hook_env.set("LXC_ROOTFS_PATH", rootfs.clone());
        hook_env.set("LXC_NAME", req.name.clone());
        if let Some(c) = &config.console_path {
            hook_env.set("LXC_CONSOLE", c.clone());
        }
        if let Some(l) = &config.console_logfile {
            hook_env.set("LXC_CONSOLE_LOGPATH", l.clone());
        }
        hook_env.set("LXC_CGNS_AWARE", "1");
        hook_env.set(
            "LXC_LOG_LEVEL",
            crate::log::level_name(config.log_level.unwrap_or(5)),
        );
        hook_env.set("LXC_HOOK_VERSION", config.hook_version.to_string());
        let pdeath_signal = config.monitor_signal_pdeath.unwrap_or(libc::SIGKILL);
        let hostname = config.uts_name.clone();
        let cap_drop = crate::caps::to_drop(&config.cap_drop, &config.cap_keep)?;
        let seccomp = match config.seccomp_profile.as_deref().filter(|p| !p.is_empty()) {
            Some(path) => {
                let policy = crate::seccomp::read_policy(path)?;
                Some(crate::seccomp::compile_cached(&policy).map_err(start_err)?)
            }
            None => None,
        };
        Ok(Plan {
            req,
            config,
            rootfs,
            mounted,
            rootfs_mount,
            hostname,
            init_argv,
            init_env,
            clone_flags,
            shared_namespaces: namespaces.shared,
            rootfs_options,
            share_net,
            loopback_up,
            hook_env,
            pdeath_signal,
            cap_drop,
            seccomp,
            cgroups,
            devices,
            nics,
            id_maps,
            mapped_root,
        })
    }
}

/// A non-root user's container may have only the network devices lxc-user-nic makes.
fn users_network(name: &str, config: &ContainerConfig) -> Result<()> {
    for (index, nic) in &config.networks {
        let kind = nic.net_type.as_deref().unwrap_or("");
        if !matches!(kind, "" | "empty" | "none" | "veth") {
            return Err(Error::Unsupported {
                name: name.to_string(),
                key: format!(
                    "lxc.net.{index}.type = {kind} for a non-root user (lxc-user-nic makes veths)"
                ),
            });
        }
    }
    Ok(())
}

/// What an unprivileged container (`lxc.idmap`) needs to start: a directory rootfs and a
/// mapped root; the host ids of that root.
fn unprivileged(
    name: &str,
    config: &ContainerConfig,
    mounted: Option<&crate::storage::Rootfs>,
) -> Result<(u32, u32)> {
    let unsupported = |key: String| Error::Unsupported {
        name: name.to_string(),
        key,
    };
    // Root mounts such a rootfs for its container; a user's init may mount only an
    // overlay, in its user namespace.
    let overlay = matches!(mounted, Some(crate::storage::Rootfs::Overlay { .. }));
    if mounted.is_some() && !overlay && lxc_sys::geteuid() != 0 {
        return Err(unsupported(
            "lxc.idmap (a user's container on storage other than a directory or an overlay)".into(),
        ));
    }
    let maps = config.id_maps();
    use lxc_config::IdMapKind::{Gid, Uid};
    match (maps.to_host(Uid, 0), maps.to_host(Gid, 0)) {
        (Some(uid), Some(gid)) => Ok((uid, gid)),
        _ => Err(Error::Start {
            name: name.to_string(),
            message: "lxc.idmap maps no root: container uid and gid 0 need a host id".into(),
        }),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A configuration from its text (shared with the other start tests).
    pub(in crate::start) fn config(text: &str) -> ContainerConfig {
        let mut c = ContainerConfig::new();
        c.parse_text(text, "test").unwrap();
        c
    }

    #[test]
    fn built_features_pass() {
        let c = config("lxc.uts.name = a\nlxc.net.0.type = empty\nlxc.net.0.flags = up\nlxc.tty.max = 2\nlxc.mount.auto = proc:mixed\nlxc.hook.pre-start = /bin/true\nlxc.prlimit.nofile = 1024\n");
        assert_eq!(unsupported_key(&c), None);
    }

    #[test]
    fn v1_limits_are_told_from_the_placement_keys() {
        assert!(is_legacy_limit("lxc.cgroup.memory.limit_in_bytes"));
        assert!(is_legacy_limit("lxc.cgroup.devices.allow"));
        assert!(!is_legacy_limit("lxc.cgroup.relative"));
        assert!(!is_legacy_limit("lxc.cgroup.dir.container"));
        assert!(!is_legacy_limit("lxc.cgroup.dir.container.inner"));
        assert!(!is_legacy_limit("lxc.cgroup2.memory.max"));
        assert_eq!(
            unsupported_key(&config("lxc.cgroup.dir.container.inner = i\n")),
            None
        );
    }

    #[test]
    fn features_not_built_are_named() {
        assert_eq!(
            unsupported_key(&config("lxc.net.0.type = vlan\nlxc.net.0.veth.pair = x\n")).as_deref(),
            Some("lxc.net.0.veth.pair")
        );
        assert_eq!(
            unsupported_key(&config("lxc.idmap = u 0 100000 65536\n")).as_deref(),
            None
        );
        assert_eq!(
            unsupported_key(&config(
                "lxc.hook.clone = /x\nlxc.console.path = /dev/tty9\n"
            ))
            .as_deref(),
            Some("lxc.console.path")
        );
        assert_eq!(
            unsupported_key(&config("lxc.rootfs.path = rbd:/x\n")).as_deref(),
            Some("lxc.rootfs.path = rbd:...")
        );
    }
}
