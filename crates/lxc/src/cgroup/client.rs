//! A client's view of a running container's cgroups: the monitor names them (the `get_cgroup`
//! command), this process finds them in its own mounts.

use super::{CgroupDir, Hierarchy, Layout};
use crate::commands::{self, Cmd};
use crate::error::Result;

/// The `get_cgroup` argument that asks an lxc-rs monitor for every hierarchy at once, one
/// `<controllers>\t<path>` line each, the unified one's with no controllers (LXC's monitors
/// answer it with an error).
pub const ALL_HIERARCHIES: &str = "lxc-rs:all";

/// Every cgroup a running container's processes are in (None when it is not running): what
/// attach joins.
pub fn running_dirs(lxcpath: &str, name: &str) -> Result<Option<Vec<CgroupDir>>> {
    dirs_of(lxcpath, name, Cmd::GetCgroup)
}

/// Every cgroup holding a running container's limits and counters (the outer one of
/// `lxc.cgroup.dir.container.inner`).
pub fn running_limit_dirs(lxcpath: &str, name: &str) -> Result<Option<Vec<CgroupDir>>> {
    dirs_of(lxcpath, name, Cmd::GetLimitCgroup)
}

fn dirs_of(lxcpath: &str, name: &str, cmd: Cmd) -> Result<Option<Vec<CgroupDir>>> {
    let layout = Layout::current();
    let mut dirs = Vec::new();
    if layout.has_legacy() {
        // One question to an lxc-rs monitor.
        if let Some(lines) = commands::get_string(lxcpath, name, cmd, ALL_HIERARCHIES)? {
            return Ok(Some(dirs_in_listing(&layout, &lines)));
        }
    }
    let Some(first) = commands::get_string(lxcpath, name, cmd, "")? else {
        return Ok(None);
    };
    if let Some(u) = layout.unified() {
        dirs.push(dir_in(u, &first));
    }
    // An LXC monitor: one question per v1 hierarchy.
    for h in layout.legacy() {
        let controller = h.controllers.first().map_or("", String::as_str);
        if let Some(rel) = commands::get_string(lxcpath, name, cmd, controller)? {
            dirs.push(dir_in(h, &rel));
        }
    }
    Ok(Some(dirs))
}

/// The directories, in this process's mounts, of an `ALL_HIERARCHIES` answer.
pub fn dirs_in_listing(layout: &Layout, lines: &str) -> Vec<CgroupDir> {
    lines
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .filter_map(|(key, rel)| {
            let h = layout.hierarchies.iter().find(|h| h.key() == key)?;
            Some(dir_in(h, rel))
        })
        .collect()
}

/// The running container's (limit) cgroup holding `controller`: its v1 hierarchy, else the
/// unified one (None when it is not running or has no such cgroup).
pub fn running_dir_for(lxcpath: &str, name: &str, controller: &str) -> Result<Option<CgroupDir>> {
    let layout = Layout::current();
    let Some(h) = layout.legacy_with(controller).or_else(|| layout.unified()) else {
        return Ok(None);
    };
    let arg = if h.is_unified() { "" } else { controller };
    Ok(commands::get_string(lxcpath, name, Cmd::GetLimitCgroup, arg)?.map(|rel| dir_in(h, &rel)))
}

fn dir_in(h: &Hierarchy, rel: &str) -> CgroupDir {
    CgroupDir {
        dir: h.mount.join(rel.trim_start_matches('/')),
        rel: rel.to_string(),
        controllers: h.controllers.clone(),
    }
}
