//! Where a container's cgroups go on the unified hierarchy: the payload (init and
//! everything attached), the monitor's own cgroup, and the pivot the monitor moves to so it
//! can remove its cgroup on exit. From `lxc.cgroup.dir`, `lxc.cgroup.dir.container`,
//! `lxc.cgroup.dir.monitor`, `lxc.cgroup.dir.monitor.pivot` and `lxc.cgroup.relative`.

use super::{own_cgroup, unified_mount};
use lxc_config::ContainerConfig;
use std::path::PathBuf;

/// The extended attribute naming the lxcpath a cgroup of ours belongs to.
const OWNER_XATTR: &str = "trusted.lxc-rs.lxcpath";

/// One cgroup to make, as a path relative to the hierarchy's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Leaf {
    /// This path, or `-1`, `-2`... after it when taken (LXC's default names).
    Unique(String),
    /// Exactly this path (`lxc.cgroup.dir.container` / `.monitor`).
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub(crate) payload: Leaf,
    pub(crate) monitor: Leaf,
    pivot: String,
}

/// A relative cgroup path from a config key: no leading `/`, no `..`.
fn relative_path(key: &str, value: &str) -> Result<String, String> {
    if value.starts_with('/') {
        return Err(format!("{key} = {value}: paths may not be absolute"));
    }
    if value.split('/').any(|c| c == "..") {
        return Err(format!(
            "{key} = {value}: paths may not walk upwards via \"..\""
        ));
    }
    Ok(value.trim_end_matches('/').to_string())
}

fn join(base: &str, rel: &str) -> String {
    format!("{}/{rel}", base.trim_end_matches('/'))
}

impl Placement {
    /// Root's containers go under the hierarchy's root (as LXC does unless
    /// `lxc.cgroup.relative`: the root cgroup may hand controllers to children while it holds
    /// processes, a systemd session scope may not); others under the caller's cgroup.
    pub fn from_config(name: &str, config: &ContainerConfig) -> Result<Placement, String> {
        let base = if config.cgroup_relative || lxc_sys::geteuid() != 0 {
            own_cgroup()
        } else {
            String::new()
        };
        Self::with_base(&base, name, config)
    }

    fn with_base(base: &str, name: &str, config: &ContainerConfig) -> Result<Placement, String> {
        let key_path =
            |key: &str, v: &Option<String>| v.as_deref().map(|v| relative_path(key, v)).transpose();
        let dir = key_path("lxc.cgroup.dir", &config.cgroup_dir)?;
        let container = key_path("lxc.cgroup.dir.container", &config.cgroup_dir_container)?;
        let monitor = key_path("lxc.cgroup.dir.monitor", &config.cgroup_dir_monitor)?;
        let pivot = key_path(
            "lxc.cgroup.dir.monitor.pivot",
            &config.cgroup_dir_monitor_pivot,
        )?;
        let (payload, monitor) = match (container, monitor) {
            (None, None) => {
                let under = dir.map_or(base.to_string(), |d| join(base, &d));
                (
                    Leaf::Unique(join(&under, &format!("lxc.payload.{name}"))),
                    Leaf::Unique(join(&under, &format!("lxc.monitor.{name}"))),
                )
            }
            (Some(_), Some(_)) if dir.is_some() => {
                return Err("lxc.cgroup.dir conflicts with lxc.cgroup.dir.container/monitor".into())
            }
            (Some(c), Some(m)) => (Leaf::Exact(join(base, &c)), Leaf::Exact(join(base, &m))),
            _ => {
                return Err(
                    "lxc.cgroup.dir.container and lxc.cgroup.dir.monitor must both be set".into(),
                )
            }
        };
        Ok(Placement {
            payload,
            monitor,
            pivot: join(base, pivot.as_deref().unwrap_or("lxc.pivot")),
        })
    }
}

impl Leaf {
    /// Create the cgroup (and any missing parents). An existing one is taken over only when
    /// it is this very container's (same lxcpath, recorded in an xattr) and holds no
    /// process: what a crashed monitor left. Anything else may be another container of the
    /// same name, still starting. Returns the directory and the relative path.
    pub(crate) fn make(&self, lxcpath: &str) -> Result<(PathBuf, String), String> {
        let mount = unified_mount().ok_or("no cgroup2 hierarchy is mounted")?;
        let (path, tries) = match self {
            Leaf::Unique(p) => (p, 100),
            Leaf::Exact(p) => (p, 1),
        };
        for attempt in 0..tries {
            let rel = if attempt == 0 {
                path.clone()
            } else {
                format!("{path}-{attempt}")
            };
            let dir = mount.join(rel.trim_start_matches('/'));
            if let Some(parent) = dir.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("create cgroup {}: {e}", parent.display()))?;
            }
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    let _ = lxc_sys::fs::set_xattr(&dir, OWNER_XATTR, lxcpath.as_bytes());
                    return Ok((dir, rel));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if reclaim(&dir, lxcpath) {
                        return Ok((dir, rel));
                    }
                }
                Err(e) => return Err(format!("create cgroup {}: {e}", dir.display())),
            }
        }
        Err(format!("cgroup {path} is taken"))
    }
}

/// Take back an empty cgroup this container left behind (its owner xattr names lxcpath).
fn reclaim(dir: &std::path::Path, lxcpath: &str) -> bool {
    let ours = lxc_sys::fs::get_xattr(dir, OWNER_XATTR).is_some_and(|v| v == lxcpath.as_bytes());
    let empty =
        std::fs::read_to_string(dir.join("cgroup.procs")).is_ok_and(|p| p.trim().is_empty());
    if ours && empty && std::fs::remove_dir(dir).is_ok() && std::fs::create_dir(dir).is_ok() {
        tracing::info!(cgroup = %dir.display(), "reusing the cgroup a crashed monitor left");
        let _ = lxc_sys::fs::set_xattr(dir, OWNER_XATTR, lxcpath.as_bytes());
        return true;
    }
    false
}

/// The monitor's own cgroup, left (through the pivot) and removed when it exits.
#[derive(Debug)]
pub struct MonitorCgroup {
    dir: PathBuf,
    pivot: String,
}

impl MonitorCgroup {
    /// Create the monitor's cgroup and move this process into it.
    pub fn enter(placement: &Placement, lxcpath: &str) -> Result<MonitorCgroup, String> {
        let (dir, _) = placement.monitor.make(lxcpath)?;
        let procs = dir.join("cgroup.procs");
        if let Err(e) = std::fs::write(&procs, lxc_sys::getpid().to_string()) {
            let _ = std::fs::remove_dir(&dir);
            return Err(format!("move the monitor into {}: {e}", dir.display()));
        }
        tracing::debug!(cgroup = %dir.display(), "monitor cgroup entered");
        Ok(MonitorCgroup {
            dir,
            pivot: placement.pivot.clone(),
        })
    }

    /// Move to the pivot cgroup (a cgroup with a process in it cannot be removed) and
    /// remove ours.
    pub fn leave(self) {
        let Some(mount) = unified_mount() else {
            return;
        };
        let pivot = mount.join(self.pivot.trim_start_matches('/'));
        let moved = std::fs::create_dir_all(&pivot).is_ok()
            && std::fs::write(pivot.join("cgroup.procs"), lxc_sys::getpid().to_string()).is_ok();
        if !moved || std::fs::remove_dir(&self.dir).is_err() {
            tracing::warn!(cgroup = %self.dir.display(), "could not remove the monitor's cgroup");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(text: &str) -> Result<Placement, String> {
        let mut c = ContainerConfig::new();
        c.parse_text(text, "test").unwrap();
        Placement::with_base("/base", "c1", &c)
    }

    #[test]
    fn default_and_dir_names_follow_lxc() {
        let p = placement("").unwrap();
        assert_eq!(p.payload, Leaf::Unique("/base/lxc.payload.c1".into()));
        assert_eq!(p.monitor, Leaf::Unique("/base/lxc.monitor.c1".into()));
        assert_eq!(p.pivot, "/base/lxc.pivot");
        let p = placement("lxc.cgroup.dir = my/first\n").unwrap();
        assert_eq!(
            p.payload,
            Leaf::Unique("/base/my/first/lxc.payload.c1".into())
        );
        assert_eq!(
            p.monitor,
            Leaf::Unique("/base/my/first/lxc.monitor.c1".into())
        );
        let p = placement(
            "lxc.cgroup.dir.container = ct\nlxc.cgroup.dir.monitor = mon\n\
             lxc.cgroup.dir.monitor.pivot = piv\n",
        )
        .unwrap();
        assert_eq!(p.payload, Leaf::Exact("/base/ct".into()));
        assert_eq!(p.monitor, Leaf::Exact("/base/mon".into()));
        assert_eq!(p.pivot, "/base/piv");
    }

    #[test]
    fn bad_combinations_and_paths_are_named() {
        let err = |t: &str| placement(t).unwrap_err();
        assert!(err("lxc.cgroup.dir.container = ct\n").contains("must both be set"));
        assert!(err(
            "lxc.cgroup.dir = d\nlxc.cgroup.dir.container = c\nlxc.cgroup.dir.monitor = m\n"
        )
        .contains("conflicts"));
        assert!(err("lxc.cgroup.dir = /abs\n")
            .contains("lxc.cgroup.dir = /abs: paths may not be absolute"));
        assert!(err("lxc.cgroup.dir.monitor.pivot = a/../../x\n").contains("upwards"));
    }
}
