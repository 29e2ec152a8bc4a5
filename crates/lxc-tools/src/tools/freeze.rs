//! lxc-freeze and lxc-unfreeze: `-n NAME`.

use crate::common::{about, fail, parse, Handled, Res};

const FREEZE_HELP: &str = "--name=NAME

lxc-freeze freezes every process of the running container NAME (its cgroup freezer).

Options :
  -n, --name=NAME   The container's name
      --rcfile=FILE Load the configuration from FILE
";

const UNFREEZE_HELP: &str = "--name=NAME

lxc-unfreeze lets the processes of the frozen container NAME run again.

Options :
  -n, --name=NAME   The container's name
      --rcfile=FILE Load the configuration from FILE
";

pub fn run(args: Vec<String>, freeze: bool) -> Res<i32> {
    let tool = if freeze { "lxc-freeze" } else { "lxc-unfreeze" };
    let help = if freeze { FREEZE_HELP } else { UNFREEZE_HELP };
    let common = parse(tool, help, args, |_, _| Ok(Handled::No))?;
    let name = common.name()?;
    let c = common.container()?;
    if !c.is_running() {
        return Err(fail(format!("{name}: Container is not running")));
    }
    let done = if freeze { c.freeze() } else { c.unfreeze() };
    done.map_err(|e| fail(about(name, e)))?;
    Ok(0)
}
