//! `clone`: a new container from an existing one, all or nothing and never touching the
//! source. The configuration is the source's own lines with its paths, name and MAC
//! addresses rewritten; the rootfs is a copy (or a snapshot, where the backend can make
//! one); the clone's hostname is set inside its rootfs; `lxc.hook.clone` runs last.

use crate::container::{validate_name, Container};
use crate::error::{io_err, Error, Result};
use crate::state::State;
use crate::storage::{self, Backing};
use lxc_sys::fs::{ofd_lock, LockKind};
use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Keep the hostname inside the rootfs (LXC_CLONE_KEEPNAME).
pub const CLONE_KEEPNAME: i32 = 1 << 0;
/// Keep the MAC addresses (LXC_CLONE_KEEPMACADDR).
pub const CLONE_KEEPMACADDR: i32 = 1 << 1;
/// A copy-on-write snapshot instead of a copy (LXC_CLONE_SNAPSHOT).
pub const CLONE_SNAPSHOT: i32 = 1 << 2;
/// Keep the source's backend type (LXC_CLONE_KEEPBDEVTYPE).
pub const CLONE_KEEPBDEVTYPE: i32 = 1 << 3;
/// Snapshot where the backend can, else copy (LXC_CLONE_MAYBE_SNAPSHOT).
pub const CLONE_MAYBE_SNAPSHOT: i32 = 1 << 4;
/// Clone a running container (LXC_CLONE_ALLOW_RUNNING).
pub const CLONE_ALLOW_RUNNING: i32 = 1 << 6;

/// The rest of `clone`'s arguments, as LXC's `clone()` takes them.
#[derive(Debug, Default, Clone)]
pub struct CloneSpec {
    /// Where the clone goes (default: the source's lxcpath).
    pub lxcpath: Option<String>,
    pub flags: i32,
    /// The clone's backend (`dir`, `overlay`, `btrfs`, ...; default: chosen as LXC does).
    pub bdevtype: Option<String>,
    /// Backend data (`dir`: the rootfs directory to use).
    pub bdevdata: Option<String>,
    /// Size for block backends, in bytes (0: the source's, else a default).
    pub newsize: u64,
    /// Extra arguments for `lxc.hook.clone`.
    pub hookargs: Vec<String>,
}

impl Container {
    /// Clone this (stopped, unless CLONE_ALLOW_RUNNING) container as `newname`.
    pub fn clone(&self, newname: &str, spec: &CloneSpec) -> Result<Container> {
        validate_name(newname)?;
        if !self.is_defined() || !self.config_loaded() {
            return Err(Error::NotDefined(self.name().to_string()));
        }

        let lxcpath = spec
            .lxcpath
            .clone()
            .unwrap_or_else(|| self.config_path().to_string());
        let mut new = Container::with_paths(newname, Some(&lxcpath), self.paths().clone())?;
        let src_rootfs = storage::Rootfs::of(self)?;
        let backing = storage::clone_backing(&src_rootfs, spec)?;
        // A user copies its unprivileged container's directory as the container's root, or
        // snapshots it with an overlay (mounted in the container's user namespace); other
        // kinds of storage need mounts a user may not make.
        let users = lxc_sys::geteuid() != 0 && !self.config().id_maps().is_empty();
        let users_kind = matches!(backing, Backing::CopyDir | Backing::OverlaySnapshot)
            && matches!(src_rootfs, storage::Rootfs::Dir(_));
        if users && !users_kind {
            return Err(Error::Unsupported {
                name: self.name().to_string(),
                key: "lxc.idmap (a user's clone other than a directory copy or an overlay \
                      snapshot of a directory)"
                    .into(),
            });
        }
        let _guard = self.lock()?;
        if spec.flags & CLONE_ALLOW_RUNNING == 0 && !matches!(self.state()?, State::Stopped) {
            return Err(Error::Command {
                name: self.name().to_string(),
                message: "is running; stop it first or allow cloning a running container".into(),
            });
        }
        let _new_guard = new.lock()?;
        let dir = new.dir();
        if dir.exists() {
            return Err(Error::AlreadyDefined(newname.to_string()));
        }
        std::fs::create_dir_all(&lxcpath).map_err(io_err(&lxcpath))?;
        std::fs::create_dir(&dir).map_err(io_err(&dir))?;
        if let Err(e) = self.clone_into(&mut new, &src_rootfs, &backing, spec) {
            // Nothing half-made stays; the source was only read.
            if let Err(cleanup) = storage::destroy_made(&new, &dir, &src_rootfs) {
                tracing::error!(container = %newname, "cleanup after failed clone: {cleanup}");
            }
            return Err(e);
        }
        Ok(new)
    }

    fn clone_into(
        &self,
        new: &mut Container,
        src_rootfs: &storage::Rootfs,
        backing: &Backing,
        spec: &CloneSpec,
    ) -> Result<()> {
        let dir = new.dir();
        let partial = dir.join("partial");
        let marker = std::fs::File::create(&partial).map_err(io_err(&partial))?;
        ofd_lock(marker.as_fd(), LockKind::Exclusive, true).map_err(io_err(&partial))?;

        let text = std::fs::read_to_string(self.config_file_name())
            .map_err(io_err(self.config_file_name()))?;
        let text = rewrite_paths(&text, &self.dir(), &dir);
        let config_file = dir.join("config");
        std::fs::write(&config_file, text).map_err(io_err(&config_file))?;
        new.load_config(Some(&config_file))?;

        let defaults = storage::Defaults::load(self.paths())?;
        let maps = self.config().id_maps();
        let new_rootfs =
            storage::make_clone(src_rootfs, backing, &dir, spec.newsize, &defaults, &maps)?;
        new.set_config_item("lxc.rootfs.path", &new_rootfs.config_value())?;
        if spec.flags & CLONE_KEEPNAME == 0 {
            let name = new.name().to_string();
            new.set_config_item("lxc.uts.name", &name)?;
        }
        if spec.flags & CLONE_KEEPMACADDR == 0 {
            new_macs(new)?;
        }
        new.save_config(Some(&config_file))?;
        if spec.flags & CLONE_KEEPNAME == 0 {
            set_hostname_in(&new_rootfs, self.name(), new.name(), &maps)?;
        }
        self.run_clone_hooks(new, &new_rootfs, &spec.hookargs)?;
        // Overlay clones read the origin's rootfs; LVM and ZFS snapshots hang off its volume.
        if matches!(
            backing,
            Backing::OverlaySnapshot | Backing::LvmSnapshot | Backing::ZfsSnapshot
        ) {
            if let Some(owner) = lower_owner(self, src_rootfs) {
                record_dependent(&owner, new)?;
            }
        }
        std::fs::remove_file(&partial).map_err(io_err(&partial))?;
        drop(marker);
        Ok(())
    }

    fn run_clone_hooks(
        &self,
        new: &Container,
        rootfs: &storage::Rootfs,
        hookargs: &[String],
    ) -> Result<()> {
        let config = new.config();
        if config
            .hooks
            .get(&lxc_config::HookType::Clone)
            .is_none_or(|h| h.is_empty())
        {
            return Ok(());
        }
        let mut env = crate::hooks::HookEnv::new(new.name());
        env.set("LXC_NAME", new.name());
        env.set("LXC_SRC_NAME", self.name());
        env.set(
            "LXC_CONFIG_FILE",
            new.config_file_name().display().to_string(),
        );
        env.set("LXC_ROOTFS_PATH", rootfs.path_value());
        storage::with_writable_root(rootfs, &mut |root| {
            let mut env = env.clone();
            env.set("LXC_ROOTFS_MOUNT", root.display().to_string());
            crate::hooks::run_hooks(config, &env, lxc_config::HookType::Clone, hookargs, &[])
        })
    }
}

/// The file in a container's directory listing the snapshot clones that use its rootfs
/// (pairs of lines: lxcpath, name), and the clone's pointer back to its origin.
pub(crate) const DEPENDENTS: &str = "lxc_snapshots";
pub(crate) const ORIGIN: &str = "lxc_rdepends";

/// Whose directory holds the lower layer an overlay clone of `src` reads, as
/// (lxcpath, name): the source's own rootfs (a `dir` source, or an overlay created with its
/// lower inside its directory), else the container the source itself was cloned from.
fn lower_owner(src: &Container, rootfs: &storage::Rootfs) -> Option<(String, String)> {
    match rootfs {
        storage::Rootfs::Overlay { lower, .. } if !lower.starts_with(src.dir()) => {
            pairs(&src.dir().join(ORIGIN)).into_iter().next()
        }
        _ => Some((src.config_path().to_string(), src.name().to_string())),
    }
}

/// A snapshot clone needs its origin's storage: note it on both sides, so the origin is not
/// destroyed from under it.
fn record_dependent(origin: &(String, String), clone: &Container) -> Result<()> {
    let back = clone.dir().join(ORIGIN);
    let (path, name) = origin;
    std::fs::write(&back, format!("{path}\n{name}\n")).map_err(io_err(&back))?;
    let me = (clone.config_path().to_string(), clone.name().to_string());
    edit_dependents(clone, origin, |list| list.push(me))
}

/// Change the origin's list of dependents. Clones of different containers may share an
/// origin: the list has a lock of its own (not the container's, which a cloning source may
/// already hold).
pub(crate) fn edit_dependents(
    any: &Container,
    (path, name): &(String, String),
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> Result<()> {
    let _guard = crate::lock::lock(
        &any.paths().runtime_dir,
        path,
        &format!("{name}.dependents"),
        LockKind::Exclusive,
    )?;
    let list = Path::new(path).join(name).join(DEPENDENTS);
    let mut entries = pairs(&list);
    edit(&mut entries);
    if entries.is_empty() {
        return match std::fs::remove_file(&list) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&list)(e)),
            _ => Ok(()),
        };
    }
    let text: String = entries.iter().map(|(a, b)| format!("{a}\n{b}\n")).collect();
    let staged = list.with_extension("lxc-rs-tmp");
    std::fs::write(&staged, text).map_err(io_err(&staged))?;
    std::fs::rename(&staged, &list).map_err(io_err(&list))
}

/// The (lxcpath, name) pairs of a file of such pairs.
pub(crate) fn pairs(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines
        .chunks(2)
        .filter_map(|p| match p {
            [a, b] => Some((a.to_string(), b.to_string())),
            _ => None,
        })
        .collect()
}

/// The snapshot clones that still use `c`'s rootfs.
pub fn dependents(c: &Container) -> Vec<String> {
    pairs(&c.dir().join(DEPENDENTS))
        .into_iter()
        .filter(|(path, name)| Path::new(path).join(name).join("config").is_file())
        .map(|(_, name)| name)
        .collect()
}

/// Before `c`'s directory goes: strike it from its origin's list of dependents.
pub fn forget_origin(c: &Container) {
    let Some(origin) = pairs(&c.dir().join(ORIGIN)).into_iter().next() else {
        return;
    };
    let me = (c.config_path().to_string(), c.name().to_string());
    if let Err(e) = edit_dependents(c, &origin, |list| list.retain(|p| *p != me)) {
        tracing::warn!("{e}");
    }
}

/// Replace the source's directory by the clone's wherever a value names it (mount entries,
/// log files, the rootfs): only as a whole path component, so `/x/p1` never touches
/// `/x/p10`.
pub(crate) fn rewrite_paths(text: &str, old: &Path, new: &Path) -> String {
    let (old, new) = (old.display().to_string(), new.display().to_string());
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&old) {
        let after = &rest[at + old.len()..];
        let before = rest[..at].chars().next_back();
        let starts = before.is_none_or(|c| c.is_whitespace() || c == ':' || c == '=');
        let whole = starts
            && after
                .chars()
                .next()
                .is_none_or(|c| c == '/' || c.is_whitespace() || c == ':');
        out.push_str(&rest[..at]);
        out.push_str(if whole { &new } else { &old });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A new random address with LXC's prefix for each NIC that has one.
fn new_macs(c: &mut Container) -> Result<()> {
    let indexes: Vec<usize> = c
        .config()
        .networks
        .iter()
        .filter(|(_, n)| n.hwaddr.is_some())
        .map(|(i, _)| *i)
        .collect();
    for i in indexes {
        let key = format!("lxc.net.{i}.hwaddr");
        c.set_config_item(&key, "00:16:3e:xx:xx:xx")?;
    }
    Ok(())
}

/// `set_hostname_in` for a directory rootfs `root`.
pub(crate) fn set_hostname_at(root: &Path, old: &str, new: &str) -> Result<()> {
    set_hostname(&[root], root, old, new)
}

/// The same for an overlay, into its upper layer.
pub(crate) fn set_overlay_hostname(upper: &Path, lower: &Path, old: &str, new: &str) -> Result<()> {
    set_hostname(&[upper, lower], upper, old, new)
}

/// `/etc/hostname` becomes the new name, and the old name in `/etc/hosts` too, both
/// resolved inside the rootfs so its symlinks cannot reach the host.
pub(crate) fn set_hostname_in(
    rootfs: &storage::Rootfs,
    old: &str,
    new: &str,
    maps: &lxc_config::idmap::IdMaps,
) -> Result<()> {
    match rootfs {
        // An unprivileged container's files, as its root.
        storage::Rootfs::Dir(root) | storage::Rootfs::Btrfs(root) => {
            let op = storage::as_root::FileOp::Hostname(root.clone(), old.into(), new.into());
            storage::as_root::run_for(&op, maps)
        }
        // Straight into the upper layer, reading through it to the lower: no overlay mount.
        storage::Rootfs::Overlay { lower, upper } => {
            let op = storage::as_root::FileOp::OverlayHostname(
                upper.clone(),
                lower.clone(),
                old.into(),
                new.into(),
            );
            storage::as_root::run_for(&op, maps)
        }
        other => {
            storage::with_writable_root(other, &mut |root| set_hostname(&[root], root, old, new))
        }
    }
}

/// Rewrite `/etc/hostname` and `/etc/hosts`: each read from the first of `layers` that has
/// it and written to `target`, all resolved inside their root.
fn set_hostname(layers: &[&Path], target: &Path, old: &str, new: &str) -> Result<()> {
    let target_fd = lxc_sys::fs::open_dir_path(target).map_err(io_err(target))?;
    let rewrite = |rel: &str, edit: &dyn Fn(&str) -> String| -> Result<()> {
        // Regular files only: a FIFO or device node planted there is left alone.
        let found = layers.iter().find_map(|layer| {
            let root = lxc_sys::fs::open_dir_path(layer).ok()?;
            let flags = libc::O_RDONLY | libc::O_NONBLOCK;
            let fd = lxc_sys::mount::open_in_root(root.as_fd(), rel, flags, 0).ok()?;
            let file = std::fs::File::from(fd);
            file.metadata()
                .ok()?
                .is_file()
                .then(|| (layer.join(rel), file))
        });
        let Some((path, fd)) = found else {
            return Ok(());
        };
        use std::os::unix::fs::MetadataExt;
        let source = fd.metadata().map_err(io_err(&path))?;
        let text = std::io::read_to_string(fd).map_err(io_err(&path))?;
        let out = target.join(rel);
        if let Some(dir) = Path::new(rel).parent() {
            let dir = dir.display().to_string();
            lxc_sys::mount::mkdir_all_in_root(target_fd.as_fd(), &dir, 0o755)
                .map_err(io_err(&out))?;
            // Into an overlay's upper layer: the directory as the lower has it (owner, mode),
            // as the kernel's copy-up would make it (an unprivileged container's root owns
            // its /etc).
            let lower_dir = layers.iter().skip(1).find_map(|layer| {
                let root = lxc_sys::fs::open_dir_path(layer).ok()?;
                let flags = libc::O_RDONLY | libc::O_DIRECTORY;
                let fd = lxc_sys::mount::open_in_root(root.as_fd(), &dir, flags, 0).ok()?;
                std::fs::File::from(fd).metadata().ok()
            });
            if let Some(m) = lower_dir {
                let flags = libc::O_RDONLY | libc::O_DIRECTORY;
                let made = lxc_sys::mount::open_in_root(target_fd.as_fd(), &dir, flags, 0)
                    .map(std::fs::File::from)
                    .map_err(io_err(target.join(&dir)))?;
                std::os::unix::fs::fchown(&made, Some(m.uid()), Some(m.gid()))
                    .and_then(|()| {
                        made.set_permissions(std::fs::Permissions::from_mode(m.mode() & 0o7777))
                    })
                    .map_err(io_err(target.join(&dir)))?;
            }
        }
        let flags = libc::O_WRONLY | libc::O_TRUNC | libc::O_CREAT;
        let fd = lxc_sys::mount::open_in_root(target_fd.as_fd(), rel, flags, 0o644)
            .map_err(io_err(&out))?;
        use std::io::Write;
        let mut file = std::fs::File::from(fd);
        file.write_all(edit(&text).as_bytes())
            .map_err(io_err(&out))?;
        // Whoever owned the file still does.
        std::os::unix::fs::fchown(&file, Some(source.uid()), Some(source.gid()))
            .and_then(|()| {
                file.set_permissions(std::fs::Permissions::from_mode(source.mode() & 0o7777))
            })
            .map_err(io_err(&out))
    };
    rewrite("etc/hostname", &|_| format!("{new}\n"))?;
    rewrite("etc/hosts", &|text| {
        text.lines()
            .map(|line| {
                let words: Vec<&str> = line
                    .split_whitespace()
                    .map(|w| if w == old { new } else { w })
                    .collect();
                if words.is_empty() || line.trim_start().starts_with('#') {
                    format!("{line}\n")
                } else {
                    format!("{}\n", words.join(" "))
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_rewritten_only_as_whole_components() {
        let text = "lxc.rootfs.path = dir:/x/p1/rootfs\nlxc.mount.entry = /x/p10 mnt none bind\n\
                    lxc.log.file = /x/p1\nlxc.rootfs.path = overlay:/x/p1/rootfs:/x/p1/delta0\n";
        assert_eq!(
            rewrite_paths("a = /data/x/p1/f\n", Path::new("/x/p1"), Path::new("/y/p2")),
            "a = /data/x/p1/f\n"
        );
        let out = rewrite_paths(text, Path::new("/x/p1"), Path::new("/y/p2"));
        assert_eq!(
            out,
            "lxc.rootfs.path = dir:/y/p2/rootfs\nlxc.mount.entry = /x/p10 mnt none bind\n\
             lxc.log.file = /y/p2\nlxc.rootfs.path = overlay:/y/p2/rootfs:/y/p2/delta0\n"
        );
    }
}

/// Remove a stopped ephemeral container (by its monitor, whose init is gone): its own
/// storage and directory; an overlay origin is only read.
pub fn destroy_ephemeral(lxcpath: &str, name: &str) -> Result<()> {
    let c = Container::new(name, Some(lxcpath))?;
    // The monitor calls this with its socket still bound: no state check, only the lock.
    let _guard = c.lock()?;
    if !c.is_defined() {
        return Ok(());
    }
    // What others still need stays: snapshots of it, clones reading its rootfs.
    let users = dependents(&c);
    if !users.is_empty() || !c.snapshot_list()?.is_empty() {
        tracing::warn!(container = %name, "ephemeral, but kept: it has snapshots or clones ({})", users.join(", "));
        return Ok(());
    }
    storage::destroy_rootfs(&c)?;
    forget_origin(&c);
    let dir = c.dir();
    storage::remove_tree_for(&dir, &c.config().id_maps())
}

/// What makes an ephemeral clone (`lxc-copy -e`).
#[derive(Debug, Default, Clone)]
pub struct Ephemeral {
    /// The clone's name (default: `<name>-<six random characters>`).
    pub name: Option<String>,
    /// Keep the clone when it stops (`-D`).
    pub keep_data: bool,
    /// `bind=SRC[:DST][:ro]` mounts (`-m`).
    pub mounts: Vec<String>,
}

impl Container {
    /// An overlay snapshot clone marked `lxc.ephemeral` (unless `keep_data`), with the
    /// given bind mounts; the caller starts it.
    pub fn clone_ephemeral(&self, eph: &Ephemeral, spec: &CloneSpec) -> Result<Container> {
        let mut entries = Vec::new();
        for m in &eph.mounts {
            let bad = || Error::InvalidArgument(format!("mount {m}: expected bind=SRC[:DST][:ro]"));
            let spec = m.strip_prefix("bind=").ok_or_else(bad)?;
            let parts: Vec<&str> = spec.split(':').collect();
            let (src, dst, ro) = match parts.as_slice() {
                [src] => (*src, *src, false),
                [src, dst] => (*src, *dst, false),
                [src, dst, "ro"] => (*src, *dst, true),
                _ => return Err(bad()),
            };
            let options = if ro {
                "bind,create=dir,ro"
            } else {
                "bind,create=dir"
            };
            entries.push(format!(
                "{src} {} none {options} 0 0",
                dst.trim_start_matches('/')
            ));
        }
        let name = eph.name.clone().unwrap_or_else(|| {
            let tail = lxc_config::hwaddr::random_chars(6, b"abcdefghijklmnopqrstuvwxyz0123456789");
            format!("{}-{tail}", self.name())
        });
        let mut spec = spec.clone();
        spec.flags |= CLONE_SNAPSHOT;
        spec.bdevtype = Some("overlay".into());
        let mut new = self.clone(&name, &spec)?;
        let configure = |new: &mut Container| -> Result<()> {
            if !eph.keep_data {
                new.set_config_item("lxc.ephemeral", "1")?;
            }
            for entry in &entries {
                new.set_config_item("lxc.mount.entry", entry)?;
            }
            new.save_config(None)
        };
        if let Err(e) = configure(&mut new) {
            let _ = new.destroy();
            return Err(e);
        }
        Ok(new)
    }
}
