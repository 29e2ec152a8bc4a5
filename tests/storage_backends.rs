//! Storage backends beyond directories, and failures: loop images, lvm and zfs as far as
//! this machine goes, running out of space, a clone killed half way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::path::Path;
use std::process::Command;
use support::storage::*;
use support::*;

/// `-B loop --fstype --fssize`: the rootfs is a filesystem in `rootdev`, mounted through a
/// loop device that lets go by itself; clones and snapshots are copies into new images.
#[test]
fn loop_containers_run_clone_and_snapshot() {
    let env = Env::new("loop");
    let p1 = env.name("lp");
    env.ok(
        "lxc-create",
        &[
            "-n", &p1, "-t", "busybox", "-B", "loop", "--fstype", "ext4", "--fssize", "128M",
        ],
    );
    let image = env.container_dir(&p1).join("rootdev");
    assert_eq!(std::fs::metadata(&image).unwrap().len(), 128 << 20);
    assert!(config_of(&env, &p1).contains(&format!("lxc.rootfs.path = loop:{}", image.display())));
    assert!(no_loop_for(&image));
    // A second create of the same name is refused and leaves the first as it was.
    let size = std::fs::metadata(&image).unwrap().len();
    fails_with(
        &env,
        "lxc-create",
        &["-n", &p1, "-t", "busybox", "-B", "loop"],
        "already exists",
    );
    assert_eq!(std::fs::metadata(&image).unwrap().len(), size);
    let out = run_in(
        &env,
        &p1,
        "echo kept > /root/state; grep ' / ' /proc/mounts | cut -d' ' -f3",
    );
    assert_eq!(out, "ext4\n");
    assert!(no_loop_for(&image));
    let p2 = env.name("lp");
    env.ok("lxc-copy", &["-n", &p1, "-N", &p2]);
    assert_eq!(
        run_in(&env, &p2, "cat /root/state; hostname"),
        format!("kept\n{p2}\n")
    );
    snapshot_session(&env, &p1);
    let out = env.run("lxc-copy", &["-n", &p2, "-N", "x", "-s"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot snapshot"),
        "{out:?}"
    );
    let bad = env.name("lp");
    let args = [
        "-n", &bad, "-t", "busybox", "-B", "loop", "--fstype", "vfat",
    ];
    fails_with(&env, "lxc-create", &args, "--fstype vfat");
    assert!(!env.container_dir(&bad).exists());
    env.ok("lxc-destroy", &["-n", &p2]);
    assert!(no_loop_for(&env.container_dir(&p2).join("rootdev")));
}

/// lvm and zfs as far as this machine goes: it has LVM's tools and can make a volume group,
/// but no device-mapper (so no logical volume), and no ZFS. Creates and clones onto them
/// fail with the tool's own words and leave nothing: no container, no volume.
#[test]
fn lvm_and_zfs_fail_cleanly_where_the_kernel_lacks_them() {
    let env = Env::new("lvm");
    let image = env.root.join("pv.img");
    sh(&format!("truncate -s 256M {}", image.display()));
    let out = Command::new("losetup")
        .args(["--find", "--show"])
        .arg(&image)
        .output()
        .unwrap();
    let device = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let vg = format!("lxcrs{}", std::process::id());
    struct Vg(String, String);
    impl Drop for Vg {
        fn drop(&mut self) {
            let _ = Command::new("vgremove")
                .args(["-qf", &self.0])
                .env("LVM_SUPPRESS_FD_WARNINGS", "1")
                .output();
            let _ = Command::new("losetup").args(["-d", &self.1]).status();
        }
    }
    let _vg = Vg(vg.clone(), device.clone());
    sh(&format!(
        "LVM_SUPPRESS_FD_WARNINGS=1 vgcreate -q {vg} {device}"
    ));
    let name = env.name("lv");
    let out = env.run(
        "lxc-create",
        &[
            "-n", &name, "-t", "busybox", "-B", "lvm", "--vgname", &vg, "--fssize", "64M",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let lvs = Command::new("lvs")
        .args(["--noheadings", &vg])
        .env("LVM_SUPPRESS_FD_WARNINGS", "1")
        .output()
        .unwrap();
    let has_dm = std::fs::read_to_string("/proc/misc").is_ok_and(|m| m.contains("device-mapper"));
    if has_dm {
        // A kernel with device-mapper: the volume was made and the container created.
        assert!(out.status.success(), "{err}");
        env.ok("lxc-destroy", &["-n", &name]);
        return;
    }
    assert!(!out.status.success());
    assert!(
        err.contains("lvcreate failed") && err.contains("device-mapper"),
        "{err}"
    );
    assert!(
        String::from_utf8_lossy(&lvs.stdout).trim().is_empty(),
        "{lvs:?}"
    );
    assert!(!env.container_dir(&name).exists());
    let args = [
        "-n", &name, "-t", "busybox", "-B", "lvm", "--vgname", "nosuchvg",
    ];
    fails_with(
        &env,
        "lxc-create",
        &args,
        "volume group \"nosuchvg\" not found",
    );
    let out = env.run("lxc-create", &["-n", &name, "-t", "busybox", "-B", "zfs"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("zfs"),
        "{out:?}"
    );
    assert!(!env.container_dir(&name).exists());
    // A clone onto lvm: the same clean failure, the source untouched.
    let src = env.name("src");
    env.create_busybox(&src);
    let before = config_of(&env, &src);
    let out = env.run("lxc-copy", &["-n", &src, "-N", &name, "-B", "lvm"]);
    assert!(!out.status.success());
    assert!(!env.container_dir(&name).exists());
    assert_eq!(config_of(&env, &src), before);
}

/// Failures change nothing: a clone, a snapshot and an in-place restore that run out of
/// space leave the source and the container as they were and no half-made container.
#[test]
fn running_out_of_space_changes_nothing() {
    let env = Env::new("nospace");
    let fs = small_fs(&env, 128);
    let senv = env_on(&env, &fs.mount);
    // A clone onto the small filesystem of a source too big for it.
    let big = env.name("big");
    env.create_busybox(&big);
    sh(&format!(
        "head -c 150M /dev/zero > {}/rootfs/root/data",
        env.container_dir(&big).display()
    ));
    let before = config_of(&env, &big);
    let clone = env.name("c");
    let newpath = senv.lxcpath.clone();
    fails_with(
        &env,
        "lxc-copy",
        &["-n", &big, "-N", &clone, "-p", &newpath],
        "No space left",
    );
    assert!(!Path::new(&newpath).join(&clone).exists());
    assert_eq!(config_of(&env, &big), before);
    assert_eq!(
        std::fs::metadata(env.container_dir(&big).join("rootfs/root/data"))
            .unwrap()
            .len(),
        150 << 20
    );

    // A container on the small filesystem: a snapshot that does not fit, then a restore
    // that does not fit.
    let p1 = env.name("p1");
    senv.create_busybox(&p1);
    let root = senv.container_dir(&p1).join("rootfs/root");
    sh(&format!("head -c 30M /dev/zero > {}/one", root.display()));
    senv.ok("lxc-snapshot", &["-n", &p1]);
    sh(&format!("head -c 30M /dev/zero > {}/two", root.display()));
    fails_with(&senv, "lxc-snapshot", &["-n", &p1], "No space left");
    assert_eq!(
        senv.ok("lxc-snapshot", &["-n", &p1, "-L"]).lines().count(),
        1
    );
    assert!(!senv.container_dir(&p1).join("snaps/snap1").exists());
    fails_with(
        &senv,
        "lxc-snapshot",
        &["-n", &p1, "-r", "snap0"],
        "No space left",
    );
    // The container still has what it had before the restore was tried.
    assert!(root.join("one").exists() && root.join("two").exists());
    assert_eq!(run_in(&senv, &p1, "ls /root"), "one\ntwo\n");
    let left: Vec<_> = std::fs::read_dir(&senv.lxcpath)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        [std::ffi::OsString::from(&p1)],
        "no half-made container"
    );
}

/// A clone killed half way leaves a `partial` marker nobody holds: the next look at the
/// name removes the leftovers, as after a crashed create.
#[test]
fn an_interrupted_clone_is_cleaned_up() {
    let env = Env::new("interrupt");
    let p1 = env.name("p1");
    env.create_busybox(&p1);
    sh(&format!(
        "head -c 400M /dev/zero > {}/rootfs/root/data",
        env.container_dir(&p1).display()
    ));
    let clone = env.name("c");
    let mut child = env
        .cmd("lxc-copy")
        .args(["-P", &env.lxcpath, "-n", &p1, "-N", &clone])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(60));
    let _ = child.kill();
    let _ = child.wait();
    let _ = env.run("lxc-info", &["-n", &clone]);
    let dir = env.container_dir(&clone);
    // Either the copy finished before the kill, or nothing of it is left.
    let complete = dir.join("config").is_file() && !dir.join("partial").exists();
    assert!(
        complete || !dir.join("partial").exists() && !dir.join("rootfs").exists(),
        "{:?}",
        std::fs::read_dir(&dir).map(|d| d.count())
    );
    assert_eq!(
        std::fs::metadata(env.container_dir(&p1).join("rootfs/root/data"))
            .unwrap()
            .len(),
        400 << 20
    );
}
