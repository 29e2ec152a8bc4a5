//! What a running container's network namespace holds: its interfaces and addresses
//! (`get_interfaces`, `get_ips`). The helper joins the namespace, so neither the caller nor
//! the monitor ever changes namespace.

use crate::commands;
use crate::container::Container;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What the helper reports, in `getifaddrs` order.
#[derive(Debug, Serialize, Deserialize)]
struct NetInfo {
    interfaces: Vec<String>,
    /// (interface, address, IPv6 scope id)
    addresses: Vec<(String, String, u32)>,
}

/// The helper's `netinfo LXCPATH NAME`: join init's network namespace and print what it has.
pub fn helper_netinfo() -> i32 {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let [lxcpath, name] = args.as_slice() else {
        return 2;
    };
    match netinfo(lxcpath, name) {
        Ok(info) => match serde_json::to_string(&info) {
            Ok(text) => {
                println!("{text}");
                0
            }
            Err(e) => {
                eprintln!("{name}: {e}");
                1
            }
        },
        Err(e) => {
            eprintln!("{name}: {e}");
            1
        }
    }
}

fn netinfo(lxcpath: &str, name: &str) -> std::result::Result<NetInfo, String> {
    lxc_sys::process::set_dumpable(false).map_err(|e| format!("prctl: {e}"))?;
    let pidfd = commands::get_init_pidfd(lxcpath, name)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "container is not running".to_string())?;
    lxc_sys::ns::setns(std::os::fd::AsFd::as_fd(&pidfd), libc::CLONE_NEWNET)
        .map_err(|e| format!("enter the network namespace: {e}"))?;
    let (interfaces, addrs) =
        lxc_sys::net::interface_addresses().map_err(|e| format!("getifaddrs: {e}"))?;
    Ok(NetInfo {
        interfaces,
        addresses: addrs
            .into_iter()
            .map(|a| (a.interface, a.addr.to_string(), a.scope_id))
            .collect(),
    })
}

impl Container {
    fn netinfo(&self) -> Result<NetInfo> {
        if !self.is_running() {
            return Err(Error::NotRunning(self.name().to_string()));
        }
        if crate::process_mode::in_process() {
            return self.netinfo_in_process();
        }
        let helper = crate::start::helper_path()?;
        let mut cmd = std::process::Command::new(&helper);
        cmd.arg("netinfo").arg(self.config_path()).arg(self.name());
        let out = crate::runner::run(&mut cmd, crate::runner::Capture::All)
            .map_err(crate::error::io_err(&helper))?;
        if !out.status.success() {
            return Err(Error::Command {
                name: self.name().to_string(),
                message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        serde_json::from_slice(&out.stdout).map_err(|e| Error::Command {
            name: self.name().to_string(),
            message: format!("netinfo: {e}"),
        })
    }

    /// For our single-threaded tools: a forked child joins the namespace instead of the
    /// helper (an exec less for each lxc-ls row).
    fn netinfo_in_process(&self) -> Result<NetInfo> {
        use std::io::{Read, Write};
        let fail = |message: String| Error::Command {
            name: self.name().to_string(),
            message,
        };
        let (read_end, write_end) = lxc_sys::fs::pipe().map_err(crate::error::sys_err("pipe"))?;
        match lxc_sys::process::fork().map_err(crate::error::sys_err("fork"))? {
            lxc_sys::process::Forked::Child => {
                drop(read_end);
                let text = netinfo(self.config_path(), self.name())
                    .and_then(|info| serde_json::to_string(&info).map_err(|e| e.to_string()))
                    .unwrap_or_else(|e| format!("error: {e}"));
                let ok = std::fs::File::from(write_end)
                    .write_all(text.as_bytes())
                    .is_ok();
                lxc_sys::process::exit_now(if ok { 0 } else { 1 })
            }
            lxc_sys::process::Forked::Parent { pid, .. } => {
                drop(write_end);
                let mut text = String::new();
                let read = std::fs::File::from(read_end).read_to_string(&mut text);
                let _ = lxc_sys::process::waitpid(pid, false);
                read.map_err(crate::error::sys_err("read netinfo"))?;
                if let Some(message) = text.strip_prefix("error: ") {
                    return Err(fail(message.to_string()));
                }
                serde_json::from_str(&text).map_err(|e| fail(format!("netinfo: {e}")))
            }
        }
    }

    /// The names of the container's network interfaces, `lo` included.
    pub fn get_interfaces(&self) -> Result<Vec<String>> {
        Ok(self.netinfo()?.interfaces)
    }

    /// The container's addresses, as LXC filters them: only `interface` when given, else
    /// all but `lo`; only `family` (`inet` or `inet6`) when given; IPv6 only with the given
    /// scope id (0: global and loopback).
    pub fn get_ips(
        &self,
        interface: Option<&str>,
        family: Option<&str>,
        scope: u32,
    ) -> Result<Vec<String>> {
        let want_v4 = matches!(family, None | Some("inet"));
        let want_v6 = matches!(family, None | Some("inet6"));
        if !want_v4 && !want_v6 {
            return Err(Error::InvalidArgument(format!(
                "address family \"{}\" (inet or inet6)",
                family.unwrap_or_default()
            )));
        }
        Ok(self
            .netinfo()?
            .addresses
            .into_iter()
            .filter(|(ifname, _, _)| match interface {
                Some(i) => ifname == i,
                None => ifname != "lo",
            })
            .filter(|(_, addr, scope_id)| {
                if addr.contains(':') {
                    want_v6 && *scope_id == scope
                } else {
                    want_v4
                }
            })
            .map(|(_, addr, _)| addr)
            .collect())
    }
}
