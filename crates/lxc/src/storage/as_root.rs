//! Work on an unprivileged container's files (`lxc.idmap`): they belong to its mapped ids,
//! which a non-root user reaches only as root of the container's user namespace (where
//! the user is mapped too). Root works on them directly; a user through our helper, run
//! there.

use crate::error::{io_err, Error, Result};
use lxc_config::idmap::IdMaps;
use std::path::{Path, PathBuf};

/// One operation on a container's files.
#[derive(Debug, Clone)]
pub enum FileOp {
    /// Remove a tree (never crossing a mount point).
    Remove(PathBuf),
    /// Copy a tree with its owners to a new directory.
    Copy(PathBuf, PathBuf),
    /// The new name in `/etc/hostname` and for the old one in `/etc/hosts` of a rootfs.
    Hostname(PathBuf, String, String),
    /// The same for an overlay: written to its upper layer (the first path), read through
    /// it from the lower one.
    OverlayHostname(PathBuf, PathBuf, String, String),
}

impl FileOp {
    fn args(&self) -> Vec<String> {
        let p = |p: &Path| p.display().to_string();
        match self {
            FileOp::Remove(path) => vec!["remove".into(), p(path)],
            FileOp::Copy(src, dst) => vec!["copy".into(), p(src), p(dst)],
            FileOp::Hostname(root, old, new) => {
                vec!["hostname".into(), p(root), old.clone(), new.clone()]
            }
            FileOp::OverlayHostname(upper, lower, old, new) => vec![
                "overlay-hostname".into(),
                p(upper),
                p(lower),
                old.clone(),
                new.clone(),
            ],
        }
    }

    fn parse(args: &[String]) -> Option<FileOp> {
        match args {
            [op, path] if op == "remove" => Some(FileOp::Remove(path.into())),
            [op, src, dst] if op == "copy" => Some(FileOp::Copy(src.into(), dst.into())),
            [op, root, old, new] if op == "hostname" => {
                Some(FileOp::Hostname(root.into(), old.clone(), new.clone()))
            }
            [op, upper, lower, old, new] if op == "overlay-hostname" => Some(
                FileOp::OverlayHostname(upper.into(), lower.into(), old.clone(), new.clone()),
            ),
            _ => None,
        }
    }

    /// Do it here.
    fn run(&self) -> Result<()> {
        match self {
            FileOp::Remove(path) => super::remove::remove_tree(path),
            FileOp::Copy(src, dst) => super::copy::copy_tree(src, dst).map(drop),
            FileOp::Hostname(root, old, new) => crate::clone::set_hostname_at(root, old, new),
            FileOp::OverlayHostname(upper, lower, old, new) => {
                crate::clone::set_overlay_hostname(upper, lower, old, new)
            }
        }
    }
}

/// Do `op` on the files of a container with `maps`: here for root (or a privileged
/// container), as root of the container's user namespace for a user.
pub fn run_for(op: &FileOp, maps: &IdMaps) -> Result<()> {
    if maps.is_empty() || lxc_sys::geteuid() == 0 {
        return op.run();
    }
    let (all, _, _) = crate::userns::with_caller(maps)?;
    let helper = crate::start::helper_path()?;
    let mut argv = vec![helper.display().to_string(), "files".to_string()];
    argv.extend(op.args());
    let out = crate::userns::command(&all, &argv)?
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(io_err(&helper))?;
    if !out.status.success() {
        return Err(Error::Backend(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    Ok(())
}

/// The helper's `files OP ARGS...` (as root of a container's user namespace).
pub fn helper_files() -> i32 {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let Some(op) = FileOp::parse(&args) else {
        eprintln!("lxc-rs-helper files: bad operation {args:?}");
        return 2;
    };
    match op.run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}
