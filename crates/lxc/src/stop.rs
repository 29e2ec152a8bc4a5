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
