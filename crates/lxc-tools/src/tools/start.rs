//! lxc-start and lxc-execute.

use crate::common::{about, fail, parse, Handled, Res};
use lexopt::prelude::*;

const START_HELP: &str =
    "--name=NAME [-d|-F] [-f FILE] [-s KEY=VAL]... [-p PIDFILE] [-C] [-- COMMAND]

lxc-start starts the container NAME, running its init (lxc.init.cmd) or COMMAND as the
container's first process, and returns once it runs (or with -F, when it stops).

Options :
  -n, --name=NAME          The container's name
  -d, --daemon             Run in the background (the default)
  -F, --foreground         Stay in the foreground, this terminal on /dev/console
  -p, --pidfile=FILE       Write the pid of the container's monitor to FILE
  -f, --rcfile=FILE        Load the configuration from FILE
  -c, --console=FILE       lxc.console.path for this start (none: no console; a device
                           other than the monitor's pty is not supported yet)
  -L, --console-log=FILE   Copy what the console prints to FILE
  -C, --close-all-fds      Accepted; inherited fds are never passed on
  -s, --define=KEY=VAL     Set the configuration item KEY to VAL (may be repeated)
      --share-[net|ipc|uts|pid]=NAME
                           Join that namespace of the running container NAME (or of the
                           process whose pid NAME is) instead of making one
";
const EXECUTE_HELP: &str = "--name=NAME [-d] [-f FILE] [-s KEY=VAL]... [-u UID] [-g GID] -- COMMAND

lxc-execute runs COMMAND as an application container NAME: a minimal init runs it as
its only child, passes signals on and exits with its status.

Options :
  -n, --name=NAME          The container's name
  -d, --daemon             Run in the background
  -f, --rcfile=FILE        Load the configuration from FILE
  -s, --define=KEY=VAL     Set the configuration item KEY to VAL (may be repeated)
  -u, --uid=UID            Run COMMAND as UID
  -g, --gid=GID            Run COMMAND as GID
      --share-[net|ipc|uts|pid]=NAME
                           Join that namespace of the running container NAME (or of the
                           process whose pid NAME is) instead of making one
";

pub fn run(args: Vec<String>, execute: bool) -> Res<i32> {
    let tool = if execute { "lxc-execute" } else { "lxc-start" };
    let mut daemon = !execute;
    let mut defines: Vec<String> = Vec::new();
    let mut pidfile = None;
    let mut rcfile = None;
    let mut console_log = None;
    let mut console = None;
    let mut uid = None;
    let mut gid = None;
    let mut command = Vec::new();
    let mut shares: Vec<(String, String)> = Vec::new();
    let help = if execute { EXECUTE_HELP } else { START_HELP };
    let common = parse(tool, help, args, |p, arg| {
        match arg {
            Short('d') | Long("daemon") => daemon = true,
            Short('F') | Long("foreground") => daemon = false,
            Short('f') | Long("rcfile") => rcfile = Some(p.value()?.string()?),
            Short('s') | Long("define") => defines.push(p.value()?.string()?),
            Short('p') | Long("pidfile") => pidfile = Some(p.value()?.string()?),
            Short('C') | Long("close-all-fds") => {}
            Short('L') | Long("console-log") => console_log = Some(p.value()?.string()?),
            Short('c') | Long("console") => console = Some(p.value()?.string()?),
            Short('u') | Long("uid") if execute => uid = Some(p.value()?.string()?),
            Short('g') | Long("gid") if execute => gid = Some(p.value()?.string()?),
            Long(option) if option.starts_with("share-") => {
                let ns = option.trim_start_matches("share-").to_string();
                shares.push((ns, p.value()?.string()?));
            }
            Value(v) => command.push(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let name = common.name()?.to_string();
    let mut c = lxc::Container::new(&name, common.lxcpath())?;
    if let Some(rc) = rcfile.as_ref().or(common.rcfile.as_ref()) {
        c.set_rcfile(std::path::Path::new(rc))?;
    } else if !c.is_defined() {
        return Err(fail(format!("{name}: No container config specified")));
    }
    for d in &defines {
        let (k, v) = d
            .split_once('=')
            .ok_or_else(|| fail(format!("invalid definition \"{d}\", expected KEY=VALUE")))?;
        c.set_config_item(k.trim(), v.trim())?;
    }
    for (ns, target) in &shares {
        c.set_config_item(&format!("lxc.namespace.share.{ns}"), target)?;
    }
    if let Some(l) = &console_log {
        c.set_config_item("lxc.console.logfile", l)?;
    }
    if let Some(path) = &console {
        c.set_config_item("lxc.console.path", path)?;
    }
    if let Some(u) = &uid {
        c.set_config_item("lxc.init.uid", u)?;
    }
    if let Some(g) = &gid {
        c.set_config_item("lxc.init.gid", g)?;
    }
    if execute && command.is_empty() && c.config().execute_cmd.is_none() {
        return Err(fail("missing command to execute"));
    }
    c.daemonize = daemon;
    c.pidfile = pidfile.map(Into::into);
    if c.is_running() {
        return Err(fail(format!("{name}: Container is already running")));
    }
    match c.start_with(execute, &command, &common.extras()) {
        Ok(()) => {}
        Err(lxc::Error::AlreadyRunning(_)) => return Err(fail(format!("{name}: Container is already running"))),
        Err(e) => {
            return Err(fail(format!(
                "{}\nThe container failed to start\nAdditional information can be obtained by setting the --logfile and --logpriority options",
                about(&name, e)
            )))
        }
    }
    if daemon {
        return Ok(0);
    }
    // Foreground: exit as the container's init did.
    let status = c.error_num;
    Ok(if status & 0x7f == 0 {
        (status >> 8) & 0xff
    } else {
        128 + (status & 0x7f)
    })
}
