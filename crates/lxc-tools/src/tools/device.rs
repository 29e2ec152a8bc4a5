//! lxc-device: `-n NAME add|del DEV [NAME]`: hand a host network interface or device node
//! to a running container, or take it back.

use crate::common::{about, fail, parse, usage_line, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "--name=NAME [--] add|del DEV [DEST]

lxc-device moves the host's network interface DEV into the running container NAME (add),
named DEST there if given, or gives it back to the host (del). A DEV that is a path
(/dev/...) is a device node: add makes it in the container (at DEST if given) and lets
the container use the device; del removes it and denies the device again.

Options :
  -n, --name=NAME   The container's name
      --rcfile=FILE Load the configuration from FILE
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut words: Vec<String> = Vec::new();
    let common = parse("lxc-device", HELP, args, |_, arg| {
        match arg {
            Value(v) => words.push(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let name = common.name()?;
    let (action, dev, dst) = match words.as_slice() {
        [a, d] => (a.as_str(), d.as_str(), None),
        [a, d, t] => (a.as_str(), d.as_str(), Some(t.as_str())),
        _ => {
            return Err(fail(format!(
                "expected add|del DEV [DEST]\nUsage: lxc-device {}",
                usage_line(HELP)
            )))
        }
    };
    let c = common.container()?;
    if !c.is_running() {
        return Err(fail(format!("{name}: Container is not running")));
    }
    let is_device_node = dev.starts_with('/');
    let done = match action {
        "add" if !is_device_node => c.attach_interface(dev, dst),
        "del" if !is_device_node => c.detach_interface(dev, dst),
        "add" => c.add_device_node(dev, dst),
        "del" => c.remove_device_node(dev, dst),
        other => {
            return Err(fail(format!(
                "unknown action \"{other}\" (add or del)\nUsage: lxc-device {}",
                usage_line(HELP)
            )))
        }
    };
    let verb = if action == "add" { "add" } else { "remove" };
    let prep = if action == "add" { "to" } else { "from" };
    done.map_err(|e| {
        let e = e.to_string();
        let e = e.strip_prefix(&format!("{name}: ")).unwrap_or(&e);
        fail(about(
            name,
            format!("failed to {verb} {dev} {prep} {name}: {e}"),
        ))
    })?;
    Ok(0)
}
