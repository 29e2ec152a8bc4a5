//! lxc-ls: `[-1] [-f] [-F COLS] [--active|--running|--frozen|--stopped|--defined] [REGEX]`

use crate::common::{fail, lxcpath_or_default, parse, Handled, Res};
use lexopt::prelude::*;

const DEFAULT_COLUMNS: &[&str] = &[
    "NAME",
    "STATE",
    "AUTOSTART",
    "GROUPS",
    "IPV4",
    "IPV6",
    "UNPRIVILEGED",
];
const KNOWN: &[&str] = &[
    "NAME",
    "STATE",
    "PID",
    "RAM",
    "SWAP",
    "AUTOSTART",
    "GROUPS",
    "INTERFACE",
    "IPV4",
    "IPV6",
    "UNPRIVILEGED",
];

#[derive(Default)]
struct Filters {
    active: bool,
    running: bool,
    frozen: bool,
    stopped: bool,
    defined: bool,
}

const HELP: &str = "[-P lxcpath] [-1] [-f] [-F columns] [--active] [--running] [--frozen] [--stopped] [--defined] [-g groups] [filter]

lxc-ls lists the containers of an lxcpath, by name or as a table.

Options :
  -1, --line           One name a line (the default when not writing to a terminal)
  -f, --fancy          A table, one row a container
  -F, --fancy-format=COLUMNS
                       The table's columns, separated by commas: NAME, STATE, PID, RAM,
                       SWAP, AUTOSTART, GROUPS, INTERFACE, IPV4, IPV6, UNPRIVILEGED
      --active         Only running and frozen containers
      --running        Only running containers
      --frozen         Only frozen containers
      --stopped        Only stopped containers
      --defined        Only containers with a configuration
      --nesting=NUM    Accepted; nested containers are not listed
      --filter=REGEX   Only names matching REGEX (also the lone argument)
  -g, --groups=GROUPS  Only containers in every group of the comma-separated GROUPS
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let (mut line, mut fancy) = (false, false);
    let mut columns: Option<String> = None;
    let mut f = Filters::default();
    let mut regex: Option<String> = None;
    let mut groups: Vec<String> = Vec::new();
    let common = parse("lxc-ls", HELP, args, |p, arg| {
        match arg {
            Short('1') | Long("line") => line = true,
            Short('f') | Long("fancy") => fancy = true,
            Short('F') | Long("fancy-format") => columns = Some(p.value()?.string()?),
            Long("active") => f.active = true,
            Long("running") => f.running = true,
            Long("frozen") => f.frozen = true,
            Long("stopped") => f.stopped = true,
            Long("defined") => f.defined = true,
            Long("nesting") => {
                let _ = p.optional_value();
            }
            Short('g') | Long("groups") => groups.push(p.value()?.string()?),
            Long("filter") => regex = Some(p.value()?.string()?),
            Value(v) => regex = Some(v.clone().string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let lxcpath = lxcpath_or_default(&common)?;
    let re = match &regex {
        Some(r) => {
            Some(regex::Regex::new(r).map_err(|e| fail(format!("invalid regex \"{r}\": {e}")))?)
        }
        None => None,
    };
    let mut rows = Vec::new();
    for name in lxc::list_all_containers(&lxcpath) {
        if re.as_ref().is_some_and(|re| !re.is_match(&name)) {
            continue;
        }
        let Ok(c) = lxc::Container::new(&name, Some(&lxcpath)) else {
            continue;
        };
        let state = c.state().unwrap_or(lxc::State::Stopped);
        let running = state != lxc::State::Stopped;
        let keep = (!f.active || running)
            && (!f.running || state == lxc::State::Running)
            && (!f.frozen || state == lxc::State::Frozen)
            && (!f.stopped || !running)
            && (!f.defined || c.is_defined());
        let in_groups = groups.iter().all(|g| {
            g.split(',')
                .filter(|x| !x.is_empty())
                .all(|x| c.config().groups.iter().any(|cg| cg == x))
        });
        if keep && in_groups {
            rows.push((c, state));
        }
    }
    // As LXC: -F only chooses the columns of -f.
    if !fancy {
        // As LXC 5.0: one name per line, padded to the longest unless -1 is given.
        let names: Vec<&str> = rows.iter().map(|(c, _)| c.name()).collect();
        let width = if line {
            0
        } else {
            names.iter().map(|n| n.len()).max().unwrap_or(0)
        };
        for n in names {
            println!("{n:<width$}");
        }
        return Ok(0);
    }
    let cols: Vec<String> = match &columns {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_ascii_uppercase())
            .collect(),
        None => DEFAULT_COLUMNS.iter().map(|s| s.to_string()).collect(),
    };
    if let Some(bad) = cols.iter().find(|c| !KNOWN.contains(&c.as_str())) {
        return Err(fail(format!("Invalid key: {bad}")));
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|(c, s)| {
            let mut ips = None;
            cols.iter().map(|k| cell(c, *s, k, &mut ips)).collect()
        })
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, h)| {
            table
                .iter()
                .map(|r| r[i].len())
                .chain([h.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let print_row = |cells: &[String]| {
        let mut out = String::new();
        for (cell, w) in cells.iter().zip(&widths) {
            out.push_str(&format!("{cell:<w$} "));
        }
        println!("{out}");
    };
    print_row(&cols);
    for r in &table {
        print_row(r);
    }
    Ok(0)
}

/// One row's cell. `ips` keeps the container's addresses between the IPV4 and IPV6 cells:
/// reading them means entering its network namespace.
fn cell(
    c: &lxc::Container,
    state: lxc::State,
    column: &str,
    ips: &mut Option<Vec<String>>,
) -> String {
    let running = state != lxc::State::Stopped;
    match column {
        "NAME" => c.name().to_string(),
        "STATE" => state.name().to_string(),
        "PID" => c
            .init_pid()
            .ok()
            .flatten()
            .filter(|_| running)
            .map_or("-".into(), |p| p.to_string()),
        "INTERFACE" if running => {
            let names = c.get_interfaces().unwrap_or_default();
            if names.is_empty() {
                "-".into()
            } else {
                names.join(", ")
            }
        }
        "IPV4" | "IPV6" if running => {
            let all = ips.get_or_insert_with(|| c.get_ips(None, None, 0).unwrap_or_default());
            let v6 = column == "IPV6";
            let chosen: Vec<&str> = all
                .iter()
                .filter(|a| a.contains(':') == v6)
                .map(String::as_str)
                .collect();
            if chosen.is_empty() {
                "-".into()
            } else {
                chosen.join(", ")
            }
        }
        "AUTOSTART" => if c.config().start_auto { "1" } else { "0" }.to_string(),
        "GROUPS" => {
            let g = &c.config().groups;
            if g.is_empty() {
                "-".into()
            } else {
                g.join(", ")
            }
        }
        "UNPRIVILEGED" => (!c.config().idmaps.is_empty()).to_string(),
        "RAM" => c
            .stats()
            .ok()
            .and_then(|s| s.memory_bytes)
            .filter(|_| running)
            .map_or("-".into(), |b| format!("{:.2}MB", b as f64 / 1048576.0)),
        _ => "-".into(),
    }
}
