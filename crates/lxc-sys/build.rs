//! Builds lxc-execute's init (init/main.rs: no libc, no std, a few kilobytes) for x86_64
//! Linux, to be embedded in the library; other targets use the std `lxc-rs-init` program.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=init/main.rs");
    println!("cargo:rustc-check-cfg=cfg(tiny_init)");
    let target = std::env::var("TARGET").unwrap_or_default();
    if !(target.starts_with("x86_64-") && target.contains("-linux-")) {
        return;
    }
    // The init is freestanding, so the gnu target serves a musl build too (and spares us
    // the musl target's own start files, which would want a `main`).
    let init_target = "x86_64-unknown-linux-gnu";
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("lxc-rs-init");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let status = Command::new(rustc)
        .args([
            "--edition=2021",
            "--crate-type=bin",
            "--crate-name=lxc_rs_init",
            "-Cpanic=abort",
            "-Copt-level=s",
            "-Cstrip=symbols",
            "-Crelocation-model=static",
            "-Clink-arg=-nostartfiles",
            "-Clink-arg=-nostdlib",
            "-Clink-arg=-static",
            "-Clink-arg=-Wl,--build-id=none",
            "--target",
            init_target,
            "-o",
        ])
        .arg(&out)
        .arg("init/main.rs")
        .status();
    match status {
        Ok(s) if s.success() => println!("cargo:rustc-cfg=tiny_init"),
        Ok(s) => fail(&format!("rustc exited with {s}")),
        Err(e) => fail(&format!("cannot run rustc: {e}")),
    }
}

fn fail(why: &str) -> ! {
    eprintln!("lxc-sys: building init/main.rs (lxc-execute's init) failed: {why}");
    std::process::exit(1)
}
