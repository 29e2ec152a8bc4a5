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
            && storage::rootfs_dir(self)
                .ok()
                .flatten()
                .is_some_and(|r| r.exists());
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
        let result = self.create_inside(template, flags, args, (bdev, specs));
        if let Err(err) = result {
            // Nothing half-made stays behind.
            if storage::btrfs::is_subvolume(&dir.join("rootfs")) {
                if let Err(e) = storage::btrfs::delete_subvolume(&dir.join("rootfs")) {
                    tracing::error!(container = %self.name(), "cleanup after failed create: {e}");
                }
            }
            storage::destroy_rootfs_dir(&dir.join("rootfs"));
            if let Err(cleanup) = std::fs::remove_dir_all(&dir) {
                tracing::error!(container = %self.name(), "cleanup after failed create: {cleanup}");
            }
            self.clear_config();
            return Err(err);
        }
        Ok(())
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
        (bdev, specs): (Option<&str>, &storage::BdevSpecs),
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
        if self.config().uts_name.is_none() {
            let name = self.name().to_string();
            self.set_config_item("lxc.uts.name", &name)?;
        }
        // A loop container: the template fills the image's filesystem, mounted detached.
        let image = (bdev == Some("loop")).then(|| dir.join("rootdev"));
        if let Some(image) = &image {
            let fstype = specs
                .fstype
                .as_deref()
                .unwrap_or(storage::loopback::DEFAULT_FSTYPE);
            let size = if specs.fssize > 0 {
                specs.fssize
            } else {
                storage::loopback::DEFAULT_SIZE
            };
            storage::loopback::create_image(image, size, fstype)?;
            let value = storage::Rootfs::Loop(image.clone()).config_value();
            self.set_config_item("lxc.rootfs.path", &value)?;
        }
        self.save_config(Some(&dir.join("config")))?;
        if let Some(t) = template.filter(|t| *t != "none") {
            let quiet = flags & CREATE_QUIET != 0;
            match &image {
                Some(image) => storage::with_writable_root(
                    &storage::Rootfs::Loop(image.clone()),
                    &mut |root| templates::run(self, t, root, quiet, args),
                )?,
                None => templates::run(self, t, &rootfs, quiet, args)?,
            }
            // Templates may have appended to the file: read it back as the truth.
            self.load_config(Some(&dir.join("config")))?;
        }
        if matches!(bdev, Some("overlay" | "overlayfs")) {
            // The template's tree is the lower; what changes after lands in delta0.
            let upper = dir.join("delta0");
            for d in [&upper, &storage::overlay::workdir_of(&upper)] {
                std::fs::create_dir(d).map_err(io_err(d))?;
            }
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
