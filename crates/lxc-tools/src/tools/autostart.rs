//! lxc-autostart: start (or shut down, kill, reboot, list) the containers of an lxcpath
//! that have `lxc.start.auto = 1`, group by group, in `lxc.start.order`, honouring
//! `lxc.start.delay`.

use crate::common::{lxcpath_or_default, parse, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "[-P lxcpath] [-k] [-L] [-r] [-s [-t timeout]] [-a] [-A] [-g groups]

lxc-autostart starts the containers with lxc.start.auto = 1 (at boot, say), or shuts
them down, kills or reboots them: those in no group unless -g or -a says otherwise, in
lxc.start.order (the reverse to stop them), waiting lxc.start.delay seconds after each
start.

Options :
  -k, --kill             Kill the containers instead of starting them
  -L, --list             Print each container's name and start delay instead of acting
  -r, --reboot           Reboot the containers
  -s, --shutdown         Shut the containers down (killed if they outlast the timeout)
  -t, --timeout=T        With -s: wait T seconds for each (default 60, -1: forever)
  -a, --all              Every container, whatever its groups
  -A, --ignore-auto      Also those without lxc.start.auto = 1
  -g, --groups=GROUPS    The groups, in order, separated by commas; an empty one means
                         the containers in no group (may be repeated; default: ',')
";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Start,
    Shutdown,
    Kill,
    Reboot,
}

/// One container's autostart settings.
struct Entry {
    name: String,
    auto: bool,
    order: i32,
    delay: u32,
    groups: Vec<String>,
}

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut action = Action::Start;
    let (mut list, mut all, mut ignore_auto) = (false, false, false);
    let mut timeout: i64 = 60;
    let mut groups: Vec<String> = Vec::new();
    let common = parse("lxc-autostart", HELP, args, |p, arg| {
        match arg {
            Short('k') | Long("kill") => action = Action::Kill,
            Short('s') | Long("shutdown") => action = Action::Shutdown,
            Short('r') | Long("reboot") => action = Action::Reboot,
            Short('L') | Long("list") => list = true,
            Short('a') | Long("all") => all = true,
            Short('A') | Long("ignore-auto") => ignore_auto = true,
            Short('t') | Long("timeout") => {
                let v = p.value()?.string()?;
                timeout = v
                    .parse()
                    .map_err(|_| crate::common::fail(format!("invalid timeout \"{v}\"")))?;
            }
            Short('g') | Long("groups") => {
                groups.extend(p.value()?.string()?.split(',').map(str::to_string));
            }
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    // Each start logs to its own container's file: through the helper, not this process.
    lxc::process_mode::allow_in_process(false);
    let lxcpath = lxcpath_or_default(&common)?;
    if groups.is_empty() {
        groups.push(String::new());
    }
    let mut entries: Vec<Entry> = lxc::list_defined_containers(&lxcpath)
        .into_iter()
        .filter_map(|name| {
            let c = lxc::Container::new(&name, Some(&lxcpath)).ok()?;
            let config = c.config();
            Some(Entry {
                auto: config.start_auto,
                order: config.start_order,
                delay: config.start_delay,
                groups: config.groups.clone(),
                name,
            })
        })
        .filter(|e| ignore_auto || e.auto)
        .collect();
    entries.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.name.cmp(&b.name)));
    if matches!(action, Action::Shutdown | Action::Kill) {
        entries.reverse();
    }
    // Group by group, each container once.
    let passes: Vec<Option<&str>> = if all {
        vec![None]
    } else {
        groups.iter().map(|g| Some(g.as_str())).collect()
    };
    let mut done: Vec<&str> = Vec::new();
    for group in passes {
        for e in &entries {
            let member = match group {
                None => true,
                Some("") => e.groups.is_empty(),
                Some(g) => e.groups.iter().any(|x| x == g),
            };
            if !member || done.contains(&e.name.as_str()) {
                continue;
            }
            done.push(&e.name);
            if list {
                println!("{} {}", e.name, e.delay);
                continue;
            }
            act(&lxcpath, e, action, timeout);
        }
    }
    Ok(0)
}

/// Carry `action` out on one container; a failure is reported and the others go on, as
/// LXC's tool does.
fn act(lxcpath: &str, e: &Entry, action: Action, timeout: i64) {
    let c = match lxc::Container::new(&e.name, Some(lxcpath)) {
        Ok(c) => c,
        Err(err) => {
            eprintln!("lxc-autostart: {}: {err}", e.name);
            return;
        }
    };
    let running = c.is_running();
    let result = match action {
        Action::Start if running => return,
        Action::Start => {
            let mut c = c;
            c.daemonize = true;
            let started = c.start(false, &[]);
            if started.is_ok() && e.delay > 0 {
                std::thread::sleep(std::time::Duration::from_secs(u64::from(e.delay)));
            }
            started
        }
        _ if !running => return,
        Action::Shutdown => match c.shutdown(timeout) {
            Ok(true) => Ok(()),
            _ => c.stop(),
        },
        Action::Kill => c.stop(),
        Action::Reboot => c.reboot(),
    };
    if let Err(err) = result {
        eprintln!("lxc-autostart: {}: {err}", e.name);
    }
}
