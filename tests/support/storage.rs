//! Storage test helpers: loop filesystems of a test's own, containers on them, the seed's
//! snapshot session, runs inside a container.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::*;
use std::path::Path;
use std::process::Command;

pub fn sh(script: &str) {
    let out = Command::new("sh").args(["-ec", script]).output().unwrap();
    assert!(out.status.success(), "{script}: {out:?}");
}

/// Run a tool that must fail, saying `text`.
pub fn fails_with(env: &Env, tool: &str, args: &[&str], text: &str) {
    let out = env.run(tool, args);
    assert!(!out.status.success(), "{tool} {args:?} succeeded");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(text), "{tool} {args:?}: {err}");
}

/// A filesystem of the test's own on a loop image, mounted under the test's root; unmounted
/// and detached on drop.
pub struct LoopFs {
    pub mount: std::path::PathBuf,
    pub device: String,
}

impl LoopFs {
    /// A 512 MiB btrfs or xfs (with reflinks).
    pub fn new(env: &Env, fstype: &str) -> LoopFs {
        let mkfs = match fstype {
            "xfs" => "mkfs.xfs -q -m reflink=1",
            _ => "mkfs.btrfs -q",
        };
        LoopFs::make(env, fstype, 512, mkfs)
    }

    /// `size_mb` of `mkfs` on an image, mounted at `<root>/<name>`.
    pub fn make(env: &Env, name: &str, size_mb: u64, mkfs: &str) -> LoopFs {
        let image = env.root.join(format!("{name}.img"));
        let mount = env.root.join(name);
        std::fs::create_dir(&mount).unwrap();
        sh(&format!(
            "truncate -s {size_mb}M {0} && {mkfs} {0}",
            image.display()
        ));
        let out = Command::new("losetup")
            .args(["--find", "--show"])
            .arg(&image)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let device = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let fs = LoopFs { mount, device };
        sh(&format!("mount {} {}", fs.device, fs.mount.display()));
        fs
    }
}

impl Drop for LoopFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
        let _ = Command::new("losetup").args(["-d", &self.device]).status();
    }
}

/// An Env whose lxcpath lives on `dir`.
pub fn env_on(env: &Env, dir: &Path) -> Env {
    let lxcpath = dir.join("lxc");
    std::fs::create_dir_all(&lxcpath).unwrap();
    let global = env.root.join(format!(
        "lxc-{}.conf",
        dir.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(
        &global,
        format!(
            "lxc.lxcpath = {}\nlxc.default_config = {}\n",
            lxcpath.display(),
            env.default_conf.display()
        ),
    )
    .unwrap();
    Env {
        root: dir.to_path_buf(),
        lxcpath: lxcpath.display().to_string(),
        global,
        default_conf: env.default_conf.clone(),
    }
}

pub fn config_of(env: &Env, name: &str) -> String {
    std::fs::read_to_string(env.container_dir(name).join("config")).unwrap()
}

/// Start `name`, run `script` inside, stop it; the output.
pub fn run_in(env: &Env, name: &str, script: &str) -> String {
    env.ok("lxc-start", &["-n", name]);
    let out = env.sh(name, script);
    env.ok("lxc-stop", &["-n", name, "-k"]);
    out
}

/// The seed's lxc-snapshot session: a comment file, `-L -C`, `-r snap0` in place,
/// `-r snap0 NEWNAME`; then `lxc-destroy -s`.
pub fn snapshot_session(env: &Env, p1: &str) {
    let root = |name: &str| env.container_dir(name);
    let write = |name: &str, text: &str| {
        env.ok("lxc-start", &["-n", name]);
        env.sh(name, &format!("echo {text} > /root/state"));
        env.ok("lxc-stop", &["-n", name, "-k"]);
    };
    write(p1, "before");
    let comment = env.root.join("snap-comment");
    std::fs::write(&comment, "before installing apache2\n").unwrap();
    env.ok("lxc-snapshot", &["-n", p1, "-c", comment.to_str().unwrap()]);
    let list = env.ok("lxc-snapshot", &["-n", p1, "-L", "-C"]);
    let snaps = root(p1).join("snaps");
    assert!(
        list.starts_with(&format!("snap0 ({}) ", snaps.display()))
            && list.ends_with("\nbefore installing apache2\n"),
        "{list}"
    );
    assert!(snaps.join("snap0/ts").is_file() && snaps.join("snap0/comment").is_file());
    write(p1, "after");
    env.ok("lxc-snapshot", &["-n", p1, "-r", "snap0"]);
    assert_eq!(
        run_in(env, p1, "cat /root/state; hostname"),
        format!("before\n{p1}\n")
    );
    let copy = format!("{p1}-snap0");
    env.ok("lxc-snapshot", &["-n", p1, "-r", "snap0", &copy]);
    assert_eq!(
        run_in(env, &copy, "cat /root/state; hostname"),
        format!("before\n{copy}\n")
    );
    let out = env.run("lxc-destroy", &["-n", p1]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has snapshots"),
        "{out:?}"
    );
    env.ok("lxc-destroy", &["-n", &copy]);
    env.ok("lxc-destroy", &["-n", p1, "-s"]);
    assert!(!root(p1).exists());
}

/// No loop device is bound to `image` (autoclear let it go with the mount).
pub fn no_loop_for(image: &Path) -> bool {
    for _ in 0..100 {
        let out = Command::new("losetup")
            .arg("-j")
            .arg(image)
            .output()
            .unwrap();
        if out.stdout.is_empty() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

/// A small filesystem of the test's own (ext4 on a loop image) for running out of space.
pub fn small_fs(env: &Env, mb: u64) -> LoopFs {
    LoopFs::make(env, "small", mb, "mkfs.ext4 -q -F")
}
