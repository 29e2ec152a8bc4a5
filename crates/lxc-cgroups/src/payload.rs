//! A running container's payload cgroups, one per hierarchy: limits, joining, freezing,
//! killing and removal.

use super::{enable_controller, CgroupDir};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

/// A container's payload cgroups, created for one run: the unified one first when the host
/// has cgroup2, then one per v1 hierarchy.
#[derive(Debug)]
pub struct PayloadCgroup {
    /// Where the limits are (the outer cgroups of `lxc.cgroup.dir.container.inner`).
    pub dirs: Vec<CgroupDir>,
    /// Where the processes are, when that is a sub-cgroup (same order); else empty.
    pub inner: Vec<CgroupDir>,
    /// The parents the start made for them (`lxc.cgroup.dir`), deepest first.
    pub(crate) parents: Vec<std::path::PathBuf>,
}

impl PayloadCgroup {
    pub fn unified(&self) -> Option<&CgroupDir> {
        self.dirs.first().filter(|d| d.controllers.is_empty())
    }

    pub fn legacy(&self) -> impl Iterator<Item = &CgroupDir> {
        self.dirs.iter().filter(|d| !d.controllers.is_empty())
    }

    /// The cgroups the container's processes are in.
    pub fn procs(&self) -> &[CgroupDir] {
        if self.inner.is_empty() {
            &self.dirs
        } else {
            &self.inner
        }
    }

    /// The unified cgroup init is cloned into.
    pub fn clone_target(&self) -> Option<&CgroupDir> {
        self.procs().first().filter(|d| d.controllers.is_empty())
    }

    /// What `get_cgroup` (`limit` false: where the processes are) and `get_limit_cgroup`
    /// answer: for no controller the unified cgroup (the first v1 one on a host without
    /// cgroup2), else the one holding that controller.
    pub fn path_for(&self, controller: &str, limit: bool) -> Option<&str> {
        let dirs = if limit { &self.dirs[..] } else { self.procs() };
        let dir = if controller.is_empty() {
            dirs.first()
        } else {
            dirs.iter().find(|d| d.has(controller)).or_else(|| {
                dirs.first()
                    .filter(|d| d.controllers.is_empty() && !controller.contains('='))
            })
        };
        dir.map(|d| d.rel.as_str())
    }

    /// `<controllers>\t<path>` for each hierarchy (the `lxc-rs:all` answer).
    pub fn all_paths(&self, limit: bool) -> String {
        let dirs = if limit { &self.dirs[..] } else { self.procs() };
        let lines: Vec<String> = dirs
            .iter()
            .map(|d| format!("{}\t{}", d.controllers.join(","), d.rel))
            .collect();
        lines.join("\n")
    }

    /// Give the cgroups to an unprivileged container's root (host ids), so that it may
    /// manage them from inside: each directory and the files that place processes in it.
    pub fn give_to(&self, (uid, gid): (u32, u32)) -> Result<(), String> {
        const FILES: [&str; 4] = [
            "cgroup.procs",
            "tasks",
            "cgroup.threads",
            "cgroup.subtree_control",
        ];
        for d in self.dirs.iter().chain(&self.inner) {
            let chown = |p: &std::path::Path| {
                std::os::unix::fs::lchown(p, Some(uid), Some(gid))
                    .map_err(|e| format!("chown {}: {e}", p.display()))
            };
            chown(&d.dir)?;
            for f in FILES.iter().map(|f| d.dir.join(f)).filter(|p| p.exists()) {
                chown(&f)?;
            }
        }
        Ok(())
    }

    /// Kill every process of the container at once.
    pub fn kill_all(&self) {
        if let Some(u) = self.unified() {
            if std::fs::write(u.dir.join("cgroup.kill"), "1").is_ok() {
                return;
            }
        }
        // Kernels before 5.14 and v1-only hosts: kill what is listed, in the cgroups the
        // container made below its own too.
        for d in self.procs() {
            for dir in subtree(&d.dir) {
                if let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) {
                    for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                        let _ = lxc_sys::process::kill(pid, libc::SIGKILL);
                    }
                }
            }
        }
    }

    /// Kill every process left and remove the cgroups.
    pub fn destroy(&self) {
        for _ in 0..500 {
            let mut left = false;
            // Deepest first (what the container made below its cgroups, then the inner
            // ones): a cgroup with children cannot go.
            for d in self.inner.iter().chain(&self.dirs) {
                // Most containers make no cgroups of their own: the directory alone first,
                // and a walk of its subtree (a directory read) only when that fails.
                match std::fs::remove_dir(&d.dir) {
                    Ok(()) => continue,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(_) => {}
                }
                for dir in subtree(&d.dir) {
                    if std::fs::remove_dir(&dir).is_err() && dir.exists() {
                        left = true;
                    }
                }
            }
            if !left {
                crate::placement::remove_parents(&self.parents);
                return;
            }
            self.thaw_all();
            self.kill_all();
            std::thread::sleep(Duration::from_millis(2));
        }
        for d in self
            .inner
            .iter()
            .chain(&self.dirs)
            .filter(|d| d.dir.exists())
        {
            tracing::error!(cgroup = %d.dir.display(), "could not remove the container's cgroup");
        }
    }

    /// The v1 freezer cgroup, which LXC (and its tools) use whenever the host has one.
    fn freezer(&self) -> Option<&CgroupDir> {
        self.legacy().find(|d| d.has("freezer"))
    }

    /// Let a frozen container run (it must, to act on a stop signal), also what it froze
    /// in cgroups of its own below: a frozen task cannot die, and init's end waits for
    /// every task of its pid namespace.
    pub fn thaw_all(&self) {
        // `subtree` ends with the container's own cgroup: each knob is written once.
        if let Some(f) = self.freezer() {
            for dir in subtree(&f.dir) {
                let _ = std::fs::write(dir.join("freezer.state"), "THAWED");
            }
        }
        if let Some(u) = self.unified() {
            for dir in subtree(&u.dir) {
                let _ = std::fs::write(dir.join("cgroup.freeze"), "0");
            }
        }
    }

    /// Whether the v1 freezer holds the container (None without one). LXC's tools freeze
    /// and thaw it directly, behind the monitor's back.
    pub fn legacy_frozen(&self) -> Option<bool> {
        let f = self.freezer()?;
        let state = std::fs::read_to_string(f.dir.join("freezer.state")).ok()?;
        Some(state.trim() != "THAWED")
    }

    /// Freeze (or thaw) every process of the container, waiting up to `timeout` for the
    /// kernel to confirm: the v1 freezer where there is one, else `cgroup.freeze`.
    pub fn freeze(&self, frozen: bool, timeout: Duration) -> Result<(), String> {
        let (knob, value, status, want) = match (self.freezer(), self.unified()) {
            (Some(f), _) => {
                let value = if frozen { "FROZEN" } else { "THAWED" };
                let state = f.dir.join("freezer.state");
                (state.clone(), value, state, value)
            }
            (None, Some(u)) => (
                u.dir.join("cgroup.freeze"),
                if frozen { "1" } else { "0" },
                u.dir.join("cgroup.events"),
                if frozen { "frozen 1" } else { "frozen 0" },
            ),
            (None, None) => return Err("the host has no freezer".into()),
        };
        std::fs::write(&knob, value).map_err(|e| format!("{}: {e}", knob.display()))?;
        let deadline = Instant::now() + timeout;
        let mut polls = 0u32;
        loop {
            let text = std::fs::read_to_string(&status).unwrap_or_default();
            if text.lines().any(|l| l.trim() == want) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the container did not become {} in time",
                    if frozen { "frozen" } else { "thawed" }
                ));
            }
            polls += 1;
            // The v1 freezer may miss a task (one forking, say) and stay FREEZING: asking
            // again makes it try those once more, as LXC does.
            if polls.is_multiple_of(20) && self.freezer().is_some() {
                let _ = std::fs::write(&knob, value);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Write `lxc.cgroup2.<file> = value` settings, in order, before init joins the cgroup.
    /// A controller missing from the parent's `cgroup.subtree_control` is enabled first; what
    /// the kernel refuses is reported with the key, so a start never runs unlimited.
    pub fn apply_limits(&self, limits: &[(String, String)]) -> Result<(), String> {
        let Some(unified) = self.unified() else {
            return match limits.first() {
                Some((file, _)) => Err(format!(
                    "lxc.cgroup2.{file}: the host has no cgroup2 hierarchy"
                )),
                None => Ok(()),
            };
        };
        let parent = unified.dir.parent().unwrap_or(&unified.dir);
        // Device rules become a program (`attach_device_policy`), not file writes.
        for (file, value) in limits.iter().filter(|(f, _)| !f.starts_with("devices.")) {
            let key = format!("lxc.cgroup2.{file}");
            check_file_name(&key, file)?;
            let controller = file.split('.').next().unwrap_or(file);
            if controller != "cgroup" {
                enable_controller(parent, controller)
                    .map_err(|e| format!("{key} = {value}: {e}"))?;
            }
            write_setting(unified, &key, file, value)?;
        }
        Ok(())
    }

    /// Write `lxc.cgroup.<controller>.<file> = value` settings into the v1 hierarchy of that
    /// controller. Device rules (`devices.allow`/`deny`) are kept for `devices = true`: as in
    /// LXC they apply once the container's /dev is made, right before init runs.
    pub fn apply_legacy_limits(
        &self,
        limits: &[(String, String)],
        devices: bool,
    ) -> Result<(), String> {
        for (file, value) in limits {
            let key = format!("lxc.cgroup.{file}");
            check_file_name(&key, file)?;
            let controller = file.split('.').next().unwrap_or(file);
            if (controller == "devices") != devices {
                continue;
            }
            let dir = self.legacy().find(|d| d.has(controller)).ok_or_else(|| {
                format!("{key}: no cgroup v1 hierarchy has the {controller} controller")
            })?;
            write_setting(dir, &key, file, value)?;
        }
        Ok(())
    }
}

impl PayloadCgroup {
    /// Attach the device program of `policy` (`lxc.cgroup2.devices.*`) to the unified cgroup,
    /// in place of `old` (which goes only once the new one holds: in between both apply,
    /// the stricter). Returns the new program, to be replaced in its turn.
    pub fn attach_device_policy(
        &self,
        policy: &super::DevicePolicy,
        old: Option<&OwnedFd>,
    ) -> Result<OwnedFd, String> {
        let unified = self
            .unified()
            .ok_or("lxc.cgroup2.devices: the host has no cgroup2 hierarchy")?;
        let what = |e: std::io::Error| format!("lxc.cgroup2.devices: {e}");
        let prog = lxc_sys::bpf::load_device_program(&policy.program()).map_err(what)?;
        let dir = lxc_sys::fs::open_dir(&unified.dir).map_err(what)?;
        lxc_sys::bpf::attach_device_program(dir.as_fd(), prog.as_fd()).map_err(what)?;
        if let Some(old) = old {
            if let Err(e) = lxc_sys::bpf::detach_device_program(dir.as_fd(), old.as_fd()) {
                // Both attached would mean the old policy still denies: keep that one alone.
                let _ = lxc_sys::bpf::detach_device_program(dir.as_fd(), prog.as_fd());
                return Err(what(e));
            }
        }
        tracing::debug!(cgroup = %unified.dir.display(), "device program attached");
        Ok(prog)
    }
}

fn check_file_name(key: &str, file: &str) -> Result<(), String> {
    if file.is_empty() || file.contains('/') || file.starts_with('.') || !file.contains('.') {
        return Err(format!("{key}: not a cgroup file name"));
    }
    Ok(())
}

fn write_setting(dir: &CgroupDir, key: &str, file: &str, value: &str) -> Result<(), String> {
    std::fs::write(dir.dir.join(file), value).map_err(|e| {
        let why = match e.raw_os_error() {
            Some(libc::ENOENT) => "no such cgroup file".to_string(),
            _ => e.to_string(),
        };
        format!("{key} = {value}: {why}")
    })?;
    tracing::debug!(%key, %value, "cgroup limit set");
    Ok(())
}

/// The cgroups below `dir` (a container may make its own), deepest first, then `dir`;
/// cgroupfs holds no symlinks, and the walk stops at a depth no container needs.
fn subtree(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, depth: u32, out: &mut Vec<std::path::PathBuf>) {
        if depth < 32 {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        walk(&e.path(), depth + 1, out);
                    }
                }
            }
        }
        out.push(dir.to_path_buf());
    }
    let mut out = Vec::new();
    walk(dir, 0, &mut out);
    out
}
