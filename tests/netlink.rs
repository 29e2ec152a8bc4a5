//! The netlink layer (issue 5's foundation): a bridge, a veth pair whose peer is created
//! straight in another network namespace, master, mtu, hardware address, addresses, up —
//! then traffic across. The far namespace is made with `ip netns` (test setup only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use lxc::net::netlink::Netlink;
use std::process::Command;
use support::*;

struct Cleanup {
    bridge: String,
    netns: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Ok(mut nl) = Netlink::open() {
            if let Ok(Some(i)) = nl.link_index(&self.bridge) {
                let _ = nl.delete_link(i);
            }
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.netns])
            .status();
    }
}

fn sh(cmd: &str) -> std::process::Output {
    Command::new("sh").args(["-c", cmd]).output().unwrap()
}

#[test]
fn bridge_and_veth_into_another_namespace_carry_traffic() {
    require_root();
    let id = std::process::id() % 100_000;
    let subnet = 100 + id % 100;
    let guard = Cleanup {
        bridge: format!("lxrb{id}"),
        netns: format!("lxrsns{id}"),
    };
    let host_end = format!("lxrv{id}");
    assert!(sh(&format!("ip netns add {}", guard.netns))
        .status
        .success());
    let netns = std::fs::File::open(format!("/run/netns/{}", guard.netns)).unwrap();

    let mut nl = Netlink::open().unwrap();
    assert_eq!(nl.link_index("lxrsnone0").unwrap(), None);
    nl.create_bridge(&guard.bridge).unwrap();
    let bridge = nl.link_index(&guard.bridge).unwrap().unwrap();
    nl.add_address(bridge, format!("10.215.{subnet}.1").parse().unwrap(), 24)
        .unwrap();
    nl.set_up(bridge).unwrap();
    let again = nl.create_bridge(&guard.bridge).unwrap_err();
    assert!(again.contains("File exists"), "{again}");

    use std::os::fd::AsFd;
    nl.create_veth((&host_end, "eth0"), netns.as_fd(), (None, None))
        .unwrap();
    let veth = nl.link_index(&host_end).unwrap().unwrap();
    nl.set_master(veth, bridge).unwrap();
    nl.set_mtu(veth, 1400).unwrap();
    nl.set_hwaddr(veth, [0x02, 0x16, 0x3e, 0x01, 0x02, 0x03])
        .unwrap();
    nl.set_up(veth).unwrap();

    let sys = |f: &str| {
        std::fs::read_to_string(format!("/sys/class/net/{host_end}/{f}"))
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(sys("mtu"), "1400");
    assert_eq!(sys("address"), "02:16:3e:01:02:03");
    let master = std::fs::read_link(format!("/sys/class/net/{host_end}/master")).unwrap();
    assert!(master.ends_with(&guard.bridge), "{master:?}");
    // The peer was born in the other namespace, not here.
    assert!(
        !std::path::Path::new("/sys/class/net/eth0").exists() || {
            // (a host may have its own eth0; it must not be the peer)
            std::fs::read_to_string("/sys/class/net/eth0/iflink").ok() != Some(format!("{veth}\n"))
        }
    );
    let far = format!(
        "ip -n {ns} addr add 10.215.{subnet}.2/24 dev eth0 && ip -n {ns} link set eth0 up \
         && busybox ping -c 1 -W 2 10.215.{subnet}.2",
        ns = guard.netns
    );
    let out = sh(&far);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
