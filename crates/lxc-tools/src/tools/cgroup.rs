//! lxc-cgroup: `-n NAME KEY [VALUE]`: print or set a cgroup item of a running container.

use crate::common::{about, fail, parse, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "--name=NAME state-object [value]

lxc-cgroup prints the cgroup file state-object of the running container NAME (for
example memory.limit_in_bytes, or memory.max on cgroup v2), or writes value into it.

Options :
  -n, --name=NAME   The container's name
      --rcfile=FILE Load the configuration from FILE
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut words: Vec<String> = Vec::new();
    let common = parse("lxc-cgroup", HELP, args, |_, arg| {
        match arg {
            Value(v) => words.push(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let name = common.name()?;
    let Some(key) = words.first() else {
        return Err(fail("missing state object"));
    };
    let c = common.container()?;
    if !c.is_running() {
        return Err(fail(format!("{name}: Container is not running")));
    }
    match words.get(1) {
        Some(value) => c.set_cgroup_item(key, value).map_err(|e| {
            fail(format!(
                "{name}: failed to assign '{value}' value to '{key}': {e}"
            ))
        })?,
        None => println!(
            "{}",
            c.get_cgroup_item(key).map_err(|e| fail(about(name, e)))?
        ),
    }
    Ok(0)
}
