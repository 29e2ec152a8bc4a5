//! With the `bundle-helper` feature (the wheel build turns it on), build lxc-rs-helper and
//! lxc-rs-init (lxc-execute's init) and put them beside the module in python/lxc/, so that a
//! pip-installed `lxc` finds them with nothing else installed. Plain workspace builds skip
//! this.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fail(message: String) -> ! {
    eprintln!("lxc-python build: {message}");
    std::process::exit(1)
}

fn main() {
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_BUNDLE_HELPER");
    if std::env::var_os("CARGO_FEATURE_BUNDLE_HELPER").is_none() {
        return;
    }
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.join("../..");
    for krate in ["lxc", "lxc-sys", "lxc-config", "lxc-cgroups"] {
        println!(
            "cargo:rerun-if-changed={}",
            root.join("crates").join(krate).join("src").display()
        );
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let target = out.join("helper");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // A target directory of its own: the outer build holds the lock on the usual one.
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "lxc", "--bin", "lxc-rs-helper"])
        .args(["--bin", "lxc-rs-init"])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .unwrap_or_else(|e| fail(format!("cargo: {e}")));
    if !status.success() {
        fail(format!("building lxc-rs-helper failed ({status})"));
    }
    for program in ["lxc-rs-helper", "lxc-rs-init"] {
        let built = target.join("release").join(program);
        let dest = manifest.join("python/lxc").join(program);
        copy_executable(&built, &dest)
            .unwrap_or_else(|e| fail(format!("{} -> {}: {e}", built.display(), dest.display())));
    }
}

fn copy_executable(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let tmp = to.with_extension("tmp");
    std::fs::copy(from, &tmp)?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
    std::fs::rename(&tmp, to)
}
