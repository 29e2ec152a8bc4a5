//! lxc-wait: `-n NAME -s STATES [-t SECS]`

use crate::common::{fail, parse, Handled, Res};
use lexopt::prelude::*;

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut states = None;
    let mut timeout: i64 = -1;
    let common = parse(
        "lxc-wait",
        "--name=NAME --state=STATE [-t timeout]",
        args,
        |p, arg| {
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
        },
    )?;
    let states = states.ok_or_else(|| fail("missing state option to wait for"))?;
    let c = common.container()?;
    if c.wait(&states, timeout)? {
        Ok(0)
    } else {
        Ok(1)
    }
}
