//! lxc-usernsexec: `-m u|g|b:NSID:HOSTID:RANGE ... [--] [COMMAND [ARGS...]]` — run a command
//! as root of a new user namespace with those id maps (the user's shell when none is given).

use crate::common::{fail, Res};

const USAGE: &str =
    "usage: lxc-usernsexec -m u|g|b:NSID:HOSTID:RANGE [-m ...] [--] [COMMAND [ARGS...]]";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut maps = Vec::new();
    let mut rest = args.as_slice();
    loop {
        match rest {
            [flag, value, tail @ ..] if flag == "-m" => {
                maps.extend(lxc::userns::parse_map_arg(value).map_err(fail)?);
                rest = tail;
            }
            [flag, tail @ ..] if flag.starts_with("-m") && flag.len() > 2 => {
                maps.extend(lxc::userns::parse_map_arg(&flag[2..]).map_err(fail)?);
                rest = tail;
            }
            [flag, ..] if flag == "-h" || flag == "--help" => {
                println!("{USAGE}");
                return Ok(0);
            }
            [dashes, tail @ ..] if dashes == "--" => {
                rest = tail;
                break;
            }
            [flag, ..] if flag.starts_with('-') => {
                return Err(fail(format!("unknown option {flag}\n{USAGE}")))
            }
            _ => break,
        }
    }
    if maps.is_empty() {
        return Err(fail(format!("no id maps given\n{USAGE}")));
    }
    let argv: Vec<String> = if rest.is_empty() {
        vec![std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into())]
    } else {
        rest.to_vec()
    };
    let maps = lxc::config::idmap::IdMaps { maps };
    let status = lxc::userns::command(&maps, &argv)?
        .status()
        .map_err(|e| fail(format!("lxc-rs-helper: {e}")))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}
