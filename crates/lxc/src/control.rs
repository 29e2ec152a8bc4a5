//! Controls of a running container through its cgroup: freeze and thaw, cgroup items.

use crate::commands;
use crate::container::Container;
use crate::error::{Error, Result};

impl Container {
    /// Freeze every process of the container (FREEZING, then FROZEN).
    pub fn freeze(&self) -> Result<()> {
        self.freeze_command(commands::Cmd::Freeze)
    }

    /// Thaw a frozen container (THAWED, then RUNNING).
    pub fn unfreeze(&self) -> Result<()> {
        self.freeze_command(commands::Cmd::Unfreeze)
    }

    fn freeze_command(&self, cmd: commands::Cmd) -> Result<()> {
        let resp = commands::call(self.config_path(), self.name(), cmd, u64::MAX, &[])?
            .ok_or_else(|| Error::NotRunning(self.name().to_string()))?;
        if resp.ret < 0 {
            return Err(Error::Command {
                name: self.name().into(),
                message: format!("{cmd:?}: {}", std::io::Error::from_raw_os_error(-resp.ret)),
            });
        }
        Ok(())
    }
}

impl Container {
    /// The file of a cgroup item (`pids.max`, `cgroup.procs`, ...) in the running container's
    /// cgroup on the unified hierarchy.
    fn cgroup_item_path(&self, key: &str) -> Result<std::path::PathBuf> {
        if key.is_empty() || key.contains('/') || key.starts_with('.') {
            return Err(Error::InvalidArgument(format!(
                "invalid cgroup item \"{key}\""
            )));
        }
        let rel = commands::get_string(
            self.config_path(),
            self.name(),
            commands::Cmd::GetCgroup,
            "",
        )?
        .ok_or_else(|| Error::NotRunning(self.name().to_string()))?;
        let mount = crate::cgroup::unified_mount()
            .ok_or_else(|| Error::InvalidArgument("no cgroup2 hierarchy is mounted".into()))?;
        let path = mount.join(rel.trim_start_matches('/')).join(key);
        if !path.exists() {
            return Err(Error::InvalidArgument(format!(
                "no cgroup item \"{key}\" for this container (its cgroup is on the unified hierarchy; \
                 legacy controller hierarchies are not supported yet)"
            )));
        }
        Ok(path)
    }

    /// `get_cgroup_item`: a cgroup file's content, without its final newline.
    pub fn get_cgroup_item(&self, key: &str) -> Result<String> {
        let path = self.cgroup_item_path(key)?;
        let text = std::fs::read_to_string(&path).map_err(crate::error::io_err(&path))?;
        Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
    }

    /// `set_cgroup_item`: write a cgroup file of the running container.
    pub fn set_cgroup_item(&self, key: &str, value: &str) -> Result<()> {
        let path = self.cgroup_item_path(key)?;
        std::fs::write(&path, value).map_err(crate::error::io_err(&path))
    }
}
