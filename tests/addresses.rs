//! A running container's interfaces and addresses, read inside its network namespace:
//! `lxc-info -i`, the IPV4/IPV6 columns of `lxc-ls -f`, and the faces' get_ips and
//! get_interfaces (in python_face.rs and capi.rs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

#[test]
fn tools_show_the_addresses_inside() {
    let env = Env::new("addrs");
    let name = env.name("ad");
    env.create_busybox(&name);
    let iface = start_with_addresses(&env, &name);
    let ips = env.ok("lxc-info", &["-n", &name, "-i", "-H"]);
    assert_eq!(ips.lines().collect::<Vec<_>>(), ["10.213.7.5", "fd42:7::5"]);
    let all = env.ok("lxc-info", &["-n", &name]);
    assert!(all.contains("IP:             10.213.7.5\n"), "{all}");
    let table = env.ok("lxc-ls", &["-f", "-F", "NAME,IPV4,IPV6"]);
    let row = table.lines().find(|l| l.starts_with(&name)).unwrap();
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        [name.as_str(), "10.213.7.5", "fd42:7::5"],
        "{table}"
    );
    let table = env.ok("lxc-ls", &["-f", "-F", "NAME,INTERFACE"]);
    assert!(table.contains(&format!("{name} lo, {iface}")), "{table}");
    // The interface went with the namespace.
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(env.ok("lxc-info", &["-n", &name, "-i"]).trim(), "");
    assert!(no_cgroup_for(&name));
}
