//! lxc-freeze and lxc-unfreeze: `-n NAME`.

use crate::common::{about, fail, parse, Handled, Res};

pub fn run(args: Vec<String>, freeze: bool) -> Res<i32> {
    let tool = if freeze { "lxc-freeze" } else { "lxc-unfreeze" };
    let common = parse(tool, "--name=NAME", args, |_, _| Ok(Handled::No))?;
    let name = common.name()?;
    let c = common.container()?;
    if !c.is_running() {
        return Err(fail(format!("{name}: Container is not running")));
    }
    let done = if freeze { c.freeze() } else { c.unfreeze() };
    done.map_err(|e| fail(about(name, e)))?;
    Ok(0)
}
