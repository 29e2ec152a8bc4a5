//! A Debian container made by Debian's own `lxc-debian` script template (debootstrap from
//! deb.debian.org) through our lxc-create: it boots its systemd and runs `apt-get --version`.
//! The debootstrap cache is kept in `target/debian-cache/` (shared by runs, like the v2
//! lane's kernel), so only the first run downloads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

#[test]
fn the_lxc_debian_script_template_makes_a_working_debian() {
    let env = Env::new("debian");
    let script = std::path::Path::new("/usr/share/lxc/templates/lxc-debian");
    assert!(
        script.is_file() && std::path::Path::new("/usr/sbin/debootstrap").exists(),
        "lxc-templates and debootstrap are needed (scripts/setup.sh)"
    );
    let cache = repo().join("target/debian-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let name = env.name("deb");
    let out = env
        .cmd("lxc-create")
        .args([
            "-P",
            &env.lxcpath,
            "-n",
            &name,
            "-t",
            "debian",
            "--",
            "-r",
            "bookworm",
        ])
        .env("LXC_CACHE_PATH", &cache)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let config = std::fs::read_to_string(env.container_dir(&name).join("config")).unwrap();
    assert!(config.contains("debian.common.conf"), "{config}");
    env.ok("lxc-start", &["-n", &name]);
    let apt = env.ok("lxc-attach", &["-n", &name, "--", "apt-get", "--version"]);
    let init = env.sh(&name, "cat /proc/1/comm");
    // A clean shutdown: systemd blocks SIGRTMIN+3, so that is the halt signal it gets (it
    // ignores SIGPWR); lxc-stop would otherwise only end it by force after its timeout.
    let asked = std::time::Instant::now();
    env.ok("lxc-stop", &["-n", &name, "-t", "50"]);
    let took = asked.elapsed();
    assert!(apt.starts_with("apt 2."), "{apt}");
    assert_eq!(init, "systemd\n");
    assert!(
        took.as_secs() < 45,
        "the halt signal was not heard: {took:?}"
    );
}
