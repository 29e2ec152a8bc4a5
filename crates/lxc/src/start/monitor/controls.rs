//! What the monitor does to a running container on request: freeze and thaw (and the state
//! they show), and answering the seccomp policy's `notify` rules.

use super::{Monitor, FREEZE_TIMEOUT};
use crate::cgroup::PayloadCgroup;
use crate::state::State;
use std::os::fd::AsFd;

impl Monitor {
    /// Answer a syscall a `notify` rule stopped.
    pub(super) fn answer_seccomp(&mut self) {
        let Some(l) = &self.seccomp_listener else {
            return;
        };
        let answered = match &mut self.seccomp_proxy {
            Some(proxy) => proxy.forward(l.as_fd()).map(|()| {
                tracing::debug!("seccomp notification handed to the proxy");
            }),
            None => lxc_sys::seccomp::notification(l.as_fd()).map(|n| {
                tracing::debug!(
                    pid = n.pid,
                    syscall = n.syscall,
                    "seccomp notification answered ENOSYS"
                );
                let _ = lxc_sys::seccomp::answer_errno(l.as_fd(), n.id, libc::ENOSYS);
            }),
        };
        match answered {
            Ok(()) => {}
            // The filter's last process is gone: nothing more will come.
            Err(e)
                if e.raw_os_error() != Some(libc::EINTR)
                    && e.raw_os_error() != Some(libc::ENOENT) =>
            {
                // Nothing awaited can be answered any more either.
                self.seccomp_listener = None;
                self.seccomp_proxy = None;
            }
            Err(_) => {}
        }
    }

    /// Pass on the proxy's answers that arrived, and give up on those overdue.
    pub(super) fn proxy_answers(&mut self, readable: bool) {
        let (Some(l), Some(proxy)) = (&self.seccomp_listener, &mut self.seccomp_proxy) else {
            return;
        };
        if readable {
            proxy.on_answer(l.as_fd());
        }
        proxy.expire(l.as_fd(), std::time::Instant::now());
    }

    /// The state, counting a v1 freezer that LXC's tools froze or thawed directly.
    pub(super) fn effective_state(&self) -> State {
        match &self.cgroup {
            Some(cg) => self.effective_state_of(cg),
            None => self.state,
        }
    }

    fn effective_state_of(&self, cg: &PayloadCgroup) -> State {
        if !matches!(self.state, State::Running | State::Frozen) {
            return self.state;
        }
        match cg.legacy_frozen() {
            Some(true) => State::Frozen,
            Some(false) => State::Running,
            None => self.state,
        }
    }

    /// FREEZING -> FROZEN, or THAWED (broadcast only) -> RUNNING. Returns 0 or -errno.
    pub(super) fn freeze(&mut self, frozen: bool) -> i32 {
        let Some(cg) = self.cgroup.take() else {
            return -libc::ENOENT;
        };
        let ret = self.freeze_cgroup(&cg, frozen);
        self.cgroup = Some(cg);
        ret
    }

    fn freeze_cgroup(&mut self, cg: &PayloadCgroup, frozen: bool) -> i32 {
        self.state = self.effective_state_of(cg);
        let from = if frozen {
            State::Running
        } else {
            State::Frozen
        };
        if self.state != from {
            // Already there is fine; anything else (starting, stopping) is not.
            let there = if frozen {
                State::Frozen
            } else {
                State::Running
            };
            return if self.state == there {
                0
            } else {
                -libc::EINVAL
            };
        }
        self.set_state(if frozen {
            State::Freezing
        } else {
            State::Thawed
        });
        match cg.freeze(frozen, FREEZE_TIMEOUT) {
            Ok(()) => {
                self.set_state(if frozen {
                    State::Frozen
                } else {
                    State::Running
                });
                0
            }
            Err(e) => {
                tracing::error!("{e}");
                self.set_state(from);
                -libc::ETIMEDOUT
            }
        }
    }
}

impl Monitor {
    /// lxc-rs's `device_rule` command: `allow RULE` or `deny RULE` (v1 syntax, `c 1:3 rwm`)
    /// added to the cgroup2 device policy, whose program is replaced (cgroup2 has no
    /// devices.allow file; on v1 the client writes that file itself).
    pub(super) fn device_rule(&mut self, text: &str) -> Result<(), String> {
        let (allow, rule) = match text.split_once(' ') {
            Some(("allow", rule)) => (true, rule),
            Some(("deny", rule)) => (false, rule),
            _ => return Err(format!("bad device rule request \"{text}\"")),
        };
        // One whole device, as add/remove_device_node ask: never a wildcard or `a`, which
        // would open (or shut) far more than a node.
        if !is_one_device(rule) {
            return Err(format!(
                "device rule \"{rule}\": only \"c|b MAJOR:MINOR rwm\""
            ));
        }
        let cg = self.cgroup.as_ref().ok_or("the container has no cgroup")?;
        let mut policy = self
            .devices
            .clone()
            .unwrap_or_else(crate::cgroup::DevicePolicy::allow_all);
        policy.add_rule(allow, rule)?;
        let prog = cg.attach_device_policy(&policy, self.device_prog.as_ref())?;
        tracing::info!(container = %self.plan.req.name, "device rule: {text}");
        self.device_prog = Some(prog);
        self.devices = Some(policy);
        Ok(())
    }
}

/// `c 1:3 rwm` or `b 7:0 rwm`: one device, every access.
fn is_one_device(rule: &str) -> bool {
    let number = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    match rule.split(' ').collect::<Vec<_>>().as_slice() {
        [kind, numbers, "rwm"] if matches!(*kind, "c" | "b") => numbers
            .split_once(':')
            .is_some_and(|(major, minor)| number(major) && number(minor)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn device_rules_name_one_device() {
        assert!(super::is_one_device("c 1:3 rwm"));
        assert!(super::is_one_device("b 7:0 rwm"));
        for bad in [
            "a",
            "c *:* rwm",
            "c 1:* rwm",
            "c 1:3 r",
            "x 1:3 rwm",
            "c 1:3 rwm x",
            "",
        ] {
            assert!(!super::is_one_device(bad), "{bad}");
        }
    }
}
