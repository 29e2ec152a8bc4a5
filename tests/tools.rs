//! The tools' options, one by one, against real containers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::*;

/// Poll `f` every 50 ms until it returns true or `secs` pass; its last answer.
fn poll(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Run one of our tools with `-P <lxcpath>` under timeout(1), so a hang fails the test.
fn run_bounded(env: &Env, secs: u32, tool: &str, args: &[&str]) -> Output {
    Command::new("timeout")
        .args(["-k", "5", &secs.to_string()])
        .arg(bin_dir().join(tool))
        .arg("-P")
        .arg(&env.lxcpath)
        .args(args)
        .env("LXC_RS_GLOBAL_CONFIG", &env.global)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn init_pid(env: &Env, name: &str) -> i32 {
    env.ok("lxc-info", &["-n", name, "-p", "-H"])
        .trim()
        .parse()
        .unwrap()
}

/// `lxc-start NAME 20261129120759.444 LEVEL ...`: LXC's log line shape.
fn is_lxc_log_line(line: &str, tool: &str, name: &str) -> bool {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 5 || f[0] != tool || f[1] != name {
        return false;
    }
    let ts = f[2].as_bytes();
    let ts_ok = ts.len() == 18
        && ts[14] == b'.'
        && ts
            .iter()
            .enumerate()
            .all(|(i, c)| i == 14 || c.is_ascii_digit());
    ts_ok
        && [
            "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL",
        ]
        .contains(&f[3])
}

#[test]
fn start_foreground_runs_command_and_passes_status() {
    let env = Env::new("fg");
    let name = env.name("fg");
    env.create_busybox(&name);
    let out = run_bounded(
        &env,
        30,
        "lxc-start",
        &["-n", &name, "-F", "--", "/bin/sh", "-c", "echo hi; exit 3"],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).lines().any(|l| l.trim() == "hi"),
        "stdout: {:?}",
        text(&out.stdout)
    );
    assert_eq!(env.state(&name), "STOPPED");
    assert!(no_monitor(&env.lxcpath, &name));
    assert!(no_cgroup_for(&name));
}

#[test]
fn stop_reboot_restarts_init() {
    let env = Env::new("reboot");
    let name = env.name("rb");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    env.ok("lxc-wait", &["-n", &name, "-s", "RUNNING", "-t", "10"]);
    let old = init_pid(&env, &name);
    env.ok("lxc-stop", &["-n", &name, "-r"]);
    env.ok("lxc-wait", &["-n", &name, "-s", "RUNNING", "-t", "20"]);
    let mut last = String::new();
    let rebooted = poll(20, || {
        let out = env.run("lxc-info", &["-n", &name, "-s", "-p", "-H"]);
        last = text(&out.stdout);
        let mut l = last.lines();
        let state = l.next().unwrap_or("");
        let pid: i32 = l.next().and_then(|p| p.trim().parse().ok()).unwrap_or(0);
        state == "RUNNING" && pid > 0 && pid != old
    });
    assert!(
        rebooted,
        "init pid {old} never replaced; last lxc-info: {last:?}"
    );
    let comm = env.ok("lxc-attach", &["-n", &name, "--", "cat", "/proc/1/comm"]);
    assert_eq!(comm.trim(), "init");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(env.state(&name), "STOPPED");
    assert!(no_monitor(&env.lxcpath, &name));
}

#[test]
fn console_logfile_records_dev_console() {
    let env = Env::new("conlog");
    let name = env.name("cl");
    env.create_busybox(&name);

    // Through lxc-start -L.
    let log = env.root.join("console-L.log");
    env.ok("lxc-start", &["-n", &name, "-L", log.to_str().unwrap()]);
    assert_console_logged(&env, &name, &log, "marker-L");

    // Through lxc.console.logfile in the config.
    let log = env.root.join("console-conf.log");
    env.append_config(&name, &format!("lxc.console.logfile = {}\n", log.display()));
    env.ok("lxc-start", &["-n", &name]);
    assert_console_logged(&env, &name, &log, "marker-conf");
}

/// A line written to /dev/console inside reaches `log`; the container is stopped after.
fn assert_console_logged(env: &Env, name: &str, log: &std::path::Path, marker: &str) {
    env.sh(name, &format!("echo {marker} > /dev/console"));
    let seen = poll(5, || {
        std::fs::read_to_string(log)
            .map(|t| t.contains(marker))
            .unwrap_or(false)
    });
    assert!(
        seen,
        "console log: {:?}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
    env.ok("lxc-stop", &["-n", name, "-k"]);
}

/// Drives a program on a pty: waits for `Connected to tty`, sends Ctrl-a q, reports the
/// output seen and the exit status ("exit N", or "exit None" when it never quit).
const PTY_DRIVER: &str = r#"
import os, pty, sys, time, select, termios
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
buf = b""
deadline = time.time() + 10
sent = False
status = None
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            buf += os.read(fd, 4096)
        except OSError:
            pass
    # The banner comes before the terminal is made raw (as in LXC); keys typed while it
    # is still canonical are flushed, so wait for raw mode.
    if not sent and b"Connected to tty" in buf and not termios.tcgetattr(fd)[3] & termios.ICANON:
        os.write(fd, b"\x01q")
        sent = True
    wp, st = os.waitpid(pid, os.WNOHANG)
    if wp:
        status = os.waitstatus_to_exitcode(st)
        break
if status is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
sys.stdout.write(repr(buf) + "\n")
sys.stdout.write("exit %s\n" % status)
"#;

#[test]
fn console_connects_to_tty_and_ctrl_a_q_quits() {
    let env = Env::new("console");
    let name = env.name("con");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let out = Command::new("timeout")
        .args(["-k", "5", "30", python, "-c", PTY_DRIVER])
        .arg(bin_dir().join("lxc-console"))
        .args(["-P", &env.lxcpath, "-n", &name, "-t", "1"])
        .env("LXC_RS_GLOBAL_CONFIG", &env.global)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let report = text(&out.stdout);
    assert!(
        out.status.success(),
        "driver failed: {report}\n{}",
        text(&out.stderr)
    );
    assert!(report.contains("Connected to tty 1"), "{report}");
    assert!(
        report.lines().any(|l| l == "exit 0"),
        "lxc-console did not quit with 0 on Ctrl-a q: {report}"
    );
    // The container is unaffected.
    assert_eq!(env.state(&name), "RUNNING");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn start_logfile_and_config_log_file_have_lxc_lines() {
    let env = Env::new("log");
    let name = env.name("lg");
    env.create_busybox(&name);

    let log = env.root.join("start-o.log");
    env.ok(
        "lxc-start",
        &["-n", &name, "-o", log.to_str().unwrap(), "-l", "DEBUG"],
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let got = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = got.lines().filter(|l| !l.is_empty()).collect();
    assert!(!lines.is_empty(), "empty log {}", log.display());
    for l in &lines {
        assert!(is_lxc_log_line(l, "lxc-start", &name), "bad line {l:?}");
    }

    let log = env.root.join("config.log");
    env.append_config(
        &name,
        &format!("lxc.log.file = {}\nlxc.log.level = DEBUG\n", log.display()),
    );
    env.ok("lxc-start", &["-n", &name]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let got = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = got.lines().filter(|l| !l.is_empty()).collect();
    assert!(!lines.is_empty(), "empty log {}", log.display());
    for l in &lines {
        assert!(is_lxc_log_line(l, "lxc-start", &name), "bad line {l:?}");
    }
}

#[test]
fn environment_reaches_init() {
    let env = Env::new("environ");
    let name = env.name("ev");
    env.create_busybox(&name);
    env.append_config(&name, "lxc.environment = FOO=bar\n");
    env.ok("lxc-start", &["-n", &name]);
    let environ = env.ok("lxc-attach", &["-n", &name, "--", "cat", "/proc/1/environ"]);
    let vars: Vec<&str> = environ.split('\0').collect();
    assert!(vars.contains(&"FOO=bar"), "{vars:?}");
    assert!(vars.contains(&"container=lxc"), "{vars:?}");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn mount_entry_binds_host_dirs_rw_and_ro() {
    let env = Env::new("bind");
    let name = env.name("bd");
    env.create_busybox(&name);
    let shared = env.root.join("shared");
    let ro = env.root.join("ro");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::create_dir_all(&ro).unwrap();
    std::fs::write(ro.join("f"), "ro-content\n").unwrap();
    env.append_config(&name,
        &format!(
            "lxc.mount.entry = {} mnt/shared none bind,create=dir 0 0\nlxc.mount.entry = {} mnt/ro none bind,ro,create=dir 0 0\n",
            shared.display(),
            ro.display()
        ),
    );
    env.ok("lxc-start", &["-n", &name]);

    std::fs::write(shared.join("from-host"), "hello from host\n").unwrap();
    let got = env.ok(
        "lxc-attach",
        &["-n", &name, "--", "cat", "/mnt/shared/from-host"],
    );
    assert_eq!(got.trim(), "hello from host");
    env.sh(&name, "echo inside > /mnt/shared/from-ct");
    assert_eq!(
        std::fs::read_to_string(shared.join("from-ct"))
            .unwrap()
            .trim(),
        "inside"
    );

    let got = env.ok("lxc-attach", &["-n", &name, "--", "cat", "/mnt/ro/f"]);
    assert_eq!(got.trim(), "ro-content");
    let out = env.run(
        "lxc-attach",
        &["-n", &name, "--", "sh", "-c", "echo no > /mnt/ro/g"],
    );
    assert!(!out.status.success(), "write to a ro bind succeeded");
    assert!(!ro.join("g").exists());

    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_mounts_under(&env.lxcpath));
    assert!(no_mounts_under(shared.to_str().unwrap()));
}

#[test]
fn config_lists_and_prints_global_items() {
    let env = Env::new("config");
    let run = |args: &[&str]| env.cmd("lxc-config").args(args).output().unwrap();

    let out = run(&["-l"]);
    assert!(out.status.success());
    let items: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(
        items,
        [
            "lxc.default_config",
            "lxc.lxcpath",
            "lxc.bdev.lvm.vg",
            "lxc.bdev.lvm.thin_pool",
            "lxc.bdev.zfs.root",
            "lxc.cgroup.use",
            "lxc.cgroup.pattern"
        ]
    );

    let out = run(&["lxc.lxcpath"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout).trim_end(), env.lxcpath);
    let out = run(&["lxc.default_config"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim_end(),
        env.default_conf.display().to_string()
    );
    let out = run(&["lxc.bdev.lvm.vg"]);
    assert_eq!(text(&out.stdout).trim_end(), "lxc");

    let out = run(&["lxc.no_such_item"]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        all.contains("Unknown configuration item: lxc.no_such_item"),
        "{all}"
    );
    // LXC 5.0.2 prints exactly this line on stdout (printf in lxc_config.c).
    assert_eq!(
        text(&out.stdout),
        "Unknown configuration item: lxc.no_such_item\n",
        "stderr: {}",
        text(&out.stderr)
    );
}

#[test]
fn update_config_converts_legacy_keys() {
    let env = Env::new("upd");
    let name = env.name("up");
    env.create_busybox(&name);
    let dir = env.container_dir(&name);
    let rootfs = dir.join("rootfs");
    let legacy = format!(
        "# an LXC 1.0 config\nlxc.utsname = legacyhost\nlxc.network.type = veth\nlxc.network.link = lxcbr0\nlxc.network.flags = up\nlxc.network.hwaddr = 00:16:3e:12:34:56\nlxc.network.type = empty\nlxc.tty = 2\nlxc.rootfs = {}\nlxc.id_map = u 0 100000 65536\nlxc.id_map = g 0 100000 65536\nlxc.pivotdir = lxc_putold\nlxc.mount.auto = proc:mixed sys:mixed\n",
        rootfs.display()
    );
    let config = dir.join("config");
    std::fs::write(&config, &legacy).unwrap();

    let out = env
        .cmd("lxc-update-config")
        .args(["-c", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("config.backup")).unwrap(),
        legacy
    );
    let got = std::fs::read_to_string(&config).unwrap();
    let expected = format!(
        "# an LXC 1.0 config\nlxc.uts.name = legacyhost\nlxc.net.0.type = veth\nlxc.net.0.link = lxcbr0\nlxc.net.0.flags = up\nlxc.net.0.hwaddr = 00:16:3e:12:34:56\nlxc.net.1.type = empty\nlxc.tty.max = 2\nlxc.rootfs.path = dir:{}\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\nlxc.mount.auto = proc:mixed sys:mixed\n",
        rootfs.display()
    );
    assert_eq!(got, expected);

    // The converted file loads.
    for (key, value) in [
        ("lxc.uts.name", "legacyhost".to_string()),
        ("lxc.net.0.type", "veth".to_string()),
        ("lxc.net.0.link", "lxcbr0".to_string()),
        ("lxc.net.0.hwaddr", "00:16:3e:12:34:56".to_string()),
        ("lxc.net.1.type", "empty".to_string()),
        ("lxc.tty.max", "2".to_string()),
    ] {
        let line = env.ok("lxc-info", &["-n", &name, "-c", key]);
        assert_eq!(line.trim_end(), format!("{key} = {value}"));
    }
    let idmap = env.ok("lxc-info", &["-n", &name, "-c", "lxc.idmap"]);
    assert!(
        idmap.contains("u 0 100000 65536") && idmap.contains("g 0 100000 65536"),
        "{idmap}"
    );

    // And lxc-create -f takes a converted file as its initial config.
    let file = env.root.join("converted.conf");
    std::fs::write(
        &file,
        "lxc.network.type = empty\nlxc.tty = 3\nlxc.haltsignal = SIGUSR1\n",
    )
    .unwrap();
    let out = env
        .cmd("lxc-update-config")
        .args(["-c", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "lxc.net.0.type = empty\nlxc.tty.max = 3\nlxc.signal.halt = SIGUSR1\n"
    );
    let second = env.name("upf");
    env.ok(
        "lxc-create",
        &["-n", &second, "-t", "busybox", "-f", file.to_str().unwrap()],
    );
    assert_eq!(
        env.ok("lxc-info", &["-n", &second, "-c", "lxc.tty.max"])
            .trim_end(),
        "lxc.tty.max = 3"
    );
    env.ok("lxc-start", &["-n", &second]);
    let ttys = env.ok("lxc-attach", &["-n", &second, "--", "ls", "/dev/tty3"]);
    assert_eq!(ttys.trim(), "/dev/tty3");
    env.ok("lxc-stop", &["-n", &second, "-t", "20"]);
    assert_eq!(env.state(&second), "STOPPED");
}

#[test]
fn checkconfig_reports_namespaces_and_cgroups() {
    let env = Env::new("check");
    let out = env.cmd("lxc-checkconfig").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("Namespaces"), "{t}");
    // LXC's lines: every hierarchy's mount point, listed under its version.
    let layout = lxc::cgroup::Layout::current();
    for h in &layout.hierarchies {
        assert!(t.contains(&format!(" - {}\n", h.mount.display())), "{t}");
    }
    assert!(t.contains("Cgroup v1 mount points:") && t.contains("Cgroup v2 mount points:"));
    assert!(t.contains("Cgroup memory controller: enabled"), "{t}");
}

fn ls_lines(env: &Env, args: &[&str]) -> Vec<String> {
    env.ok("lxc-ls", args)
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

#[test]
fn ls_filters_and_formats() {
    let env = Env::new("ls");
    let a = env.name("lsa");
    let b = env.name("lsb");
    let c = env.name("lsc");
    for n in [&a, &b, &c] {
        env.create_busybox(n);
    }
    env.ok("lxc-start", &["-n", &a]);
    let pid = init_pid(&env, &a);

    assert_eq!(
        ls_lines(&env, &["-1"]),
        [a.as_str(), b.as_str(), c.as_str()]
    );
    assert_eq!(ls_lines(&env, &[]), [a.as_str(), b.as_str(), c.as_str()]);
    assert_eq!(ls_lines(&env, &["-1", "--running"]), [a.as_str()]);
    assert_eq!(ls_lines(&env, &["-1", "--active"]), [a.as_str()]);
    assert_eq!(
        ls_lines(&env, &["-1", "--stopped"]),
        [b.as_str(), c.as_str()]
    );
    assert_eq!(ls_lines(&env, &["-1", "^lsb"]), [b.as_str()]);
    assert_eq!(
        ls_lines(&env, &["-1", "--filter", "^ls[ac]"]),
        [a.as_str(), c.as_str()]
    );
    assert_eq!(
        ls_lines(&env, &["-1", "--stopped", "^ls[ac]"]),
        [c.as_str()]
    );

    let rows = ls_lines(&env, &["-f", "-F", "NAME,STATE,PID"]);
    let cells: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.split_whitespace().collect())
        .collect();
    assert_eq!(
        cells,
        [
            vec!["NAME", "STATE", "PID"],
            vec![a.as_str(), "RUNNING", &pid.to_string()],
            vec![b.as_str(), "STOPPED", "-"],
            vec![c.as_str(), "STOPPED", "-"],
        ]
    );
    // Column names are case-insensitive, and filters apply to the fancy list.
    let rows = ls_lines(&env, &["-f", "-F", "name,pid", "--running"]);
    let cells: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.split_whitespace().collect())
        .collect();
    assert_eq!(
        cells,
        [vec!["NAME", "PID"], vec![a.as_str(), &pid.to_string()]]
    );
    env.ok("lxc-stop", &["-n", &a, "-k"]);
    assert_eq!(ls_lines(&env, &["-1", "--running"]), Vec::<String>::new());
}

#[test]
fn ls_fancy_format_alone_is_not_fancy_like_lxc() {
    // LXC 5.0.2's `-F` only sets the columns; without `-f` the plain list is printed
    // (checked with Debian's /usr/bin/lxc-ls).
    let env = Env::new("lsF");
    let a = env.name("lsf");
    env.create_busybox(&a);
    assert_eq!(ls_lines(&env, &["-F", "NAME,STATE,PID"]), [a.as_str()]);
}

#[test]
fn attach_user_cwd_and_environment_options() {
    let env = Env::new("attach");
    let name = env.name("at");
    env.create_busybox(&name);

    // Stopped: a clear error, non-zero.
    let out = env.run("lxc-attach", &["-n", &name, "--", "true"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&name) && err.to_lowercase().contains("not running"),
        "{err}"
    );

    env.ok("lxc-start", &["-n", &name]);
    let uid = env.ok(
        "lxc-attach",
        &["-n", &name, "-u", "1000", "-g", "1000", "--", "id", "-u"],
    );
    assert_eq!(uid.trim(), "1000");
    let gid = env.ok(
        "lxc-attach",
        &["-n", &name, "-u", "1000", "-g", "1000", "--", "id", "-g"],
    );
    assert_eq!(gid.trim(), "1000");
    let cwd = env.ok("lxc-attach", &["-n", &name, "--cwd", "/tmp", "--", "pwd"]);
    assert_eq!(cwd.trim(), "/tmp");
    // Without --cwd: the caller's directory where the container has it, else /.
    let pwd_from = |dir: &str| {
        let out = env
            .cmd("lxc-attach")
            .args(["-P", &env.lxcpath, "-n", &name, "--", "pwd"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_string()
    };
    assert_eq!(pwd_from("/etc"), "/etc");
    assert_eq!(pwd_from(&env.lxcpath), "/");

    let out = env
        .cmd("lxc-attach")
        .args(["-P", &env.lxcpath, "-n", &name])
        .args(["--clear-env", "--keep-var", "KEEPME", "--", "env"])
        .env("KEEPME", "kept-value")
        .env("DROPME", "dropped")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let vars = text(&out.stdout);
    assert!(vars.lines().any(|l| l == "KEEPME=kept-value"), "{vars}");
    assert!(vars.lines().any(|l| l == "container=lxc"), "{vars}");
    assert!(!vars.contains("DROPME"), "{vars}");

    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn destroy_running_needs_force() {
    let env = Env::new("destroy");
    let name = env.name("ds");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);

    let out = env.run("lxc-destroy", &["-n", &name]);
    assert!(!out.status.success(), "destroyed a running container");
    assert!(!text(&out.stderr).is_empty());
    assert_eq!(env.state(&name), "RUNNING");
    assert!(env.container_dir(&name).join("config").exists());

    env.ok("lxc-destroy", &["-n", &name, "-f"]);
    assert!(!env.container_dir(&name).exists());
    assert!(no_monitor(&env.lxcpath, &name));
    assert!(no_cgroup_for(&name));
    assert!(no_mounts_under(&env.lxcpath));
    assert!(!ls_lines(&env, &["-1"]).contains(&name));
}

#[test]
fn start_pidfile_holds_monitor_pid() {
    let env = Env::new("pidfile");
    let name = env.name("pf");
    env.create_busybox(&name);
    let pidfile = env.root.join("monitor.pid");
    env.ok("lxc-start", &["-n", &name, "-p", pidfile.to_str().unwrap()]);
    let monitor: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let comm = std::fs::read_to_string(format!("/proc/{monitor}/comm")).unwrap_or_default();
    let init = init_pid(&env, &name);
    let status = std::fs::read_to_string(format!("/proc/{init}/status")).unwrap();
    let ppid: i32 = status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        comm.starts_with("[lxc monitor") || ppid == monitor,
        "pidfile says {monitor} (comm {comm:?}); init {init} has parent {ppid}"
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(
        poll(5, || !pidfile.exists()),
        "{} left after stop",
        pidfile.display()
    );
}

#[test]
fn info_config_items_match_lxc() {
    // Debian's lxc-info reads our container's config with LXC's own parser; the values
    // printed for the same keys must agree.
    let lxc_info = Path::new("/usr/bin/lxc-info");
    if !lxc_info.exists() {
        eprintln!("skipped: /usr/bin/lxc-info not installed");
        return;
    }
    let env = Env::new("infoc");
    let name = env.name("ic");
    env.create_busybox(&name);
    for key in [
        "lxc.uts.name",
        "lxc.rootfs.path",
        "lxc.tty.max",
        "lxc.net.0.type",
        "lxc.signal.halt",
    ] {
        let ours = env.ok("lxc-info", &["-n", &name, "-c", key]);
        let theirs = Command::new(lxc_info)
            .args(["-P", &env.lxcpath, "-n", &name, "-c", key])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(theirs.status.success(), "{}", text(&theirs.stderr));
        assert_eq!(ours, text(&theirs.stdout), "{key}");
    }
}

#[test]
fn same_name_in_two_lxcpaths_start_concurrently() {
    // Two containers of one name in different lxcpaths are different containers; LXC
    // 5.0.2 starts both at once every time (lxc.payload.NAME and lxc.payload.NAME-1).
    let one = Env::new("twin1");
    let two = Env::new("twin2");
    let name = one.name("twin");
    one.create_busybox(&name);
    two.create_busybox(&name);
    for round in 0..20 {
        let spawn = |env: &Env| {
            env.cmd("lxc-start")
                .args(["-P", &env.lxcpath, "-n", &name])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(&one), spawn(&two));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        for (env, out) in [(&one, &a), (&two, &b)] {
            assert!(
                out.status.success(),
                "round {round}: lxc-start -P {} -n {name}: {}",
                env.lxcpath,
                text(&out.stderr)
            );
            assert_eq!(env.state(&name), "RUNNING");
        }
        one.ok("lxc-stop", &["-n", &name, "-k"]);
        two.ok("lxc-stop", &["-n", &name, "-k"]);
    }
    assert!(no_cgroup_for(&name));
}
