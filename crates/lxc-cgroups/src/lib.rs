//! A container's cgroups on every hierarchy of the host (pure cgroup2, hybrid, or v1
//! only): where init goes, what attach joins, what limits apply, and what a stop kills and
//! removes. The library (`lxc`) drives it; finding a running container's cgroups through
//! its monitor lives there, with the command socket.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod devices;
mod entry;
mod hierarchy;
mod monitor;
mod payload;
mod placement;

pub use devices::DevicePolicy;
pub use entry::CgroupEntry;
pub use hierarchy::{cgroup_in, Hierarchy, Layout};
pub use monitor::MonitorCgroup;
pub use payload::PayloadCgroup;
pub use placement::Placement;
use std::path::{Path, PathBuf};

/// Where the cgroup2 hierarchy is mounted: /sys/fs/cgroup (pure v2) or a hybrid mount.
pub fn unified_mount() -> Option<PathBuf> {
    Layout::current().unified().map(|h| h.mount.clone())
}

/// True when cgroup2 is the only hierarchy (mounted at /sys/fs/cgroup).
pub fn pure_unified() -> bool {
    let layout = Layout::current();
    layout.unified().is_some() && !layout.has_legacy()
}

/// True when the host mixes v1 controller hierarchies with a cgroup2 mount.
pub fn host_is_hybrid() -> bool {
    let layout = Layout::current();
    layout.unified().is_some() && layout.has_legacy()
}

/// One of a container's cgroups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupDir {
    /// Absolute directory in the host's hierarchy mount.
    pub dir: PathBuf,
    /// Path relative to the hierarchy root (what /proc/PID/cgroup shows).
    pub rel: String,
    /// The v1 controllers of its hierarchy; empty on the unified one.
    pub controllers: Vec<String>,
}

impl CgroupDir {
    pub fn has(&self, controller: &str) -> bool {
        self.controllers.iter().any(|c| c == controller)
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
