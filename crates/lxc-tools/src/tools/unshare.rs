//! lxc-unshare: `-s NAMESPACES [-u USER] [-H HOSTNAME] [-i IFNAME]... [-d] [-M] -- COMMAND`.

use crate::common::{fail, parse, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "-s NAMESPACES [-u USER] [-H HOSTNAME] [-i IFNAME]... [-d] [-M] -- COMMAND

lxc-unshare runs COMMAND in new namespaces of its own (no container): exit status 0 when
COMMAND succeeded, 1 otherwise.

Options :
  -s, --namespaces=NAMESPACES
                        The namespaces to make, a |-list of MOUNT, PID, UTSNAME, IPC,
                        USER, NETWORK, CGROUP
  -u, --user=USER       Run COMMAND as USER (a name or a uid); with USER, this user is
                        mapped to it in there (without -u, COMMAND runs as nobody)
  -H, --hostname=NAME   With UTSNAME: the new hostname
  -i, --ifname=IFNAME   With NETWORK: move the host's interface IFNAME in (may be
                        repeated)
  -d, --daemon          Do not wait for COMMAND
  -M, --remount         With MOUNT: fresh /proc (and with IPC /dev/shm, /dev/mqueue)
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut o = lxc::unshare::UnshareOptions::default();
    let mut user = None;
    let mut ns_error = None;
    parse("lxc-unshare", HELP, args, |p, arg| {
        match arg {
            Short('s') | Long("namespaces") => {
                match super::attach::namespaces(&p.value()?.string()?) {
                    Ok(flags) => o.namespaces = flags,
                    Err(e) => ns_error = Some(e),
                }
            }
            Short('u') | Long("user") => user = Some(p.value()?.string()?),
            Short('H') | Long("hostname") => o.hostname = Some(p.value()?.string()?),
            Short('i') | Long("ifname") => o.interfaces.push(p.value()?.string()?),
            Short('d') | Long("daemon") => o.daemonize = true,
            Short('M') | Long("remount") => o.remount = true,
            Value(v) => o.argv.push(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    if let Some(e) = ns_error {
        return Err(fail(e));
    }
    if let Some(user) = user {
        o.uid = Some(uid_of(&user)?);
    }
    Ok(lxc::unshare::unshare_run(&o)?)
}

/// A uid, or a user name of the host's /etc/passwd.
fn uid_of(user: &str) -> Res<u32> {
    if let Ok(uid) = user.parse() {
        return Ok(uid);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[0] == user)
        .and_then(|f| f[2].parse().ok())
        .ok_or_else(|| fail(format!("no such user \"{user}\"")))
}
