//! lxc-destroy: `-n NAME [-f] [-s]`

use crate::common::{about, fail, parse, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "--name=NAME [-f] [-s]

lxc-destroy removes the container NAME: its configuration, its rootfs and its directory.

Options :
  -n, --name=NAME   The container's name
  -f, --force       Stop the container first if it runs
  -s, --snapshots   Also destroy the container's snapshots
      --rcfile=FILE Load the configuration from FILE
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut force = false;
    let mut snapshots = false;
    let common = parse("lxc-destroy", HELP, args, |_, arg| {
        match arg {
            Short('f') | Long("force") => force = true,
            Short('s') | Long("snapshots") => snapshots = true,
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let name = common.name()?;
    let mut c = common.container()?;
    if !c.is_defined() {
        return Err(fail(format!("{name}: Container is not defined")));
    }
    if c.is_running() {
        if !force {
            return Err(fail(format!(
                "{name}: Container is running, stop it first or use -f"
            )));
        }
        c.stop()?;
    }
    let done = if snapshots {
        c.destroy_with_snapshots()
    } else {
        c.destroy()
    };
    done.map_err(|e| fail(about(name, e)))?;
    Ok(0)
}
