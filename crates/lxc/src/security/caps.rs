//! Capabilities: `lxc.cap.drop` and `lxc.cap.keep` become the container's bounding set, so
//! no process in it can ever hold the others (init and attached processes alike).

use crate::error::{Error, Result};

/// Linux capability names (without `CAP_`, lower case) by number.
const NAMES: &[&str] = &[
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
];

/// The number of a capability name (`sys_admin`, `CAP_SYS_ADMIN`) or a plain number.
pub fn number(name: &str) -> Option<u32> {
    let lower = name.trim().to_ascii_lowercase();
    let bare = lower.strip_prefix("cap_").unwrap_or(&lower);
    NAMES
        .iter()
        .position(|n| *n == bare)
        .map(|i| i as u32)
        .or_else(|| bare.parse().ok())
}

/// The highest capability this kernel knows.
fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(NAMES.len() as u32 - 1)
}

/// The capabilities to remove from the bounding set for this drop/keep configuration.
pub fn to_drop(drop: &[String], keep: &[String]) -> Result<Vec<u32>> {
    let parse = |names: &[String]| -> Result<Vec<u32>> {
        names
            .iter()
            .filter(|n| !n.is_empty() && n.as_str() != "none")
            .map(|n| {
                number(n)
                    .ok_or_else(|| Error::InvalidArgument(format!("unknown capability \"{n}\"")))
            })
            .collect()
    };
    // An empty entry is no entry (an LXC monitor answers an unset key with "").
    if keep.iter().any(|n| !n.is_empty()) {
        if drop.iter().any(|n| !n.is_empty()) {
            // As LXC: one or the other, never both (which would win is anyone's guess).
            return Err(Error::InvalidArgument(
                "lxc.cap.drop and lxc.cap.keep are both set: use one of them, not both".into(),
            ));
        }
        let kept = parse(keep)?;
        return Ok((0..=last_cap()).filter(|c| !kept.contains(c)).collect());
    }
    parse(drop)
}

/// The capabilities this kernel knows that a bounding-set mask (`CapBnd:`) lacks.
pub fn missing_from(mask: u64) -> Vec<u32> {
    (0..=last_cap().min(63))
        .filter(|c| mask & (1u64 << c) == 0)
        .collect()
}

/// Remove capabilities from this process's bounding and inheritable sets and clear its
/// ambient set (before exec).
pub fn drop_bounding(caps: &[u32]) -> std::result::Result<(), String> {
    if caps.is_empty() {
        return Ok(());
    }
    lxc_sys::caps::drop_inheritable_and_ambient(caps).map_err(|e| format!("capset: {e}"))?;
    for &cap in caps {
        lxc_sys::caps::drop_bounding(cap).map_err(|e| {
            let name = NAMES.get(cap as usize).copied().unwrap_or("?");
            format!("drop capability {name}: {e}")
        })?;
    }
    Ok(())
}

/// A container's init running as a non-root uid (`lxc.init.uid`) keeps the container's
/// capabilities, as LXC does: kept across the uid change, then raised into the ambient set.
/// The bounding set was cut already, so dropped ones stay out.
pub fn setuid_keeping_caps(uid: u32) -> std::result::Result<(), String> {
    let what = |e: std::io::Error| format!("keep capabilities for the non-root init: {e}");
    lxc_sys::caps::keep_across_setuid(last_cap()).map_err(what)?;
    lxc_sys::process::setresuid(uid).map_err(|e| format!("setuid {uid}: {e}"))?;
    lxc_sys::caps::raise_ambient(last_cap()).map_err(what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(number("sys_admin"), Some(21));
        assert_eq!(number("CAP_MAC_ADMIN"), Some(33));
        assert_eq!(number("40"), Some(40));
        assert_eq!(number("bogus"), None);
    }

    #[test]
    fn keep_means_everything_else_goes() {
        let dropped = to_drop(&[], &["chown".into(), "kill".into()]).unwrap();
        assert!(!dropped.contains(&0) && !dropped.contains(&5) && dropped.contains(&21));
        assert_eq!(
            to_drop(&["mknod".into(), "sys_time".into()], &[]).unwrap(),
            vec![27, 25]
        );
        assert!(to_drop(&["bogus".into()], &[]).is_err());
        assert!(to_drop(&["mknod".into()], &["chown".into()]).is_err());
        assert_eq!(missing_from(u64::MAX), Vec::<u32>::new());
        assert_eq!(missing_from(!(1 << 27))[..], [27]);
        assert_eq!(
            to_drop(&["mknod".into()], &["".into()]).unwrap(),
            to_drop(&["mknod".into()], &[]).unwrap()
        );
    }
}
