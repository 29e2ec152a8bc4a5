//! `create`: a new container from a template, all or nothing. While it works a `partial`
//! marker is held locked; a crash leaves the marker unlocked and the next load cleans up.

use crate::container::Container;
use crate::error::{io_err, Error, Result};
use crate::storage;
use crate::templates;
use lxc_sys::fs::{ofd_lock, LockKind};
use std::os::fd::AsFd;
use std::path::Path;

/// LXC_CREATE_QUIET: templates' output is not shown.
pub const CREATE_QUIET: i32 = 1;

impl Container {
    /// `create(template, bdevtype, specs, flags, argv)`. `template` None creates a container
    /// with only a configuration (LXC's `-t none`).
    pub fn create(
        &mut self,
        template: Option<&str>,
        bdev: Option<&str>,
        flags: i32,
        args: &[String],
    ) -> Result<()> {
        self.create_with(template, bdev, &storage::BdevSpecs::default(), flags, args)
    }

    /// `create` with the backend's settings (`--fstype`, `--fssize`).
    pub fn create_with(
        &mut self,
        template: Option<&str>,
        bdev: Option<&str>,
        specs: &storage::BdevSpecs,
        flags: i32,
        args: &[String],
    ) -> Result<()> {
        storage::check_backend(self.name(), bdev)?;
        let _guard = self.lock()?;
        // As LXC: a container exists when its rootfs does. A config saved ahead of create
        // (python3-lxc saves one) is not an existing container.
        let rootfs_exists = self.is_defined()
            && self.config().rootfs_path.is_some()
            && match storage::Rootfs::of(self) {
                Ok(storage::Rootfs::Dir(p) | storage::Rootfs::Btrfs(p)) => p.exists(),
                Ok(storage::Rootfs::Overlay { upper, .. }) => upper.exists(),
                Ok(storage::Rootfs::Loop(image) | storage::Rootfs::Lvm(image)) => image.exists(),
                Ok(storage::Rootfs::Zfs(_)) => true,
                Err(_) => false,
            };
        if rootfs_exists {
            return Err(Error::AlreadyDefined(self.name().to_string()));
        }
        // With no configuration of its own the container starts from lxc.default_config.
        if !self.config_loaded() {
            self.load_default_config()?;
        }
        let dir = self.dir();
        let lxcpath = Path::new(self.config_path());
        std::fs::create_dir_all(lxcpath).map_err(io_err(lxcpath))?;
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => return Err(io_err(&dir)(e)),
        }
        // `best`, as LXC picks: btrfs where the lxcpath is on btrfs, else a directory.
        let bdev = match bdev {
            Some("best") if storage::btrfs::on_btrfs(lxcpath) => Some("btrfs"),
            Some("best" | "none") => Some("dir"),
            other => other,
        };
        let made = match self.make_storage(bdev, specs) {
            Ok(made) => made,
            Err(e) => {
                let _ = storage::remove_tree(&dir);
                self.clear_config();
                return Err(e);
            }
        };
        let result = self.create_inside(template, flags, args, (bdev, made.as_ref()));
        if let Err(err) = result {
            // Nothing half-made stays behind.
            if let Some(made) = &made {
                if let Err(e) = storage::destroy_storage(made) {
                    tracing::error!(container = %self.name(), "cleanup after failed create: {e}");
                }
            }
            if storage::btrfs::is_subvolume(&dir.join("rootfs")) {
                if let Err(e) = storage::btrfs::delete_subvolume(&dir.join("rootfs")) {
                    tracing::error!(container = %self.name(), "cleanup after failed create: {e}");
                }
            }
            let maps = self.config().id_maps();
            storage::destroy_rootfs_dir(&dir.join("rootfs"), &maps);
            if let Err(cleanup) = storage::remove_tree_for(&dir, &maps) {
                tracing::error!(container = %self.name(), "cleanup after failed create: {cleanup}");
            }
            self.clear_config();
            return Err(err);
        }
        Ok(())
    }

    /// The storage of a block backend, made before the template runs (None: a directory).
    fn make_storage(
        &self,
        bdev: Option<&str>,
        specs: &storage::BdevSpecs,
    ) -> Result<Option<storage::Rootfs>> {
        let fstype = specs
            .fstype
            .as_deref()
            .unwrap_or(storage::block::DEFAULT_FSTYPE);
        let size = if specs.fssize > 0 {
            specs.fssize
        } else {
            storage::block::DEFAULT_SIZE
        };
        let or = |given: &Option<String>, default: &str| {
            given.clone().unwrap_or_else(|| default.to_string())
        };
        Ok(match bdev {
            Some("loop") => {
                let image = self.dir().join("rootdev");
                storage::loopback::create_image(&image, size, fstype)?;
                Some(storage::Rootfs::Loop(image))
            }
            Some("lvm") => {
                let d = storage::Defaults::load(self.paths())?;
                let vol = storage::lvm::Volume {
                    vg: or(&specs.vgname, &d.vg),
                    lv: or(&specs.lvname, self.name()),
                    thinpool: Some(or(&specs.thinpool, &d.thinpool)),
                };
                Some(storage::Rootfs::Lvm(storage::lvm::create(
                    &vol, size, fstype,
                )?))
            }
            Some("zfs") => {
                let d = storage::Defaults::load(self.paths())?;
                let root = or(&specs.zfsroot, &d.zfsroot);
                Some(storage::Rootfs::Zfs(storage::zfs::create(
                    &root,
                    self.name(),
                )?))
            }
            _ => None,
        })
    }

    /// Load `lxc.default_config` of the global configuration, if that file exists.
    pub fn load_default_config(&mut self) -> Result<()> {
        let global = lxc_config::GlobalConfig::load(self.paths())?;
        if let Some(path) = global.get("lxc.default_config") {
            let path = Path::new(&path);
            if path.is_file() {
                self.load_config(Some(path))?;
            }
        }
        Ok(())
    }

    fn create_inside(
        &mut self,
        template: Option<&str>,
        flags: i32,
        args: &[String],
        (bdev, made): (Option<&str>, Option<&storage::Rootfs>),
    ) -> Result<()> {
        let btrfs = bdev == Some("btrfs");
        let dir = self.dir();
        let partial = dir.join("partial");
        let marker = std::fs::File::create(&partial).map_err(io_err(&partial))?;
        ofd_lock(marker.as_fd(), LockKind::Exclusive, true).map_err(io_err(&partial))?;

        let rootfs = dir.join("rootfs");
        // The caller's in-memory settings (e.g. `-f` file) come first, then ours.
        if self.config().rootfs_path.is_none() {
            let kind = if btrfs { "btrfs" } else { "dir" };
            self.set_config_item("lxc.rootfs.path", &format!("{kind}:{}", rootfs.display()))?;
        }
        let rootfs = storage::rootfs_dir(self)?.unwrap_or(rootfs);
        if btrfs && !rootfs.exists() {
            storage::btrfs::create_subvolume(&rootfs)?;
        }
        std::fs::create_dir_all(&rootfs).map_err(io_err(&rootfs))?;
        // A user's unprivileged container: the container's root owns its directory, as in
        // LXC, and the user keeps it through its group (0770). Root's stays root's (its
        // config and hooks must not be the container root's to change).
        let maps = self.config().id_maps();
        if !maps.is_empty() && lxc_sys::geteuid() != 0 {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770))
                .map_err(io_err(&dir))?;
            storage::shift::chown_to_mapped_root(&dir, &maps)?;
        }
        if self.config().uts_name.is_none() {
            let name = self.name().to_string();
            self.set_config_item("lxc.uts.name", &name)?;
        }
        // An image, volume or dataset: the template fills it, mounted detached.
        if let Some(made) = made {
            self.set_config_item("lxc.rootfs.path", &made.config_value())?;
        }
        self.save_config(Some(&dir.join("config")))?;
        if let Some(t) = template.filter(|t| *t != "none") {
            let quiet = flags & CREATE_QUIET != 0;
            match made {
                Some(made) => storage::with_writable_root(made, &mut |root| {
                    templates::run(self, t, root, quiet, args)
                })?,
                None => templates::run(self, t, &rootfs, quiet, args)?,
            }
            // Templates may have appended to the file: read it back as the truth.
            self.load_config(Some(&dir.join("config")))?;
        }
        if matches!(bdev, Some("overlay" | "overlayfs")) {
            // The template's tree is the lower; what changes after lands in delta0.
            let upper = dir.join("delta0");
            storage::overlay::make_upper(&upper, &rootfs)?;
            let work = storage::overlay::workdir_of(&upper);
            std::fs::create_dir(&work).map_err(io_err(&work))?;
            let overlay = storage::Rootfs::Overlay {
                lower: rootfs.clone(),
                upper,
            };
            self.set_config_item("lxc.rootfs.path", &overlay.config_value())?;
            self.save_config(Some(&dir.join("config")))?;
        }
        std::fs::remove_file(&partial).map_err(io_err(&partial))?;
        drop(marker);
        Ok(())
    }
}
