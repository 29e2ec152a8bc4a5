//! The container's cgroup on the unified (v2) hierarchy: where init is cloned into, what
//! attach joins, and what a stop kills and removes. Controller limits and the legacy (v1)
//! hierarchies arrive with the cgroups issue.

mod placement;

pub use placement::{MonitorCgroup, Placement};
use std::path::{Path, PathBuf};

/// Where the cgroup2 hierarchy is mounted: /sys/fs/cgroup (pure v2) or a hybrid mount.
pub fn unified_mount() -> Option<PathBuf> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut found = None;
    for line in info.lines() {
        let (left, right) = line.split_once(" - ")?;
        if right.split_whitespace().next() == Some("cgroup2") {
            let point = left.split_whitespace().nth(4)?;
            if point == "/sys/fs/cgroup" {
                return Some(PathBuf::from(point));
            }
            found.get_or_insert(PathBuf::from(point));
        }
    }
    found
}

/// True when cgroup2 is the only hierarchy (mounted at /sys/fs/cgroup).
pub fn pure_unified() -> bool {
    unified_mount().is_some_and(|p| p == Path::new("/sys/fs/cgroup"))
}

/// True when the host mixes v1 controller hierarchies with a separate cgroup2 mount.
pub fn host_is_hybrid() -> bool {
    unified_mount().is_some_and(|p| p != Path::new("/sys/fs/cgroup"))
}

/// This process's cgroup on the unified hierarchy (`0::/path`).
pub(crate) fn own_cgroup() -> String {
    std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("0::").map(str::to_string))
        })
        .unwrap_or_else(|| "/".into())
}

/// A container's payload cgroup, created for one run.
#[derive(Debug)]
pub struct PayloadCgroup {
    /// Absolute directory in the host's cgroup2 mount.
    pub dir: PathBuf,
    /// Path relative to the hierarchy root (what /proc/PID/cgroup shows).
    pub rel: String,
}

/// Create the payload cgroup where `placement` puts it.
pub fn create(placement: &Placement, lxcpath: &str) -> Result<PayloadCgroup, String> {
    let (dir, rel) = placement.payload.make(lxcpath)?;
    Ok(PayloadCgroup { dir, rel })
}

impl PayloadCgroup {
    /// Kill every process left in the cgroup and remove it.
    pub fn destroy(&self) {
        for _ in 0..500 {
            if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            if std::fs::write(self.dir.join("cgroup.kill"), "1").is_err() {
                // Kernels before 5.14: kill what is listed.
                if let Ok(procs) = std::fs::read_to_string(self.dir.join("cgroup.procs")) {
                    for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                        let _ = lxc_sys::process::kill(pid, libc::SIGKILL);
                    }
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        tracing::error!(cgroup = %self.dir.display(), "could not remove the container's cgroup");
    }

    /// Freeze (or thaw) every process of the container through `cgroup.freeze`, waiting up
    /// to `timeout` for `cgroup.events` to confirm.
    pub fn freeze(&self, frozen: bool, timeout: std::time::Duration) -> Result<(), String> {
        let knob = self.dir.join("cgroup.freeze");
        std::fs::write(&knob, if frozen { "1" } else { "0" })
            .map_err(|e| format!("{}: {e}", knob.display()))?;
        let want = if frozen { "frozen 1" } else { "frozen 0" };
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let events =
                std::fs::read_to_string(self.dir.join("cgroup.events")).unwrap_or_default();
            if events.lines().any(|l| l.trim() == want) {
                return Ok(());
            }
            if std::time::Instant::now() >= deadline {
                return Err(format!(
                    "the container did not become {} in time",
                    if frozen { "frozen" } else { "thawed" }
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Write `lxc.cgroup2.<file> = value` settings, in order, before init joins the cgroup.
    /// A controller missing from the parent's `cgroup.subtree_control` is enabled first; what
    /// the kernel refuses is reported with the key, so a start never runs unlimited.
    pub fn apply_limits(&self, limits: &[(String, String)]) -> Result<(), String> {
        let parent = self.dir.parent().unwrap_or(&self.dir);
        for (file, value) in limits {
            let key = format!("lxc.cgroup2.{file}");
            if file.is_empty() || file.contains('/') || file.starts_with('.') {
                return Err(format!("{key}: not a cgroup file name"));
            }
            let controller = file.split('.').next().unwrap_or(file);
            if controller != "cgroup" {
                enable_controller(parent, controller)
                    .map_err(|e| format!("{key} = {value}: {e}"))?;
            }
            std::fs::write(self.dir.join(file), value).map_err(|e| {
                let why = match e.raw_os_error() {
                    Some(libc::ENOENT) => "no such cgroup file".to_string(),
                    _ => e.to_string(),
                };
                format!("{key} = {value}: {why}")
            })?;
            tracing::debug!(%key, %value, "cgroup limit set");
        }
        Ok(())
    }

    /// Move a process into this cgroup.
    pub fn attach(&self, pid: i32) -> std::io::Result<()> {
        std::fs::write(self.dir.join("cgroup.procs"), pid.to_string())
    }
}

/// Make `controller` available to the children of `parent` (`+controller` in its
/// `cgroup.subtree_control`).
fn enable_controller(parent: &Path, controller: &str) -> Result<(), String> {
    let enabled =
        std::fs::read_to_string(parent.join("cgroup.subtree_control")).unwrap_or_default();
    if enabled.split_whitespace().any(|c| c == controller) {
        return Ok(());
    }
    let available = std::fs::read_to_string(parent.join("cgroup.controllers")).unwrap_or_default();
    if !available.split_whitespace().any(|c| c == controller) {
        let hint = if host_is_hybrid() {
            " (on this hybrid host it is bound to a v1 hierarchy)"
        } else {
            ""
        };
        return Err(format!(
            "the {controller} controller is not available in {}{hint}",
            parent.display()
        ));
    }
    std::fs::write(
        parent.join("cgroup.subtree_control"),
        format!("+{controller}"),
    )
    .map_err(|e| {
        let why = match e.raw_os_error() {
            // cgroup v2 lets a cgroup with processes of its own hand out no domain controller.
            Some(libc::EBUSY) => "the cgroup holds processes of its own".to_string(),
            _ => e.to_string(),
        };
        format!(
            "enable the {controller} controller in {}: {why}",
            parent.display()
        )
    })
}
