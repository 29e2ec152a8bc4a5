//! The busybox template, native: a small system container from the host's static busybox,
//! with no network access needed.

use super::template_error;
use crate::container::Container;
use crate::error::{io_err, Result};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

const DIRS: &[&str] = &[
    "bin",
    "sbin",
    "usr/bin",
    "usr/sbin",
    "etc/init.d",
    "dev",
    "proc",
    "sys",
    "tmp",
    "root",
    "home",
    "mnt",
    "run",
    "var/log",
    "var/run",
    "lib",
];

fn find_busybox(args: &[String]) -> Option<PathBuf> {
    if let Some(p) = super::template_arg(args, "busybox-path") {
        return Some(PathBuf::from(p));
    }
    if let Some(p) = std::env::var_os("LXC_RS_BUSYBOX") {
        return Some(PathBuf::from(p));
    }
    ["/bin/busybox", "/usr/bin/busybox", "/usr/sbin/busybox"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// True when an ELF file has no program interpreter (it runs without the host's libraries).
fn is_static_elf(bytes: &[u8]) -> bool {
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        bytes
            .get(o..o + 8)
            .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    };
    if bytes.get(0..4) != Some(b"\x7fELF") || bytes.get(4) != Some(&2) {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    (0..phnum as usize).all(|i| u32_at(phoff as usize + i * phentsize as usize) != Some(3))
}

pub fn create(c: &mut Container, rootfs: &Path, args: &[String]) -> Result<()> {
    let busybox = find_busybox(args).ok_or_else(|| {
        template_error(c, "busybox", "busybox not found (install busybox-static)")
    })?;
    let bytes = std::fs::read(&busybox).map_err(io_err(&busybox))?;
    if !is_static_elf(&bytes) {
        return Err(template_error(
            c,
            "busybox",
            format!(
                "{} is not a static binary (install busybox-static)",
                busybox.display()
            ),
        ));
    }
    for d in DIRS {
        let p = rootfs.join(d);
        std::fs::create_dir_all(&p).map_err(io_err(&p))?;
    }
    let tmp = rootfs.join("tmp");
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777))
        .map_err(io_err(&tmp))?;
    // A copy, never a link: the container's root may write to its own /bin/busybox.
    let target = rootfs.join("bin/busybox");
    std::fs::write(&target, &bytes).map_err(io_err(&target))?;
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
        .map_err(io_err(&target))?;
    let applets = install_applets(c, &busybox, rootfs)?;
    let getty = applets
        .iter()
        .find(|a| a.ends_with("/getty"))
        .map(|a| format!("/{a}"))
        .unwrap_or_else(|| "/sbin/getty".into());

    let tty_max = c.config().tty_max.max(1);
    let name = c.name().to_string();
    write(rootfs, "etc/hostname", &format!("{name}\n"), 0o644)?;
    write(
        rootfs,
        "etc/hosts",
        &format!("127.0.0.1 localhost\n127.0.1.1 {name}\n"),
        0o644,
    )?;
    write(
        rootfs,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\n",
        0o644,
    )?;
    write(rootfs, "etc/shadow", "root::0:0:99999:7:::\n", 0o600)?;
    write(rootfs, "etc/group", "root:x:0:root\ntty:x:5:\n", 0o644)?;
    write(rootfs, "etc/shells", "/bin/sh\n/bin/ash\n", 0o644)?;
    write(
        rootfs,
        "etc/profile",
        "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n",
        0o644,
    )?;
    let mut inittab = String::from("::sysinit:/etc/init.d/rcS\n");
    for n in 1..=tty_max {
        inittab.push_str(&format!("tty{n}::respawn:{getty} -L tty{n} 115200 vt100\n"));
    }
    inittab.push_str("console::askfirst:/bin/sh\n::ctrlaltdel:/sbin/reboot\n");
    write(rootfs, "etc/inittab", &inittab, 0o644)?;
    write(rootfs, "etc/init.d/rcS", RC_S, 0o755)?;
    std::fs::create_dir_all(rootfs.join("usr/share/udhcpc")).map_err(io_err(rootfs))?;
    write(
        rootfs,
        "usr/share/udhcpc/default.script",
        DHCP_SCRIPT,
        0o755,
    )?;

    // busybox init halts on SIGUSR1 and reboots on SIGTERM: wire LXC's signals to those so
    // lxc-stop's clean shutdown finishes at once instead of waiting for the timeout.
    let already = c.config().set_keys();
    for (key, value) in [
        ("lxc.signal.halt", "SIGUSR1"),
        ("lxc.signal.reboot", "SIGTERM"),
        ("lxc.tty.max", &tty_max.to_string()),
        ("lxc.pty.max", "1024"),
        ("lxc.mount.auto", "proc:mixed sys:mixed cgroup:mixed"),
        ("lxc.init.cmd", "/sbin/init"),
    ] {
        if !already.iter().any(|k| k == key) || key == "lxc.tty.max" {
            c.set_config_item(key, value)?;
        }
    }
    let config = c.dir().join("config");
    c.save_config(Some(&config))
}

/// Link every applet busybox lists to /bin/busybox; returns the applet paths.
fn install_applets(c: &Container, busybox: &Path, rootfs: &Path) -> Result<Vec<String>> {
    let mut cmd = std::process::Command::new(busybox);
    cmd.arg("--list-full");
    let out = crate::runner::run(&mut cmd, crate::runner::Capture::All)
        .map_err(|e| template_error(c, "busybox", format!("{}: {e}", busybox.display())))?;
    if !out.status.success() {
        return Err(template_error(c, "busybox", "busybox --list-full failed"));
    }
    let list = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut installed = Vec::new();
    for applet in list.lines() {
        let applet = applet.trim().trim_start_matches('/');
        if applet.is_empty() || applet.contains("..") || applet == "bin/busybox" {
            continue;
        }
        let link = rootfs.join(applet);
        if let Some(parent) = link.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        match symlink("/bin/busybox", &link) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err(&link)(e)),
        }
        installed.push(applet.to_string());
    }
    Ok(installed)
}

/// The boot script: asks for a DHCP lease on each NIC that came up without an IPv4 address,
/// in the background so the boot does not wait. Bridges and bridge ports are never NICs of
/// the container's own (a container without its own network namespace sees the host's).
const RC_S: &str = r#"#!/bin/sh
/bin/mkdir -p /var/run /run
for dev in $(ls /sys/class/net); do
    [ "$dev" = lo ] && continue
    [ -e "/sys/class/net/$dev/master" ] || [ -e "/sys/class/net/$dev/bridge" ] && continue
    [ "$(cat /sys/class/net/$dev/operstate)" = down ] && continue
    ip -4 addr show dev "$dev" | grep -q inet && continue
    udhcpc -i "$dev" -s /usr/share/udhcpc/default.script -x "hostname:$(hostname)" >/dev/null 2>&1 &
done
"#;

/// What udhcpc runs on each lease event: set the address, the default route and DNS.
const DHCP_SCRIPT: &str = r#"#!/bin/sh
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
    for r in $router; do
        ip route replace default via "$r" dev "$interface"
        break
    done
    if [ -n "$dns" ]; then
        : > /etc/resolv.conf
        [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
        for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    fi
    ;;
esac
exit 0
"#;

fn write(rootfs: &Path, rel: &str, text: &str, mode: u32) -> Result<()> {
    let p = rootfs.join(rel);
    std::fs::write(&p, text).map_err(io_err(&p))?;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).map_err(io_err(&p))
}

#[cfg(test)]
mod tests {
    use super::is_static_elf;

    #[test]
    fn rejects_non_elf() {
        assert!(!is_static_elf(b"#!/bin/sh\n"));
    }

    #[test]
    fn host_shell_is_dynamic() {
        let bytes = std::fs::read("/bin/sh").unwrap_or_default();
        if bytes.starts_with(b"\x7fELF") {
            assert!(!is_static_elf(&bytes));
        }
    }
}
