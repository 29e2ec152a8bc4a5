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
    /// The file of a cgroup item (`memory.limit_in_bytes`, `pids.max`, `cgroup.procs`, ...) in
    /// the running container's cgroup: the v1 hierarchy of its controller, else the unified
    /// one.
    fn cgroup_item_path(&self, key: &str) -> Result<std::path::PathBuf> {
        if key.is_empty() || key.contains('/') || key.starts_with('.') {
            return Err(Error::InvalidArgument(format!(
                "invalid cgroup item \"{key}\""
            )));
        }
        let controller = key.split('.').next().unwrap_or(key);
        let dir = crate::cgroup::running_dir_for(self.config_path(), self.name(), controller)?
            .ok_or_else(|| Error::NotRunning(self.name().to_string()))?;
        let path = dir.dir.join(key);
        if !path.exists() {
            return Err(Error::InvalidArgument(format!(
                "no cgroup item \"{key}\" for this container in {}",
                dir.dir.display()
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

/// Resource use read from the container's cgroups (what `lxc-info -S` prints).
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub cpu_nanos: Option<u64>,
    /// CPU time split into user and system (what lxc-top shows).
    pub cpu_user_nanos: Option<u64>,
    pub cpu_system_nanos: Option<u64>,
    pub blkio_bytes: Option<u64>,
    pub blkio_read_bytes: Option<u64>,
    pub blkio_write_bytes: Option<u64>,
    pub memory_bytes: Option<u64>,
    /// Memory and swap (v1 `memsw`), or swap alone on cgroup2.
    pub memsw_bytes: Option<u64>,
    pub kmem_bytes: Option<u64>,
}

impl Container {
    /// CPU, block I/O, memory and kernel memory use: LXC's v1 counters where the controller
    /// is on a v1 hierarchy, their cgroup2 equivalents otherwise.
    pub fn stats(&self) -> Result<Stats> {
        let Some(dirs) = crate::cgroup::running_limit_dirs(self.config_path(), self.name())? else {
            return Ok(Stats::default());
        };
        let v1 = |controller: &str, file: &str| {
            let d = dirs.iter().find(|d| d.has(controller))?;
            std::fs::read_to_string(d.dir.join(file)).ok()
        };
        let v2 = |file: &str| {
            let d = dirs.iter().find(|d| d.controllers.is_empty())?;
            std::fs::read_to_string(d.dir.join(file)).ok()
        };
        let number = |text: String| text.trim().parse::<u64>().ok();
        // cpuacct.stat counts USER_HZ (100 a second) ticks.
        let ticks = |key: &str| {
            v1("cpuacct", "cpuacct.stat")
                .and_then(|t| keyed(&t, key))
                .map(|t| t * 10_000_000)
        };
        let v2_cpu = |key: &str| {
            v2("cpu.stat")
                .and_then(|t| keyed(&t, key))
                .map(|us| us * 1000)
        };
        let blkio = |op: &str, v2_key: &str| {
            v1("blkio", "blkio.throttle.io_service_bytes")
                .map(|t| blkio_op_bytes(&t, op))
                .or_else(|| v2("io.stat").map(|t| io_stat_sum(&t, &[v2_key])))
        };
        Ok(Stats {
            cpu_user_nanos: ticks("user").or_else(|| v2_cpu("user_usec")),
            cpu_system_nanos: ticks("system").or_else(|| v2_cpu("system_usec")),
            blkio_read_bytes: blkio("Read", "rbytes="),
            blkio_write_bytes: blkio("Write", "wbytes="),
            memsw_bytes: v1("memory", "memory.memsw.usage_in_bytes")
                .or_else(|| v2("memory.swap.current"))
                .and_then(number),
            cpu_nanos: v1("cpuacct", "cpuacct.usage").and_then(number).or_else(|| {
                v2("cpu.stat")
                    .and_then(|t| keyed(&t, "usage_usec"))
                    .map(|us| us * 1000)
            }),
            blkio_bytes: v1("blkio", "blkio.throttle.io_service_bytes")
                .and_then(|t| keyed(&t, "Total"))
                .or_else(|| v2("io.stat").map(|t| io_stat_sum(&t, &["rbytes=", "wbytes="]))),
            memory_bytes: v1("memory", "memory.usage_in_bytes")
                .or_else(|| v2("memory.current"))
                .and_then(number),
            kmem_bytes: v1("memory", "memory.kmem.usage_in_bytes")
                .and_then(number)
                .or_else(|| v2("memory.stat").and_then(|t| keyed(&t, "kernel"))),
        })
    }
}

/// A NIC's host end and its traffic (lxc-info's `Link:` lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkStats {
    pub name: String,
    pub tx_bytes: u64,
    pub rx_bytes: u64,
}

impl Container {
    /// The host ends of the running container's veth NICs (as its monitor names them), with
    /// their byte counters.
    pub fn link_stats(&self) -> Result<Vec<LinkStats>> {
        let mut links = Vec::new();
        for index in 0.. {
            let key = format!("lxc.net.{index}.veth.pair");
            let Ok(Some(name)) = self.get_running_config_item(&key) else {
                break;
            };
            if name.is_empty() {
                break;
            }
            let counter = |f: &str| {
                std::fs::read_to_string(format!("/sys/class/net/{name}/statistics/{f}"))
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0)
            };
            links.push(LinkStats {
                tx_bytes: counter("tx_bytes"),
                rx_bytes: counter("rx_bytes"),
                name,
            });
        }
        Ok(links)
    }
}

/// The number after `key ` on a line of a flat-keyed cgroup file.
fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

/// The `keys` (`rbytes=`, `wbytes=`) summed over the devices of a cgroup2 `io.stat`.
fn io_stat_sum(text: &str, keys: &[&str]) -> u64 {
    text.split_whitespace()
        .filter_map(|f| keys.iter().find_map(|k| f.strip_prefix(k)))
        .filter_map(|v| v.parse::<u64>().ok())
        .sum()
}

/// One operation (`Read`, `Write`) summed over the devices of v1's
/// `blkio.throttle.io_service_bytes` (`8:0 Read 4096` lines).
fn blkio_op_bytes(text: &str, op: &str) -> u64 {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, kind, n) = (f.next()?, f.next()?, f.next()?);
            (kind == op).then(|| n.parse::<u64>().ok()).flatten()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_read_from_v1_and_v2_formats() {
        let blkio = "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n";
        assert_eq!(keyed(blkio, "Total"), Some(12288));
        assert_eq!(
            keyed("usage_usec 1500\nuser_usec 3\n", "usage_usec"),
            Some(1500)
        );
        assert_eq!(keyed("kernel_stack 5\nkernel 77\n", "kernel"), Some(77));
        let io = "8:0 rbytes=100 wbytes=20 rios=1 wios=1\n7:0 rbytes=3 wbytes=0 rios=1\n";
        assert_eq!(io_stat_sum(io, &["rbytes=", "wbytes="]), 123);
        assert_eq!(io_stat_sum(io, &["wbytes="]), 20);
        assert_eq!(blkio_op_bytes(blkio, "Read"), 4096);
        assert_eq!(blkio_op_bytes(blkio, "Write"), 8192);
    }
}
