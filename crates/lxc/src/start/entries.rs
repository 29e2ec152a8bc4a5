//! `lxc.mount.entry` and `lxc.mount.fstab`: fstab-format lines, mounted with the new mount
//! API onto targets resolved inside the rootfs.

use super::mounts::{bind, ctx, dir_in, mount_fs, R};
use super::plan::Plan;
use lxc_sys::mount as m;
use lxc_sys::newmount::{self as nm, *};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

/// What the options field of one entry (or `lxc.rootfs.options`) asks for.
#[derive(Default)]
pub(super) struct Options<'a> {
    pub bind: bool,
    pub recursive: bool,
    pub remount: bool,
    pub attrs: u64,
    pub data: Vec<&'a str>,
    pub optional: bool,
    pub create: Option<&'a str>,
    /// The source is a path inside the container's rootfs.
    pub relative: bool,
}

pub(super) fn parse_options(options: &str) -> Options<'_> {
    let mut o = Options::default();
    for opt in options.split(',') {
        match opt {
            "defaults" | "rw" | "auto" | "noauto" | "nouser" | "" => {}
            "relative" => o.relative = true,
            "ro" => o.attrs |= MOUNT_ATTR_RDONLY,
            "bind" => o.bind = true,
            "rbind" => {
                o.bind = true;
                o.recursive = true;
            }
            "nosuid" => o.attrs |= MOUNT_ATTR_NOSUID,
            "nodev" => o.attrs |= MOUNT_ATTR_NODEV,
            "noexec" => o.attrs |= MOUNT_ATTR_NOEXEC,
            "noatime" => o.attrs |= MOUNT_ATTR_NOATIME,
            "nodiratime" => o.attrs |= MOUNT_ATTR_NODIRATIME,
            "strictatime" => o.attrs |= MOUNT_ATTR_STRICTATIME,
            "relatime" => o.attrs |= MOUNT_ATTR_RELATIME,
            "remount" => o.remount = true,
            "optional" => o.optional = true,
            "create=dir" => o.create = Some("dir"),
            "create=file" => o.create = Some("file"),
            other => o.data.push(other),
        }
    }
    o
}

/// One fstab-format line of `lxc.mount.entry` / `lxc.mount.fstab`.
pub fn mount_entry(plan: &Plan, root: BorrowedFd<'_>, line: &str) -> R<()> {
    tracing::debug!("mount entry \"{line}\"");
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 3 {
        return Err(format!("invalid mount entry \"{line}\""));
    }
    let (source, target, fstype) = (fields[0], fields[1], fields[2]);
    let o = parse_options(fields.get(3).copied().unwrap_or("defaults"));
    // Relative targets live under the rootfs; absolute ones under the rootfs mount point.
    let rel = target
        .strip_prefix(&plan.rootfs_mount)
        .or_else(|| target.strip_prefix(&plan.rootfs))
        .unwrap_or(target);
    if o.data.iter().any(|d| d.starts_with("idmap=")) {
        return Err(format!(
            "not supported yet: idmap= in mount entry \"{line}\""
        ));
    }
    let result = (|| -> R<()> {
        // `relative`: the source is resolved inside the rootfs, like the target.
        let source_fd = match o.relative {
            true => Some(ctx(
                &format!("open {source} in rootfs"),
                m::open_in_root(root, source, libc::O_PATH, 0),
            )?),
            false => None,
        };
        let source_path = source_fd
            .as_ref()
            .map(|fd| format!("/proc/self/fd/{}", fd.as_raw_fd()));
        let target_fd = match o.create {
            Some("file") => ctx(&format!("create {rel}"), m::touch_in_root(root, rel, 0o644))?,
            Some(_) => dir_in(root, rel, true)?,
            None => ctx(
                &format!("open {rel} in rootfs"),
                m::open_in_root(root, rel, libc::O_PATH, 0),
            )?,
        };
        if o.remount {
            return ctx(
                &format!("remount {rel}"),
                nm::set_attrs(target_fd.as_fd(), o.attrs, 0, false),
            );
        }
        if o.bind {
            bind(
                source_fd.as_ref().map(|fd| fd.as_fd()),
                if source_fd.is_some() { "" } else { source },
                o.recursive,
                o.attrs,
                &target_fd,
                &format!("{source} on {rel}"),
            )?;
        } else {
            let data = o.data.join(",");
            mount_fs(
                fstype,
                Some(source_path.as_deref().unwrap_or(source)),
                &data,
                o.attrs,
                &target_fd,
                &format!("{source} on {rel}"),
            )?;
        }
        Ok(())
    })();
    match result {
        Err(e) if o.optional => {
            tracing::info!("skipping optional mount entry \"{line}\": {e}");
            Ok(())
        }
        other => other,
    }
}

/// lxc.mount.fstab lines then lxc.mount.entry lines.
pub fn mount_entries(plan: &Plan, root: BorrowedFd<'_>) -> R<()> {
    if let Some(fstab) = &plan.config.mount_fstab {
        let text = ctx(&format!("read {fstab}"), std::fs::read_to_string(fstab))?;
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            mount_entry(plan, root, line)?;
        }
    }
    for line in &plan.config.mount_entries {
        mount_entry(plan, root, line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_split_into_flags_attributes_and_data() {
        let o = parse_options("rbind,ro,nosuid,create=dir,optional,size=10M,mode=755");
        assert!(o.bind && o.recursive && o.optional && !o.remount);
        assert_eq!(o.create, Some("dir"));
        assert_eq!(o.attrs, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
        assert_eq!(o.data, vec!["size=10M", "mode=755"]);
    }

    #[test]
    fn defaults_and_empty_mean_nothing() {
        let o = parse_options("defaults,rw,,relative");
        assert!(!o.bind && o.attrs == 0 && o.data.is_empty() && o.create.is_none());
    }
}
