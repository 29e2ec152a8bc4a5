//! lxc-stop: `-n NAME [-r] [-k] [--nokill] [--nolock] [-W] [-t SECS]`. Exit 2: not running.

use crate::common::{fail, parse, Failure, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "--name=NAME [-W] [-r|-k|--nokill] [-t timeout]

lxc-stop shuts the container NAME down: init gets the halt signal and, when it has not
stopped after the timeout, the container is killed.

Options :
  -n, --name=NAME   The container's name
  -r, --reboot      Reboot the container instead (init gets the reboot signal)
  -W, --nowait      Send the signal and return without waiting
  -t, --timeout=T   Wait T seconds for a clean shutdown (default 60, -1: forever)
  -k, --kill        Kill the container at once instead of asking init
      --nokill      Never kill: fail when the clean shutdown times out
      --nolock      Accepted for LXC's sake (the monitor serializes stops)
      --rcfile=FILE Load the configuration from FILE
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let (mut reboot, mut kill, mut nokill, mut nowait) = (false, false, false, false);
    let mut timeout: Option<i64> = None;
    let common = parse("lxc-stop", HELP, args, |p, arg| {
        match arg {
            Short('r') | Long("reboot") => reboot = true,
            Short('k') | Long("kill") => kill = true,
            Long("nokill") => nokill = true,
            Long("nolock") => {}
            Short('W') | Long("nowait") => nowait = true,
            Short('t') | Long("timeout") => {
                let v = p.value()?.string()?;
                timeout = Some(
                    v.parse()
                        .map_err(|_| fail(format!("invalid timeout \"{v}\"")))?,
                );
            }
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    if kill && timeout.is_some() {
        return Err(fail("-k can't be used with -t"));
    }
    if kill && nokill {
        return Err(fail("-k can't be used with --nokill"));
    }
    let name = common.name()?;
    let c = common.container()?;
    if !c.is_defined() && common.rcfile.is_none() && !c.is_running() {
        return Err(fail(format!("{name}: Container is not defined")));
    }
    let not_running = || Failure {
        message: format!("{name}: Container is not running"),
        code: 2,
    };
    // A kill is one request: its refusal says the container is not running.
    if kill && !reboot {
        return match c.stop() {
            Ok(()) => Ok(0),
            Err(lxc::Error::NotRunning(_)) => Err(not_running()),
            Err(e) => Err(e.into()),
        };
    }
    if !c.is_running() {
        return Err(not_running());
    }
    if reboot {
        c.reboot()?;
        return Ok(0);
    }
    let timeout = if nowait { 0 } else { timeout.unwrap_or(60) };
    if c.shutdown(timeout)? {
        return Ok(0);
    }
    if nokill {
        return Err(fail(format!(
            "{name}: Container did not stop within {timeout} seconds"
        )));
    }
    c.stop()?;
    Ok(0)
}
