//! The tools' options beyond the lifecycle: `--help` of each, `lxc.arch` and `lxc-attach -a`,
//! `lxc-attach -L`, `-R` and `-c`, and `lxc-autostart`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `--help` lists a tool's own options and the common ones, on stderr as LXC's tools do;
/// a bad option prints the same help and exits 1; `--usage` is the first line.
#[test]
fn help_lists_each_tools_options() {
    let tools: &[(&str, &[&str])] = &[
        (
            "lxc-attach",
            &[
                "--name",
                "--elevated-privileges",
                "--namespaces",
                "--clear-env",
                "--keep-var",
                "--uid",
                "--cwd",
                "--remount-sys-proc",
                "--context",
            ],
        ),
        (
            "lxc-autostart",
            &[
                "--kill",
                "--list",
                "--reboot",
                "--shutdown",
                "--timeout",
                "--all",
                "--ignore-auto",
                "--groups",
            ],
        ),
        ("lxc-cgroup", &["--name"]),
        ("lxc-console", &["--name", "--tty", "--escape"]),
        ("lxc-monitor", &["--name", "--quit"]),
        (
            "lxc-copy",
            &[
                "--name",
                "--newname",
                "--newpath",
                "--snapshot",
                "--backingstorage",
                "--ephemeral",
                "--mount",
            ],
        ),
        (
            "lxc-create",
            &[
                "--name",
                "--template",
                "--config",
                "--bdev",
                "--dir",
                "--fssize",
                "--zfsroot",
            ],
        ),
        ("lxc-destroy", &["--name", "--force", "--snapshots"]),
        ("lxc-device", &["--name"]),
        ("lxc-execute", &["--name", "--define", "--uid", "--gid"]),
        ("lxc-freeze", &["--name"]),
        (
            "lxc-info",
            &[
                "--name",
                "--state",
                "--pid",
                "--ips",
                "--stats",
                "--no-humanize",
                "--config",
            ],
        ),
        (
            "lxc-ls",
            &[
                "--line",
                "--fancy",
                "--fancy-format",
                "--active",
                "--running",
                "--stopped",
                "--groups",
                "--filter",
            ],
        ),
        (
            "lxc-snapshot",
            &[
                "--name",
                "--list",
                "--showcomments",
                "--comment",
                "--restore",
                "--newname",
                "--destroy",
            ],
        ),
        (
            "lxc-start",
            &[
                "--name",
                "--daemon",
                "--foreground",
                "--pidfile",
                "--rcfile",
                "--console-log",
                "--define",
            ],
        ),
        (
            "lxc-stop",
            &[
                "--name",
                "--reboot",
                "--nowait",
                "--timeout",
                "--kill",
                "--nokill",
            ],
        ),
        ("lxc-top", &["--delay", "--batch", "--sort", "--reverse"]),
        ("lxc-unfreeze", &["--name"]),
        (
            "lxc-unshare",
            &[
                "--namespaces",
                "--user",
                "--hostname",
                "--ifname",
                "--daemon",
                "--remount",
            ],
        ),
        ("lxc-wait", &["--name", "--state", "--timeout"]),
    ];
    for (tool, options) in tools {
        let run = |arg: &str| {
            Command::new(bin_dir().join(tool))
                .arg(arg)
                .stdin(Stdio::null())
                .output()
                .unwrap()
        };
        let out = run("--help");
        assert_eq!(out.status.code(), Some(0), "{tool} --help");
        assert!(out.stdout.is_empty(), "{tool} --help wrote on stdout");
        let help = text(&out.stderr);
        assert!(help.starts_with(&format!("Usage: {tool} ")), "{help}");
        for option in options.iter().chain(&[
            "--lxcpath",
            "--logfile",
            "--logpriority",
            "--quiet",
            "--version",
        ]) {
            assert!(
                help.contains(option),
                "{tool} --help does not list {option}:\n{help}"
            );
        }
        let usage = text(&run("--usage").stderr);
        assert_eq!(
            usage.trim_end(),
            help.lines().next().unwrap(),
            "{tool} --usage"
        );
        let bad = run("--no-such-option");
        assert_eq!(bad.status.code(), Some(1), "{tool} --no-such-option");
        let said = text(&bad.stderr);
        assert!(
            said.contains("--no-such-option") && said.contains(help.trim_end()),
            "{said}"
        );
    }
}

/// `lxc.arch = i686` on this x86_64 host: init and what is attached or executed run with
/// the 32-bit personality (uname -m says i686), as in LXC; `lxc-attach -a` overrides it.
#[test]
fn lxc_arch_sets_the_personality_of_init_attach_and_execute() {
    let env = Env::new("arch");
    let name = env.name("ar");
    env.create_busybox(&name);
    let config = Path::new(&env.lxcpath).join(&name).join("config");
    let mut lines = std::fs::read_to_string(&config).unwrap();
    lines.push_str("lxc.arch = i686\n");
    std::fs::write(&config, lines).unwrap();

    let executed = env.ok("lxc-execute", &["-n", &name, "--", "uname", "-m"]);
    assert_eq!(executed.trim(), "i686");
    env.ok("lxc-start", &["-n", &name]);
    let init = env.ok(
        "lxc-attach",
        &["-n", &name, "--", "cat", "/proc/1/personality"],
    );
    assert_eq!(init.trim(), "00000008");
    let attached = env.ok("lxc-attach", &["-n", &name, "--", "uname", "-m"]);
    assert_eq!(attached.trim(), "i686");
    let wide = env.ok(
        "lxc-attach",
        &["-n", &name, "-a", "x86_64", "--", "uname", "-m"],
    );
    assert_eq!(wide.trim(), "x86_64");
    let bad = env.run("lxc-attach", &["-n", &name, "-a", "vax", "--", "true"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("invalid architecture \"vax\""));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

/// `lxc-attach -L FILE` at a terminal: what the program writes reaches the terminal and the
/// file.
#[test]
fn attach_pty_log_copies_the_programs_output() {
    let env = Env::new("ptylog");
    let name = env.name("pl");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    let log = env.root.join("pty.log");
    let attach = bin_dir().join("lxc-attach");
    let script = format!(
        "import pty; pty.spawn([{:?}, '-P', {:?}, '-n', {:?}, '-L', {:?}, '--', 'echo', 'through-the-pty'])",
        attach.display().to_string(),
        env.lxcpath,
        name,
        log.display().to_string()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .env("LXC_RS_GLOBAL_CONFIG", &env.global)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("through-the-pty"));
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("through-the-pty"), "{logged:?}");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

/// lxc-autostart: the containers with lxc.start.auto = 1, group by group (default: those in
/// no group), in lxc.start.order (reversed to stop them), waiting lxc.start.delay after each.
/// `lxc-attach -R` without the mount namespace: a fresh /proc and /sys in a mount namespace
/// of the program's own show the container's processes and interfaces (the host's mounts
/// stay as they were); `lxc.no_new_privs` and LXC_ATTACH_NO_NEW_PRIVS (Python) reach the
/// attached program; `-c` runs with no security module to apply it to.
#[test]
fn attach_remounts_proc_and_sys_and_keeps_no_new_privs() {
    let env = Env::new("attachr");
    let name = env.name("ar");
    env.create_busybox(&name);
    env.append_config(&name, "lxc.no_new_privs = 1\n");
    env.ok("lxc-start", &["-n", &name]);
    let host_mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let look = ["--", "sh", "-c", "cat /proc/1/comm; ls /sys/class/net"];
    let ns = ["-n", name.as_str(), "-s", "NETWORK|PID|UTSNAME|IPC"];
    let fresh = env.ok("lxc-attach", &[&ns[..], &["-R"], &look[..]].concat());
    let plain = env.ok("lxc-attach", &[&ns[..], &look[..]].concat());
    assert_eq!(fresh.split_whitespace().collect::<Vec<_>>(), ["init", "lo"]);
    assert_ne!(plain, fresh, "without -R the host's /proc and /sys show");
    assert_eq!(
        std::fs::read_to_string("/proc/self/mountinfo").unwrap(),
        host_mounts
    );

    let nnp = env.sh(&name, "grep NoNewPrivs /proc/self/status");
    assert_eq!(nnp.split_whitespace().last(), Some("1"));
    let labelled = env.ok(
        "lxc-attach",
        &["-n", &name, "-c", "system_u:system_r:x", "--", "true"],
    );
    assert_eq!(labelled, "");
    env.ok("lxc-stop", &["-n", &name, "-k"]);

    // The flag from Python (python3-lxc has no name for LXC_ATTACH_NO_NEW_PRIVS), for a
    // container without the key.
    let other = env.name("an");
    env.create_busybox(&other);
    env.ok("lxc-start", &["-n", &other]);
    let script = "import lxc, sys\n\
        c = lxc.Container(sys.argv[1], sys.argv[2])\n\
        cmd = ['sh', '-c', 'grep NoNewPrivs /proc/self/status']\n\
        for flags in (lxc.LXC_ATTACH_DEFAULT, lxc.LXC_ATTACH_DEFAULT | 0x40000):\n\
        \x20   c.attach_wait(lxc.attach_run_command, cmd, attach_flags=flags)\n";
    let out = Command::new("python3")
        .args(["-c", script, &other, &env.lxcpath])
        .env("PYTHONPATH", python_package(&env))
        .env("LXC_RS_GLOBAL_CONFIG", &env.global)
        .output()
        .unwrap();
    env.ok("lxc-stop", &["-n", &other, "-k"]);
    let shown: Vec<String> = text(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .collect();
    assert_eq!(shown, ["0", "1"], "{}", text(&out.stderr));
}

#[test]
fn autostart_follows_auto_groups_order_and_delay() {
    let env = Env::new("autostart");
    let [a, b, c, d] = ["aa", "ab", "ac", "ad"].map(|n| env.name(n));
    for (name, lines) in [
        (
            &a,
            "lxc.start.auto = 1\nlxc.start.order = 2\nlxc.start.delay = 1\n",
        ),
        (
            &b,
            "lxc.start.auto = 1\nlxc.start.order = 1\nlxc.group = onboot\n",
        ),
        (&c, "lxc.start.auto = 0\n"),
        (
            &d,
            "lxc.start.auto = 1\nlxc.start.order = 3\nlxc.group = web\n",
        ),
    ] {
        env.create_busybox(name);
        env.append_config(name, lines);
    }
    let listed = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["-L"];
        all.extend_from_slice(args);
        env.ok("lxc-autostart", &all)
            .lines()
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect()
    };
    assert_eq!(listed(&[]), std::slice::from_ref(&a));
    assert_eq!(env.ok("lxc-autostart", &["-L"]).trim(), format!("{a} 1"));
    assert_eq!(listed(&["-g", "onboot,"]), [b.clone(), a.clone()]);
    assert_eq!(listed(&["-a"]), [b.clone(), a.clone(), d.clone()]);
    assert_eq!(
        listed(&["-a", "-A"]),
        [c.clone(), b.clone(), a.clone(), d.clone()]
    );
    assert_eq!(listed(&["-a", "-s"]), [d.clone(), a.clone(), b.clone()]);

    // Only `a` (no group), then its one-second delay.
    let started = Instant::now();
    env.ok("lxc-autostart", &[]);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(env.state(&a), "RUNNING");
    assert_eq!(env.state(&b), "STOPPED");
    env.ok("lxc-autostart", &["-a"]);
    for (name, state) in [
        (&a, "RUNNING"),
        (&b, "RUNNING"),
        (&c, "STOPPED"),
        (&d, "RUNNING"),
    ] {
        assert_eq!(env.state(name), state, "{name}");
    }
    env.ok("lxc-autostart", &["-a", "-s", "-t", "20", "-g", "web"]);
    for name in [&a, &b, &d] {
        assert_eq!(env.state(name), "STOPPED", "{name}");
        assert!(no_cgroup_for(name) && no_monitor(&env.lxcpath, name));
    }
}
