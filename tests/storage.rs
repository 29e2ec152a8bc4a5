//! Storage: the copy engine keeps everything a rootfs holds and never follows the source's
//! symlinks; clones and snapshots of real containers (added backend by backend).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use support::*;

fn sh(script: &str) {
    let out = Command::new("sh").args(["-ec", script]).output().unwrap();
    assert!(out.status.success(), "{script}: {out:?}");
}

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
