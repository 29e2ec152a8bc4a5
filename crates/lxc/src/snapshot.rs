//! Snapshots: clones of a container kept in `<dir>/snaps/snapN` (a container `snapN` with
//! that lxcpath) with a `ts` and an optional `comment` file, as LXC lays them out; LXC 1.0's
//! `<lxcpath>snaps/<name>/` is read too. A `dir` container's snapshot is a full copy, an
//! overlay or btrfs container's a copy-on-write one.

use crate::clone::{
    CloneSpec, CLONE_KEEPBDEVTYPE, CLONE_KEEPMACADDR, CLONE_KEEPNAME, CLONE_MAYBE_SNAPSHOT,
};
use crate::container::Container;
use crate::error::{io_err, Error, Result};
use std::path::{Path, PathBuf};

/// One snapshot, as `snapshot_list` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub name: String,
    /// The comment file (None when the snapshot has none).
    pub comment_path: Option<PathBuf>,
    /// `%Y:%m:%d %H:%M:%S`.
    pub timestamp: String,
    /// The snapshot's lxcpath (`<dir>/snaps`).
    pub lxcpath: String,
}

impl Container {
    /// Where this container's snapshots go.
    pub fn snapshots_dir(&self) -> PathBuf {
        self.dir().join("snaps")
    }

    /// LXC 1.0's places: `<lxcpath>snaps/<name>` (e.g. /var/lib/lxcsnaps/p1), which the
    /// seed's post spells `lxcsnap`.
    fn legacy_snapshots_dirs(&self) -> [PathBuf; 2] {
        let base = self.config_path().trim_end_matches('/');
        ["snaps", "snap"].map(|tail| PathBuf::from(format!("{base}{tail}")).join(self.name()))
    }

    /// The directories holding snapshots, ours first.
    fn snapshot_dirs(&self) -> Vec<PathBuf> {
        std::iter::once(self.snapshots_dir())
            .chain(self.legacy_snapshots_dirs())
            .filter(|d| d.is_dir())
            .collect()
    }

    /// Take a snapshot (the container must be stopped); returns its number N (`snapN`).
    pub fn snapshot(&self, comment_file: Option<&Path>) -> Result<u32> {
        if let Some(file) = comment_file {
            if !file.is_file() {
                return Err(Error::InvalidArgument(format!(
                    "comment file {} does not exist",
                    file.display()
                )));
            }
        }
        let number = self
            .snapshot_list()?
            .iter()
            .filter_map(|s| s.name.strip_prefix("snap")?.parse::<u32>().ok())
            .max()
            .map_or(0, |n| n + 1);
        let name = format!("snap{number}");
        let dir = self.snapshots_dir();
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let spec = CloneSpec {
            lxcpath: Some(dir.display().to_string()),
            flags: CLONE_KEEPNAME | CLONE_KEEPMACADDR | CLONE_KEEPBDEVTYPE | CLONE_MAYBE_SNAPSHOT,
            ..CloneSpec::default()
        };
        let snap = self.clone(&name, &spec)?;
        let finish = || -> Result<()> {
            let ts = snap.dir().join("ts");
            std::fs::write(&ts, format!("{}\n", timestamp())).map_err(io_err(&ts))?;
            if let Some(file) = comment_file {
                let comment = snap.dir().join("comment");
                std::fs::copy(file, &comment).map_err(io_err(&comment))?;
            }
            Ok(())
        };
        if let Err(e) = finish() {
            let mut snap = snap;
            let _ = snap.destroy();
            return Err(e);
        }
        Ok(number)
    }

    /// The container's snapshots, by number.
    pub fn snapshot_list(&self) -> Result<Vec<SnapshotInfo>> {
        let mut list = Vec::new();
        for dir in self.snapshot_dirs() {
            for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
                let entry = entry.map_err(io_err(&dir))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = entry.path();
                if !path.join("config").is_file()
                    || list.iter().any(|s: &SnapshotInfo| s.name == name)
                {
                    continue;
                }
                let timestamp = std::fs::read_to_string(path.join("ts"))
                    .map(|t| t.trim().to_string())
                    .unwrap_or_default();
                let comment = path.join("comment");
                list.push(SnapshotInfo {
                    name,
                    comment_path: comment.is_file().then_some(comment),
                    timestamp,
                    lxcpath: dir.display().to_string(),
                });
            }
        }
        list.sort_by_key(|s| {
            (
                s.name
                    .strip_prefix("snap")
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(u32::MAX),
                s.name.clone(),
            )
        });
        Ok(list)
    }

    fn snapshot_container(&self, snap: &str) -> Result<Container> {
        let info = self
            .snapshot_list()?
            .into_iter()
            .find(|s| s.name == snap)
            .ok_or_else(|| {
                Error::InvalidArgument(format!("{}: no snapshot {snap}", self.name()))
            })?;
        Container::with_paths(snap, Some(&info.lxcpath), self.paths().clone())
    }

    /// Restore snapshot `snap`: in place (`newname` None or this container's name; the
    /// container must be stopped, its snapshots stay), or as a new container `newname`.
    pub fn snapshot_restore(&mut self, snap: &str, newname: Option<&str>) -> Result<()> {
        let source = self.snapshot_container(snap)?;
        let newname = newname.filter(|n| !n.is_empty() && *n != self.name());
        if let Some(newname) = newname {
            let spec = CloneSpec {
                lxcpath: Some(self.config_path().to_string()),
                flags: CLONE_KEEPMACADDR | CLONE_MAYBE_SNAPSHOT,
                ..CloneSpec::default()
            };
            return source.clone(newname, &spec).map(drop);
        }
        let _guard = self.lock()?;
        self.ensure_stopped()?;
        // A restore replaces a directory rootfs: overlay clones reading it would lose it.
        let replaced_dir = matches!(
            crate::storage::Rootfs::of(self),
            Ok(crate::storage::Rootfs::Dir(_) | crate::storage::Rootfs::Btrfs(_))
        );
        let users = crate::clone::dependents(self);
        if replaced_dir && !users.is_empty() {
            return Err(Error::Command {
                name: self.name().to_string(),
                message: format!("snapshot clones use its rootfs: {}", users.join(", ")),
            });
        }
        // The snapshot is cloned beside the container first; only once that worked does the
        // container's own rootfs go, and the clone's takes its place.
        let temp = format!(".{}-restore-{}", self.name(), std::process::id());
        let spec = CloneSpec {
            lxcpath: Some(self.config_path().to_string()),
            flags: CLONE_KEEPNAME | CLONE_KEEPMACADDR | CLONE_KEEPBDEVTYPE | CLONE_MAYBE_SNAPSHOT,
            ..CloneSpec::default()
        };
        let old_rootfs = crate::storage::Rootfs::of(self)?;
        let restored = source.clone(&temp, &spec)?;
        let (from, to) = (restored.dir(), self.dir());
        // The old rootfs's pieces in the container's directory step aside, the restored
        // ones take their names, the config switches, and only then does the old go: a
        // failure before the switch leaves the container as it was.
        let aside = to.join(format!(".restore-old-{}", std::process::id()));
        std::fs::create_dir(&aside).map_err(io_err(&aside))?;
        let owned = |path: &Path| match &old_rootfs {
            crate::storage::Rootfs::Dir(p)
            | crate::storage::Rootfs::Btrfs(p)
            | crate::storage::Rootfs::Loop(p) => p == path,
            crate::storage::Rootfs::Overlay { upper, .. } => {
                upper == path || crate::storage::overlay::workdir_of(upper) == path
            }
            _ => false,
        };
        for entry in std::fs::read_dir(&from).map_err(io_err(&from))? {
            let entry = entry.map_err(io_err(&from))?;
            let name = entry.file_name();
            // The clone's own bookkeeping stays behind; what the container keeps (its
            // snapshots, an overlay's lower or mount point) is never replaced.
            if name == "config" || name == "lxc_rdepends" || name == "partial" {
                continue;
            }
            let target = to.join(&name);
            if target.symlink_metadata().is_ok() {
                if !owned(&target) {
                    continue;
                }
                std::fs::rename(&target, aside.join(&name)).map_err(io_err(&target))?;
            }
            std::fs::rename(entry.path(), &target).map_err(io_err(&target))?;
        }
        let text = std::fs::read_to_string(restored.config_file_name())
            .map_err(io_err(restored.config_file_name()))?;
        let text = crate::clone::rewrite_paths(&text, &from, &to);
        let config = self.config_file_name().to_path_buf();
        let staged = config.with_extension("restore");
        std::fs::write(&staged, text).map_err(io_err(&staged))?;
        std::fs::rename(&staged, &config).map_err(io_err(&config))?;
        let maps = self.config().id_maps();
        crate::storage::remove_tree_for(&from, &maps)?;
        // Now the old storage goes, wherever it stepped aside to.
        let moved = |p: &PathBuf| match p.file_name() {
            Some(n) if p.parent() == Some(to.as_path()) && aside.join(n).exists() => aside.join(n),
            _ => p.clone(),
        };
        let old = match &old_rootfs {
            crate::storage::Rootfs::Dir(p) => crate::storage::Rootfs::Dir(moved(p)),
            crate::storage::Rootfs::Btrfs(p) => crate::storage::Rootfs::Btrfs(moved(p)),
            crate::storage::Rootfs::Loop(p) => crate::storage::Rootfs::Loop(moved(p)),
            crate::storage::Rootfs::Overlay { lower, upper } => crate::storage::Rootfs::Overlay {
                lower: lower.clone(),
                upper: moved(upper),
            },
            other => other.clone(),
        };
        if let crate::storage::Rootfs::Overlay { upper, .. } = &old_rootfs {
            let work = crate::storage::overlay::workdir_of(upper);
            let _ = crate::storage::remove_tree_for(&moved(&work), &maps);
        }
        let restored_is_old = crate::storage::Rootfs::of(&restored).ok() == Some(old.clone());
        if !restored_is_old && self.config().rootfs_managed {
            match &old {
                crate::storage::Rootfs::Dir(p) => crate::storage::remove_tree_for(p, &maps)?,
                other => crate::storage::destroy_storage(other)?,
            }
        }
        crate::storage::remove_tree_for(&aside, &maps)?;
        self.load_config(Some(&config))
    }

    /// Destroy snapshot `snap`.
    pub fn snapshot_destroy(&self, snap: &str) -> Result<()> {
        self.snapshot_container(snap)?.destroy()
    }

    /// Destroy every snapshot.
    pub fn snapshot_destroy_all(&self) -> Result<()> {
        for snap in self.snapshot_list()? {
            self.snapshot_destroy(&snap.name)?;
        }
        Ok(())
    }

    /// Destroy the container and its snapshots.
    pub fn destroy_with_snapshots(&mut self) -> Result<()> {
        self.snapshot_destroy_all()?;
        self.destroy()
    }
}

/// Now as LXC writes `ts` (UTC here).
fn timestamp() -> String {
    let [y, m, d, h, min, s] = crate::log::utc_parts(crate::log::now_secs());
    format!("{y:04}:{m:02}:{d:02} {h:02}:{min:02}:{s:02}")
}
