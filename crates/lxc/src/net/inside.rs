//! Work done with a running container's network namespace joined, never by the caller
//! itself: by the helper, or by a fork of our single-threaded tools. Each operation gets
//! the host's namespace and a netlink socket of the host's, both opened before joining, so
//! it can move links either way.

use super::netlink::Netlink;
use crate::commands;
use crate::container::Container;
use crate::error::{Error, Result};
use std::fs::File;

/// What the host side leaves an operation.
pub struct Host {
    pub netns: File,
    pub netlink: Netlink,
}

type Op = fn(&mut Host, &[String]) -> std::result::Result<String, String>;

fn op(name: &str) -> Option<Op> {
    match name {
        "info" => Some(crate::netinfo::info_op),
        "attach" => Some(super::hotplug::attach_op),
        "detach" => Some(super::hotplug::detach_op),
        _ => None,
    }
}

/// The helper's `netns OP LXCPATH NAME [ARGS...]`: the operation's output on stdout.
pub fn helper_netns() -> i32 {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let [opname, lxcpath, name, rest @ ..] = args.as_slice() else {
        return 2;
    };
    match run_joined(opname, lxcpath, name, rest) {
        Ok(text) => {
            print!("{text}");
            0
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}

fn run_joined(
    opname: &str,
    lxcpath: &str,
    name: &str,
    args: &[String],
) -> std::result::Result<String, String> {
    let op = op(opname).ok_or_else(|| format!("unknown operation {opname}"))?;
    lxc_sys::process::set_dumpable(false).map_err(|e| format!("prctl: {e}"))?;
    let pidfd = commands::get_init_pidfd(lxcpath, name)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "container is not running".to_string())?;
    let mut host = Host {
        netns: File::open("/proc/self/ns/net").map_err(|e| format!("own netns: {e}"))?,
        netlink: Netlink::open()?,
    };
    let pidfd = std::os::fd::AsFd::as_fd(&pidfd);
    // A user reaches its container's network namespace through the container's user
    // namespace (which that user owns); root goes straight in.
    let flags = if lxc_sys::geteuid() != 0 && crate::attach::in_other_user_namespace(pidfd)? {
        libc::CLONE_NEWNET | libc::CLONE_NEWUSER
    } else {
        libc::CLONE_NEWNET
    };
    lxc_sys::ns::setns(pidfd, flags).map_err(|e| format!("enter the network namespace: {e}"))?;
    op(&mut host, args)
}

impl Container {
    /// Run operation `opname` inside the container's network namespace; its output.
    pub(crate) fn in_netns(&self, opname: &str, args: &[&str]) -> Result<String> {
        if !self.is_running() {
            return Err(Error::NotRunning(self.name().to_string()));
        }
        let fail = |message: String| Error::Command {
            name: self.name().to_string(),
            message,
        };
        if crate::process_mode::in_process() {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            return self.in_netns_forked(opname, &args).map_err(fail);
        }
        let helper = crate::start::helper_path()?;
        let mut cmd = std::process::Command::new(&helper);
        cmd.arg("netns")
            .arg(opname)
            .arg(self.config_path())
            .arg(self.name())
            .args(args);
        let out = crate::runner::run(&mut cmd, crate::runner::Capture::All)
            .map_err(crate::error::io_err(&helper))?;
        if !out.status.success() {
            return Err(fail(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        String::from_utf8(out.stdout).map_err(|e| fail(format!("{opname}: {e}")))
    }

    /// For our single-threaded tools: a forked child joins the namespace instead of the
    /// helper (an exec less for each lxc-ls row).
    fn in_netns_forked(
        &self,
        opname: &str,
        args: &[String],
    ) -> std::result::Result<String, String> {
        use std::io::{Read, Write};
        let (read_end, write_end) = lxc_sys::fs::pipe().map_err(|e| format!("pipe: {e}"))?;
        match lxc_sys::process::fork().map_err(|e| format!("fork: {e}"))? {
            lxc_sys::process::Forked::Child => {
                drop(read_end);
                let text = match run_joined(opname, self.config_path(), self.name(), args) {
                    Ok(text) => format!("ok:{text}"),
                    Err(e) => e,
                };
                let ok = File::from(write_end).write_all(text.as_bytes()).is_ok();
                lxc_sys::process::exit_now(if ok { 0 } else { 1 })
            }
            lxc_sys::process::Forked::Parent { pid, .. } => {
                drop(write_end);
                let mut text = String::new();
                let read = File::from(read_end).read_to_string(&mut text);
                let _ = lxc_sys::process::waitpid(pid, false);
                read.map_err(|e| format!("read from {opname}: {e}"))?;
                match text.strip_prefix("ok:") {
                    Some(output) => Ok(output.to_string()),
                    None => Err(text),
                }
            }
        }
    }
}
