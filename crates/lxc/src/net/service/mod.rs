//! The host bridge service, LXC's `lxc-net`: a bridge with an address, dnsmasq handing out
//! leases on it, and nftables NAT for what leaves its network. Set up and removed as one;
//! a failure half way removes what was made.

pub mod config;

pub use config::{Ipv6Settings, ServiceConfig, DEFAULT_FILE, RUN_ROOT};

use super::netlink::Netlink;
use crate::error::{Error, Result};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// What `start` or `stop` found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `USE_LXC_BRIDGE` is not `true`.
    Disabled,
    Started,
    AlreadyUp,
    /// The bridge exists but this service did not make it: left alone, as LXC does.
    NotOurs,
    Stopped,
    /// Stopped, but the bridge still has ports (running containers), so it stays.
    StoppedKeptBridge,
    NotRunning,
}

/// Whether the service is up for this bridge.
pub fn is_up(c: &ServiceConfig) -> bool {
    marker(c).exists()
}

pub fn start(c: &ServiceConfig) -> Result<Outcome> {
    if !c.enabled {
        return Ok(Outcome::Disabled);
    }
    let mut nl = Netlink::open().map_err(fail(c))?;
    let exists = nl.link_index(&c.bridge).map_err(fail(c))?.is_some();
    // A bridge an earlier stop had to keep (it had ports) is ours to take up again.
    let kept = c.run_dir.join("bridge_kept").exists();
    match (is_up(c), exists) {
        (true, true) => return Ok(Outcome::AlreadyUp),
        // Up once, but the bridge went (a crash, a reboot of the network): start afresh.
        (true, false) => teardown(c, &mut nl)?,
        (false, true) if !kept => return Ok(Outcome::NotOurs),
        _ => {}
    }
    std::fs::create_dir_all(&c.run_dir).map_err(crate::error::io_err(&c.run_dir))?;
    if let Err(e) = bring_up(c, &mut nl, kept && exists) {
        if let Err(undo) = teardown(c, &mut nl) {
            tracing::error!("{}: undoing a failed start: {undo}", c.bridge);
        }
        return Err(e);
    }
    std::fs::write(marker(c), "").map_err(crate::error::io_err(marker(c)))?;
    tracing::info!(bridge = %c.bridge, "bridge service up");
    Ok(Outcome::Started)
}

pub fn stop(c: &ServiceConfig) -> Result<Outcome> {
    if !is_up(c) {
        return Ok(Outcome::NotRunning);
    }
    let mut nl = Netlink::open().map_err(fail(c))?;
    let kept = has_ports(c);
    teardown(c, &mut nl)?;
    Ok(if kept {
        Outcome::StoppedKeptBridge
    } else {
        Outcome::Stopped
    })
}

fn marker(c: &ServiceConfig) -> PathBuf {
    c.run_dir.join("network_up")
}

fn fail(c: &ServiceConfig) -> impl Fn(String) -> Error + '_ {
    move |message| Error::BridgeService {
        bridge: c.bridge.clone(),
        message,
    }
}

fn bring_up(c: &ServiceConfig, nl: &mut Netlink, adopt: bool) -> Result<()> {
    let f = fail(c);
    if !adopt {
        nl.create_bridge(&c.bridge).map_err(&f)?;
    }
    let index = nl
        .link_index(&c.bridge)
        .map_err(&f)?
        .ok_or_else(|| f("vanished after it was made".into()))?;
    let present = nl.addresses(index).map_err(&f)?;
    if !adopt {
        nl.set_hwaddr(index, c.bridge_mac).map_err(&f)?;
    }
    if !present.contains(&IpAddr::V4(c.address)) {
        nl.add_address(index, IpAddr::V4(c.address), c.prefix)
            .map_err(&f)?;
    }
    if let Some(v6) = c
        .ipv6
        .as_ref()
        .filter(|v6| !present.contains(&v6.address.into()))
    {
        // Without this the address stays tentative for a while and dnsmasq cannot bind it.
        sysctl(&format!("net/ipv6/conf/{}/accept_dad", c.bridge), "0").map_err(&f)?;
        nl.add_address(index, IpAddr::V6(v6.address), v6.prefix)
            .map_err(&f)?;
    }
    nl.set_up(index).map_err(&f)?;
    sysctl("net/ipv4/ip_forward", "1").map_err(&f)?;
    if c.ipv6.is_some() {
        sysctl("net/ipv6/conf/all/forwarding", "1").map_err(&f)?;
    }
    load_rules(c)?;
    start_dnsmasq(c)
}

/// Undo whatever of a start exists; what is already gone is no error.
fn teardown(c: &ServiceConfig, nl: &mut Netlink) -> Result<()> {
    let f = fail(c);
    stop_dnsmasq(c)?;
    delete_rules(c)?;
    if has_ports(c) {
        tracing::warn!("{}: still has ports; the bridge stays", c.bridge);
        for name in ["network_up", "dnsmasq.pid", "nftables.conf"] {
            let _ = std::fs::remove_file(c.run_dir.join(name));
        }
        let kept = c.run_dir.join("bridge_kept");
        return std::fs::write(&kept, "").map_err(crate::error::io_err(&kept));
    }
    if let Some(index) = nl.link_index(&c.bridge).map_err(&f)? {
        nl.delete_link(index).map_err(&f)?;
    }
    match std::fs::remove_dir_all(&c.run_dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(crate::error::io_err(&c.run_dir)(e))
        }
        _ => Ok(()),
    }
}

fn has_ports(c: &ServiceConfig) -> bool {
    std::fs::read_dir(format!("/sys/class/net/{}/brif", c.bridge))
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
}

fn sysctl(name: &str, value: &str) -> std::result::Result<(), String> {
    let path = format!("/proc/sys/{name}");
    if std::fs::read_to_string(&path).is_ok_and(|v| v.trim() == value) {
        return Ok(());
    }
    std::fs::write(&path, value).map_err(|e| format!("{path}: {e}"))
}

/// The bridge's ruleset: DNS and DHCP in from the bridge, forwarding to and from it, and
/// masquerading of what leaves its network. Loading replaces an older copy in one go.
fn ruleset(c: &ServiceConfig) -> String {
    let (br, table) = (&c.bridge, c.table());
    let (net, len) = c.network;
    let mut nat = format!("    ip saddr {net}/{len} ip daddr != {net}/{len} masquerade\n");
    if let (Some(v6), true) = (&c.ipv6, c.ipv6_nat) {
        let (net6, len6) = v6.network;
        nat.push_str(&format!(
            "    ip6 saddr {net6}/{len6} ip6 daddr != {net6}/{len6} masquerade\n"
        ));
    }
    format!(
        "table inet {table} {{}}\ndelete table inet {table}\ntable inet {table} {{\n\
         \x20 chain input {{\n    type filter hook input priority 0; policy accept;\n\
         \x20   iifname \"{br}\" udp dport {{ 53, 67, 547 }} accept\n\
         \x20   iifname \"{br}\" tcp dport 53 accept\n  }}\n\
         \x20 chain forward {{\n    type filter hook forward priority 0; policy accept;\n\
         \x20   iifname \"{br}\" accept\n    oifname \"{br}\" accept\n  }}\n\
         \x20 chain postrouting {{\n    type nat hook postrouting priority 100; policy accept;\n\
         {nat}  }}\n}}\n"
    )
}

fn load_rules(c: &ServiceConfig) -> Result<()> {
    let path = c.run_dir.join("nftables.conf");
    std::fs::write(&path, ruleset(c)).map_err(crate::error::io_err(&path))?;
    let mut cmd = Command::new("nft");
    cmd.arg("-f").arg(&path);
    run_checked(c, &mut cmd, "nft")
}

fn delete_rules(c: &ServiceConfig) -> Result<()> {
    let mut cmd = Command::new("nft");
    cmd.args(["list", "tables"]);
    let listed = crate::runner::run(&mut cmd, crate::runner::Capture::All)
        .map_err(|e| fail(c)(format!("nft: {e} (is nft installed?)")))?;
    let ours = format!("table inet {}", c.table());
    if !String::from_utf8_lossy(&listed.stdout)
        .lines()
        .any(|l| l.trim() == ours)
    {
        return Ok(());
    }
    let mut cmd = Command::new("nft");
    cmd.args(["delete", "table", "inet", &c.table()]);
    run_checked(c, &mut cmd, "nft")
}

fn run_checked(c: &ServiceConfig, cmd: &mut Command, what: &str) -> Result<()> {
    let out = crate::runner::run(cmd, crate::runner::Capture::All)
        .map_err(|e| fail(c)(format!("{what}: {e} (is {what} installed?)")))?;
    if out.status.success() {
        return Ok(());
    }
    Err(fail(c)(format!(
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

/// The user dnsmasq drops to: LXC's own if the host has it, else dnsmasq's, else nobody.
fn dnsmasq_user() -> &'static str {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    ["lxc-dnsmasq", "dnsmasq"]
        .into_iter()
        .find(|u| passwd.lines().any(|l| l.split(':').next() == Some(u)))
        .unwrap_or("nobody")
}

fn start_dnsmasq(c: &ServiceConfig) -> Result<()> {
    let run = &c.run_dir;
    let confile = c
        .dhcp_confile
        .clone()
        .unwrap_or_else(|| PathBuf::from("/dev/null"));
    let mut cmd = Command::new("dnsmasq");
    cmd.arg(format!("--conf-file={}", confile.display()))
        .arg(format!("--user={}", dnsmasq_user()))
        .args(["--strict-order", "--bind-interfaces", "--dhcp-no-override"])
        .args(["--except-interface=lo", "--dhcp-authoritative"])
        .arg(format!("--pid-file={}", run.join("dnsmasq.pid").display()))
        .arg(format!(
            "--dhcp-leasefile={}",
            run.join("dnsmasq.leases").display()
        ))
        .arg(format!("--listen-address={}", c.address))
        .arg(format!(
            "--dhcp-range={},{}",
            c.dhcp_range.0, c.dhcp_range.1
        ))
        .arg(format!("--dhcp-lease-max={}", c.dhcp_max))
        .arg(format!("--interface={}", c.bridge));
    if !c.dhcp_ping {
        cmd.arg("--no-ping");
    }
    if let Some(domain) = &c.domain {
        cmd.arg(format!("--domain={domain}"))
            .arg(format!("--local=/{domain}/"));
    }
    if let Some(v6) = &c.ipv6 {
        cmd.arg(format!("--listen-address={}", v6.address))
            .arg(format!("--dhcp-range={},ra-only", v6.network.0))
            .arg("--enable-ra");
    }
    run_checked(c, &mut cmd, "dnsmasq")
}

/// Stop the dnsmasq of the pid file (if it still is dnsmasq) and wait until it is gone, so
/// its addresses and lease file are free when this returns.
fn stop_dnsmasq(c: &ServiceConfig) -> Result<()> {
    let pidfile = c.run_dir.join("dnsmasq.pid");
    let Some(pid) = std::fs::read_to_string(&pidfile)
        .ok()
        .and_then(|t| t.trim().parse::<i32>().ok())
    else {
        return Ok(());
    };
    let Ok(pidfd) = lxc_sys::process::pidfd_open(pid) else {
        return Ok(());
    };
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() != "dnsmasq" {
        return Ok(());
    }
    use std::os::fd::AsFd;
    if lxc_sys::process::pidfd_send_signal(pidfd.as_fd(), libc::SIGTERM).is_err() {
        return Ok(());
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        if Instant::now() > deadline {
            return Err(fail(c)(format!("dnsmasq ({pid}) did not stop")));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ruleset_names_the_bridge_and_network() {
        let mut c = ServiceConfig::parse("LXC_BRIDGE=tb0\nLXC_NETWORK=10.7.0.0/24\n", "f").unwrap();
        let r = ruleset(&c);
        assert!(r.starts_with("table inet lxcrs_tb0 {}\ndelete table inet lxcrs_tb0\n"));
        assert!(r.contains("iifname \"tb0\" udp dport { 53, 67, 547 } accept"));
        assert!(r.contains("ip saddr 10.7.0.0/24 ip daddr != 10.7.0.0/24 masquerade"));
        assert!(!r.contains("ip6 saddr"));
        c.ipv6 = Some(Ipv6Settings {
            address: "fd42::1".parse().unwrap(),
            prefix: 64,
            network: ("fd42::".parse().unwrap(), 64),
        });
        c.ipv6_nat = true;
        assert!(ruleset(&c).contains("ip6 saddr fd42::/64 ip6 daddr != fd42::/64 masquerade"));
    }
}
