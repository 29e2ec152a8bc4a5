//! How a clone gets its rootfs: the backing decided before anything is made (as LXC
//! decides it), then made in the clone's new directory from the source, which is only read.

use super::{block, btrfs, copy, loopback, lvm, overlay, with_root, zfs, Defaults, Rootfs};
use crate::clone::{CloneSpec, CLONE_MAYBE_SNAPSHOT, CLONE_SNAPSHOT};
use crate::error::{io_err, Error, Result};
use std::path::Path;

/// How a clone gets its rootfs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// A full copy into a new directory, subvolume, image, volume or dataset.
    CopyDir,
    CopyBtrfs,
    CopyLoop,
    CopyLvm,
    CopyZfs,
    /// Copy-on-write: an overlay over the source, or the backend's own snapshot.
    OverlaySnapshot,
    BtrfsSnapshot,
    LvmSnapshot,
    ZfsSnapshot,
}

/// An explicit type; else for a snapshot the source's copy-on-write kind (overlay over a
/// `dir` or a loop-less source); else a copy of the source's kind.
pub fn clone_backing(src: &Rootfs, spec: &CloneSpec) -> Result<Backing> {
    let asked = spec.flags & CLONE_SNAPSHOT != 0;
    let snapshot = asked || (spec.flags & CLONE_MAYBE_SNAPSHOT != 0 && src.can_snapshot());
    let refuse = |what: &str| Err(Error::InvalidArgument(what.to_string()));
    match (spec.bdevtype.as_deref(), src) {
        (Some("overlay" | "overlayfs"), Rootfs::Loop(_) | Rootfs::Lvm(_) | Rootfs::Zfs(_)) => {
            refuse("an overlay needs a directory below it (dir, btrfs or overlay source)")
        }
        (Some("overlay" | "overlayfs"), _) => Ok(Backing::OverlaySnapshot),
        (Some("btrfs"), Rootfs::Btrfs(_)) if snapshot => Ok(Backing::BtrfsSnapshot),
        (Some("btrfs"), _) => Ok(Backing::CopyBtrfs),
        (Some("lvm"), Rootfs::Lvm(_)) if snapshot => Ok(Backing::LvmSnapshot),
        (Some("lvm"), _) => Ok(Backing::CopyLvm),
        (Some("zfs"), Rootfs::Zfs(_)) if snapshot => Ok(Backing::ZfsSnapshot),
        (Some("zfs"), _) => Ok(Backing::CopyZfs),
        (Some("dir" | "loop"), _) if asked => {
            refuse("this backend cannot snapshot: use -B overlay, btrfs, lvm or zfs")
        }
        (Some("dir"), _) => Ok(Backing::CopyDir),
        (Some("loop"), _) => Ok(Backing::CopyLoop),
        (Some(other @ ("rbd" | "nbd")), _) => Err(Error::Unsupported {
            name: String::new(),
            key: format!("backing store {other}"),
        }),
        (Some(other), _) => refuse(&format!("unknown backing store type \"{other}\"")),
        (None, Rootfs::Loop(_)) if asked => refuse("a loop backend cannot snapshot"),
        (None, Rootfs::Loop(_)) => Ok(Backing::CopyLoop),
        (None, Rootfs::Btrfs(_)) if snapshot => Ok(Backing::BtrfsSnapshot),
        (None, Rootfs::Lvm(_)) if snapshot => Ok(Backing::LvmSnapshot),
        (None, Rootfs::Zfs(_)) if snapshot => Ok(Backing::ZfsSnapshot),
        (None, Rootfs::Dir(_) | Rootfs::Overlay { .. }) if snapshot => Ok(Backing::OverlaySnapshot),
        (None, Rootfs::Btrfs(_)) => Ok(Backing::CopyBtrfs),
        (None, Rootfs::Lvm(_)) => Ok(Backing::CopyLvm),
        (None, Rootfs::Zfs(_)) => Ok(Backing::CopyZfs),
        (None, _) => Ok(Backing::CopyDir),
    }
}

/// Make a clone's rootfs in its new directory `dir` from `src`; `newsize`: the size of a
/// new image or volume (0: the source's, else the default).
pub fn make_clone(
    src: &Rootfs,
    backing: &Backing,
    dir: &Path,
    newsize: u64,
    defaults: &Defaults,
    maps: &lxc_config::idmap::IdMaps,
) -> Result<Rootfs> {
    let rootfs = dir.join("rootfs");
    let name = volume_name(dir);
    // A new volume is as big as the source's, unless a size is given.
    let source_size = match src {
        Rootfs::Lvm(dev) => lvm::size_of(dev),
        Rootfs::Loop(image) => std::fs::metadata(image).ok().map(|m| m.len()),
        _ => None,
    };
    let size = match (newsize, source_size) {
        (0, Some(n)) => n,
        (0, None) => block::DEFAULT_SIZE,
        (n, _) => n,
    };
    let made = match backing {
        Backing::CopyDir => {
            // An unprivileged container's tree is copied as its root (a user's from
            // inside its user namespace).
            with_root(src, &mut |from| {
                let op = super::as_root::FileOp::Copy(from.to_path_buf(), rootfs.clone());
                super::as_root::run_for(&op, maps)
            })?;
            return Ok(Rootfs::Dir(rootfs));
        }
        Backing::CopyBtrfs => {
            btrfs::create_subvolume(&rootfs)?;
            with_root(src, &mut |from| copy::copy_into(from, &rootfs).map(drop))?;
            return Ok(Rootfs::Btrfs(rootfs));
        }
        Backing::BtrfsSnapshot => {
            let (Rootfs::Btrfs(from) | Rootfs::Dir(from)) = src else {
                return Err(Error::InvalidArgument(
                    "only a subvolume has a btrfs snapshot".into(),
                ));
            };
            btrfs::snapshot(from, &rootfs)?;
            return Ok(Rootfs::Btrfs(rootfs));
        }
        Backing::OverlaySnapshot => return overlay::snapshot(src, dir, maps),
        Backing::CopyLoop => {
            let image = dir.join("rootdev");
            let (size, fstype) = match src {
                Rootfs::Loop(p) if newsize == 0 => {
                    let len = std::fs::metadata(p).map_err(io_err(p))?.len();
                    (len, loopback::mount_detached(p, &[])?.1)
                }
                _ => (size, block::DEFAULT_FSTYPE),
            };
            loopback::create_image(&image, size, fstype)?;
            Rootfs::Loop(image)
        }
        Backing::CopyLvm => {
            let vg = match src {
                Rootfs::Lvm(dev) => dev
                    .parent()
                    .and_then(|p| p.file_name())
                    .map(|v| v.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                _ => defaults.vg.clone(),
            };
            let vol = lvm::Volume {
                vg,
                lv: name.clone(),
                thinpool: Some(defaults.thinpool.clone()),
            };
            Rootfs::Lvm(lvm::create(&vol, size, block::DEFAULT_FSTYPE)?)
        }
        Backing::LvmSnapshot => {
            let Rootfs::Lvm(origin) = src else {
                return Err(Error::InvalidArgument(
                    "only a volume has an lvm snapshot".into(),
                ));
            };
            Rootfs::Lvm(lvm::snapshot(origin, &name, size)?)
        }
        Backing::CopyZfs => {
            let root = match src {
                Rootfs::Zfs(ds) => ds
                    .rsplit_once('/')
                    .map_or(ds.as_str(), |(r, _)| r)
                    .to_string(),
                _ => defaults.zfsroot.clone(),
            };
            Rootfs::Zfs(zfs::create(&root, &name)?)
        }
        Backing::ZfsSnapshot => {
            let Rootfs::Zfs(origin) = src else {
                return Err(Error::InvalidArgument(
                    "only a dataset has a zfs snapshot".into(),
                ));
            };
            Rootfs::Zfs(zfs::snapshot(origin, &name)?)
        }
    };
    // A new image, volume or dataset: mounted on `rootfs` at start, filled by copy now
    // (snapshots are already full).
    let filled = std::fs::create_dir(&rootfs)
        .map_err(io_err(&rootfs))
        .and_then(|()| match backing {
            Backing::LvmSnapshot | Backing::ZfsSnapshot => Ok(()),
            _ => with_root(src, &mut |from| {
                with_root(&made, &mut |to| copy::copy_into(from, to).map(drop))
            }),
        });
    if let Err(e) = filled {
        if let Err(undo) = super::destroy_storage(&made) {
            tracing::error!("removing the half-made clone rootfs: {undo}");
        }
        return Err(e);
    }
    Ok(made)
}

/// The volume or dataset name of a clone in `dir`: its container's name, or for a snapshot
/// (`<c>/snaps/snapN`) `<c>_snapN`, so that snapshots of different containers never meet in
/// one volume group or pool.
fn volume_name(dir: &Path) -> String {
    let name = |p: Option<&Path>| {
        p.and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let parent = dir.parent();
    if name(parent) == "snaps" {
        format!(
            "{}_{}",
            name(parent.and_then(|p| p.parent())),
            name(Some(dir))
        )
    } else {
        name(Some(dir))
    }
}

#[cfg(test)]
mod tests {
    use super::volume_name;
    use std::path::Path;

    #[test]
    fn snapshot_volumes_carry_their_container_name() {
        assert_eq!(volume_name(Path::new("/var/lib/lxc/p1")), "p1");
        assert_eq!(
            volume_name(Path::new("/var/lib/lxc/p1/snaps/snap0")),
            "p1_snap0"
        );
    }
}
