//! `lxc-user-nic`, the setuid-root helper that gives a non-root user's container a veth on
//! a bridge the administrator allows (`/etc/lxc/lxc-usernet`), within a count kept in
//! `/run/lxc/nics`. It trusts nothing of its caller: the environment is cleared, every
//! path the caller names is opened with the caller's own uid, the database is typed and
//! matched on whole fields, errors about what the caller cannot see are one message, and
//! work inside the container's network namespace is done as the caller.

use super::netlink::{self, Netlink};
use lxc_config::usernet::{self, NicRecord};
use std::fs::File;
use std::io::{Read, Write};
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

/// What the setuid program does before anything else: no environment of the caller's
/// (cleared with libc, so even entries std cannot see go), no SIGXFSZ death, a sane umask.
pub fn sanitize() {
    lxc_sys::process::clear_env();
    std::env::set_var(
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    );
    lxc_sys::process::ignore_sigxfsz();
    lxc_sys::process::umask(0o022);
}

/// The tool: its argv (without the program name) to the line it prints. `sanitize` must
/// have run first.
pub fn run(args: &[String]) -> R<String> {
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

/// The caller: real uid, its user name and group names.
struct Caller {
    uid: u32,
    user: String,
    groups: Vec<String>,
}

/// Who called: the names from /etc/passwd and /etc/group, else from the host's name
/// services (LDAP, SSSD...).
fn caller() -> R<Caller> {
    let (uid, gid) = lxc_sys::process::real_ids();
    let uid_key = uid.to_string();
    let user = entries_of("/etc/passwd", "passwd", std::slice::from_ref(&uid_key))
        .into_iter()
        .next()
        .map(|f| f[0].clone())
        .ok_or_else(|| format!("uid {uid} has no user name"))?;
    let mut gids = lxc_sys::process::groups().map_err(|e| format!("getgroups: {e}"))?;
    gids.push(gid);
    gids.sort_unstable();
    gids.dedup();
    let keys: Vec<String> = gids.iter().map(u32::to_string).collect();
    let groups = entries_of("/etc/group", "group", &keys)
        .into_iter()
        .map(|f| f[0].clone())
        .collect();
    Ok(Caller { uid, user, groups })
}

/// The entries (fields of `name:x:id:...` lines) whose id is one of `ids`: from `file`,
/// and for the ids it lacks from `getent DATABASE` (this static program cannot load the
/// name services' modules itself; LXC's, linked dynamically, asks them through libc).
fn entries_of(file: &str, database: &str, ids: &[String]) -> Vec<Vec<String>> {
    let parse = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
            .filter(|f| f.len() >= 3 && ids.contains(&f[2]))
            .collect()
    };
    let mut found = parse(&std::fs::read_to_string(file).unwrap_or_default());
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| !found.iter().any(|f| &f[2] == *id))
        .collect();
    if missing.is_empty() {
        return found;
    }
    let looked_up = std::process::Command::new("/usr/bin/getent")
        .arg(database)
        .args(&missing)
        .env_clear()
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    if let Ok(out) = looked_up {
        found.extend(parse(&String::from_utf8_lossy(&out.stdout)));
    }
    found
}

/// Run `f` with the caller's uid as the effective one (and so for file access), then
/// become root again; a process that cannot become root again stops at once.
fn as_caller<T>(uid: u32, f: impl FnOnce() -> T) -> R<T> {
    lxc_sys::process::seteuid(uid).map_err(|e| format!("seteuid: {e}"))?;
    let out = f();
    if let Err(e) = lxc_sys::process::seteuid(0) {
        eprintln!("lxc-user-nic: seteuid back: {e}");
        lxc_sys::process::exit_now(1);
    }
    Ok(out)
}

/// The database, locked for the whole operation. It is locked and rewritten in place, as
/// LXC's lxc-user-nic does, so that both programs on one host take the same lock (an
/// open-file-description lock conflicts with LXC's record lock on the same file).
struct Db {
    file: File,
    records: Vec<NicRecord>,
}

fn open_private(path: &str) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

impl Db {
    fn open() -> R<Db> {
        use std::os::unix::fs::DirBuilderExt;
        let _ = std::fs::DirBuilder::new().mode(0o755).create(DB_DIR);
        let mut file = open_private(DB).map_err(|e| format!("{DB}: {e}"))?;
        // A bounded wait: a caller stopping its own helper while it holds the lock must
        // not hold up everyone else's for ever.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let taken =
                lxc_sys::fs::ofd_lock(file.as_fd(), lxc_sys::fs::LockKind::Exclusive, false)
                    .map_err(|e| format!("lock {DB}: {e}"))?;
            if taken {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("{DB}: busy (another lxc-user-nic holds it)"));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| format!("{DB}: {e}"))?;
        Ok(Db {
            file,
            records: usernet::parse_records(&text),
        })
    }

    /// Write the records over the old ones, then cut what is left of those (an interrupted
    /// write leaves at worst a torn last line, which the parser skips).
    fn save(&mut self) -> R<()> {
        use std::io::{Seek, SeekFrom};
        let text = usernet::records_text(&self.records);
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.write_all(text.as_bytes()))
            .and_then(|()| self.file.set_len(text.len() as u64))
            .and_then(|()| self.file.sync_all())
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
        .map_err(|e| format!("cannot use the network namespace of process {pid}: {e}"))?;
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
    // Only into a namespace the caller rules (its own containers'), checked before any
    // device is made there.
    if !privileged_in(&netns, who.uid)? {
        return Err(format!("cannot use the network namespace of process {pid}"));
    }
    // Recorded before it exists, so that no interruption leaves a NIC uncounted (a record
    // whose device never came is culled on the next call).
    db.records.push(NicRecord {
        owner,
        kind: kind.to_string(),
        bridge: bridge.to_string(),
        device: host.clone(),
    });
    db.save()?;
    if let Err(e) = nl.create_veth((&host, &peer), netns.as_fd(), (None, None)) {
        db.records.pop();
        let _ = db.save();
        return Err(e);
    }
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
            db.records.pop();
            let _ = db.save();
            return Err(e);
        }
    };
    Ok(format!("{name}:{index}:{host}:{host_index}"))
}

/// Whether the caller rules `netns` (LXC's test: deleting `lo` there as the caller is
/// "not supported" when privileged, "not permitted" otherwise).
fn privileged_in(netns: &File, uid: u32) -> R<bool> {
    in_netns_as_caller(netns, uid, || {
        let mut nl = Netlink::open()?;
        let lo = nl.link_index("lo")?.ok_or("no lo")?;
        match nl.delete_link(lo) {
            Err(e) if netlink::failed_with(&e, libc::EOPNOTSUPP) => Ok(true),
            Err(_) => Ok(false),
            Ok(()) => Err("lo could be deleted".to_string()),
        }
    })
}

/// Run `f` in `netns` with the caller's uid, then come back (as root, to our namespace).
fn in_netns_as_caller<T>(netns: &File, uid: u32, f: impl FnOnce() -> R<T>) -> R<T> {
    let own = File::open("/proc/self/ns/net").map_err(|e| format!("own network namespace: {e}"))?;
    lxc_sys::ns::setns(netns.as_fd(), libc::CLONE_NEWNET).map_err(|e| format!("setns: {e}"))?;
    let out = as_caller(uid, f);
    if let Err(e) = lxc_sys::ns::setns(own.as_fd(), libc::CLONE_NEWNET) {
        eprintln!("lxc-user-nic: setns back: {e}");
        lxc_sys::process::exit_now(1);
    }
    out?
}

/// Name the container's end inside its namespace, as the caller (who must be privileged
/// there: a namespace of its own containers); its final name and index.
fn rename_inside(netns: &File, uid: u32, peer: &str, name: &str) -> R<(String, u32)> {
    in_netns_as_caller(netns, uid, || {
        let mut nl = Netlink::open()?;
        let index = nl
            .link_index(peer)?
            .ok_or_else(|| format!("{peer} is not in the container"))?;
        nl.rename(index, name)
            .map_err(|e| format!("name the container's end {name}: {e}"))?;
        Ok((nl.link_name_mtu(index)?.0, index))
    })
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
