//! lxc-monitor: `[-n REGEX] [-P PATH]... [-Q]`: print the state changes of the containers
//! whose names match, under each lxcpath, as they happen.

use crate::common::{fail, lxcpath_or_default, parse, Handled, Res};
use lexopt::prelude::*;
use lxc::events::{Event, Subscription};
use std::io::Write;

const HELP: &str = "[--name=NAME] [-P PATH]... [--quit]

lxc-monitor prints the state changes of the containers NAME matches, under each
lxcpath given with -P (several may be), until it is interrupted.

Options :
  -n, --name=NAME   The containers to watch: a regular expression matched against
                    the whole name (default: all of them)
  -Q, --quit        Tell the monitor daemon of each lxcpath to quit
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut quit = false;
    let common = parse("lxc-monitor", HELP, args, |_, arg| {
        match arg {
            Short('Q') | Long("quit") => quit = true,
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let lxcpaths = if common.lxcpaths.is_empty() {
        vec![lxcpath_or_default(&common)?]
    } else {
        common.lxcpaths.clone()
    };
    if quit {
        for lxcpath in &lxcpaths {
            lxc::events::quit_daemon(lxcpath)?;
        }
        return Ok(0);
    }
    let pattern = common.name.as_deref().unwrap_or(".*");
    let names = regex::Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|e| fail(format!("invalid regular expression \"{pattern}\": {e}")))?;
    let mut events = Subscription::open(&lxcpaths)?;
    let mut out = std::io::stdout().lock();
    while let Some(event) = events.next_event()? {
        if !names.is_match(event.name()) {
            continue;
        }
        let line = match &event {
            Event::State { name, state } => format!("'{name}' changed state to [{state}]"),
            // The exit code, as LXC prints it (WEXITSTATUS of the wait status).
            Event::Exit { name, status } => {
                format!("'{name}' exited with status [{}]", (status >> 8) & 0xff)
            }
            Event::Priority { name, value } => format!("'{name}' changed priority to [{value}]"),
        };
        // Each change shows at once, also through a pipe.
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            return Ok(1);
        }
    }
    Ok(0)
}
