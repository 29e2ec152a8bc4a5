//! lxc-user-nic: the setuid-root helper for non-root users' veths (the work is the
//! library's `net::usernic`).

use crate::common::{fail, Res};

pub fn run(args: Vec<String>) -> Res<i32> {
    let line = lxc::net::usernic::run(&args).map_err(fail)?;
    println!("{line}");
    Ok(0)
}
