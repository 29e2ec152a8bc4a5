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
        // Unset, it is SIGPWR; but an init that blocks SIGRTMIN+3 is systemd, which halts
        // on that one (and only starts sigpwr.target on SIGPWR), as LXC detects.
        let systemd_halt = libc::SIGRTMIN() + 3;
        let default = match self.init_pid()? {
            Some(pid) if blocks_signal(pid, systemd_halt) => systemd_halt,
            _ => libc::SIGPWR,
        };
        let signal = self.running_signal("lxc.signal.halt", self.config().signal_halt, default)?;
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
        // 0 is how an unset signal reads.
        Ok(running
            .or(ours)
            .filter(|signal| *signal > 0)
            .unwrap_or(default))
    }
}

/// Whether process `pid` blocks `signal` (its `SigBlk` mask in /proc).
fn blocks_signal(pid: i32, signal: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .is_ok_and(|status| mask_has(&status, signal))
}

/// Whether the `SigBlk` line of a /proc status text has `signal`.
fn mask_has(status: &str, signal: i32) -> bool {
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigBlk:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| (1..=64).contains(&signal) && mask & (1u64 << (signal - 1)) != 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_blocked_signal_is_seen() {
        // systemd's mask blocks SIGRTMIN+3 (signal 37: bit 36).
        let systemd = "Name:\tsystemd\nSigBlk:\t0000001000000000\n";
        assert!(super::mask_has(systemd, 37));
        assert!(!super::mask_has(systemd, libc::SIGPWR));
        assert!(!super::mask_has("SigBlk:\t0000000000000000\n", 37));
        assert!(!super::blocks_signal(-5, 1));
    }
}
