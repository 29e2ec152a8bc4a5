//! Every default location in one value, root or per-user (Debian 12 layout). Tests build their
//! own `Paths` pointing at a temporary directory.

use crate::global::GlobalConfig;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Where containers live (`lxc.lxcpath`).
    pub lxcpath: PathBuf,
    /// `/etc/lxc` or `~/.config/lxc`.
    pub config_dir: PathBuf,
    /// The global configuration file (`lxc.conf`).
    pub global_config: PathBuf,
    /// Config copied into new containers (`lxc.default_config`).
    pub default_config: PathBuf,
    /// `/var/cache/lxc` or `~/.cache/lxc` (download cache lives in `download/` below it).
    pub cache_dir: PathBuf,
    /// `get_rundir`: `/run`, or `$XDG_RUNTIME_DIR`, or `~/.cache/lxc/run`.
    pub runtime_dir: PathBuf,
    /// Template scripts `lxc-<name>`.
    pub templates_dir: PathBuf,
    /// Where the rootfs is mounted before pivot_root (`lxc.rootfs.mount` default).
    pub rootfs_mount: PathBuf,
    /// `/var/log/lxc` for root; for users the lxcpath (logs go to `<lxcpath>/<name>/`).
    pub log_dir: PathBuf,
    /// Name of the per-container snapshot directory: `<lxcpath>/<name>/snaps`.
    pub snapshot_suffix: PathBuf,
    /// Paths computed for a non-root user.
    pub unprivileged: bool,
}

const ROOT_LXCPATH: &str = "/var/lib/lxc";
const TEMPLATES_DIR: &str = "/usr/share/lxc/templates";
const ROOTFS_MOUNT: &str = "/usr/lib/x86_64-linux-gnu/lxc/rootfs";

impl Paths {
    /// Defaults for euid 0.
    pub fn for_root() -> Paths {
        Paths {
            lxcpath: PathBuf::from(ROOT_LXCPATH),
            config_dir: PathBuf::from("/etc/lxc"),
            global_config: PathBuf::from("/etc/lxc/lxc.conf"),
            default_config: PathBuf::from("/etc/lxc/default.conf"),
            cache_dir: PathBuf::from("/var/cache/lxc"),
            runtime_dir: PathBuf::from("/run"),
            templates_dir: PathBuf::from(TEMPLATES_DIR),
            rootfs_mount: PathBuf::from(ROOTFS_MOUNT),
            log_dir: PathBuf::from("/var/log/lxc"),
            snapshot_suffix: PathBuf::from("snaps"),
            unprivileged: false,
        }
    }

    /// Defaults for an unprivileged user with home `home`.
    pub fn for_user(home: &Path, xdg_runtime: Option<&Path>) -> Paths {
        let config_dir = home.join(".config/lxc");
        let lxcpath = home.join(".local/share/lxc");
        Paths {
            global_config: config_dir.join("lxc.conf"),
            default_config: config_dir.join("default.conf"),
            config_dir,
            log_dir: lxcpath.clone(),
            lxcpath,
            cache_dir: home.join(".cache/lxc"),
            runtime_dir: xdg_runtime
                .map(Path::to_path_buf)
                .unwrap_or_else(|| home.join(".cache/lxc/run")),
            templates_dir: PathBuf::from(TEMPLATES_DIR),
            rootfs_mount: PathBuf::from(ROOTFS_MOUNT),
            snapshot_suffix: PathBuf::from("snaps"),
            unprivileged: true,
        }
    }

    /// Paths for the calling process: root defaults when the effective uid is 0, else per-user
    /// defaults from `$HOME` (`/` if unset) and `$XDG_RUNTIME_DIR`. `$LXC_RS_GLOBAL_CONFIG`
    /// overrides the global config file path.
    pub fn detect() -> Paths {
        let env_path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let mut p = if effective_uid() == Some(0) {
            Paths::for_root()
        } else {
            let home = env_path("HOME").unwrap_or_else(|| PathBuf::from("/"));
            let xdg = env_path("XDG_RUNTIME_DIR");
            Paths::for_user(&home, xdg.as_deref())
        };
        if let Some(g) = env_path("LXC_RS_GLOBAL_CONFIG") {
            p.global_config = g;
        }
        p
    }

    /// Take `lxc.lxcpath` and `lxc.default_config` from the global configuration.
    pub fn with_lxcpath_from_global(mut self, global: &GlobalConfig) -> Paths {
        if let Some(p) = global.get("lxc.lxcpath") {
            self.lxcpath = PathBuf::from(p);
            if self.unprivileged {
                self.log_dir = self.lxcpath.clone();
            }
        }
        if let Some(p) = global.get("lxc.default_config") {
            self.default_config = PathBuf::from(p);
        }
        self
    }

    /// `<runtime_dir>/lxc/lock`: container locks live in `<lock_dir>/<lxcpath>/.<name>`.
    pub fn lock_dir(&self) -> PathBuf {
        self.runtime_dir.join("lxc/lock")
    }

    /// Default log file of a container: `/var/log/lxc/<name>.log` for root with the default
    /// lxcpath, otherwise `<lxcpath>/<name>/<name>.log`.
    pub fn default_log_file(&self, lxcpath: &Path, name: &str) -> PathBuf {
        if !self.unprivileged && lxcpath == Path::new(ROOT_LXCPATH) {
            self.log_dir.join(format!("{name}.log"))
        } else {
            lxcpath.join(name).join(format!("{name}.log"))
        }
    }
}

/// Effective uid from `/proc/self/status` (`Uid: real effective saved fs`).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_effective_uid(&status)
}

fn parse_effective_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_defaults() {
        let p = Paths::for_root();
        assert_eq!(p.lxcpath, Path::new("/var/lib/lxc"));
        assert_eq!(p.global_config, Path::new("/etc/lxc/lxc.conf"));
        assert_eq!(p.default_config, Path::new("/etc/lxc/default.conf"));
        assert_eq!(p.runtime_dir, Path::new("/run"));
        assert_eq!(p.lock_dir(), Path::new("/run/lxc/lock"));
        assert_eq!(p.templates_dir, Path::new("/usr/share/lxc/templates"));
        assert_eq!(
            p.rootfs_mount,
            Path::new("/usr/lib/x86_64-linux-gnu/lxc/rootfs")
        );
        assert_eq!(
            p.default_log_file(Path::new("/var/lib/lxc"), "c1"),
            Path::new("/var/log/lxc/c1.log")
        );
        assert_eq!(
            p.default_log_file(Path::new("/srv/lxc"), "c1"),
            Path::new("/srv/lxc/c1/c1.log")
        );
    }

    #[test]
    fn user_defaults() {
        let p = Paths::for_user(Path::new("/home/u"), None);
        assert_eq!(p.lxcpath, Path::new("/home/u/.local/share/lxc"));
        assert_eq!(p.global_config, Path::new("/home/u/.config/lxc/lxc.conf"));
        assert_eq!(
            p.default_config,
            Path::new("/home/u/.config/lxc/default.conf")
        );
        assert_eq!(p.cache_dir, Path::new("/home/u/.cache/lxc"));
        assert_eq!(p.runtime_dir, Path::new("/home/u/.cache/lxc/run"));
        let p = Paths::for_user(Path::new("/home/u"), Some(Path::new("/run/user/1000")));
        assert_eq!(p.runtime_dir, Path::new("/run/user/1000"));
        assert_eq!(p.lock_dir(), Path::new("/run/user/1000/lxc/lock"));
        assert_eq!(
            p.default_log_file(&p.lxcpath, "c"),
            Path::new("/home/u/.local/share/lxc/c/c.log")
        );
    }

    #[test]
    fn euid_parsing() {
        let status = "Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t1\t1\t1\t1\n";
        assert_eq!(parse_effective_uid(status), Some(0));
        assert_eq!(parse_effective_uid("Name: x\n"), None);
        // The running test process has some euid.
        assert!(effective_uid().is_some());
    }

    #[test]
    fn detect_runs() {
        let p = Paths::detect();
        assert!(!p.lxcpath.as_os_str().is_empty());
    }
}
