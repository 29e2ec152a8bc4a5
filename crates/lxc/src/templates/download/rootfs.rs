//! Filling a rootfs from a cached image: unpack, `dev/pts`, placeholders in the files the
//! image's `templates` lists. For an unprivileged container (user mode) this runs, as in
//! LXC, as root of a user namespace with the container's id maps (plus the creating user),
//! in our helper: the kernel gives each file its host owner and turns file capabilities
//! into ones that count inside the container only, and a non-root caller needs no
//! privilege beyond its subordinate ids. Owners outside the container's own maps are
//! refused (the creating user's id is mapped there too, but must own nothing in the image).

use super::unpack;
use crate::error::{Error, Result};
use lxc_config::idmap::IdMaps;
use lxc_config::IdMap;
use serde::{Deserialize, Serialize};
use std::os::fd::AsFd;
use std::path::PathBuf;

const JOB_ENV: &str = "LXC_RS_ROOTFS_JOB";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RootfsJob {
    /// `rootfs.tar` or `rootfs.tar.xz`.
    pub archive: PathBuf,
    pub target: PathBuf,
    pub excludes: Vec<String>,
    /// User mode: the container's `lxc.idmap` lines; owners must fall in them.
    pub idmap: Vec<String>,
    /// Paths inside the rootfs whose placeholders are filled, and with what.
    pub templates: Vec<String>,
    pub fill: Vec<(String, String)>,
    pub progress: bool,
    /// A container's rootfs: make `dev/pts`.
    pub dev_pts: bool,
    /// The cache's trial unpack: the tree goes again (from in here, where its owners are).
    pub trial: bool,
}

fn fail(message: String) -> Error {
    Error::Template {
        name: String::new(),
        template: "download".into(),
        message,
    }
}

/// Run `job`: here in system mode, in the helper inside the container's user namespace in
/// user mode.
pub fn run(job: &RootfsJob, quiet: bool) -> Result<()> {
    if job.idmap.is_empty() {
        return fill(job);
    }
    let maps = maps_of(job)?;
    let (all, _, _) = crate::userns::with_caller(&maps)?;
    let helper = crate::start::helper_path()?;
    let json = serde_json::to_string(job).map_err(|e| fail(e.to_string()))?;
    let mut cmd = crate::userns::command(&all, &[helper.display().to_string(), "rootfs".into()])?;
    cmd.env(JOB_ENV, json)
        .stdin(std::process::Stdio::null())
        .stdout(if quiet {
            std::process::Stdio::null()
        } else {
            std::process::Stdio::inherit()
        })
        .stderr(std::process::Stdio::piped());
    let out = cmd
        .output()
        .map_err(|e| fail(format!("{}: {e}", helper.display())))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        let said = said.trim();
        return Err(fail(if said.is_empty() {
            format!("unpacking in the user namespace failed ({})", out.status)
        } else {
            said.to_string()
        }));
    }
    Ok(())
}

fn maps_of(job: &RootfsJob) -> Result<IdMaps> {
    let maps: std::result::Result<Vec<IdMap>, String> =
        job.idmap.iter().map(|l| IdMap::parse(l)).collect();
    Ok(IdMaps {
        maps: maps.map_err(|e| fail(format!("lxc.idmap: {e}")))?,
    })
}

/// The helper's `rootfs` (as root of the container's user namespace): the job from the
/// environment; its error on stderr.
pub fn helper_rootfs() -> i32 {
    let job: Option<RootfsJob> = std::env::var(JOB_ENV)
        .ok()
        .and_then(|json| serde_json::from_str(&json).ok());
    let Some(job) = job else {
        eprintln!("lxc-rs-helper: no rootfs job");
        return 2;
    };
    match fill(&job) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", super::message_of(e));
            1
        }
    }
}

/// The work itself, wherever it runs.
fn fill(job: &RootfsJob) -> Result<()> {
    let maps = maps_of(job)?;
    if !maps.is_empty() {
        // In here the container's root is 0: it owns its rootfs.
        std::os::unix::fs::lchown(&job.target, Some(0), Some(0))
            .map_err(crate::error::io_err(&job.target))?;
    }
    let how = unpack::Placement {
        excludes: &job.excludes,
        allowed: (!maps.is_empty()).then_some(&maps),
        own_files: false,
    };
    let is_xz = job.archive.extension().is_some_and(|e| e == "xz");
    let unpacked = if is_xz {
        unpack::unpack(&job.archive, &job.target, how)
    } else {
        unpack::unpack_plain(&job.archive, &job.target, how, job.progress)
    };
    if job.trial {
        crate::storage::remove_tree(&job.target)?;
    }
    unpacked?;
    if job.trial {
        return Ok(());
    }
    let root =
        lxc_sys::fs::open_dir_path(&job.target).map_err(crate::error::io_err(&job.target))?;
    if job.dev_pts {
        // Inside the rootfs (its own /dev may be a symlink).
        lxc_sys::mount::mkdir_all_in_root(root.as_fd(), "dev/pts", 0o755)
            .map_err(crate::error::io_err(job.target.join("dev/pts")))?;
    }
    for path in &job.templates {
        fill_placeholders(&root, job, path)?;
    }
    Ok(())
}

/// One file of the image's `templates` list, read and rewritten inside the rootfs (a
/// regular file only: a FIFO or a device node named there is left alone).
fn fill_placeholders(root: &std::os::fd::OwnedFd, job: &RootfsJob, path: &str) -> Result<()> {
    use std::io::Write;
    let flags = libc::O_RDONLY | libc::O_NONBLOCK;
    let Ok(fd) = lxc_sys::mount::open_in_root(root.as_fd(), path, flags, 0) else {
        return Ok(());
    };
    let file = std::fs::File::from(fd);
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let shown = job.target.join(path.trim_start_matches('/'));
    let old = std::io::read_to_string(file).map_err(crate::error::io_err(&shown))?;
    let new = job
        .fill
        .iter()
        .fold(old, |text, (key, value)| text.replace(key, value));
    let fd = lxc_sys::mount::open_in_root(root.as_fd(), path, libc::O_WRONLY | libc::O_TRUNC, 0)
        .map_err(crate::error::io_err(&shown))?;
    std::fs::File::from(fd)
        .write_all(new.as_bytes())
        .map_err(crate::error::io_err(&shown))
}
