//! Value parsers and validators shared by the registry. Each returns a human-readable reason on
//! failure; the caller turns it into `InvalidValue`/`InvalidValueApi`.

use crate::model::{CgroupMount, CgroupMountMode, MountAuto, ProcMount, SysMount};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Log level names, index = LXC's numeric level (TRACE = 0 .. FATAL = 8).
pub const LOG_LEVELS: [&str; 9] = [
    "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL",
];

/// Namespace names as in `/proc/<pid>/ns`, in LXC's order.
pub const NAMESPACES: [&str; 8] = ["user", "mnt", "pid", "uts", "ipc", "net", "cgroup", "time"];

/// Page size assumed for the console ring buffer rounding (x86_64).
const PAGE_SIZE: u64 = 4096;

pub fn parse_bool(v: &str) -> Result<bool, String> {
    match v.parse::<u32>() {
        Ok(0) => Ok(false),
        Ok(1) => Ok(true),
        _ => Err("expected 0 or 1".to_string()),
    }
}

pub fn parse_u32(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .map_err(|_| "expected an unsigned 32-bit integer".to_string())
}

pub fn parse_u64(v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .map_err(|_| "expected an unsigned integer".to_string())
}

pub fn parse_i32(v: &str) -> Result<i32, String> {
    v.parse::<i32>()
        .map_err(|_| "expected a 32-bit integer".to_string())
}

/// `TRACE`..`FATAL` (any case) or `0`..`8`.
pub fn parse_log_level(v: &str) -> Result<u8, String> {
    if let Ok(n) = v.parse::<u8>() {
        if usize::from(n) < LOG_LEVELS.len() {
            return Ok(n);
        }
        return Err("numeric log level must be 0 (TRACE) to 8 (FATAL)".to_string());
    }
    LOG_LEVELS
        .iter()
        .position(|l| l.eq_ignore_ascii_case(v))
        .and_then(|p| u8::try_from(p).ok())
        .ok_or_else(|| {
            "expected TRACE, DEBUG, INFO, NOTICE, WARN, ERROR, CRIT, ALERT, FATAL or 0-8"
                .to_string()
        })
}

pub fn log_level_name(level: u8) -> &'static str {
    LOG_LEVELS
        .get(usize::from(level))
        .copied()
        .unwrap_or("NOTSET")
}

/// A byte size with an optional `B`, `K[B]`, `M[B]`, `G[B]` suffix (1024-based, any case).
pub fn parse_byte_size(v: &str) -> Result<u64, String> {
    let v = v.trim();
    let digits_end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (num, suffix) = v.split_at(digits_end);
    if num.is_empty() {
        return Err("expected a size such as 65536, 64KB, 1MB".to_string());
    }
    let n: u64 = num.parse().map_err(|_| "size is too large".to_string())?;
    let mult: u64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        _ => return Err(format!("unknown size suffix \"{}\"", suffix.trim())),
    };
    n.checked_mul(mult)
        .ok_or_else(|| "size is too large".to_string())
}

/// Console buffer/log sizes: `auto` = 128 KiB; otherwise rounded up to a page and to a power
/// of two, as LXC does; 0 disables.
pub fn parse_console_size(v: &str) -> Result<u64, String> {
    if v.eq_ignore_ascii_case("auto") {
        return Ok(128 * 1024);
    }
    let n = parse_byte_size(v)?;
    if n == 0 {
        return Ok(0);
    }
    n.max(PAGE_SIZE)
        .checked_next_power_of_two()
        .ok_or_else(|| "size is too large".to_string())
}

const ARCH_32: &[&str] = &[
    "x86", "i386", "i486", "i586", "i686", "athlon", "linux32", "arm", "armel", "armhf", "armv7l",
    "mips", "mipsel", "ppc", "powerpc",
];
const ARCH_64: &[&str] = &[
    "x86_64",
    "amd64",
    "aarch64",
    "arm64",
    "linux64",
    "mips64",
    "mips64el",
    "ppc64",
    "ppc64el",
    "ppc64le",
    "powerpc64",
    "riscv64",
    "s390x",
];

/// Returns whether the architecture is a 64-bit personality.
pub fn arch_is_64(v: &str) -> Result<bool, String> {
    if ARCH_32.contains(&v) {
        Ok(false)
    } else if ARCH_64.contains(&v) {
        Ok(true)
    } else {
        Err("unsupported architecture".to_string())
    }
}

/// The personality(2) an `lxc.arch` asks for: PER_LINUX32 for a 32-bit one, PER_LINUX for a
/// 64-bit one; None for a name LXC does not know.
pub fn arch_personality(v: &str) -> Option<u64> {
    const PER_LINUX: u64 = 0;
    const PER_LINUX32: u64 = 0x0008;
    arch_is_64(v)
        .ok()
        .map(|wide| if wide { PER_LINUX } else { PER_LINUX32 })
}

pub fn check_syslog_facility(v: &str) -> Result<(), String> {
    let ok = v == "daemon"
        || v.strip_prefix("local")
            .is_some_and(|n| n.len() == 1 && matches!(n.as_bytes()[0], b'0'..=b'7'));
    if ok {
        Ok(())
    } else {
        Err("expected daemon or local0 .. local7".to_string())
    }
}

pub fn check_namespace(v: &str) -> Result<(), String> {
    if NAMESPACES.contains(&v) {
        Ok(())
    } else {
        Err(format!(
            "unknown namespace \"{v}\" (expected one of {})",
            NAMESPACES.join(", ")
        ))
    }
}

/// Signed integer with a mandatory unit: `h`, `m`, `s`, `ms`, `us`, `ns`.
pub fn check_time_offset(v: &str) -> Result<(), String> {
    time_offset_nanos(v).map(|_| ())
}

/// A time offset (`-90s`, `2h`, ...) in nanoseconds.
pub fn time_offset_nanos(v: &str) -> Result<i128, String> {
    let (negative, body) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let end = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let (num, unit) = body.split_at(end);
    let Ok(count) = num.parse::<i64>() else {
        return Err("expected a signed integer followed by h, m, s, ms, us or ns".to_string());
    };
    let scale: i128 = match unit {
        "h" => 3_600_000_000_000,
        "m" => 60_000_000_000,
        "s" => 1_000_000_000,
        "ms" => 1_000_000,
        "us" => 1_000,
        "ns" => 1,
        _ => return Err("time offset needs a unit: h, m, s, ms, us or ns".to_string()),
    };
    let nanos = i128::from(count) * scale;
    Ok(if negative { -nanos } else { nanos })
}

/// `soft[:hard]`, each a number or `unlimited`.
pub fn check_prlimit(v: &str) -> Result<(), String> {
    let ok = |s: &str| s == "unlimited" || s.parse::<u64>().is_ok();
    let mut parts = v.splitn(2, ':');
    let soft = parts.next().unwrap_or("");
    let hard = parts.next();
    let hard_ok = match hard {
        Some(h) => ok(h),
        None => true,
    };
    if ok(soft) && hard_ok {
        Ok(())
    } else {
        Err("expected <soft>[:<hard>], each a number or \"unlimited\"".to_string())
    }
}

pub fn check_notify_proxy(v: &str) -> Result<(), String> {
    match v.strip_prefix("unix:") {
        Some(rest) if !rest.is_empty() => Ok(()),
        _ => Err("expected unix:<path> or unix:@<abstract name>".to_string()),
    }
}

/// `a.b.c.d[/prefix] [broadcast]`.
pub fn check_ipv4_address(v: &str) -> Result<(), String> {
    let mut it = v.split_whitespace();
    let addr = it.next().unwrap_or("");
    let bcast = it.next();
    if it.next().is_some() {
        return Err("expected <address>[/<prefix>] [<broadcast>]".to_string());
    }
    check_ip_prefix::<Ipv4Addr>(addr, 32)?;
    if let Some(b) = bcast {
        b.parse::<Ipv4Addr>()
            .map_err(|_| format!("invalid broadcast address \"{b}\""))?;
    }
    Ok(())
}

/// `addr[/prefix]`.
pub fn check_ipv6_address(v: &str) -> Result<(), String> {
    check_ip_prefix::<Ipv6Addr>(v, 128)
}

fn check_ip_prefix<A: std::str::FromStr>(v: &str, max: u8) -> Result<(), String> {
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    addr.parse::<A>()
        .map_err(|_| format!("invalid address \"{addr}\""))?;
    if let Some(p) = prefix {
        match p.parse::<u8>() {
            Ok(n) if n <= max => {}
            _ => return Err(format!("invalid prefix length \"{p}\"")),
        }
    }
    Ok(())
}

/// A MAC address: six two-digit hex groups separated by `:` (templates are filled before).
pub fn check_hwaddr(v: &str) -> Result<(), String> {
    let groups: Vec<&str> = v.split(':').collect();
    let ok = groups.len() == 6
        && groups
            .iter()
            .all(|g| g.len() == 2 && g.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err("expected a MAC address such as 00:16:3e:12:34:56 (x for random digits)".into())
    }
}

pub fn check_ipv4_gateway(v: &str) -> Result<(), String> {
    if v == "auto" || v == "dev" || v.parse::<Ipv4Addr>().is_ok() {
        Ok(())
    } else {
        Err("expected an IPv4 address, \"auto\" or \"dev\"".to_string())
    }
}

pub fn check_ipv6_gateway(v: &str) -> Result<(), String> {
    if v == "auto" || v == "dev" || v.parse::<Ipv6Addr>().is_ok() {
        Ok(())
    } else {
        Err("expected an IPv6 address, \"auto\" or \"dev\"".to_string())
    }
}

/// Interface names are limited by IFNAMSIZ (16 including the NUL).
pub fn check_ifname(v: &str) -> Result<(), String> {
    if v.len() > 15 {
        Err("interface names are at most 15 bytes".to_string())
    } else if v.contains('/') || v.chars().any(char::is_whitespace) {
        Err("interface names cannot contain '/' or blanks".to_string())
    } else {
        Ok(())
    }
}

/// Apply the tokens of one `lxc.mount.auto` value onto `ma` (later tokens override earlier
/// ones of the same family, as LXC's mask/flag table does).
pub fn apply_mount_auto(ma: &mut MountAuto, v: &str) -> Result<(), String> {
    let mut next = ma.clone();
    for tok in v.split_whitespace() {
        apply_mount_token(&mut next, tok)?;
    }
    *ma = next;
    Ok(())
}

fn apply_mount_token(ma: &mut MountAuto, tok: &str) -> Result<(), String> {
    let bad = || format!("unknown lxc.mount.auto token \"{tok}\"");
    match tok {
        "proc" | "proc:mixed" => ma.proc = Some(ProcMount::Mixed),
        "proc:rw" => ma.proc = Some(ProcMount::Rw),
        "sys" | "sys:mixed" => ma.sys = Some(SysMount::Mixed),
        "sys:ro" => ma.sys = Some(SysMount::Ro),
        "sys:rw" => ma.sys = Some(SysMount::Rw),
        _ => {
            if let Some(rest) = tok.strip_prefix("shmounts:") {
                let (host, cont) = match rest.split_once(':') {
                    Some((h, c)) => (h, Some(c)),
                    None => (rest, None),
                };
                if host.is_empty() || cont.is_some_and(str::is_empty) {
                    return Err(bad());
                }
                ma.shmounts = Some((host.to_string(), cont.map(str::to_string)));
            } else if let Some(rest) = tok.strip_prefix("cgroup2") {
                let (ro, force) = match rest {
                    "" => (false, false),
                    ":ro" => (true, false),
                    ":force" => (false, true),
                    ":ro:force" => (true, true),
                    _ => return Err(bad()),
                };
                ma.cgroup = Some(CgroupMount::Unified { ro, force });
                ma.cgroup_nospec = false;
            } else if let Some(rest) = tok.strip_prefix("cgroup") {
                let (full, rest) = match rest.strip_prefix("-full") {
                    Some(r) => (true, r),
                    None => (false, rest),
                };
                let (rest, force) = match rest.strip_suffix(":force") {
                    Some(r) => (r, true),
                    None => (rest, false),
                };
                let (mode, nospec) = match rest {
                    "" => (CgroupMountMode::Mixed, true),
                    ":mixed" => (CgroupMountMode::Mixed, false),
                    ":ro" => (CgroupMountMode::Ro, false),
                    ":rw" => (CgroupMountMode::Rw, false),
                    _ => return Err(bad()),
                };
                ma.cgroup = Some(CgroupMount::Legacy { mode, full, force });
                ma.cgroup_nospec = nospec;
            } else {
                return Err(bad());
            }
        }
    }
    Ok(())
}

/// The tokens of `ma`, space separated, in a fixed order (proc, sys, cgroup, shmounts).
pub fn format_mount_auto(ma: &MountAuto) -> String {
    let mut toks: Vec<String> = Vec::new();
    match ma.proc {
        Some(ProcMount::Mixed) => toks.push("proc:mixed".into()),
        Some(ProcMount::Rw) => toks.push("proc:rw".into()),
        None => {}
    }
    match ma.sys {
        Some(SysMount::Mixed) => toks.push("sys:mixed".into()),
        Some(SysMount::Ro) => toks.push("sys:ro".into()),
        Some(SysMount::Rw) => toks.push("sys:rw".into()),
        None => {}
    }
    match &ma.cgroup {
        Some(CgroupMount::Legacy { mode, full, force }) => {
            let mut t = String::from(if *full { "cgroup-full" } else { "cgroup" });
            if !ma.cgroup_nospec {
                t.push_str(match mode {
                    CgroupMountMode::Mixed => ":mixed",
                    CgroupMountMode::Ro => ":ro",
                    CgroupMountMode::Rw => ":rw",
                });
            }
            if *force {
                t.push_str(":force");
            }
            toks.push(t);
        }
        Some(CgroupMount::Unified { ro, force }) => {
            let mut t = String::from("cgroup2");
            if *ro {
                t.push_str(":ro");
            }
            if *force {
                t.push_str(":force");
            }
            toks.push(t);
        }
        None => {}
    }
    if let Some((h, c)) = &ma.shmounts {
        match c {
            Some(c) => toks.push(format!("shmounts:{h}:{c}")),
            None => toks.push(format!("shmounts:{h}")),
        }
    }
    toks.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_bools() {
        assert_eq!(parse_bool("1"), Ok(true));
        assert_eq!(parse_bool("0"), Ok(false));
        assert!(parse_bool("2").is_err());
        assert!(parse_bool("yes").is_err());
        assert!(parse_u32("-1").is_err());
        assert!(parse_u32("helloworld").is_err());
        assert_eq!(parse_i32("-5"), Ok(-5));
    }

    #[test]
    fn time_offsets_in_nanoseconds() {
        assert_eq!(time_offset_nanos("2h"), Ok(7_200_000_000_000));
        assert_eq!(time_offset_nanos("-1500ms"), Ok(-1_500_000_000));
        assert_eq!(time_offset_nanos("7ns"), Ok(7));
        assert!(time_offset_nanos("5").is_err());
        assert!(time_offset_nanos("h").is_err());
        assert!(check_time_offset("3d").is_err());
    }

    #[test]
    fn arch_names_give_lxcs_personalities() {
        assert_eq!(arch_personality("i686"), Some(8));
        assert_eq!(arch_personality("x86"), Some(8));
        assert_eq!(arch_personality("x86_64"), Some(0));
        assert_eq!(arch_personality("amd64"), Some(0));
        assert_eq!(arch_personality("vax"), None);
    }

    #[test]
    fn log_levels() {
        assert_eq!(parse_log_level("TRACE"), Ok(0));
        assert_eq!(parse_log_level("error"), Ok(5));
        assert_eq!(parse_log_level("FATAL"), Ok(8));
        assert_eq!(parse_log_level("8"), Ok(8));
        assert!(parse_log_level("9").is_err());
        assert!(parse_log_level("LOUD").is_err());
        assert_eq!(log_level_name(5), "ERROR");
        assert_eq!(log_level_name(42), "NOTSET");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_byte_size("64KB"), Ok(65536));
        assert_eq!(parse_byte_size("1mb"), Ok(1 << 20));
        assert_eq!(parse_byte_size("2 GB"), Ok(2 << 30));
        assert_eq!(parse_byte_size("100"), Ok(100));
        assert!(parse_byte_size("12TB").is_err());
        assert!(parse_byte_size("KB").is_err());
        assert!(parse_byte_size("99999999999999999999GB").is_err());
        assert!(parse_byte_size("18446744073709551615GB").is_err());
        assert_eq!(parse_console_size("auto"), Ok(131072));
        assert_eq!(parse_console_size("100"), Ok(4096));
        assert_eq!(parse_console_size("5000"), Ok(8192));
        assert_eq!(parse_console_size("0"), Ok(0));
    }

    #[test]
    fn mount_auto_tokens() {
        let mut ma = MountAuto::default();
        apply_mount_auto(&mut ma, "proc:mixed sys:ro cgroup:mixed:force").unwrap();
        assert_eq!(
            format_mount_auto(&ma),
            "proc:mixed sys:ro cgroup:mixed:force"
        );
        apply_mount_auto(&mut ma, "cgroup2:ro shmounts:/a:/b").unwrap();
        assert_eq!(
            format_mount_auto(&ma),
            "proc:mixed sys:ro cgroup2:ro shmounts:/a:/b"
        );
        let mut ma = MountAuto::default();
        apply_mount_auto(&mut ma, "cgroup-full:force proc sys").unwrap();
        assert!(ma.cgroup_nospec);
        assert_eq!(
            format_mount_auto(&ma),
            "proc:mixed sys:mixed cgroup-full:force"
        );
        for bad in [
            "proc:ro",
            "cgroup:xx",
            "cgroup2:rw",
            "shmounts:",
            "foo",
            "cgroup-fullx",
        ] {
            let before = ma.clone();
            assert!(apply_mount_auto(&mut ma, bad).is_err(), "{bad}");
            assert_eq!(ma, before);
        }
    }

    #[test]
    fn misc_validators() {
        assert!(check_time_offset("-10s").is_ok());
        assert!(check_time_offset("5ms").is_ok());
        assert!(check_time_offset("5").is_err());
        assert!(check_time_offset("5d").is_err());
        assert!(check_prlimit("1024").is_ok());
        assert!(check_prlimit("1024:unlimited").is_ok());
        assert!(check_prlimit("x").is_err());
        assert!(check_ipv4_address("10.0.3.5/24 10.0.3.255").is_ok());
        assert!(check_ipv4_address("10.0.3.5").is_ok());
        assert!(check_ipv4_address("10.0.3.5/33").is_err());
        assert!(check_ipv4_address("bogus").is_err());
        assert!(check_ipv6_address("fd00::1/64").is_ok());
        assert!(check_ipv6_address("fd00::1/129").is_err());
        assert!(check_ipv4_gateway("auto").is_ok());
        assert!(check_ipv6_gateway("fe80::1").is_ok());
        assert!(check_ifname("eth0").is_ok());
        assert!(check_ifname("averyveryverylongname").is_err());
        assert!(check_syslog_facility("local7").is_ok());
        assert!(check_syslog_facility("local8").is_err());
        assert!(arch_is_64("amd64").unwrap());
        assert!(!arch_is_64("armhf").unwrap());
        assert!(arch_is_64("vax").is_err());
    }
}
