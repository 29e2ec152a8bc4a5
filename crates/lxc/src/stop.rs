//! Stopping: hard stop through the monitor, clean shutdown and reboot by signalling init.

use crate::commands;
use crate::container::Container;
use crate::error::{sys_err, Error, Result};
use crate::state::State;
use std::os::fd::AsFd;

impl Container {
    /// Kill the container now (`lxc.signal.stop`, SIGKILL by default); returns when it is gone.
    pub fn stop(&self) -> Result<()> {
        if commands::stop(self.config_path(), self.name())? {
            Ok(())
        } else {
            Err(Error::NotRunning(self.name().to_string()))
        }
    }

    /// Ask init to halt (`lxc.signal.halt`) and wait up to `timeout` seconds (-1: forever,
    /// 0: don't wait). Ok(false) when it did not stop in time.
    pub fn shutdown(&self, timeout: i64) -> Result<bool> {
        let signal =
            self.running_signal("lxc.signal.halt", self.config().signal_halt, libc::SIGPWR)?;
        // A frozen init cannot act on the signal: thaw it first, as LXC does.
        if self.state()? == State::Frozen {
            self.unfreeze()?;
        }
        self.signal_init(signal)?;
        if timeout == 0 {
            return Ok(true);
        }
        commands::wait_for_states(self.config_path(), self.name(), &[State::Stopped], timeout)
    }

    /// Ask init to reboot (`lxc.signal.reboot`).
    pub fn reboot(&self) -> Result<()> {
        let signal = self.running_signal(
            "lxc.signal.reboot",
            self.config().signal_reboot,
            libc::SIGINT,
        )?;
        self.signal_init(signal)
    }

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

    fn signal_init(&self, signal: i32) -> Result<()> {
        let pidfd = self
            .init_pidfd()?
            .ok_or_else(|| Error::NotRunning(self.name().to_string()))?;
        lxc_sys::process::pidfd_send_signal(pidfd.as_fd(), signal).map_err(sys_err(format!(
            "signal {signal} to {}'s init",
            self.name()
        )))
    }

    /// A signal setting as the running container has it (its config may differ from ours).
    fn running_signal(&self, key: &str, ours: Option<i32>, default: i32) -> Result<i32> {
        let running = self
            .get_running_config_item(key)?
            .and_then(|v| v.trim().parse::<i32>().ok());
        Ok(running.or(ours).unwrap_or(default))
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
