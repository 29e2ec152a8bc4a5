//! The C face: layout against the spec and against Debian's LXC 5.0.2 header, a C program
//! on our liblxc.so.1 (built against our header and against Debian's), and Debian's own
//! python3-lxc running on our library.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

/// A directory where our library answers to the names C programs link and load.
fn libdir(env: &Env) -> PathBuf {
    let so = build_dir().join("liblxc_rs.so");
    assert!(
        so.exists(),
        "build the C library first: cargo build --workspace"
    );
    let dir = env.root.join("lib");
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["liblxc.so", "liblxc.so.1"] {
        std::os::unix::fs::symlink(&so, dir.join(name)).unwrap();
    }
    dir
}

fn compile(env: &Env, source: &str, out: &str, our_header: bool, link: Option<&Path>) -> PathBuf {
    let exe = env.root.join(out);
    let mut cc = Command::new("cc");
    cc.args(["-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(repo().join(source));
    if our_header {
        cc.arg("-I").arg(repo().join("crates/liblxc/include"));
    } else {
        assert!(
            Path::new("/usr/include/lxc/lxccontainer.h").exists(),
            "Debian's lxc-dev is needed (scripts/setup.sh)"
        );
    }
    if let Some(dir) = link {
        cc.arg("-L").arg(dir).arg("-llxc");
    }
    let status = cc.status().unwrap();
    assert!(status.success(), "cc {source} failed");
    exe
}

fn run(env: &Env, exe: &Path, args: &[&str], libdir: Option<&Path>) -> String {
    let mut cmd = Command::new(exe);
    cmd.args(args).env("LXC_RS_GLOBAL_CONFIG", &env.global);
    if let Some(dir) = libdir {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{} failed:\n{text}", exe.display());
    text
}

#[test]
fn struct_layouts_match_the_spec_and_debians_header() {
    let env = Env::new("layout");
    let ours = compile(&env, "tests/c/layout.c", "layout", true, None);
    assert!(run(&env, &ours, &[], None).contains(" 0 failed"));
    let debian = compile(&env, "tests/c/layout.c", "layout-deb", false, None);
    assert!(run(&env, &debian, &[], None).contains(" 0 failed"));
}

#[test]
fn c_program_runs_a_container_on_our_library() {
    let env = Env::new("capi");
    let lib = libdir(&env);
    let exe = compile(&env, "tests/c/lifecycle.c", "lifecycle", true, Some(&lib));
    let name = env.name("capi");
    let out = run(&env, &exe, &[&name, &env.lxcpath], Some(&lib));
    assert!(out.contains(" 0 failed"), "{out}");
    assert!(no_cgroup_for(&name) && no_monitor(&env.lxcpath, &name));
}

#[test]
fn program_built_against_debians_header_runs_on_our_library() {
    let env = Env::new("capideb");
    let lib = libdir(&env);
    let exe = compile(
        &env,
        "tests/c/lifecycle.c",
        "lifecycle-deb",
        false,
        Some(&lib),
    );
    let linked = Command::new("ldd")
        .arg(&exe)
        .env("LD_LIBRARY_PATH", &lib)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&linked.stdout).contains(lib.to_str().unwrap()),
        "not linked to ours"
    );
    let name = env.name("deb");
    let out = run(&env, &exe, &[&name, &env.lxcpath], Some(&lib));
    assert!(out.contains(" 0 failed"), "{out}");
}

#[test]
fn debians_python3_lxc_runs_on_our_library() {
    let env = Env::new("pylxc");
    assert!(
        Path::new("/usr/lib/python3/dist-packages/lxc/__init__.py").exists(),
        "Debian's python3-lxc is needed (scripts/setup.sh)"
    );
    let lib = libdir(&env);
    let name = env.name("py");
    let text = python(
        &env,
        "/usr/bin/python3",
        "tests/python/debian_python3_lxc.py",
        &name,
        &[("LD_LIBRARY_PATH", &lib)],
    );
    assert!(
        text.contains("state: RUNNING") && text.contains("defined after destroy: False"),
        "{text}"
    );
    assert!(text.contains("console: True"), "{text}");
}

#[test]
fn debians_python3_lxc_reads_ips_through_our_library() {
    let env = Env::new("pylxcips");
    let lib = libdir(&env);
    let name = env.name("pyi");
    env.create_busybox(&name);
    let iface = start_with_addresses(&env, &name);
    let text = python(
        &env,
        "/usr/bin/python3",
        "tests/python/ips.py",
        &name,
        &[("LD_LIBRARY_PATH", &lib)],
    );
    assert_ips_script_output(&text, &iface);
}

#[test]
fn debians_python3_lxc_attach_wait_runs_python_inside() {
    let env = Env::new("pyattach");
    let lib = libdir(&env);
    let name = env.name("pa");
    let text = python(
        &env,
        "/usr/bin/python3",
        "tests/python/debian_python3_lxc_attach.py",
        &name,
        &[("LD_LIBRARY_PATH", &lib)],
    );
    // First on the host, then inside the container, and only once: the child never
    // returns into the caller's program.
    assert!(text.contains(&format!("Hostname: {name}")), "{text}");
    assert_eq!(text.matches("function status").count(), 1, "{text}");
    assert!(
        text.contains("function status 7") && text.contains("command status 3"),
        "{text}"
    );
    assert!(text.contains("thread result [0]"), "{text}");
    // stdout= reached the command; personality= made uname say i686.
    assert!(text.contains("redirected 0 i686"), "{text}");
}

#[test]
fn bad_calls_get_answers_not_crashes() {
    let env = Env::new("badcalls");
    let lib = libdir(&env);
    let exe = compile(&env, "tests/c/badcalls.c", "badcalls", true, Some(&lib));
    let out = run(&env, &exe, &[&env.lxcpath], Some(&lib));
    assert!(out.contains(" 0 failed"), "{out}");
}

fn exported(lib: &Path) -> std::collections::BTreeSet<String> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(lib)
        .output()
        .unwrap();
    assert!(out.status.success(), "nm {}", lib.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect()
}

#[test]
fn exports_every_symbol_debians_liblxc_exports() {
    let debian = Path::new("/usr/lib/x86_64-linux-gnu/liblxc.so.1");
    assert!(
        debian.exists(),
        "Debian's liblxc1 is needed (scripts/setup.sh installs lxc)"
    );
    let ours = exported(&build_dir().join("liblxc_rs.so"));
    // Linker markers, and the thread-local current_config, which stable Rust cannot define.
    let allowed = ["__bss_start", "_edata", "_end", "current_config"];
    let missing: Vec<String> = exported(debian)
        .into_iter()
        .filter(|s| !ours.contains(s) && !allowed.contains(&s.as_str()))
        .collect();
    assert!(missing.is_empty(), "not exported: {missing:?}");
}

/// A busybox container, started.
fn running_busybox(env: &Env, base: &str) -> String {
    let name = env.name(base);
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    name
}

/// A C program run on our liblxc.so.1 (`lib`), with the test's global config.
fn run_with_lib(env: &Env, lib: &Path, exe: &Path, args: &[&str]) -> std::process::Output {
    Command::new(exe)
        .args(args)
        .env("LXC_RS_GLOBAL_CONFIG", &env.global)
        .env("LD_LIBRARY_PATH", lib)
        .output()
        .unwrap()
}

/// A C program's trimmed stdout, once it exited 0.
fn succeeded(out: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}{err}");
    text.trim().to_string()
}

/// attach_interface / detach_interface from C (built against Debian's header): a host veth
/// end goes in under a new name and comes back under its own.
#[test]
fn c_program_hot_plugs_a_nic() {
    let env = Env::new("chotplug");
    let lib = libdir(&env);
    let exe = compile(&env, "tests/c/hotplug.c", "hotplug", false, Some(&lib));
    let name = running_busybox(&env, "ch");
    let id = std::process::id() % 100_000;
    let (host, peer) = (format!("lxca{id}"), format!("lxcb{id}"));
    let made = Command::new("ip")
        .args(["link", "add", &host, "type", "veth", "peer", "name", &peer])
        .status()
        .unwrap();
    assert!(made.success());
    let out = run_with_lib(&env, &lib, &exe, &[&name, &env.lxcpath, &peer, "hp0"]);
    let _ = Command::new("ip").args(["link", "del", &host]).status();
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(succeeded(&out), "attach 1 inside 1 back 1 again 0 gone 1");
}

/// add_device_node / remove_device_node from C (Debian's header): the node appears in the
/// container and goes; a second add fails (the node exists), a second remove does not.
#[test]
fn c_program_adds_and_removes_a_device_node() {
    let env = Env::new("cdevnode");
    let lib = libdir(&env);
    let exe = compile(&env, "tests/c/devnodes.c", "devnodes", false, Some(&lib));
    let name = running_busybox(&env, "cd");
    let args = [&name, &env.lxcpath, "/dev/loop-control", "/dev/cdev/lc"];
    let out = run_with_lib(&env, &lib, &exe, &args);
    let left = env.sh(&name, "ls /dev/cdev");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(succeeded(&out), "add 1 again 0 remove 1 again 1");
    assert_eq!(left.trim(), "");
}

/// console_log from C reads the console ring buffer (`lxc.console.buffer.size`) and
/// consumes what it read (a read of the emptied buffer: ENODATA); without a buffer it fails
/// with EFAULT, as LXC's. The log file stays within `lxc.console.size`: moved to `.1` when
/// full with `lxc.console.rotate`, started over without.
#[test]
fn c_program_reads_the_console_ring_buffer_and_the_log_stays_capped() {
    let env = Env::new("cconlog");
    let lib = libdir(&env);
    let exe = compile(
        &env,
        "tests/c/console_log.c",
        "console_log",
        false,
        Some(&lib),
    );
    let flood = "i=0; while [ $i -lt 200 ]; do \
                 echo \"line $i ........................................\"; i=$((i+1)); \
                 done >/dev/console; echo end-of-flood >/dev/console";
    let mut results = Vec::new();
    for (rotate, buffer) in [(true, true), (false, false)] {
        let name = env.name("cl");
        env.create_busybox(&name);
        let log = env.root.join(format!("{name}.log"));
        let buffer_line = if buffer {
            "lxc.console.buffer.size = 4096\n"
        } else {
            ""
        };
        env.append_config(
            &name,
            &format!(
                "{buffer_line}lxc.console.logfile = {}\nlxc.console.size = 4KB\n\
                 lxc.console.rotate = {}\n",
                log.display(),
                u8::from(rotate)
            ),
        );
        env.ok("lxc-start", &["-n", &name]);
        env.sh(&name, flood);
        // The monitor copies the console's output as it comes.
        let text = read_when(&log, |t| t.contains("end-of-flood"));
        let out = run_with_lib(&env, &lib, &exe, &[&name, &env.lxcpath, "end-of-flood"]);
        env.ok("lxc-stop", &["-n", &name, "-k"]);
        let size = std::fs::metadata(&log).unwrap().len();
        let rotated = std::fs::metadata(format!("{}.1", log.display())).map(|m| m.len());
        results.push((
            succeeded(&out),
            text.contains("end-of-flood"),
            size,
            rotated.ok(),
        ));
    }
    let (read, tail_in_log, size, rotated) = &results[0];
    // The container's init may print more between the two reads; the marker is gone.
    let empty = format!("ret 0 marker 1 bytes 4096 again {} 0", -libc::ENODATA);
    let more = "ret 0 marker 1 bytes 4096 again 0 0";
    assert!(read == &empty || read == more, "{read}");
    assert!(*tail_in_log && *size <= 4096, "{size}");
    assert_eq!(*rotated, Some(4096));
    // Without rotation a full log starts over, keeping the newest output.
    let (read, tail_in_log, size, rotated) = &results[1];
    let no_buffer = -libc::EFAULT;
    assert_eq!(
        read,
        &format!("ret {no_buffer} marker 0 bytes 0 again {no_buffer} 0")
    );
    assert!(*tail_in_log && *size <= 4096, "{size}");
    assert_eq!(*rotated, None);
}

/// devpts_fd from C: the container's own devpts (not the host's), where ptmx gives a pty;
/// none once the container is stopped.
#[test]
fn c_program_gets_the_containers_devpts() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new("cdevpts");
    let lib = libdir(&env);
    let exe = compile(&env, "tests/c/devpts.c", "devpts", false, Some(&lib));
    let name = running_busybox(&env, "cp");
    let args = [name.as_str(), env.lxcpath.as_str()];
    let running = succeeded(&run_with_lib(&env, &lib, &exe, &args));
    let pid = env.ok("lxc-info", &["-n", &name, "-p", "-H"]);
    let inside = std::fs::metadata(format!("/proc/{}/root/dev/pts", pid.trim())).unwrap();
    let host = std::fs::metadata("/dev/pts").unwrap();
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let stopped = succeeded(&run_with_lib(&env, &lib, &exe, &args));
    let dev = |d: u64| format!("{}:{}", libc::major(d), libc::minor(d));
    assert_eq!(running, format!("dev {} pty 1", dev(inside.dev())));
    assert_ne!(inside.dev(), host.dev());
    assert_eq!(stopped, format!("devpts_fd {}", -libc::EBADF));
}

/// The attach flags that are off by default, from C: LXC_ATTACH_SETGROUPS (its groups are
/// read only with the flag) and LXC_ATTACH_NO_NEW_PRIVS.
#[test]
fn c_program_attaches_with_groups_and_no_new_privs() {
    let env = Env::new("cflags");
    let lib = libdir(&env);
    let exe = compile(
        &env,
        "tests/c/attach_flags.c",
        "attach_flags",
        false,
        Some(&lib),
    );
    let name = running_busybox(&env, "cf");
    let out = run_with_lib(&env, &lib, &exe, &[&name, &env.lxcpath]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let text = succeeded(&out);
    let words: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(words, ["Groups:", "7", "9", "NoNewPrivs:", "1"], "{text}");
}

/// clone, snapshot, snapshot_list (each element freed by its own `free`), snapshot_restore,
/// snapshot_destroy, rename and destroy_with_snapshots from C (Debian's header).
#[test]
fn c_program_clones_and_snapshots() {
    let env = Env::new("csnap");
    let lib = libdir(&env);
    let exe = compile(&env, "tests/c/snapshots.c", "snapshots", false, Some(&lib));
    let name = env.name("cs");
    env.create_busybox(&name);
    let comment = env.root.join("comment");
    std::fs::write(&comment, "c comment\n").unwrap();
    let out = run(
        &env,
        &exe,
        &[&name, &env.lxcpath, comment.to_str().unwrap()],
        Some(&lib),
    );
    assert_eq!(
        out,
        "clone 1\nsnapshot clone 1\nsnapshot 0 1\nlist 2 snap0:comment snap1:none\nrestore 1\n\
         destroy snap1 1\nrename 1 0\ndestroy with snapshots 1\nbad clone 1\n"
    );
    assert!(!env.container_dir(&name).exists());
    assert!(env
        .container_dir(&format!("{name}-n"))
        .join("config")
        .is_file());
    assert!(env
        .container_dir(&format!("{name}-r"))
        .join("config")
        .is_file());
}

/// An unprivileged container (`lxc.idmap`) from C: created, started, attached to as its
/// root, stopped and destroyed.
#[test]
fn c_program_runs_an_unprivileged_container() {
    let env = Env::new("cunpriv");
    let lib = libdir(&env);
    let exe = compile(
        &env,
        "tests/c/unprivileged.c",
        "unprivileged",
        false,
        Some(&lib),
    );
    let name = env.name("cu");
    let out = run(&env, &exe, &[&name, &env.lxcpath], Some(&lib));
    assert_eq!(
        out,
        "maps 1\ncreate 1\nstart 1\nroot inside 1\nstop 1\ndestroy 1\n"
    );
    assert!(no_cgroup_for(&name) && no_monitor(&env.lxcpath, &name));
}
