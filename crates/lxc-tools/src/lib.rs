//! The `lxc-*` tools: argument parsing and printing only; everything else is the library.

mod common;
mod tools;

pub use common::Common;

/// A tool's entry point: its arguments (without the program name) to its exit code.
pub type Tool = fn(Vec<String>) -> common::Res<i32>;

/// Run `tool` as program `name` (e.g. "lxc-start") with the process arguments; returns the
/// exit code. Each binary names only its own tool, so it links only what that tool uses
/// (lxc-start, which becomes the monitor, carries no download or storage code).
pub fn main_with(name: &str, tool: Tool) -> i32 {
    // A tool is a single-threaded program that exits after its one operation: the library
    // may fork and join namespaces right here instead of spawning its helper.
    lxc::process_mode::allow_in_process(true);
    let args: Vec<String> = std::env::args().skip(1).collect();
    match tool(args) {
        Ok(code) => code,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{name}: {}", e.message);
            }
            e.code
        }
    }
}

/// The tools' entry points.
pub mod entry {
    use crate::common::Res;
    use crate::tools;

    pub fn create(args: Vec<String>) -> Res<i32> {
        tools::create::run(args)
    }

    pub fn destroy(args: Vec<String>) -> Res<i32> {
        tools::destroy::run(args)
    }

    pub fn start(args: Vec<String>) -> Res<i32> {
        tools::start::run(args, false)
    }

    pub fn execute(args: Vec<String>) -> Res<i32> {
        tools::start::run(args, true)
    }

    pub fn stop(args: Vec<String>) -> Res<i32> {
        tools::stop::run(args)
    }

    pub fn info(args: Vec<String>) -> Res<i32> {
        tools::info::run(args)
    }

    pub fn ls(args: Vec<String>) -> Res<i32> {
        tools::ls::run(args)
    }

    pub fn monitor(args: Vec<String>) -> Res<i32> {
        tools::monitor::run(args)
    }

    pub fn wait(args: Vec<String>) -> Res<i32> {
        tools::wait::run(args)
    }

    pub fn attach(args: Vec<String>) -> Res<i32> {
        tools::attach::run(args)
    }

    pub fn config(args: Vec<String>) -> Res<i32> {
        tools::config::run(args)
    }

    pub fn update_config(args: Vec<String>) -> Res<i32> {
        tools::config::update(args)
    }

    pub fn checkconfig(args: Vec<String>) -> Res<i32> {
        tools::checkconfig::run(args)
    }

    pub fn console(args: Vec<String>) -> Res<i32> {
        tools::console::run(args)
    }

    pub fn cgroup(args: Vec<String>) -> Res<i32> {
        tools::cgroup::run(args)
    }

    pub fn freeze(args: Vec<String>) -> Res<i32> {
        tools::freeze::run(args, true)
    }

    pub fn unfreeze(args: Vec<String>) -> Res<i32> {
        tools::freeze::run(args, false)
    }

    pub fn autostart(args: Vec<String>) -> Res<i32> {
        tools::autostart::run(args)
    }

    pub fn unshare(args: Vec<String>) -> Res<i32> {
        tools::unshare::run(args)
    }

    pub fn top(args: Vec<String>) -> Res<i32> {
        tools::top::run(args)
    }

    pub fn net(args: Vec<String>) -> Res<i32> {
        tools::net::run(args)
    }

    pub fn device(args: Vec<String>) -> Res<i32> {
        tools::device::run(args)
    }

    pub fn copy(args: Vec<String>) -> Res<i32> {
        tools::copy::run_copy(args)
    }

    pub fn snapshot(args: Vec<String>) -> Res<i32> {
        tools::snapshot::run(args)
    }

    pub fn clone(args: Vec<String>) -> Res<i32> {
        tools::copy::run_clone(args)
    }

    pub fn image_publish(args: Vec<String>) -> Res<i32> {
        tools::publish::run(args)
    }

    pub fn usernsexec(args: Vec<String>) -> Res<i32> {
        tools::usernsexec::run(args)
    }
}
