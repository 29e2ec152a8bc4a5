//! lxc-attach: run a command (or the user's shell) in a running container.

use crate::common::{about, fail, parse, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "--name=NAME [-e] [-s NAMESPACES] [--clear-env|--keep-env] [-v VAR=VALUE]... [--keep-var VAR]... [-u UID] [-g GID] [--cwd DIR] [-- COMMAND]

lxc-attach runs COMMAND (default: the user's shell) in the running container NAME: in
its namespaces and cgroups, with its capability bounding set and security profile.

Options :
  -n, --name=NAME       The container's name
  -e, --elevated-privileges[=PRIVILEGES]
                        Keep some of this process's privileges instead of the
                        container's: a |-list of CGROUP (stay in this cgroup), CAP (keep
                        the capabilities) and LSM (keep the security profile); all three
                        without a list. This can leak privileges into the container.
  -s, --namespaces=NAMESPACES
                        Enter only these namespaces, a |-list of MOUNT, PID, UTSNAME,
                        IPC, USER, NETWORK, CGROUP, TIME (the cgroup is then not
                        entered)
  -R, --remount-sys-proc
                        Without the mount namespace (-s without MOUNT): fresh /proc and
                        /sys showing the container's pid and network namespaces
      --clear-env       Start from an empty environment (container=lxc and a PATH)
      --keep-env        Keep this environment (the default)
  -v, --set-var=VAR=VALUE
                        Set VAR in the attached program's environment (may be repeated)
      --keep-var=VAR    With --clear-env: keep VAR (may be repeated)
  -u, --uid=UID         Run as UID in the container
  -g, --gid=GID         Run as GID in the container
      --cwd=DIR         Start in DIR (default: this directory if the container has it,
                        else /)
  -a, --arch=ARCH       Run the program with ARCH's personality (e.g. i686) instead of
                        the container's (lxc.arch)
  -L, --pty-log=FILE    With a terminal: copy what the program writes to it to FILE
  -c, --context=CONTEXT Run under this SELinux context instead of the container's (with
                        no security module on the host there is none to apply)
      --rcfile=FILE     Load the configuration from FILE
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut opts = lxc::AttachOptions::default();
    let mut command = Vec::new();
    let mut ns_error = None;
    let common = parse("lxc-attach", HELP, args, |p, arg| {
        match arg {
            Short('e') | Long("elevated-privileges") => {
                // No list: every privilege; else a |-list of CGROUP, CAP, LSM.
                let all = match p.optional_value() {
                    Some(v) => v
                        .string()?
                        .split('|')
                        .map(|x| x.trim().to_ascii_uppercase())
                        .collect(),
                    None => vec!["CGROUP".to_string(), "CAP".to_string(), "LSM".to_string()],
                };
                if all.iter().any(|x| x == "CGROUP") {
                    opts.move_to_cgroup = false;
                }
                if all.iter().any(|x| x == "CAP") {
                    opts.drop_capabilities = false;
                }
                if all.iter().any(|x| x == "LSM") {
                    opts.apply_lsm = false;
                }
            }
            Short('s') | Long("namespaces") => {
                let v = p.value()?.string()?;
                match namespaces(&v) {
                    Ok(flags) => opts.namespaces = flags,
                    Err(e) => ns_error = Some(e),
                }
                opts.move_to_cgroup = false;
            }
            Long("clear-env") => opts.env_policy = lxc::EnvPolicy::Clear,
            Long("keep-env") => opts.env_policy = lxc::EnvPolicy::Keep,
            Short('v') | Long("set-var") => opts.extra_env.push(p.value()?.string()?),
            Long("keep-var") => opts.keep_vars.push(p.value()?.string()?),
            Short('u') | Long("uid") => {
                let v = p.value()?.string()?;
                opts.uid = Some(
                    v.parse()
                        .map_err(|_| fail(format!("invalid uid \"{v}\"")))?,
                );
            }
            Short('g') | Long("gid") => {
                let v = p.value()?.string()?;
                opts.gid = Some(
                    v.parse()
                        .map_err(|_| fail(format!("invalid gid \"{v}\"")))?,
                );
            }
            Long("cwd") => opts.cwd = Some(p.value()?.string()?),
            Short('R') | Long("remount-sys-proc") => opts.remount_proc_sys = true,
            Short('a') | Long("arch") => {
                let arch = p.value()?.string()?;
                opts.personality = Some(
                    lxc::config::values::arch_personality(&arch)
                        .ok_or_else(|| fail(format!("invalid architecture \"{arch}\"")))?,
                );
            }
            Short('L') | Long("pty-log") => opts.pty_log = Some(p.value()?.string()?),
            Short('c') | Long("context") => opts.lsm_label = Some(p.value()?.string()?),
            Value(v) => command.push(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    if let Some(e) = ns_error {
        return Err(fail(e));
    }
    for v in &opts.extra_env {
        if !v.contains('=') {
            return Err(fail(format!(
                "invalid environment variable \"{v}\", expected VAR=VALUE"
            )));
        }
    }
    let name = common.name()?;
    let c = common.container()?;
    // A stopped container is reported by the library (its monitor is not there to ask).
    let status = c.attach_run_wait(&opts, &command).map_err(|e| match e {
        lxc::Error::NotRunning(_) => fail(format!("{name}: Container is not running")),
        e => fail(about(name, e)),
    })?;
    Ok(if status & 0x7f == 0 {
        (status >> 8) & 0xff
    } else {
        128 + (status & 0x7f)
    })
}

pub(crate) fn namespaces(list: &str) -> Result<i32, String> {
    let mut flags = 0;
    for ns in list.split('|') {
        flags |= match ns.trim().to_ascii_uppercase().as_str() {
            "MOUNT" => libc::CLONE_NEWNS,
            "PID" => libc::CLONE_NEWPID,
            "UTSNAME" => libc::CLONE_NEWUTS,
            "IPC" => libc::CLONE_NEWIPC,
            "USER" => libc::CLONE_NEWUSER,
            "NETWORK" => libc::CLONE_NEWNET,
            "CGROUP" => libc::CLONE_NEWCGROUP,
            "TIME" => libc::CLONE_NEWTIME,
            other => return Err(format!("invalid namespace \"{other}\"")),
        };
    }
    Ok(flags)
}
