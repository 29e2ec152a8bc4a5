//! lxc-wait: `-n NAME -s STATES [-t SECS]`

use crate::common::{fail, parse, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "--name=NAME --state=STATE [-t timeout]

lxc-wait waits until the container NAME reaches one of the states STATE lists
(for example 'RUNNING|FROZEN'); exit status 1 when the timeout passes first.

Options :
  -n, --name=NAME     The container's name
  -s, --state=STATE   The states to wait for, separated by '|': STOPPED, STARTING,
                      RUNNING, STOPPING, ABORTING, FREEZING, FROZEN, THAWED
  -t, --timeout=T     Wait at most T seconds (default: no limit)
      --rcfile=FILE   Load the configuration from FILE
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut states = None;
    let mut timeout: i64 = -1;
    let common = parse("lxc-wait", HELP, args, |p, arg| {
        match arg {
            Short('s') | Long("state") => states = Some(p.value()?.string()?),
            Short('t') | Long("timeout") => {
                let v = p.value()?.string()?;
                timeout = v
                    .parse()
                    .map_err(|_| fail(format!("invalid timeout \"{v}\"")))?;
            }
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let states = states.ok_or_else(|| fail("missing state option to wait for"))?;
    let c = common.container()?;
    if c.wait(&states, timeout)? {
        Ok(0)
    } else {
        Ok(1)
    }
}
