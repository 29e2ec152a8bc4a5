//! `lxc-user-nic`, the setuid-root helper that gives a non-root user's container a veth on
//! a bridge the administrator allows (`/etc/lxc/lxc-usernet`), within a count kept in
//! `/run/lxc/nics`. It trusts nothing of its caller: the environment is cleared, every
//! path the caller names is opened with the caller's own uid, the database is typed and
//! matched on whole fields, errors about what the caller cannot see are one message, and
//! work inside the container's network namespace is done as the caller.

use super::netlink::Netlink;
use lxc_config::usernet::{self, NicRecord};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::{AsFd, AsRawFd};

pub const USAGE: &str =
    "usage: lxc-user-nic create <lxcpath> <name> <pid> <type> <bridge> [<nicname>]\n       \
                         lxc-user-nic delete <lxcpath> <name> <netns-path> <type> <bridge> <veth>";
const USERNET: &str = "/etc/lxc/lxc-usernet";
const DB_DIR: &str = "/run/lxc";
const DB: &str = "/run/lxc/nics";
const NSFS_MAGIC: u64 = 0x6e73_6673;
const NAME_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

type R<T> = Result<T, String>;

/// The tool: its argv (without the program name) to the line it prints.
pub fn run(args: &[String]) -> R<String> {
    clear_environment();
    match args {
        [cmd, _lxcpath, _name, pid, kind, bridge, rest @ ..]
            if cmd == "create" && rest.len() <= 1 =>
        {
            create(pid, kind, bridge, rest.first().map(String::as_str))
        }
        [cmd, _lxcpath, _name, netns, kind, bridge, veth] if cmd == "delete" => {
            delete(netns, kind, bridge, veth)
        }
        _ => Err(USAGE.to_string()),
    }
}

fn clear_environment() {
    let keys: Vec<_> = std::env::vars_os().map(|(k, _)| k).collect();
    for key in keys {
        std::env::remove_var(key);
    }
    std::env::set_var(
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    );
}

/// The caller: real uid, its user name and group names (from /etc/passwd and /etc/group).
struct Caller {
    uid: u32,
    user: String,
    groups: Vec<String>,
}

fn caller() -> R<Caller> {
    let (uid, gid) = lxc_sys::process::real_ids();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let user = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() >= 3 && f[2].parse::<u32>().ok() == Some(uid))
        .map(|f| f[0].to_string())
        .ok_or_else(|| format!("uid {uid} has no user name"))?;
    let mut gids = lxc_sys::process::groups().map_err(|e| format!("getgroups: {e}"))?;
    gids.push(gid);
    let group_file = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let groups = group_file
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .filter(|f| f.len() >= 3 && f[2].parse::<u32>().is_ok_and(|g| gids.contains(&g)))
        .map(|f| f[0].to_string())
        .collect();
    Ok(Caller { uid, user, groups })
}

/// Run `f` with the caller's uid as the effective one (and so for file access), then
/// become root again.
fn as_caller<T>(uid: u32, f: impl FnOnce() -> T) -> R<T> {
    lxc_sys::process::seteuid(uid).map_err(|e| format!("seteuid: {e}"))?;
    let out = f();
    lxc_sys::process::seteuid(0).map_err(|e| format!("seteuid back: {e}"))?;
    Ok(out)
}

/// The database, locked for the whole operation.
struct Db {
    file: File,
    records: Vec<NicRecord>,
}

impl Db {
    fn open() -> R<Db> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let _ = std::fs::DirBuilder::new().mode(0o755).create(DB_DIR);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(DB)
            .map_err(|e| format!("{DB}: {e}"))?;
        lxc_sys::fs::ofd_lock(file.as_fd(), lxc_sys::fs::LockKind::Exclusive, true)
            .map_err(|e| format!("lock {DB}: {e}"))?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| format!("{DB}: {e}"))?;
        Ok(Db {
            file,
            records: usernet::parse_records(&text),
        })
    }

    fn save(&mut self) -> R<()> {
        let text = usernet::records_text(&self.records);
        self.file
            .set_len(0)
            .and_then(|()| self.file.rewind())
            .and_then(|()| self.file.write_all(text.as_bytes()))
            .map_err(|e| format!("{DB}: {e}"))
    }
}

fn create(pid: &str, kind: &str, bridge: &str, wanted: Option<&str>) -> R<String> {
    let pid: i32 = pid
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("invalid pid {pid}"))?;
    if kind != "veth" {
        return Err(format!("type {kind}: only veth is supported"));
    }
    let who = caller()?;
    let mut db = Db::open()?;
    // The caller must be able to open that namespace itself (CVE-2017-5985).
    let netns = as_caller(who.uid, || File::open(format!("/proc/{pid}/ns/net")))?
        .map_err(|_| format!("cannot use the network namespace of process {pid}"))?;
    let mut nl = Netlink::open()?;
    // Devices that are gone no longer count.
    let mut live = Vec::new();
    for r in std::mem::take(&mut db.records) {
        if nl.link_index(&r.device)?.is_some() {
            live.push(r);
        }
    }
    db.records = live;
    let allowances =
        usernet::parse_allowances(&std::fs::read_to_string(USERNET).unwrap_or_default());
    let owner = usernet::charge_to(
        &allowances,
        &db.records,
        &who.user,
        &who.groups,
        kind,
        bridge,
    )
    .map(|a| a.owner.clone())
    .ok_or("Quota reached")?;
    let host = if who.uid > 0 && who.uid <= 65536 {
        format!(
            "veth{}_{}",
            who.uid,
            lxc_config::hwaddr::random_chars(4, NAME_CHARS)
        )
    } else {
        format!("veth{}", lxc_config::hwaddr::random_chars(6, NAME_CHARS))
    };
    let peer = format!("{host}p");
    nl.create_veth((&host, &peer), netns.as_fd(), (None, None))?;
    let made = (|| -> R<(u32, String, u32)> {
        let host_index = nl
            .link_index(&host)?
            .ok_or_else(|| format!("{host} vanished"))?;
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&lxc_config::hwaddr::random_bytes(6));
        mac[0] = 0xfe;
        nl.set_hwaddr(host_index, mac)?;
        if bridge != "none" {
            let master = nl
                .link_index(bridge)?
                .ok_or_else(|| format!("no such bridge {bridge}"))?;
            if let (_, Some(mtu)) = nl.link_name_mtu(master)? {
                nl.set_mtu(host_index, mtu)?;
            }
            nl.set_master(host_index, master)?;
        }
        nl.set_up(host_index)?;
        let (name, index) = rename_inside(&netns, who.uid, &peer, wanted.unwrap_or("eth%d"))?;
        Ok((host_index, name, index))
    })();
    let (host_index, name, index) = match made {
        Ok(m) => m,
        Err(e) => {
            if let Ok(Some(i)) = nl.link_index(&host) {
                let _ = nl.delete_link(i);
            }
            return Err(e);
        }
    };
    db.records.push(NicRecord {
        owner,
        kind: kind.to_string(),
        bridge: bridge.to_string(),
        device: host.clone(),
    });
    db.save()?;
    Ok(format!("{name}:{index}:{host}:{host_index}"))
}

/// Name the container's end inside its namespace, as the caller (who must be privileged
/// there: a namespace of its own containers); its final name and index.
fn rename_inside(netns: &File, uid: u32, peer: &str, name: &str) -> R<(String, u32)> {
    let own = File::open("/proc/self/ns/net").map_err(|e| format!("own network namespace: {e}"))?;
    lxc_sys::ns::setns(netns.as_fd(), libc::CLONE_NEWNET).map_err(|e| format!("setns: {e}"))?;
    let renamed = as_caller(uid, || -> R<(String, u32)> {
        let mut nl = Netlink::open()?;
        let index = nl
            .link_index(peer)?
            .ok_or_else(|| format!("{peer} is not in the container"))?;
        nl.rename(index, name)
            .map_err(|e| format!("name the container's end {name}: {e}"))?;
        Ok((nl.link_name_mtu(index)?.0, index))
    });
    lxc_sys::ns::setns(own.as_fd(), libc::CLONE_NEWNET).map_err(|e| format!("setns back: {e}"))?;
    renamed?
}

/// LXC deletes only Open vSwitch ports this way (a Linux bridge's go with the namespace);
/// the namespace path is checked as LXC checks it, one message for every failure.
fn delete(netns: &str, kind: &str, bridge: &str, _veth: &str) -> R<String> {
    let who = caller()?;
    let generic = || "failed to open the network namespace".to_string();
    let opened = as_caller(who.uid, || {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_NOFOLLOW)
            .open(netns)
    })?
    .map_err(|_| generic())?;
    let is_netns = lxc_sys::fs::fs_magic(opened.as_fd()).is_ok_and(|m| m == NSFS_MAGIC);
    if !is_netns {
        return Err(generic());
    }
    let _reopened =
        File::open(format!("/proc/self/fd/{}", opened.as_raw_fd())).map_err(|_| generic())?;
    if kind != "veth" {
        return Err(format!("type {kind}: only veth is supported"));
    }
    Err(format!(
        "{bridge}: not an Open vSwitch bridge (a Linux bridge's ports go with the network namespace)"
    ))
}
