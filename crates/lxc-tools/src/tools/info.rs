//! lxc-info: `-n NAME [-c KEY]... [-s] [-p] [-i] [-S] [-H]`

use crate::common::{fail, human_size, parse, Handled, Res};
use lexopt::prelude::*;

const HELP: &str = "--name=NAME [-c KEY] [-s] [-p] [-i] [-S] [-H]

lxc-info shows the state of the container NAME, and for a running one its init's pid,
addresses and resource usage. Without options it shows all of that.

Options :
  -n, --name=NAME       The container's name
  -c, --config=KEY      Show the configuration item KEY (may be repeated)
  -s, --state           Show the state
  -p, --pid             Show the pid of the container's init
  -i, --ips             Show the IP addresses
  -S, --stats           Show CPU, block I/O, memory and network usage
  -H, --no-humanize     Show the usage as plain numbers
      --rcfile=FILE     Load the configuration from FILE
";

pub fn run(args: Vec<String>) -> Res<i32> {
    let (mut state, mut pid, mut ips, mut stats, mut raw) = (false, false, false, false, false);
    let mut keys = Vec::new();
    let common = parse("lxc-info", HELP, args, |p, arg| {
        match arg {
            Short('s') | Long("state") => state = true,
            Short('p') | Long("pid") => pid = true,
            Short('i') | Long("ips") => ips = true,
            Short('S') | Long("stats") => stats = true,
            Short('H') | Long("no-humanize") => raw = true,
            Short('c') | Long("config") => keys.push(p.value()?.string()?),
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    })?;
    let name = common.name()?;
    let c = common.container()?;
    if !c.is_defined() && common.rcfile.is_none() && !c.is_running() {
        return Err(fail(format!("{name} doesn't exist")));
    }
    for key in &keys {
        let value = match c.get_running_config_item(key)? {
            Some(v) => v,
            None => c.get_config_item(key)?,
        };
        let value = value.trim_end_matches('\n');
        if raw {
            println!("{value}");
        } else {
            println!("{key} = {value}");
        }
    }
    let all = !(state || pid || ips || stats) && keys.is_empty();
    let line = |label: &str, value: &str| {
        if raw && !all {
            println!("{value}");
        } else {
            println!("{label:<15} {value}");
        }
    };
    if all {
        line("Name:", name);
    }
    let st = c.state()?;
    if all || state {
        line("State:", st.name());
    }
    if st == lxc::State::Stopped {
        return Ok(0);
    }
    if all || pid {
        if let Some(p) = c.init_pid()? {
            line("PID:", &p.to_string());
        }
    }
    if all || ips {
        for ip in c.get_ips(None, None, 0)? {
            line("IP:", &ip);
        }
    }
    if all || stats {
        let s = c.stats()?;
        if let Some(cpu) = s.cpu_nanos {
            let v = if raw {
                cpu.to_string()
            } else {
                format!("{:.2} seconds", cpu as f64 / 1e9)
            };
            line("CPU use:", &v);
        }
        if let Some(io) = s.blkio_bytes {
            line("BlkIO use:", &human_size(io, raw));
        }
        if let Some(mem) = s.memory_bytes {
            line("Memory use:", &human_size(mem, raw));
        }
        if let Some(kmem) = s.kmem_bytes {
            line("KMem use:", &human_size(kmem, raw));
        }
        for link in c.link_stats()? {
            line("Link:", &link.name);
            line(" TX bytes:", &human_size(link.tx_bytes, raw));
            line(" RX bytes:", &human_size(link.rx_bytes, raw));
            line(
                " Total bytes:",
                &human_size(link.tx_bytes + link.rx_bytes, raw),
            );
        }
    }
    Ok(0)
}
