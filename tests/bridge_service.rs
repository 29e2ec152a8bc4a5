//! `lxc-net`, the host bridge service, on a bridge and subnet of the test's own: with it up,
//! Debian's default container config works as it is (a veth on the bridge, an address by
//! DHCP from dnsmasq that get_ips and lxc-ls --fancy show); stopped, it leaves nothing; a
//! start that fails half way leaves nothing either.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A service config of the test's own; stops the service (and removes the bridge) on drop.
struct Service {
    file: PathBuf,
    bridge: String,
    net: String,
}

impl Service {
    fn new(env: &Env, extra: &str) -> Service {
        let id = std::process::id() % 100_000;
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let bridge = format!("lxn{id}{n}");
        let net = format!("10.217.{}", 100 + (id * 7 + n) % 150);
        let file = env.root.join("lxc-net");
        std::fs::write(
            &file,
            format!(
                "USE_LXC_BRIDGE=\"true\"\nLXC_BRIDGE=\"{bridge}\"\nLXC_ADDR=\"{net}.1\"\n\
                 LXC_NETMASK=\"255.255.255.0\"\nLXC_NETWORK=\"{net}.0/24\"\n\
                 LXC_DHCP_RANGE=\"{net}.50,{net}.60\"\nLXC_DHCP_MAX=\"11\"\n\
                 LXC_DHCP_PING=\"false\"\n{extra}"
            ),
        )
        .unwrap();
        Service { file, bridge, net }
    }

    fn run(&self, action: &str) -> std::process::Output {
        Command::new(bin_dir().join("lxc-net"))
            .arg("-f")
            .arg(&self.file)
            .arg(action)
            .output()
            .unwrap()
    }

    fn ok(&self, action: &str) -> String {
        let out = self.run(action);
        assert!(
            out.status.success(),
            "lxc-net {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn run_dir(&self) -> PathBuf {
        Path::new("/run/lxc-rs/net").join(&self.bridge)
    }

    /// Nothing of the service is on the host: no bridge, no ruleset, no dnsmasq, no state.
    fn assert_gone(&self) {
        assert!(!Path::new(&format!("/sys/class/net/{}", self.bridge)).exists());
        let tables = Command::new("nft")
            .args(["list", "tables"])
            .output()
            .unwrap();
        let tables = String::from_utf8_lossy(&tables.stdout);
        assert!(
            !tables.contains(&format!("lxcrs_{}", self.bridge)),
            "{tables}"
        );
        assert!(!self.run_dir().exists());
        let procs = Command::new("pgrep")
            .args(["-af", "dnsmasq"])
            .output()
            .unwrap();
        let procs = String::from_utf8_lossy(&procs.stdout);
        assert!(
            !procs.contains(&format!("--interface={}", self.bridge)),
            "{procs}"
        );
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.run("stop");
        let _ = Command::new("ip")
            .args(["link", "del", &self.bridge])
            .output();
    }
}

#[test]
fn debians_default_config_gets_a_lease_that_get_ips_and_ls_show() {
    let env = Env::new("lxcnet");
    let service = Service::new(&env, "");
    service.ok("start");
    assert!(service.ok("status").is_empty());
    // Debian's /etc/lxc/default.conf, with the test's bridge for lxcbr0.
    std::fs::write(
        &env.default_conf,
        format!(
            "lxc.net.0.type = veth\nlxc.net.0.link = {}\nlxc.net.0.flags = up\n\n\
             lxc.apparmor.profile = generated\nlxc.apparmor.allow_nesting = 1\n",
            service.bridge
        ),
    )
    .unwrap();
    let name = env.name("dh");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    let pkg = python_package(&env);
    let out = python(
        &env,
        "python3",
        "tests/python/dhcp_ips.py",
        &name,
        &[("PYTHONPATH", &pkg)],
    );
    let net = &service.net;
    let ip = out
        .lines()
        .find_map(|l| l.strip_prefix("inet: ['"))
        .and_then(|l| l.split('\'').next())
        .unwrap_or_else(|| panic!("no address: {out}"))
        .to_string();
    assert!(
        ip.starts_with(&format!("{net}.5")) || ip == format!("{net}.60"),
        "{out}"
    );
    assert!(out.contains("interfaces: ['eth0', 'lo']"), "{out}");
    let fancy = env.ok("lxc-ls", &["--fancy", "-F", "NAME,STATE,IPV4"]);
    assert!(
        fancy
            .lines()
            .any(|l| l.starts_with(&name) && l.contains(&ip)),
        "{fancy}"
    );
    let leases = std::fs::read_to_string(service.run_dir().join("dnsmasq.leases")).unwrap();
    assert!(leases.contains(&ip) && leases.contains(&name), "{leases}");
    // The bridge is the gateway and the DNS server.
    let inside = env.sh(
        &name,
        &format!("ping -c1 -W2 {net}.1 >/dev/null && echo ok; ip route; cat /etc/resolv.conf"),
    );
    assert!(inside.contains("ok"), "{inside}");
    assert!(inside.contains(&format!("default via {net}.1")), "{inside}");
    assert!(inside.contains(&format!("nameserver {net}.1")), "{inside}");

    // A stop with a container on the bridge keeps the bridge; a start takes it up again.
    assert!(service.ok("stop").contains("still has attached interfaces"));
    assert!(Path::new(&format!("/sys/class/net/{}", service.bridge)).exists());
    service.ok("start");
    assert!(service.run_dir().join("network_up").exists());
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    service.ok("stop");
    service.assert_gone();
    // Stopping what is not running is no error, as with LXC's lxc-net.
    service.ok("stop");
}

#[test]
fn a_failed_start_or_a_bad_file_leaves_nothing() {
    let env = Env::new("lxcnetbad");
    let service = Service::new(&env, "LXC_DHCP_CONFILE=\"/nonexistent/dnsmasq.conf\"\n");
    let out = service.run("start");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&service.bridge) && err.contains("/nonexistent/dnsmasq.conf"),
        "{err}"
    );
    service.assert_gone();

    let bad = Service::new(&env, "LXC_DHCP_RANGE=\"10.0.0.2\"\n");
    let out = bad.run("start");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!("{}:9: LXC_DHCP_RANGE", bad.file.display())),
        "{err}"
    );
    bad.assert_gone();
}

/// What the host shows of the service's bridge: its ports, its addresses, its rules.
fn bridge_state(service: &Service) -> String {
    let ports: Vec<String> = std::fs::read_dir(format!("/sys/class/net/{}/brif", service.bridge))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let addrs = Command::new("ip")
        .args(["-o", "addr", "show", "dev", &service.bridge])
        .output()
        .unwrap();
    let rules = Command::new("nft")
        .args([
            "list",
            "table",
            "inet",
            &format!("lxcrs_{}", service.bridge),
        ])
        .output()
        .unwrap();
    // The kernel gives the bridge its link-local address once it first has a port.
    let addrs: String = String::from_utf8_lossy(&addrs.stdout)
        .lines()
        .filter(|l| !l.contains(" fe80::"))
        .map(|l| format!("{l}\n"))
        .collect();
    format!(
        "ports {ports:?}\n{addrs}{}",
        String::from_utf8_lossy(&rules.stdout)
    )
}

/// A hundred starts and stops of a container with a veth on the service's bridge: every
/// host end is gone after its stop, and the bridge's ports, addresses and rules are as
/// before.
#[test]
fn a_hundred_veth_starts_and_stops_leave_the_host_as_it_was() {
    let env = Env::new("lxcnet100");
    let service = Service::new(&env, "");
    service.ok("start");
    let before = bridge_state(&service);
    assert!(
        before.contains("ports []") && before.contains("masquerade"),
        "{before}"
    );
    std::fs::write(
        &env.default_conf,
        format!(
            "lxc.net.0.type = veth\nlxc.net.0.link = {}\nlxc.net.0.flags = up\n\
             lxc.net.0.ipv4.address = {}.9/24\n",
            service.bridge, service.net
        ),
    )
    .unwrap();
    let name = env.name("h");
    env.create_busybox(&name);
    for _ in 0..100 {
        env.ok("lxc-start", &["-n", &name]);
        let host_end = env.ok("lxc-info", &["-n", &name, "-c", "lxc.net.0.veth.pair"]);
        let host_end = host_end.trim().rsplit(' ').next().unwrap().to_string();
        assert!(host_end.starts_with("veth"), "{host_end}");
        assert!(Path::new(&format!("/sys/class/net/{host_end}")).exists());
        env.ok("lxc-stop", &["-n", &name, "-k"]);
        // The monitor deletes it right after answering the stop.
        let sys = format!("/sys/class/net/{host_end}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while Path::new(&sys).exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert!(
            !Path::new(&sys).exists(),
            "{host_end} outlived its container"
        );
    }
    assert_eq!(bridge_state(&service), before);
    service.ok("stop");
    service.assert_gone();
}
