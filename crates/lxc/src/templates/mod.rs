//! Templates: native ones (busybox, download) and LXC-style template scripts.

mod busybox;
pub mod download;
pub mod publish;

use crate::container::Container;
use crate::error::{Error, Result};
use crate::runner::Capture;
use lxc_config::idmap::IdMaps;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fill `rootfs` (and append to the container's config file) with template `name`.
pub fn run(
    c: &mut Container,
    name: &str,
    rootfs: &Path,
    quiet: bool,
    args: &[String],
) -> Result<()> {
    // An unprivileged container (lxc.idmap): its root owns the rootfs, and what the
    // template makes belongs to the ids the maps give it on the host.
    let maps = c.config().id_maps();
    // A user's busybox container is made as the user, then given to the container's root.
    let users_busybox = !maps.is_empty() && name == "busybox" && lxc_sys::geteuid() != 0;
    if maps.is_empty() && name == "download" && lxc_sys::geteuid() != 0 {
        return Err(template_error(
            c,
            name,
            "a non-root user's container needs lxc.idmap (e.g. in ~/.config/lxc/default.conf) \
             and subordinate ids in /etc/subuid and /etc/subgid",
        ));
    }
    // The download template's unpacking does this itself, inside the user namespace.
    if !maps.is_empty() && name != "download" && !users_busybox {
        crate::storage::shift::chown_to_mapped_root(rootfs, &maps)?;
    }
    match name {
        "busybox" => {
            busybox::create(c, rootfs, args)?;
            if users_busybox {
                crate::storage::shift::give_users_tree_to_mapped_root(rootfs, &maps)?;
            } else if !maps.is_empty() {
                crate::storage::shift::shift_tree(rootfs, &maps)?;
            }
            Ok(())
        }
        "download" => download::create(c, rootfs, args, quiet),
        _ => run_script(c, name, rootfs, quiet, args, &maps),
    }
}

fn template_error(c: &Container, template: &str, message: impl Into<String>) -> Error {
    Error::Template {
        name: c.name().to_string(),
        template: template.to_string(),
        message: message.into(),
    }
}

/// A template script, called as LXC calls it: `--path --name --rootfs` then the user's args.
fn run_script(
    c: &Container,
    name: &str,
    rootfs: &Path,
    quiet: bool,
    args: &[String],
    maps: &IdMaps,
) -> Result<()> {
    let script = if name.contains('/') {
        PathBuf::from(name)
    } else {
        c.paths().templates_dir.join(format!("lxc-{name}"))
    };
    if !script.is_file() {
        return Err(template_error(
            c,
            name,
            format!("no template script at {}", script.display()),
        ));
    }
    // With id maps the script runs as root of a user namespace, as LXC runs it, told
    // where the creating user appears there.
    let (mut cmd, mapped) = if maps.is_empty() {
        (Command::new(&script), None)
    } else {
        let (all, uid, gid) = crate::userns::with_caller(maps)?;
        let cmd = crate::userns::command(&all, &[script.display().to_string()])?;
        (cmd, Some((uid, gid)))
    };
    cmd.arg(format!("--path={}", c.dir().display()))
        .arg(format!("--name={}", c.name()))
        .arg(format!("--rootfs={}", rootfs.display()))
        .args(args);
    if let Some((uid, gid)) = mapped {
        cmd.args([
            "--mapped-uid",
            &uid.to_string(),
            "--mapped-gid",
            &gid.to_string(),
        ]);
    }
    cmd.env("LXC_NAME", c.name())
        .env("LXC_PATH", c.dir())
        .env("LXC_ROOTFS_PATH", rootfs)
        .env("LXC_CONFIG_FILE", c.dir().join("config"));
    let capture = if quiet {
        Capture::Discard
    } else {
        Capture::Nothing
    };
    let status = crate::runner::run(&mut cmd, capture)
        .map_err(|e| template_error(c, name, format!("{}: {e}", script.display())))?
        .status;
    if !status.success() {
        return Err(template_error(
            c,
            name,
            format!("{} exited with {status}", script.display()),
        ));
    }
    Ok(())
}

/// Arguments of the form `--key=value` or `--key value`, as templates take them.
pub(crate) fn template_arg(args: &[String], key: &str) -> Option<String> {
    let long = format!("--{key}");
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if let Some(v) = a.strip_prefix(&format!("{long}=")) {
            return Some(v.to_string());
        }
        if *a == long {
            return iter.next().cloned();
        }
    }
    None
}
