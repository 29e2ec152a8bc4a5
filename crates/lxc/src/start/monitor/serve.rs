//! The monitor's command socket: LXC's numbered commands, answered in its wire format.

use super::{Monitor, Waiter};
use crate::cgroup;
use crate::commands::{self, Cmd};
use crate::state::MAX_STATE;
use lxc_sys::process as p;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

impl Monitor {
    pub(super) fn accept_client(&mut self) {
        let Some(listener) = &self.listener else {
            return;
        };
        let Ok(conn) = lxc_sys::sock::accept(listener.as_fd()) else {
            return;
        };
        let _ = lxc_sys::sock::set_timeouts(conn.as_fd(), 2000);
        let mut header = [0u8; 16];
        let mut fds = Vec::new();
        if !matches!(
            commands::read_exact_fds(conn.as_fd(), &mut header, &mut fds),
            Ok(true)
        ) {
            return;
        }
        let (cmd, datalen, slot) = commands::decode_header(&header);
        tracing::trace!(cmd, datalen, "command received");
        if datalen < 0 || datalen as usize > commands::MAX_PAYLOAD {
            return;
        }
        let mut data = vec![0u8; datalen as usize];
        if datalen > 0 && commands::read_exact_fds(conn.as_fd(), &mut data, &mut fds).is_err() {
            return;
        }
        // Only root and the monitor's own user may control the container.
        let allowed = lxc_sys::sock::peer_cred(conn.as_fd())
            .map(|c| c.uid == 0 || (c.uid == lxc_sys::geteuid() && c.gid == lxc_sys::getegid()))
            .unwrap_or(false);
        if !allowed {
            reply(conn.as_fd(), -libc::EPERM, 0, &[], &[]);
            return;
        }
        self.handle(conn, cmd, slot, &data);
    }

    fn handle(&mut self, conn: OwnedFd, cmd: i32, slot: u64, data: &[u8]) {
        let c = conn.as_fd();
        let text = || {
            let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
            String::from_utf8_lossy(&data[..end]).into_owned()
        };
        match Cmd::from_number(cmd) {
            Some(Cmd::GetState) => reply(c, 0, self.effective_state() as u64, &[], &[]),
            Some(Cmd::GetInitPid) => reply(c, 0, self.init_pid as u64, &[], &[]),
            Some(Cmd::GetCloneFlags) => reply(c, 0, self.plan.clone_flags as u32 as u64, &[], &[]),
            Some(Cmd::GetSeccompNotifyFd) => match &self.seccomp_listener {
                Some(fd) => reply(c, 0, 0, &[], &[fd.as_fd()]),
                None => reply(c, -libc::EBADF, 0, &[], &[]),
            },
            Some(Cmd::GetDevptsFd) => match &self.devpts {
                Some(fd) => reply(c, 0, 0, &[], &[fd.as_fd()]),
                None => reply(c, -libc::EBADF, 0, &[], &[]),
            },
            Some(Cmd::GetInitPidfd) => match &self.init_pidfd {
                Some(fd) => reply(c, 0, 0, &[], &[fd.as_fd()]),
                None => reply(c, -libc::EBADF, 0, &[], &[]),
            },
            Some(Cmd::GetHelperFd) => match self.sealed_helper() {
                Ok(fd) => reply(c, 0, 0, &[], &[fd.as_fd()]),
                Err(e) => {
                    tracing::error!("no sealed helper for attach: {e}");
                    reply(c, -libc::ENOENT, 0, &[], &[])
                }
            },
            Some(Cmd::GetAttachInfo) => match &self.init_pidfd {
                Some(fd) => {
                    let item = |key: &str| self.plan.config.get_item(key).unwrap_or_default();
                    let info = commands::AttachInfo {
                        cgroups: self
                            .cgroup
                            .as_ref()
                            .map(|g| g.all_paths(false))
                            .unwrap_or_default(),
                        seccomp_profile: item("lxc.seccomp.profile"),
                        cap_drop: item("lxc.cap.drop"),
                        cap_keep: item("lxc.cap.keep"),
                        arch: item("lxc.arch"),
                        sched_core: item("lxc.sched.core"),
                        no_new_privs: item("lxc.no_new_privs"),
                    };
                    match serde_json::to_vec(&info) {
                        Ok(data) => reply(c, 0, 0, &data, &[fd.as_fd()]),
                        Err(_) => reply(c, -libc::ENOMEM, 0, &[], &[]),
                    }
                }
                None => reply(c, -libc::EBADF, 0, &[], &[]),
            },
            Some(Cmd::GetName) => reply_str(c, self.name()),
            Some(Cmd::GetLxcpath) => reply_str(c, &self.plan.req.lxcpath),
            Some(which @ (Cmd::GetCgroup | Cmd::GetLimitCgroup)) => {
                let controller = text();
                let limit = which == Cmd::GetLimitCgroup;
                let answer = self.cgroup.as_ref().and_then(|g| {
                    if controller == cgroup::ALL_HIERARCHIES {
                        Some(g.all_paths(limit))
                    } else {
                        g.path_for(&controller, limit).map(str::to_string)
                    }
                });
                match answer {
                    Some(path) => reply_str(c, &path),
                    None => reply(c, -libc::ENOENT, 0, &[], &[]),
                }
            }
            // As LXC: an unset (empty) item is an error, which is how clients such as
            // lxc-info find the end of the NIC list.
            Some(Cmd::GetConfigItem) => match self.plan.config.get_item(&text()) {
                Ok(v) if !v.is_empty() => reply_str(c, &v),
                Ok(_) => reply(c, -libc::ENOENT, 0, &[], &[]),
                Err(_) => reply(c, -libc::EINVAL, 0, &[], &[]),
            },
            Some(Cmd::Stop) => {
                let sig = self.plan.config.signal_stop.unwrap_or(libc::SIGKILL);
                let ok = self
                    .init_pidfd
                    .as_ref()
                    .map(|fd| p::pidfd_send_signal(fd.as_fd(), sig));
                match ok {
                    Some(Ok(())) => {
                        if let Some(cg) = &self.cgroup {
                            if sig == libc::SIGKILL {
                                cg.kill_all();
                            }
                            // A frozen container must run to act on its stop signal (and
                            // its frozen tasks to die).
                            cg.thaw_all();
                        }
                        // No reply: the connection closes when the container is gone.
                        self.waiters.push(Waiter {
                            conn,
                            states: vec![],
                        });
                    }
                    _ => reply(c, -libc::ESRCH, 0, &[], &[]),
                }
            }
            Some(Cmd::AddStateClient) => {
                let states = commands::decode_states(data);
                // The answer travels in the data slot: the state if already reached, else
                // MAX_STATE and a state message follows later.
                if states.contains(&self.state) {
                    reply(c, 0, self.state as u64, &[], &[]);
                } else {
                    reply(c, 0, MAX_STATE as u64, &[], &[]);
                    self.waiters.push(Waiter { conn, states });
                }
            }
            Some(Cmd::GetTtyFd) => self.give_tty(conn, slot as i64 as i32),
            Some(Cmd::TerminalWinch) => reply(c, 0, 0, &[], &[]),
            Some(Cmd::Freeze) => {
                let ret = self.freeze(true);
                reply(c, ret, 0, &[], &[])
            }
            Some(Cmd::Unfreeze) => {
                let ret = self.freeze(false);
                reply(c, ret, 0, &[], &[])
            }
            Some(Cmd::ConsoleLog) => match crate::console::ConsoleLogRequest::decode(data) {
                Some(req) => match self.console_out.console_log(req) {
                    Ok(bytes) => reply(c, 0, 0, &bytes, &[]),
                    Err(errno) => reply(c, errno, 0, &[], &[]),
                },
                None => reply(c, -libc::EINVAL, 0, &[], &[]),
            },
            Some(Cmd::DeviceRule) => match self.device_rule(&text()) {
                Ok(()) => reply(c, 0, 0, &[], &[]),
                Err(message) => {
                    let mut data = message.into_bytes();
                    data.push(0);
                    reply(c, -libc::EINVAL, 0, &data, &[]);
                }
            },
            _ => reply(c, -libc::ENOSYS, 0, &[], &[]),
        }
    }

    /// `get_tty_fd`: -1 = the first free tty, N = tty N; 0 = the console.
    fn give_tty(&mut self, conn: OwnedFd, want: i32) {
        let index = if want < 0 {
            self.tty_holders.iter().position(|h| h.is_none())
        } else if want == 0 {
            None
        } else {
            Some(want as usize - 1)
                .filter(|i| self.tty_holders.get(*i).is_some_and(|h| h.is_none()))
        };
        if want == 0 {
            match &self.console {
                Some(console) => reply(conn.as_fd(), 0, 0, &[], &[console.as_fd()]),
                None => reply(conn.as_fd(), -libc::EBUSY, 0, &[], &[]),
            }
            self.waiters.push(Waiter {
                conn,
                states: vec![],
            });
            return;
        }
        match index {
            Some(i) => {
                reply(
                    conn.as_fd(),
                    (i + 1) as i32,
                    (i + 1) as u64,
                    &[],
                    &[self.tty_masters[i].as_fd()],
                );
                self.tty_holders[i] = Some(conn);
            }
            None => reply(conn.as_fd(), -libc::EBUSY, 0, &[], &[]),
        }
    }
}

fn reply(conn: BorrowedFd<'_>, ret: i32, slot: u64, data: &[u8], fds: &[BorrowedFd<'_>]) {
    let header = commands::encode_header(ret, data.len() as i32, slot);
    if lxc_sys::sock::send_with_fds(conn, &header, fds).is_ok() && !data.is_empty() {
        let _ = lxc_sys::fs::write_all(conn, data);
    }
}

fn reply_str(conn: BorrowedFd<'_>, s: &str) {
    let mut data = s.as_bytes().to_vec();
    data.push(0);
    reply(conn, 0, 0, &data, &[]);
}
