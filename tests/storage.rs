//! Storage: the copy engine keeps everything a rootfs holds and never follows the source's
//! symlinks; clones and snapshots of real containers (added backend by backend).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use support::storage::*;
use support::*;

fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    lxc_sys::fs::get_xattr(path, name)
}

#[test]
fn the_copy_engine_keeps_every_kind_of_entry() {
    let env = Env::new("copy");
    let src = env.root.join("src");
    let dst = env.root.join("dst");
    std::fs::create_dir(&src).unwrap();
    sh(&format!(
        "cd {}; mkdir -p etc/deep/er; echo hello > etc/hostname; chmod 640 etc/hostname; \
         chown 1000:1001 etc/hostname; ln -s /etc/passwd escape; ln -s etc/hostname rel; \
         ln etc/hostname hard; mkfifo fifo; mknod null c 1 3; mknod blk b 7 200; \
         python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind(\"sock\")'; \
         truncate -s 10M sparse; printf data | dd of=sparse bs=1 seek=5M conv=notrunc 2>/dev/null; \
         cp /bin/true ping; chmod 4755 ping; setfattr -n user.lxc -v kept etc/hostname; \
         setcap cap_net_raw+ep ping 2>/dev/null || true; chmod 750 etc/deep; \
         touch -d '2001-02-03 04:05:06' etc/deep/er etc/hostname",
        src.display()
    ));
    let stats = lxc::storage::copy::copy_tree(&src, &dst).unwrap();
    assert!(stats.entries >= 12, "{stats:?}");
    let m = |p: &str| std::fs::symlink_metadata(dst.join(p)).unwrap();
    let s = |p: &str| std::fs::symlink_metadata(src.join(p)).unwrap();
    assert_eq!(
        std::fs::read_to_string(dst.join("etc/hostname")).unwrap(),
        "hello\n"
    );
    for p in [
        "etc/hostname",
        "etc/deep",
        "etc/deep/er",
        "ping",
        "null",
        "blk",
        "fifo",
        "sock",
    ] {
        let (a, b) = (m(p), s(p));
        assert_eq!(
            (a.mode(), a.uid(), a.gid(), a.rdev()),
            (b.mode(), b.uid(), b.gid(), b.rdev()),
            "{p}"
        );
        assert_eq!(a.mtime(), b.mtime(), "{p}");
    }
    assert_eq!(m("ping").permissions().mode() & 0o7777, 0o4755);
    assert_eq!(
        std::fs::read_link(dst.join("escape")).unwrap(),
        Path::new("/etc/passwd")
    );
    assert!(m("escape").file_type().is_symlink());
    assert_eq!(
        m("hard").ino(),
        m("etc/hostname").ino(),
        "hard links stay linked"
    );
    assert_eq!(m("sparse").len(), 10 << 20);
    assert!(
        m("sparse").blocks() < 64,
        "holes stay holes: {} blocks",
        m("sparse").blocks()
    );
    assert_eq!(
        xattr(&dst.join("etc/hostname"), "user.lxc").as_deref(),
        Some(&b"kept"[..])
    );
    assert_eq!(
        xattr(&dst.join("ping"), "security.capability"),
        xattr(&src.join("ping"), "security.capability")
    );
    // A second copy onto an existing target is refused, and the target is left alone.
    assert!(lxc::storage::copy::copy_tree(&src, &dst).is_err());
    assert!(dst.join("etc/hostname").exists());
}

#[test]
fn a_copy_clone_gets_its_own_name_paths_and_macs_and_leaves_the_source_alone() {
    let env = Env::new("clone");
    let p1 = env.name("p1");
    env.create_busybox(&p1);
    env.append_config(
        &p1,
        "lxc.net.1.type = veth\nlxc.net.1.hwaddr = 00:16:3e:aa:bb:cc\n",
    );
    // A NIC that never starts here: the start below drops it again.
    std::fs::write(env.container_dir(&p1).join("rootfs/root/data"), "p1 data\n").unwrap();
    let before = config_of(&env, &p1);
    let p2 = env.name("p2");
    env.ok("lxc-copy", &["-n", &p1, "-N", &p2]);
    let config = config_of(&env, &p2);
    assert!(config.contains(&format!("lxc.uts.name = {p2}")), "{config}");
    assert!(
        config.contains(&format!(
            "lxc.rootfs.path = dir:{}/rootfs",
            env.container_dir(&p2).display()
        )),
        "{config}"
    );
    assert!(
        config.contains("lxc.net.1.hwaddr = 00:16:3e:") && !config.contains("aa:bb:cc"),
        "{config}"
    );
    assert_eq!(config_of(&env, &p1), before);
    let root = env.container_dir(&p2).join("rootfs");
    assert_eq!(
        std::fs::read_to_string(root.join("etc/hostname")).unwrap(),
        format!("{p2}\n")
    );
    assert!(std::fs::read_to_string(root.join("etc/hosts"))
        .unwrap()
        .contains(&p2));
    for name in [&p1, &p2] {
        let text = config_of(&env, name).replace("lxc.net.1.type = veth\n", "");
        let text: String = text
            .lines()
            .filter(|l| !l.starts_with("lxc.net.1"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(env.container_dir(name).join("config"), text).unwrap();
    }
    let out = run_in(&env, &p2, "hostname; cat /root/data; echo p2 > /root/data");
    assert_eq!(out, format!("{p2}\np1 data\n"));
    assert_eq!(
        std::fs::read_to_string(env.container_dir(&p1).join("rootfs/root/data")).unwrap(),
        "p1 data\n"
    );

    // Bad requests: clear errors, nothing made, the source as it was.
    let out = env.run("lxc-copy", &["-n", &p1, "-N", &p2]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    env.ok("lxc-start", &["-n", &p1]);
    let p3 = env.name("p3");
    let out = env.run("lxc-copy", &["-n", &p1, "-N", &p3]);
    env.ok("lxc-stop", &["-n", &p1, "-k"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is running"),
        "{out:?}"
    );
    assert!(!env.container_dir(&p3).exists());
    // A failing clone hook undoes the clone.
    env.append_config(&p1, "lxc.hook.clone = /bin/false\n");
    let before = config_of(&env, &p1);
    let out = env.run("lxc-copy", &["-n", &p1, "-N", &p3]);
    assert!(!out.status.success());
    assert!(!env.container_dir(&p3).exists());
    assert_eq!(config_of(&env, &p1), before);
    let out = env.run("lxc-copy", &["-n", &p1, "-N", &p3, "-B", "rbd"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not supported yet: backing store rbd"),
        "{out:?}"
    );
    assert!(!env.container_dir(&p3).exists());
}

/// The seed: `lxc-clone -o p1 -n p1-test -B overlayfs -s`: p1-test's changes land in its
/// delta0, p1 is untouched and cannot be destroyed from under it; the clone hook runs with
/// the overlay mounted.
#[test]
fn the_seeds_overlay_snapshot_clone() {
    let env = Env::new("overlay");
    let p1 = env.name("p1");
    env.create_busybox(&p1);
    let hook = env.root.join("hook.sh");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho \"$LXC_NAME $LXC_SRC_NAME $2 $3 $4\" > \"$LXC_ROOTFS_MOUNT/root/hooked\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.append_config(&p1, &format!("lxc.hook.clone = {}\n", hook.display()));
    let test = format!("{p1}-test");
    let out = env
        .cmd("lxc-clone")
        .args([
            "-p",
            &env.lxcpath,
            "-o",
            &p1,
            "-n",
            &test,
            "-B",
            "overlayfs",
            "-s",
            "--",
            "arg1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let dir = env.container_dir(&test);
    let config = config_of(&env, &test);
    assert!(
        config.contains(&format!(
            "lxc.rootfs.path = overlay:{}/rootfs:{}/delta0",
            env.container_dir(&p1).display(),
            dir.display()
        )),
        "{config}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("delta0/root/hooked")).unwrap(),
        format!("{test} {p1} lxc clone arg1\n")
    );
    let out = run_in(
        &env,
        &test,
        "hostname; echo new > /root/new; rm /bin/vi; cat /root/hooked",
    );
    assert!(out.starts_with(&format!("{test}\n")), "{out}");
    assert_eq!(
        std::fs::read_to_string(dir.join("delta0/root/new")).unwrap(),
        "new\n"
    );
    let p1_root = env.container_dir(&p1).join("rootfs");
    assert!(!p1_root.join("root/new").exists() && !p1_root.join("root/hooked").exists());
    assert!(p1_root.join("bin/vi").exists());
    assert_eq!(
        std::fs::read_to_string(p1_root.join("etc/hostname")).unwrap(),
        format!("{p1}\n")
    );
    let out = env.run("lxc-destroy", &["-n", &p1]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&test),
        "{out:?}"
    );
    env.ok("lxc-destroy", &["-n", &test]);
    assert!(
        p1_root.join("bin/busybox").exists(),
        "the lower survives its clone"
    );
    env.ok("lxc-destroy", &["-n", &p1]);
}

#[test]
fn the_seeds_snapshot_session_on_dir_and_overlay() {
    let env = Env::new("snapdir");
    let p1 = env.name("p1");
    env.create_busybox(&p1);
    snapshot_session(&env, &p1);

    let base = env.name("base");
    env.create_busybox(&base);
    let over = format!("{base}-ov");
    env.ok(
        "lxc-copy",
        &["-n", &base, "-N", &over, "-s", "-B", "overlay"],
    );
    snapshot_session(&env, &over);
    assert!(env.container_dir(&base).join("rootfs/bin/busybox").exists());
    env.ok("lxc-destroy", &["-n", &base]);
}

#[test]
fn btrfs_containers_clone_and_snapshot_by_subvolume() {
    let env = Env::new("btrfs");
    let fs = LoopFs::new(&env, "btrfs");
    let benv = env_on(&env, &fs.mount);
    let p1 = env.name("p1");
    benv.ok("lxc-create", &["-n", &p1, "-t", "busybox", "-B", "btrfs"]);
    let root = benv.container_dir(&p1).join("rootfs");
    assert!(config_of(&benv, &p1).contains(&format!("lxc.rootfs.path = btrfs:{}", root.display())));
    sh(&format!("btrfs -q subvolume create {}/srv", root.display()));
    std::fs::write(root.join("srv/nested"), "in a nested subvolume\n").unwrap();
    let snap = format!("{p1}-s");
    benv.ok("lxc-copy", &["-n", &p1, "-N", &snap, "-s"]);
    let snap_root = benv.container_dir(&snap).join("rootfs");
    let info = Command::new("btrfs")
        .args(["subvolume", "show"])
        .arg(&snap_root)
        .output()
        .unwrap();
    assert!(info.status.success(), "{info:?}");
    assert_eq!(
        std::fs::read_to_string(snap_root.join("srv/nested")).unwrap(),
        "in a nested subvolume\n"
    );
    assert_eq!(
        run_in(&benv, &snap, "hostname; cat /srv/nested"),
        format!("{snap}\nin a nested subvolume\n")
    );
    let copy = format!("{p1}-c");
    benv.ok("lxc-copy", &["-n", &p1, "-N", &copy]);
    assert!(config_of(&benv, &copy).contains("lxc.rootfs.path = btrfs:"));
    snapshot_session(&benv, &p1);
    for name in [&snap, &copy] {
        benv.ok("lxc-destroy", &["-n", name]);
    }
    // `-B best` picks btrfs on btrfs (and a directory elsewhere).
    let best = env.name("best");
    benv.ok("lxc-create", &["-n", &best, "-t", "busybox", "-B", "best"]);
    assert!(config_of(&benv, &best).contains("lxc.rootfs.path = btrfs:"));
    benv.ok("lxc-destroy", &["-n", &best]);
    let left = std::fs::read_dir(&benv.lxcpath).unwrap().count();
    assert_eq!(left, 0);
    let elsewhere = env.name("best");
    env.ok(
        "lxc-create",
        &["-n", &elsewhere, "-t", "busybox", "-B", "best"],
    );
    assert!(config_of(&env, &elsewhere).contains("lxc.rootfs.path = dir:"));
}

/// `lxc-create -B overlayfs`, as the seed describes it: what changes after the creation
/// lands in `delta0` beside the rootfs.
#[test]
fn an_overlay_created_container_keeps_its_changes_in_delta0() {
    let env = Env::new("ovcreate");
    let name = env.name("oc");
    env.ok(
        "lxc-create",
        &["-n", &name, "-t", "busybox", "-B", "overlayfs"],
    );
    let dir = env.container_dir(&name);
    assert!(config_of(&env, &name).contains(&format!(
        "lxc.rootfs.path = overlay:{0}/rootfs:{0}/delta0",
        dir.display()
    )));
    assert_eq!(
        run_in(&env, &name, "echo x > /root/changed; hostname"),
        format!("{name}\n")
    );
    assert!(dir.join("delta0/root/changed").exists());
    assert!(!dir.join("rootfs/root/changed").exists());
    // Restoring in place swaps delta0 only: the lower (the container's own rootfs
    // directory) stays.
    env.ok("lxc-snapshot", &["-n", &name]);
    assert_eq!(
        run_in(&env, &name, "echo y > /root/later; ls /root"),
        "changed\nlater\n"
    );
    env.ok("lxc-snapshot", &["-n", &name, "-r", "snap0"]);
    assert!(
        dir.join("rootfs/bin/busybox").exists(),
        "the lower was lost"
    );
    assert_eq!(run_in(&env, &name, "ls /root"), "changed\n");
    env.ok("lxc-snapshot", &["-n", &name, "-d", "ALL"]);
    env.ok("lxc-destroy", &["-n", &name]);
    assert!(!dir.exists());
}

#[test]
fn a_copy_on_xfs_shares_extents() {
    let env = Env::new("xfs");
    let fs = LoopFs::new(&env, "xfs");
    let xenv = env_on(&env, &fs.mount);
    let p1 = env.name("p1");
    xenv.create_busybox(&p1);
    sh(&format!(
        "head -c 128M /dev/urandom > {}/rootfs/root/big; sync",
        xenv.container_dir(&p1).display()
    ));
    let used = || {
        let out = Command::new("df")
            .args(["--output=used", "-B1M"])
            .arg(&fs.mount)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let before = used();
    let p2 = env.name("p2");
    xenv.ok("lxc-copy", &["-n", &p1, "-N", &p2]);
    sh("sync");
    assert!(
        used() < before + 32,
        "the copy shared extents: {before} -> {} MiB",
        used()
    );
    let a = std::fs::read(xenv.container_dir(&p1).join("rootfs/root/big")).unwrap();
    let b = std::fs::read(xenv.container_dir(&p2).join("rootfs/root/big")).unwrap();
    assert!(a == b);
}

/// `lxc-copy -R`: the directory moves, the configuration and the snapshot's follow, the
/// hostname changes, and the renamed container starts; an overlay origin cannot be renamed
/// from under its clone.
#[test]
fn rename_moves_a_container_and_its_snapshots() {
    let env = Env::new("rename");
    let old = env.name("old");
    env.create_busybox(&old);
    env.ok("lxc-snapshot", &["-n", &old]);
    let new = env.name("new");
    env.ok("lxc-copy", &["-n", &old, "-N", &new, "-R"]);
    assert!(!env.container_dir(&old).exists());
    let dir = env.container_dir(&new);
    let config = config_of(&env, &new);
    assert!(
        config.contains(&format!("lxc.uts.name = {new}")),
        "{config}"
    );
    assert!(
        config.contains(&format!("dir:{}/rootfs", dir.display())),
        "{config}"
    );
    let snap = std::fs::read_to_string(dir.join("snaps/snap0/config")).unwrap();
    assert!(
        snap.contains(&format!("dir:{}/snaps/snap0/rootfs", dir.display())),
        "{snap}"
    );
    assert_eq!(run_in(&env, &new, "hostname"), format!("{new}\n"));
    let list = env.ok("lxc-snapshot", &["-n", &new, "-L"]);
    assert!(list.starts_with("snap0 "), "{list}");
    let clone = env.name("ov");
    env.ok("lxc-copy", &["-n", &new, "-N", &clone, "-s"]);
    let out = env.run("lxc-copy", &["-n", &new, "-N", &old, "-R"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&clone),
        "{out:?}"
    );
    assert!(dir.exists());
}

/// `lxc-copy -e`: an overlay clone that runs at once, sees its bind mount, and is gone when
/// it stops; with `-D` it stays.
#[test]
fn ephemeral_clones_vanish_at_stop() {
    let env = Env::new("ephemeral");
    let p1 = env.name("p1");
    env.create_busybox(&p1);
    let shared = env.root.join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("hello"), "from the host\n").unwrap();
    let e1 = env.name("e1");
    let bind = format!("bind={}:/mnt/shared:ro", shared.display());
    let out = env.ok("lxc-copy", &["-n", &p1, "-N", &e1, "-e", "-m", &bind]);
    assert_eq!(out, format!("Created {e1} as clone of {p1}\n"));
    assert_eq!(env.state(&e1), "RUNNING");
    assert_eq!(
        env.sh(
            &e1,
            "cat /mnt/shared/hello; touch /mnt/shared/x 2>/dev/null || echo ro"
        ),
        "from the host\nro\n"
    );
    env.ok("lxc-stop", &["-n", &e1, "-k"]);
    assert!(!env.container_dir(&e1).exists());
    assert!(env.container_dir(&p1).join("rootfs/bin/busybox").exists());

    let out = env.ok("lxc-copy", &["-n", &p1, "-e", "-D"]);
    let kept = out
        .trim()
        .strip_prefix("Created ")
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(kept.starts_with(&format!("{p1}-")), "{out}");
    env.ok("lxc-stop", &["-n", &kept, "-k"]);
    assert!(env.container_dir(&kept).join("config").is_file());
    env.ok("lxc-destroy", &["-n", &kept]);
    env.ok("lxc-destroy", &["-n", &p1]);
}

/// Snapshots LXC 1.0 kept in `<lxcpath>snaps/<name>/` are listed and restored.
#[test]
fn lxc_1_0_snapshot_location_is_read() {
    let env = Env::new("legacysnap");
    let p1 = env.name("p1");
    env.create_busybox(&p1);
    env.ok("lxc-snapshot", &["-n", &p1]);
    let legacy = std::path::PathBuf::from(format!("{}snaps", env.lxcpath)).join(&p1);
    std::fs::create_dir_all(&legacy).unwrap();
    let from = env.container_dir(&p1).join("snaps/snap0");
    std::fs::rename(&from, legacy.join("snap0")).unwrap();
    let config = legacy.join("snap0/config");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            from.to_str().unwrap(),
            legacy.join("snap0").to_str().unwrap(),
        ),
    )
    .unwrap();
    let list = env.ok("lxc-snapshot", &["-n", &p1, "-L"]);
    assert!(
        list.starts_with(&format!("snap0 ({}) ", legacy.display())),
        "{list}"
    );
    let restored = format!("{p1}-old");
    env.ok("lxc-snapshot", &["-n", &p1, "-r", "snap0", "-N", &restored]);
    assert_eq!(run_in(&env, &restored, "hostname"), format!("{restored}\n"));
    env.ok("lxc-snapshot", &["-n", &p1, "-d", "snap0"]);
    assert!(!legacy.join("snap0").exists());
    let _ = std::fs::remove_dir_all(std::path::PathBuf::from(format!("{}snaps", env.lxcpath)));
}

/// A destroy never deletes through a mount point inside the container's directory: it stops
/// there, names it, and the mounted files survive.
#[test]
fn destroy_stops_at_a_mount_point_inside_the_container() {
    let env = Env::new("mountpoint");
    let name = env.name("mp");
    env.create_busybox(&name);
    let host_dir = env.root.join("host-data");
    std::fs::create_dir_all(&host_dir).unwrap();
    std::fs::write(host_dir.join("precious"), "keep me").unwrap();
    let target = env.container_dir(&name).join("rootfs/mnt/bound");
    std::fs::create_dir_all(&target).unwrap();
    let mounted = Command::new("mount")
        .arg("--bind")
        .arg(&host_dir)
        .arg(&target)
        .status()
        .unwrap();
    assert!(mounted.success());
    let out = env.run("lxc-destroy", &["-n", &name]);
    let unmounted = Command::new("umount").arg(&target).status().unwrap();
    assert!(unmounted.success());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mnt/bound") && err.contains("mount point"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(host_dir.join("precious")).unwrap(),
        "keep me"
    );
    env.ok("lxc-destroy", &["-n", &name]);
    assert!(!env.container_dir(&name).exists());
}

/// `lxc.rootfs.options`: mount attributes on a bound (dir) rootfs, attributes and the
/// filesystem's own options on a mounted (overlay) one; what cannot apply is refused.
#[test]
fn rootfs_options_reach_the_rootfs_mount() {
    let env = Env::new("rootfsopts");
    let base = env.name("ro");
    env.create_busybox(&base);
    let over = format!("{base}-ov");
    env.ok(
        "lxc-copy",
        &["-n", &base, "-N", &over, "-s", "-B", "overlay"],
    );
    // The root's line of /proc/self/mountinfo as init sees it: "... / / <attrs> ... - <fs> <src> <super options>".
    let root_line = |name: &str| {
        let info = env.ok(
            "lxc-execute",
            &["-n", name, "--", "cat", "/proc/self/mountinfo"],
        );
        info.lines()
            .find(|l| l.split_whitespace().nth(4) == Some("/"))
            .unwrap()
            .to_string()
    };

    env.append_config(&base, "lxc.rootfs.options = ro,nosuid,nodev\n");
    let line = root_line(&base);
    let attrs = line.split_whitespace().nth(5).unwrap();
    assert!(
        attrs.starts_with("ro,") && attrs.contains("nosuid") && attrs.contains("nodev"),
        "{line}"
    );
    let touch = env.run("lxc-execute", &["-n", &base, "--", "touch", "/written"]);
    assert!(!touch.status.success());
    assert!(!env.container_dir(&base).join("rootfs/written").exists());

    env.append_config(&over, "lxc.rootfs.options = nodev,redirect_dir=on\n");
    let line = root_line(&over);
    assert!(
        line.split_whitespace().nth(5).unwrap().contains("nodev"),
        "{line}"
    );
    assert!(
        line.contains(" - overlay ") && line.contains("redirect_dir=on"),
        "{line}"
    );

    let config = env.container_dir(&base).join("config");
    let text = std::fs::read_to_string(&config).unwrap();
    for (bad, says) in [
        ("idmap=container", "not supported yet"),
        ("bind", "no meaning here"),
    ] {
        let changed = text.replace(
            "lxc.rootfs.options = ro,nosuid,nodev",
            &format!("lxc.rootfs.options = {bad}"),
        );
        std::fs::write(&config, changed).unwrap();
        let out = env.run("lxc-start", &["-n", &base]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{bad}: {err}");
        assert_eq!(env.state(&base), "STOPPED");
    }
    env.ok("lxc-destroy", &["-n", &over]);
}
