//! lxc-top: `[-d SECS] [-b] [-s n|c|b|m|s|k] [-r]`: the running containers' CPU, block I/O
//! and memory use, refreshed every few seconds (until `q` is typed, or for ever in batch
//! mode).

use crate::common::{fail, human_size, lxcpath_or_default, parse, Handled, Res};
use lexopt::prelude::*;
use std::io::{IsTerminal, Write};

struct Row {
    name: String,
    stats: lxc::Stats,
}

const HELP: &str = "[--delay=SECS] [--batch] [--sort=n|c|b|m|s|k] [--reverse]

lxc-top shows the CPU, block I/O and memory use of the running containers, refreshed
every few seconds (type q to quit).

Options :
  -d, --delay=SECS   Refresh every SECS seconds (default 3)
  -b, --batch        Print one table after another, for a file or a pipe
  -s, --sort=KEY     Sort by n (name, the default), c (CPU), b (block I/O), m (memory),
                     s (memory and swap) or k (kernel memory)
  -r, --reverse      Reverse the order
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut delay = 3u64;
    let mut batch = false;
    let mut sort = 'n';
    let mut reverse = false;
    let common = parse("lxc-top", HELP, args, |p, arg| {
        match arg {
            Short('d') | Long("delay") => {
                let v = p.value()?.string()?;
                delay = v
                    .parse()
                    .map_err(|_| fail(format!("invalid delay \"{v}\"")))?;
            }
            Short('b') | Long("batch") => batch = true,
            Short('r') | Long("reverse") => reverse = true,
            Short('s') | Long("sort") => {
                let v = p.value()?.string()?;
                sort = match v.as_str() {
                    "n" | "c" | "b" | "m" | "s" | "k" => v.chars().next().unwrap_or('n'),
                    _ => {
                        return Err(fail(format!(
                            "invalid sort key \"{v}\" (n, c, b, m, s or k)"
                        )))
                    }
                };
            }
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let lxcpath = lxcpath_or_default(&common)?;
    let keys = if batch || !std::io::stdout().is_terminal() {
        None
    } else {
        lxc::console::KeyReader::open()
    };
    let interactive = keys.is_some();
    loop {
        let mut rows = collect(&lxcpath);
        sort_rows(&mut rows, sort, reverse);
        let mut out = std::io::stdout().lock();
        if interactive {
            // Home and clear, as top does.
            let _ = write!(out, "\x1b[H\x1b[2J");
        }
        let frame = render(&rows, interactive);
        if out
            .write_all(frame.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            return Ok(0);
        }
        drop(out);
        if wait_for_quit(keys.as_ref(), delay) {
            return Ok(0);
        }
    }
}

fn collect(lxcpath: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for name in lxc::list_active_containers(lxcpath) {
        let Ok(c) = lxc::Container::new(&name, Some(lxcpath)) else {
            continue;
        };
        if let Ok(stats) = c.stats() {
            rows.push(Row { name, stats });
        }
    }
    rows
}

fn sort_rows(rows: &mut [Row], key: char, reverse: bool) {
    let n = |v: Option<u64>| v.unwrap_or(0);
    rows.sort_by(|a, b| {
        let (x, y) = (&a.stats, &b.stats);
        let order = match key {
            'c' => n(y.cpu_nanos).cmp(&n(x.cpu_nanos)),
            'b' => n(y.blkio_bytes).cmp(&n(x.blkio_bytes)),
            'm' => n(y.memory_bytes).cmp(&n(x.memory_bytes)),
            's' => n(y.memsw_bytes).cmp(&n(x.memsw_bytes)),
            'k' => n(y.kmem_bytes).cmp(&n(x.kmem_bytes)),
            _ => a.name.cmp(&b.name),
        };
        if reverse {
            order.reverse()
        } else {
            order
        }
    });
}

fn seconds(nanos: Option<u64>) -> String {
    format!("{:.2}", nanos.unwrap_or(0) as f64 / 1e9)
}

fn size(bytes: Option<u64>) -> String {
    human_size(bytes.unwrap_or(0), false)
}

fn line(name: &str, s: &lxc::Stats) -> String {
    let io = format!(
        "{}({}/{})",
        size(s.blkio_bytes),
        size(s.blkio_read_bytes),
        size(s.blkio_write_bytes)
    );
    format!(
        "{:<18.18} {:>12} {:>12} {:>12} {:>36} {:>10} {:>10} {:>10}",
        name,
        seconds(s.cpu_nanos),
        seconds(s.cpu_system_nanos),
        seconds(s.cpu_user_nanos),
        io,
        size(s.memory_bytes),
        size(s.memsw_bytes),
        size(s.kmem_bytes)
    )
}

fn render(rows: &[Row], interactive: bool) -> String {
    let eol = if interactive { "\r\n" } else { "\n" };
    let mut t = String::new();
    t.push_str(&format!(
        "{:<18} {:>12} {:>12} {:>12} {:>36} {:>10} {:>10} {:>10}{eol}",
        "Container", "CPU", "CPU", "CPU", "BlkIO", "Mem", "MemSw", "KMem"
    ));
    t.push_str(&format!(
        "{:<18} {:>12} {:>12} {:>12} {:>36} {:>10} {:>10} {:>10}{eol}",
        "Name", "Used", "Sys", "User", "Total(Read/Write)", "Used", "Used", "Used"
    ));
    let mut total = lxc::Stats::default();
    for r in rows {
        t.push_str(&line(&r.name, &r.stats));
        t.push_str(eol);
        let add = |a: &mut Option<u64>, b: Option<u64>| *a = Some(a.unwrap_or(0) + b.unwrap_or(0));
        add(&mut total.cpu_nanos, r.stats.cpu_nanos);
        add(&mut total.cpu_system_nanos, r.stats.cpu_system_nanos);
        add(&mut total.cpu_user_nanos, r.stats.cpu_user_nanos);
        add(&mut total.blkio_bytes, r.stats.blkio_bytes);
        add(&mut total.blkio_read_bytes, r.stats.blkio_read_bytes);
        add(&mut total.blkio_write_bytes, r.stats.blkio_write_bytes);
        add(&mut total.memory_bytes, r.stats.memory_bytes);
        add(&mut total.memsw_bytes, r.stats.memsw_bytes);
        add(&mut total.kmem_bytes, r.stats.kmem_bytes);
    }
    let label = format!("TOTAL {} of {}", rows.len(), rows.len());
    t.push_str(&line(&label, &total));
    t.push_str(eol);
    if !interactive {
        t.push_str(eol);
    }
    t
}

/// Sleep `delay` seconds; interactively, return early (true) when `q` is typed.
fn wait_for_quit(keys: Option<&lxc::console::KeyReader>, delay: u64) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(delay);
    let Some(keys) = keys else {
        std::thread::sleep(std::time::Duration::from_secs(delay));
        return false;
    };
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return false;
        }
        if keys.key_within(left) == Some(b'q') {
            return true;
        }
    }
}
