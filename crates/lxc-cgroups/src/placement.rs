//! Where a container's cgroups go: the payload (init and everything attached) in every
//! hierarchy, the monitor's own cgroup, and the pivot from which its cgroup is removed when
//! it exits. From `lxc.cgroup.dir`, `lxc.cgroup.dir.container`,
//! `lxc.cgroup.dir.monitor`, `lxc.cgroup.dir.monitor.pivot` and `lxc.cgroup.relative`.

use super::hierarchy::{cgroup_in, Hierarchy, Layout};
use super::{CgroupDir, PayloadCgroup};
use lxc_config::ContainerConfig;
use std::path::{Path, PathBuf};

/// The extended attribute naming the lxcpath a cgroup of ours belongs to.
const OWNER_XATTR: &str = "trusted.lxc-rs.lxcpath";

/// One cgroup to make, as a path relative to the base cgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Leaf {
    /// This path, or `-1`, `-2`... after it when taken (LXC's default names).
    Unique(String),
    /// Exactly this path (`lxc.cgroup.dir.container` / `.monitor`).
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub layout: Layout,
    /// Where the cgroups go in each hierarchy (in `layout`'s order): its root, or the
    /// caller's own cgroup there, read once before the monitor moves to its own.
    bases: Vec<String>,
    pub(crate) payload: Leaf,
    pub(crate) monitor: Leaf,
    pub(crate) pivot: String,
    /// `lxc.cgroup.dir.container.inner`: the sub-cgroup the processes go to.
    inner: Option<String>,
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
    /// Root's containers go under each hierarchy's root (as LXC does unless
    /// `lxc.cgroup.relative`: the root cgroup may hand controllers to children while it holds
    /// processes, a systemd session scope may not); others under the caller's cgroup.
    /// `pattern`: the global `lxc.cgroup.pattern` (`%n` = the name), which names the payload
    /// cgroup when no `lxc.cgroup.dir*` key does.
    pub fn from_config(
        name: &str,
        config: &ContainerConfig,
        pattern: Option<&str>,
    ) -> Result<Placement, String> {
        let relative = config.cgroup_relative || lxc_sys::geteuid() != 0;
        let layout = Layout::current();
        let bases = if relative {
            let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
            let base = |h| cgroup_in(&own, h).unwrap_or_else(|| "/".into());
            layout.hierarchies.iter().map(base).collect()
        } else {
            vec![String::new(); layout.hierarchies.len()]
        };
        let mut placement = Self::build(layout, bases, name, config)?;
        placement.apply_pattern(name, config, pattern)?;
        if lxc_sys::geteuid() != 0 {
            placement.keep_writable()?;
        }
        Ok(placement)
    }

    fn apply_pattern(
        &mut self,
        name: &str,
        config: &ContainerConfig,
        pattern: Option<&str>,
    ) -> Result<(), String> {
        let Some(pattern) = pattern.filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        if config.cgroup_dir.is_none() && config.cgroup_dir_container.is_none() {
            let path = relative_path("lxc.cgroup.pattern", &pattern.replace("%n", name))?;
            self.payload = Leaf::Unique(path);
        }
        Ok(())
    }

    fn build(
        layout: Layout,
        bases: Vec<String>,
        name: &str,
        config: &ContainerConfig,
    ) -> Result<Placement, String> {
        let key_path =
            |key: &str, v: &Option<String>| v.as_deref().map(|v| relative_path(key, v)).transpose();
        let dir = key_path("lxc.cgroup.dir", &config.cgroup_dir)?;
        let container = key_path("lxc.cgroup.dir.container", &config.cgroup_dir_container)?;
        let monitor = key_path("lxc.cgroup.dir.monitor", &config.cgroup_dir_monitor)?;
        let pivot = key_path(
            "lxc.cgroup.dir.monitor.pivot",
            &config.cgroup_dir_monitor_pivot,
        )?;
        let inner = key_path(
            "lxc.cgroup.dir.container.inner",
            &config.cgroup_dir_container_inner,
        )?
        .filter(|i| !i.is_empty());
        let (payload, monitor) = match (container, monitor) {
            (None, None) => {
                let under = |leaf: String| dir.as_ref().map_or(leaf.clone(), |d| join(d, &leaf));
                (
                    Leaf::Unique(under(format!("lxc.payload.{name}"))),
                    Leaf::Unique(under(format!("lxc.monitor.{name}"))),
                )
            }
            (Some(_), Some(_)) if dir.is_some() => {
                return Err("lxc.cgroup.dir conflicts with lxc.cgroup.dir.container/monitor".into())
            }
            (Some(c), Some(m)) => (Leaf::Exact(c), Leaf::Exact(m)),
            _ => {
                return Err(
                    "lxc.cgroup.dir.container and lxc.cgroup.dir.monitor must both be set".into(),
                )
            }
        };
        Ok(Placement {
            layout,
            bases,
            payload,
            monitor,
            pivot: pivot.unwrap_or_else(|| "lxc.pivot".into()),
            inner,
        })
    }

    /// A non-root user's containers go where the user may create cgroups (a delegated
    /// one, as systemd gives user sessions): other hierarchies are left out.
    fn keep_writable(&mut self) -> Result<(), String> {
        let writable: Vec<bool> = self
            .layout
            .hierarchies
            .iter()
            .zip(&self.bases)
            .map(|(h, base)| {
                let dir = h.mount.join(base.trim_start_matches('/'));
                lxc_sys::fs::writable(&dir)
            })
            .collect();
        if !writable.iter().any(|w| *w) {
            return Err(
                "no cgroup this user may create cgroups in: a delegated cgroup is \
                        needed (as systemd gives user sessions)"
                    .into(),
            );
        }
        self.keep_hierarchies(&writable);
        Ok(())
    }

    /// Keep the hierarchies (and their bases) whose flag in `keep` is set.
    fn keep_hierarchies(&mut self, keep: &[bool]) {
        let mut k = keep.iter();
        self.layout
            .hierarchies
            .retain(|_| k.next().copied().unwrap_or(false));
        let mut k = keep.iter();
        self.bases.retain(|_| k.next().copied().unwrap_or(false));
    }

    /// Only the v1 hierarchies holding a controller of `list` (the global `lxc.cgroup.use`,
    /// comma-separated; `name=systemd` names a named one); the unified one always stays.
    pub fn using(mut self, list: Option<&str>) -> Placement {
        let Some(list) = list.filter(|l| !l.trim().is_empty()) else {
            return self;
        };
        let wanted: Vec<&str> = list.split(',').map(str::trim).collect();
        let keep: Vec<bool> = self
            .layout
            .hierarchies
            .iter()
            .map(|h| h.is_unified() || h.controllers.iter().any(|c| wanted.contains(&c.as_str())))
            .collect();
        self.keep_hierarchies(&keep);
        self
    }

    /// Where `leaf` lands in `h`, relative to the hierarchy's root.
    pub(crate) fn path_in(&self, h: &Hierarchy, leaf: &str) -> String {
        let at = self.layout.hierarchies.iter().position(|x| x == h);
        let base = at
            .and_then(|i| self.bases.get(i))
            .map_or("", String::as_str);
        join(base, leaf)
    }

    /// Create the payload cgroup in every hierarchy, under one name.
    pub fn make_payload(&self, lxcpath: &str) -> Result<PayloadCgroup, String> {
        let all: Vec<&Hierarchy> = self.layout.hierarchies.iter().collect();
        if all.is_empty() {
            return Err("no cgroup hierarchy is mounted".into());
        }
        let (dirs, parents) = self.make(&self.payload, &all, lxcpath)?;
        let mut payload = PayloadCgroup {
            dirs,
            inner: Vec::new(),
            parents,
        };
        if let Some(inner) = &self.inner {
            for outer in &payload.dirs {
                let dir = outer.dir.join(inner);
                let h = Hierarchy {
                    mount: PathBuf::new(),
                    controllers: outer.controllers.clone(),
                };
                if let Err(e) = make_one(&h, &dir) {
                    payload.destroy();
                    return Err(e);
                }
                payload.inner.push(CgroupDir {
                    dir,
                    rel: format!("{}/{inner}", outer.rel.trim_end_matches('/')),
                    controllers: outer.controllers.clone(),
                });
            }
        }
        Ok(payload)
    }

    /// Create `leaf` in each of `hierarchies` (and any missing parents, returned deepest
    /// first so they can go with it). An existing one is taken over only when it is this
    /// very container's (same lxcpath, recorded in an xattr) and holds no process: what a
    /// crashed monitor left. Anything else may be another container of the same name, still
    /// starting.
    pub(crate) fn make(
        &self,
        leaf: &Leaf,
        hierarchies: &[&Hierarchy],
        lxcpath: &str,
    ) -> Result<(Vec<CgroupDir>, Vec<PathBuf>), String> {
        let (path, tries) = match leaf {
            Leaf::Unique(p) => (p, 100),
            Leaf::Exact(p) => (p, 1),
        };
        for attempt in 0..tries {
            let name = if attempt == 0 {
                path.clone()
            } else {
                format!("{path}-{attempt}")
            };
            // Names other starts hold (or left behind: LXC leaks its monitor cgroups) are
            // passed over with one look, not a create that fails in every hierarchy.
            if let (true, Some(first)) = (tries > 1, hierarchies.first()) {
                let dir = first
                    .mount
                    .join(self.path_in(first, &name).trim_start_matches('/'));
                if held_by_another(&dir, lxcpath) {
                    continue;
                }
            }
            let mut made: Vec<CgroupDir> = Vec::new();
            let mut parents: Vec<PathBuf> = Vec::new();
            let mut taken = false;
            for h in hierarchies {
                let rel = self.path_in(h, &name);
                let dir = h.mount.join(rel.trim_start_matches('/'));
                let missing = missing_parents(&dir);
                let fresh = match make_one(h, &dir) {
                    Ok(fresh) => fresh,
                    Err(e) => {
                        remove_all(&made, &parents);
                        return Err(e);
                    }
                };
                parents.extend(missing);
                if !fresh && !reclaim(h, &dir, lxcpath) {
                    taken = true;
                    break;
                }
                let _ = lxc_sys::fs::set_xattr(&dir, OWNER_XATTR, lxcpath.as_bytes());
                made.push(CgroupDir {
                    dir,
                    rel,
                    controllers: h.controllers.clone(),
                });
            }
            if !taken {
                return Ok((made, parents));
            }
            remove_all(&made, &parents);
        }
        Err(format!("cgroup {path} is taken"))
    }
}

/// Create `dir` and its missing parents in `h`; false when `dir` already existed.
fn make_one(h: &Hierarchy, dir: &Path) -> Result<bool, String> {
    if let Some(parent) = dir.parent() {
        if !parent.exists() {
            make_one(h, parent)?;
        }
    }
    if let (true, Some(parent)) = (h.is_unified(), dir.parent()) {
        delegate_all(parent);
    }
    match std::fs::create_dir(dir) {
        Ok(()) => {
            init_cpuset(h, dir);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(format!("create cgroup {}: {e}", dir.display())),
    }
}

/// Hand every controller `parent` has to its children, as LXC does, so that the container
/// has them all (and can delegate them further). What the kernel refuses (a parent holding
/// processes of its own, say) stays off; an explicit limit then says why.
fn delegate_all(parent: &Path) {
    let available = std::fs::read_to_string(parent.join("cgroup.controllers")).unwrap_or_default();
    let enabled =
        std::fs::read_to_string(parent.join("cgroup.subtree_control")).unwrap_or_default();
    for c in available.split_whitespace() {
        if !enabled.split_whitespace().any(|e| e == c) {
            if let Err(e) = std::fs::write(parent.join("cgroup.subtree_control"), format!("+{c}")) {
                tracing::debug!(cgroup = %parent.display(), controller = c, "not delegated: {e}");
            }
        }
    }
}

/// A new v1 cpuset starts with no CPUs and no memory nodes, and no process may join it:
/// give it its parent's.
fn init_cpuset(h: &Hierarchy, dir: &Path) {
    if !h.has("cpuset") {
        return;
    }
    let Some(parent) = dir.parent() else {
        return;
    };
    for file in ["cpuset.cpus", "cpuset.mems"] {
        if let Ok(value) = std::fs::read_to_string(parent.join(file)) {
            let _ = std::fs::write(dir.join(file), value.trim());
        }
    }
}

fn remove_all(dirs: &[CgroupDir], parents: &[PathBuf]) {
    for d in dirs {
        let _ = std::fs::remove_dir(&d.dir);
    }
    remove_parents(parents);
}

/// The ancestors of `dir` that do not exist yet, deepest first.
fn missing_parents(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .skip(1)
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect()
}

/// Remove the parents a start made (deepest first), unless another container's cgroups
/// now live below them.
pub(crate) fn remove_parents(parents: &[PathBuf]) {
    for p in parents {
        let _ = std::fs::remove_dir(p);
    }
}

/// Take back an empty cgroup this container left behind (its owner xattr names lxcpath).
fn reclaim(h: &Hierarchy, dir: &Path, lxcpath: &str) -> bool {
    if held_by_another(dir, lxcpath) {
        return false;
    }
    let empty =
        std::fs::read_to_string(dir.join("cgroup.procs")).is_ok_and(|p| p.trim().is_empty());
    if empty && std::fs::remove_dir(dir).is_ok() && std::fs::create_dir(dir).is_ok() {
        init_cpuset(h, dir);
        tracing::info!(cgroup = %dir.display(), "reusing the cgroup a crashed monitor left");
        return true;
    }
    false
}

/// Whether `dir` exists without this container's owner xattr (lxcpath).
fn held_by_another(dir: &Path, lxcpath: &str) -> bool {
    match lxc_sys::fs::read_xattr(dir, OWNER_XATTR) {
        Ok(owner) => owner != lxcpath.as_bytes(),
        Err(e) => e.raw_os_error() != Some(libc::ENOENT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(text: &str) -> Result<Placement, String> {
        let mut c = ContainerConfig::new();
        c.parse_text(text, "test").unwrap();
        Placement::build(Layout::default(), Vec::new(), "c1", &c)
    }

    #[test]
    fn default_and_dir_names_follow_lxc() {
        let p = placement("").unwrap();
        assert_eq!(p.payload, Leaf::Unique("lxc.payload.c1".into()));
        assert_eq!(p.monitor, Leaf::Unique("lxc.monitor.c1".into()));
        assert_eq!(p.pivot, "lxc.pivot");
        let p = placement("lxc.cgroup.dir = my/first\n").unwrap();
        assert_eq!(p.payload, Leaf::Unique("my/first/lxc.payload.c1".into()));
        assert_eq!(p.monitor, Leaf::Unique("my/first/lxc.monitor.c1".into()));
        let p = placement(
            "lxc.cgroup.dir.container = ct\nlxc.cgroup.dir.monitor = mon\n\
             lxc.cgroup.dir.monitor.pivot = piv\n",
        )
        .unwrap();
        assert_eq!(p.payload, Leaf::Exact("ct".into()));
        assert_eq!(p.monitor, Leaf::Exact("mon".into()));
        assert_eq!(p.pivot, "piv");
    }

    #[test]
    fn the_global_pattern_names_the_payload_unless_a_dir_key_does() {
        let mut p = placement("").unwrap();
        p.apply_pattern("c1", &ContainerConfig::new(), Some("lxc/%n"))
            .unwrap();
        assert_eq!(p.payload, Leaf::Unique("lxc/c1".into()));
        assert_eq!(p.monitor, Leaf::Unique("lxc.monitor.c1".into()));
        let mut c = ContainerConfig::new();
        c.parse_text("lxc.cgroup.dir = d\n", "test").unwrap();
        let mut p = Placement::build(Layout::default(), Vec::new(), "c1", &c).unwrap();
        p.apply_pattern("c1", &c, Some("lxc/%n")).unwrap();
        assert_eq!(p.payload, Leaf::Unique("d/lxc.payload.c1".into()));
        let err = p.apply_pattern("c1", &ContainerConfig::new(), Some("/abs/%n"));
        assert!(err.unwrap_err().contains("lxc.cgroup.pattern = /abs/c1"));
    }

    #[test]
    fn cgroup_use_keeps_the_unified_hierarchy_and_the_listed_controllers() {
        let h = |c: &[&str]| Hierarchy {
            mount: PathBuf::from("/x"),
            controllers: c.iter().map(|s| s.to_string()).collect(),
        };
        let layout = Layout {
            hierarchies: vec![h(&[]), h(&["cpu", "cpuacct"]), h(&["memory"]), h(&["pids"])],
        };
        let bases = vec![String::new(); 4];
        let p = Placement::build(layout, bases, "c1", &ContainerConfig::new())
            .unwrap()
            .using(Some("memory, cpuacct"));
        let kept: Vec<String> = p.layout.hierarchies.iter().map(|h| h.key()).collect();
        assert_eq!(kept, ["", "cpu,cpuacct", "memory"]);
        assert_eq!(p.bases.len(), 3);
    }

    #[test]
    fn each_hierarchy_has_its_own_base() {
        let h = |mount: &str, c: &[&str]| Hierarchy {
            mount: PathBuf::from(mount),
            controllers: c.iter().map(|s| s.to_string()).collect(),
        };
        let (unified, memory) = (h("/u", &[]), h("/m", &["memory"]));
        let layout = Layout {
            hierarchies: vec![unified.clone(), memory.clone()],
        };
        let bases = vec!["/user.slice/s".to_string(), "/".to_string()];
        let p = Placement::build(layout, bases, "c1", &ContainerConfig::new()).unwrap();
        assert_eq!(
            p.path_in(&unified, "lxc.payload.c1"),
            "/user.slice/s/lxc.payload.c1"
        );
        assert_eq!(p.path_in(&memory, "lxc.payload.c1"), "/lxc.payload.c1");
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
        assert!(err("lxc.cgroup.dir.container.inner = ../up\n")
            .contains("lxc.cgroup.dir.container.inner = ../up: paths may not walk upwards"));
    }
}
