//! lxc-net: the host bridge service (`start`, `stop`, `restart`, `reload`, `status`), read
//! from `/etc/default/lxc-net` or the file given with `-f`.

use crate::common::{fail, Res};
use lxc::net::service::{self, Outcome, ServiceConfig};

const USAGE: &str = "usage: lxc-net [-f FILE] {start|stop|restart|reload|status}";

pub fn run(args: Vec<String>) -> Res<i32> {
    let mut file = service::DEFAULT_FILE.to_string();
    let mut action = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-f" | "--config" => {
                file = args
                    .next()
                    .ok_or_else(|| fail(format!("{arg} needs a file\n{USAGE}")))?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(0);
            }
            _ if arg.starts_with("--config=") => file = arg["--config=".len()..].to_string(),
            "start" | "stop" | "restart" | "reload" | "force-reload" | "status"
                if action.is_none() =>
            {
                action = Some(arg)
            }
            _ => return Err(fail(format!("unexpected argument \"{arg}\"\n{USAGE}"))),
        }
    }
    let action = action.ok_or_else(|| fail(USAGE))?;
    let config =
        ServiceConfig::load(std::path::Path::new(&file)).map_err(|e| fail(e.to_string()))?;
    let err = |e: lxc::Error| fail(e.to_string());
    match action.as_str() {
        "start" => report(&config, service::start(&config).map_err(err)?),
        "stop" => report(&config, service::stop(&config).map_err(err)?),
        "status" => {
            let up = service::is_up(&config);
            println!("{}: {}", config.bridge, if up { "up" } else { "down" });
            Ok(if up { 0 } else { 3 })
        }
        _ => {
            report(&config, service::stop(&config).map_err(err)?)?;
            report(&config, service::start(&config).map_err(err)?)
        }
    }
}

fn report(config: &ServiceConfig, outcome: Outcome) -> Res<i32> {
    let bridge = &config.bridge;
    match outcome {
        Outcome::NotOurs => eprintln!("{bridge} exists and was not made by lxc-net; left alone"),
        Outcome::StoppedKeptBridge => {
            eprintln!("{bridge} still has attached interfaces; the bridge stays")
        }
        _ => {}
    }
    Ok(0)
}
