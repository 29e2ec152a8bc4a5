//! `rename`: a stopped container moves to a new name in place (no copy): its directory,
//! the paths in its and its snapshots' configurations, its hostname, and its origin's note
//! of it if it is an overlay clone.

use crate::clone::{dependents, edit_dependents, pairs, rewrite_paths, set_hostname_in, ORIGIN};
use crate::container::{validate_name, Container};
use crate::error::{io_err, Error, Result};
use crate::storage;
use std::path::{Path, PathBuf};

impl Container {
    /// Rename this stopped container (its directory, configuration, hostname and snapshots
    /// follow); refused while overlay clones use its rootfs.
    pub fn rename(&mut self, newname: &str) -> Result<()> {
        validate_name(newname)?;
        if !self.is_defined() {
            return Err(Error::NotDefined(self.name().to_string()));
        }
        let new = Container::with_paths(newname, Some(self.config_path()), self.paths().clone())?;
        let _guard = self.lock()?;
        self.ensure_stopped()?;
        let users = dependents(self);
        if !users.is_empty() {
            return Err(Error::Command {
                name: self.name().to_string(),
                message: format!("snapshot clones use its rootfs: {}", users.join(", ")),
            });
        }
        let _new_guard = new.lock()?;
        let (old_dir, new_dir) = (self.dir(), new.dir());
        if new_dir.exists() {
            return Err(Error::AlreadyDefined(newname.to_string()));
        }
        let origin = pairs(&old_dir.join(ORIGIN)).into_iter().next();
        // Every configuration under the directory (its own, its snapshots') names it: read
        // them before the move, so that a failure after it can put everything back.
        let mut configs = vec![PathBuf::from("config")];
        if let Ok(snaps) = std::fs::read_dir(old_dir.join("snaps")) {
            configs.extend(
                snaps
                    .flatten()
                    .map(|e| Path::new("snaps").join(e.file_name()).join("config")),
            );
        }
        let mut texts = Vec::new();
        for rel in configs.into_iter().filter(|r| old_dir.join(r).is_file()) {
            let path = old_dir.join(&rel);
            texts.push((rel, std::fs::read_to_string(&path).map_err(io_err(&path))?));
        }
        std::fs::rename(&old_dir, &new_dir).map_err(io_err(&new_dir))?;
        let updated = (|| -> Result<()> {
            for (rel, text) in &texts {
                let path = new_dir.join(rel);
                std::fs::write(&path, rewrite_paths(text, &old_dir, &new_dir))
                    .map_err(io_err(&path))?;
            }
            Ok(())
        })();
        if let Err(e) = updated {
            for (rel, text) in &texts {
                let _ = std::fs::write(new_dir.join(rel), text);
            }
            let _ = std::fs::rename(&new_dir, &old_dir);
            return Err(e);
        }
        if let Some(origin) = origin {
            let me = (self.config_path().to_string(), self.name().to_string());
            edit_dependents(self, &origin, |list| {
                for entry in list.iter_mut().filter(|p| **p == me) {
                    entry.1 = newname.to_string();
                }
            })?;
        }
        let old_name = self.name().to_string();
        *self = new;
        self.load_config(None)?;
        self.set_config_item("lxc.uts.name", newname)?;
        self.save_config(None)?;
        let rootfs = storage::Rootfs::of(self)?;
        set_hostname_in(&rootfs, &old_name, newname, &self.config().id_maps())
    }
}
