//! lxc-config (`-l`, `ITEM`) and lxc-update-config (`-c FILE`).

use crate::common::{fail, Res};

pub fn run(args: Vec<String>) -> Res<i32> {
    let paths = lxc::Paths::detect();
    let global = lxc::GlobalConfig::load(&paths)?;
    match args.first().map(String::as_str) {
        None | Some("-h") | Some("--help") => {
            println!("Usage: lxc-config -l: list all available configuration items\n       lxc-config item: print configuration item");
            Ok(0)
        }
        Some("-l") | Some("--list") => {
            for key in lxc::config::GLOBAL_KEYS {
                println!("{key}");
            }
            Ok(0)
        }
        Some(item) => {
            let Some(key) = lxc::config::GLOBAL_KEYS
                .iter()
                .find(|k| k.starts_with(item))
            else {
                // As LXC: on stdout, no prefix.
                println!("Unknown configuration item: {item}");
                return Ok(1);
            };
            match global.get(key) {
                Some(v) => println!("{v}"),
                None => println!("{item} is not set."),
            }
            Ok(0)
        }
    }
}

pub fn update(args: Vec<String>) -> Res<i32> {
    let mut file = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" | "--config" => file = it.next(),
            "-h" | "--help" => {
                println!("Usage: lxc-update-config -c CONFIG");
                return Ok(0);
            }
            other => match other.strip_prefix("--config=") {
                Some(f) => file = Some(f.to_string()),
                None => return Err(fail(format!("unknown option {other}"))),
            },
        }
    }
    let file = file.ok_or_else(|| fail("missing configuration file, use -c"))?;
    let text = std::fs::read_to_string(&file).map_err(|e| fail(format!("{file}: {e}")))?;
    let backup = format!("{file}.backup");
    std::fs::write(&backup, &text).map_err(|e| fail(format!("{backup}: {e}")))?;
    let updated = lxc::config::update_legacy_text(&text);
    std::fs::write(&file, updated).map_err(|e| fail(format!("{file}: {e}")))?;
    Ok(0)
}
