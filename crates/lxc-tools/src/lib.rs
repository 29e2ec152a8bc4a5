//! The `lxc-*` tools: argument parsing and printing only; everything else is the library.

mod common;
mod tools;

pub use common::Common;

/// Run tool `name` (e.g. "lxc-start") with the process arguments; returns the exit code.
pub fn main_as(name: &str) -> i32 {
    // A tool is a single-threaded program that exits after its one operation: the library
    // may fork and join namespaces right here instead of spawning its helper.
    lxc::process_mode::allow_in_process(true);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match name {
        "lxc-create" => tools::create::run(args),
        "lxc-destroy" => tools::destroy::run(args),
        "lxc-start" => tools::start::run(args, false),
        "lxc-execute" => tools::start::run(args, true),
        "lxc-stop" => tools::stop::run(args),
        "lxc-info" => tools::info::run(args),
        "lxc-ls" => tools::ls::run(args),
        "lxc-wait" => tools::wait::run(args),
        "lxc-attach" => tools::attach::run(args),
        "lxc-config" => tools::config::run(args),
        "lxc-update-config" => tools::config::update(args),
        "lxc-checkconfig" => tools::checkconfig::run(args),
        "lxc-console" => tools::console::run(args),
        "lxc-cgroup" => tools::cgroup::run(args),
        "lxc-freeze" => tools::freeze::run(args, true),
        "lxc-unfreeze" => tools::freeze::run(args, false),
        "lxc-top" => tools::top::run(args),
        "lxc-net" => tools::net::run(args),
        "lxc-device" => tools::device::run(args),
        "lxc-copy" => tools::copy::run_copy(args),
        "lxc-snapshot" => tools::snapshot::run(args),
        "lxc-clone" => tools::copy::run_clone(args),
        other => Err(common::fail(format!("unknown tool {other}"))),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{name}: {}", e.message);
            }
            e.code
        }
    }
}
