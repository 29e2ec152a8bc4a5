//! Running foreign programs (template scripts, `lxc-usernsexec`) as root of a new user
//! namespace with a container's id maps, as LXC's lxc-usernsexec does. The helper forks a
//! child that unshares its user and mount namespaces; the helper, still in the caller's
//! namespace, writes the maps (directly as root, through `newuidmap`/`newgidmap`
//! otherwise); the child becomes 0:0 and executes the program.

use crate::error::{Error, Result};
use lxc_config::idmap::IdMaps;
use lxc_config::{IdMap, IdMapKind};
use lxc_sys::process::Forked;
use std::os::fd::{AsFd, OwnedFd};
use std::process::Command;

/// One `-m` value: `u:NS:HOST:RANGE`, `g:...`, or `b:...` (both kinds).
pub fn parse_map_arg(arg: &str) -> std::result::Result<Vec<IdMap>, String> {
    let fields: Vec<&str> = arg.split(':').collect();
    let [kind, ns, host, range] = fields.as_slice() else {
        return Err(format!(
            "bad id map {arg:?}: expected u|g|b:NSID:HOSTID:RANGE"
        ));
    };
    let kinds: &[&str] = match *kind {
        "u" => &["u"],
        "g" => &["g"],
        "b" => &["u", "g"],
        other => {
            return Err(format!(
                "bad id map {arg:?}: type {other:?} is not u, g or b"
            ))
        }
    };
    kinds
        .iter()
        .map(|k| IdMap::parse(&format!("{k} {ns} {host} {range}")))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("bad id map {arg:?}: {e}"))
}

/// The maps as `-m` arguments.
pub fn map_args(maps: &IdMaps) -> Vec<String> {
    maps.maps
        .iter()
        .flat_map(|m| {
            let kind = if m.kind == IdMapKind::Uid { "u" } else { "g" };
            [
                "-m".to_string(),
                format!("{kind}:{}:{}:{}", m.ns_id, m.host_id, m.range),
            ]
        })
        .collect()
}

/// The maps a template runs with: the container's, plus the calling user where the
/// container's maps leave it out (so the template can still write the files the caller
/// owns, such as the container's config), and where the caller appears inside
/// (`--mapped-uid`, `--mapped-gid`).
pub fn with_caller(maps: &IdMaps) -> Result<(IdMaps, u32, u32)> {
    let mut all = maps.clone();
    let mut mapped = [0u32; 2];
    let caller = [lxc_sys::geteuid(), lxc_sys::getegid()];
    for (i, kind) in [IdMapKind::Uid, IdMapKind::Gid].into_iter().enumerate() {
        mapped[i] = match maps.to_ns(kind, caller[i]) {
            Some(ns) => ns,
            None => {
                let ns = maps.first_unmapped(kind).ok_or_else(|| {
                    Error::InvalidArgument("the id maps leave no id for the caller".into())
                })?;
                all.maps.push(IdMap {
                    kind,
                    ns_id: ns,
                    host_id: caller[i],
                    range: 1,
                });
                ns
            }
        };
    }
    Ok((all, mapped[0], mapped[1]))
}

/// A command running `argv` as root of a new user namespace with `maps` (through the
/// helper; the caller runs it as it likes).
pub fn command(maps: &IdMaps, argv: &[String]) -> Result<Command> {
    let mut cmd = Command::new(crate::start::helper_path()?);
    cmd.arg("usernsexec")
        .args(map_args(maps))
        .arg("--")
        .args(argv);
    Ok(cmd)
}

/// The helper's `usernsexec -m MAP... -- PROGRAM [ARGS...]`: the program's exit status.
pub fn helper_usernsexec() -> i32 {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let mut maps = Vec::new();
    let mut rest = args.as_slice();
    while let [flag, value, tail @ ..] = rest {
        if flag != "-m" {
            break;
        }
        match parse_map_arg(value) {
            Ok(m) => maps.extend(m),
            Err(e) => {
                eprintln!("lxc-usernsexec: {e}");
                return 1;
            }
        }
        rest = tail;
    }
    let argv = match rest {
        [dashes, argv @ ..] if dashes == "--" && !argv.is_empty() => argv,
        _ => {
            eprintln!("lxc-usernsexec: usage: lxc-usernsexec -m MAP... -- PROGRAM [ARGS...]");
            return 1;
        }
    };
    if maps.is_empty() {
        eprintln!("lxc-usernsexec: no id maps given (-m u|g|b:NSID:HOSTID:RANGE)");
        return 1;
    }
    match run(&IdMaps { maps }, argv) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lxc-usernsexec: {e}");
            1
        }
    }
}

fn run(maps: &IdMaps, argv: &[String]) -> std::result::Result<i32, String> {
    let (ready_r, ready_w) = lxc_sys::fs::pipe().map_err(|e| format!("pipe: {e}"))?;
    let (go_r, go_w) = lxc_sys::fs::pipe().map_err(|e| format!("pipe: {e}"))?;
    match lxc_sys::process::fork().map_err(|e| format!("fork: {e}"))? {
        Forked::Child => {
            drop(ready_r);
            drop(go_w);
            let e = become_root(ready_w, go_r, argv);
            eprintln!("lxc-usernsexec: {e}");
            lxc_sys::process::exit_now(1)
        }
        Forked::Parent { pid, .. } => {
            drop(ready_w);
            drop(go_r);
            let mut byte = [0u8; 1];
            let unshared = lxc_sys::fs::read(ready_r.as_fd(), &mut byte).unwrap_or(0) == 1;
            let mapped = if unshared {
                write_maps_of(pid, maps)
            } else {
                Err(String::new())
            };
            if let Err(e) = &mapped {
                if !e.is_empty() {
                    eprintln!("lxc-usernsexec: {e}");
                }
                let _ = lxc_sys::process::kill(pid, libc::SIGKILL);
            } else {
                let _ = lxc_sys::fs::write_all(go_w.as_fd(), b"1");
            }
            drop(go_w);
            let status = lxc_sys::process::waitpid(pid, false).map_err(|e| format!("wait: {e}"))?;
            Ok(if mapped.is_ok() {
                status.shell_code()
            } else {
                1
            })
        }
    }
}

/// In the child: a new user (and mount) namespace, wait for the maps, be 0:0, execute.
/// Returns only on failure.
fn become_root(ready: OwnedFd, go: OwnedFd, argv: &[String]) -> String {
    let _ = lxc_sys::process::set_pdeathsig(libc::SIGKILL);
    if let Err(e) = lxc_sys::ns::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) {
        return format!("unshare: {e}");
    }
    if lxc_sys::fs::write_all(ready.as_fd(), b"1").is_err() {
        return "the helper went away".into();
    }
    let mut byte = [0u8; 1];
    if lxc_sys::fs::read(go.as_fd(), &mut byte).unwrap_or(0) != 1 {
        return "the id maps were not written".into();
    }
    drop((ready, go));
    if let Err(e) = drop_groups() {
        return e;
    }
    if let Err(e) = lxc_sys::process::setresgid(0) {
        return format!("setresgid(0): {e}");
    }
    if let Err(e) = lxc_sys::process::setresuid(0) {
        return format!("setresuid(0): {e}");
    }
    // The id change cleared it.
    let _ = lxc_sys::process::set_pdeathsig(libc::SIGKILL);
    let env: Vec<String> = std::env::vars_os()
        .filter_map(|(k, v)| {
            Some(format!(
                "{}={}",
                k.into_string().ok()?,
                v.into_string().ok()?
            ))
        })
        .collect();
    let e = lxc_sys::process::execvpe(&argv[0], argv, &env);
    format!("{}: {e}", argv[0])
}

/// No supplementary groups of the host in a user namespace. Where the maps' writer denied
/// setgroups (newgidmap may), there must be none to begin with.
pub fn drop_groups() -> std::result::Result<(), String> {
    match lxc_sys::process::setgroups(&[]) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            let kept = lxc_sys::process::groups().map_err(|e| format!("getgroups: {e}"))?;
            if kept.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "setgroups is denied and {} supplementary groups of the host would stay",
                    kept.len()
                ))
            }
        }
        Err(e) => Err(format!("setgroups: {e}")),
    }
}

/// Write the id maps of `pid` (in a new user namespace): directly as root, else through
/// shadow's setuid tools (which check them against /etc/subuid and /etc/subgid).
pub fn write_maps_of(pid: libc::pid_t, maps: &IdMaps) -> std::result::Result<(), String> {
    let kinds = [
        (IdMapKind::Uid, "uid_map", "newuidmap"),
        (IdMapKind::Gid, "gid_map", "newgidmap"),
    ];
    for (kind, file, tool) in kinds {
        let text = maps.map_file(kind);
        if text.is_empty() {
            continue;
        }
        if lxc_sys::geteuid() == 0 {
            let path = format!("/proc/{pid}/{file}");
            std::fs::write(&path, &text).map_err(|e| format!("{path}: {e}"))?;
            continue;
        }
        let out = Command::new(tool)
            .arg(pid.to_string())
            .args(text.split_whitespace())
            .output()
            .map_err(|e| format!("{tool}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{tool}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_arguments() {
        let both = parse_map_arg("b:0:100000:65536").unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(both[1].to_string(), "g 0 100000 65536");
        assert!(parse_map_arg("x:0:1:1").is_err());
        assert!(parse_map_arg("u:0:1").is_err());
        let maps = IdMaps::new(&both);
        assert_eq!(
            map_args(&maps),
            ["-m", "u:0:100000:65536", "-m", "g:0:100000:65536"]
        );
    }
}
