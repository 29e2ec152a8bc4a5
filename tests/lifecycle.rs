//! The whole lifecycle through the tools, as a user types it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

#[test]
fn full_lifecycle_through_the_tools() {
    let env = Env::new("life");
    let name = env.name("life");
    env.create_busybox(&name);
    assert_eq!(env.state(&name), "STOPPED");

    env.ok("lxc-start", &["-n", &name, "-d"]);
    assert_eq!(env.state(&name), "RUNNING");
    let fancy = env.ok("lxc-ls", &["--fancy"]);
    let row = fancy
        .lines()
        .find(|l| l.starts_with(&name))
        .expect("container listed");
    assert!(row.contains("RUNNING"), "{fancy}");
    let header: Vec<&str> = fancy.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME",
            "STATE",
            "AUTOSTART",
            "GROUPS",
            "IPV4",
            "IPV6",
            "UNPRIVILEGED"
        ]
    );

    // The hostname inside is the container's name, and PID 1 is its init.
    let host = env.ok("lxc-attach", &["-n", &name, "--", "hostname"]);
    assert_eq!(host.trim(), name);
    let comm = env.ok("lxc-attach", &["-n", &name, "--", "cat", "/proc/1/comm"]);
    assert_eq!(comm.trim(), "init");
    let pid = env.ok("lxc-info", &["-n", &name, "-p", "-H"]);
    let host_pid: i32 = pid.trim().parse().unwrap();
    let exe = std::fs::read_link(format!("/proc/{host_pid}/exe")).unwrap();
    assert!(exe.ends_with("busybox"), "init is {exe:?}");

    // Exit codes pass through attach.
    let out = env.run("lxc-attach", &["-n", &name, "--", "sh", "-c", "exit 42"]);
    assert_eq!(out.status.code(), Some(42));
    let out = env.run("lxc-attach", &["-n", &name, "--", "/no/such/program"]);
    assert_eq!(out.status.code(), Some(127));
    // Environment policy.
    let out = env.ok(
        "lxc-attach",
        &["-n", &name, "--clear-env", "-v", "FOO=bar", "--", "env"],
    );
    assert!(
        out.lines().any(|l| l == "FOO=bar") && out.lines().any(|l| l == "container=lxc"),
        "{out}"
    );
    assert!(!out.contains("LXC_RS_GLOBAL_CONFIG"), "{out}");

    // Clean shutdown through lxc.signal.halt, quickly.
    let t = std::time::Instant::now();
    env.ok("lxc-stop", &["-n", &name, "-t", "30"]);
    assert!(
        t.elapsed().as_secs() < 15,
        "clean stop took {:?}",
        t.elapsed()
    );
    assert_eq!(env.state(&name), "STOPPED");
    let fancy = env.ok("lxc-ls", &["-f"]);
    assert!(
        fancy
            .lines()
            .any(|l| l.starts_with(&name) && l.contains("STOPPED")),
        "{fancy}"
    );
    assert!(no_monitor(&env.lxcpath, &name));
    assert!(no_cgroup_for(&name));
    assert!(no_mounts_under(&env.lxcpath));
    assert_eq!(
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap()
            .matches(&env.lxcpath)
            .count(),
        0
    );

    // Hard stop.
    env.ok("lxc-start", &["-n", &name]);
    env.ok("lxc-wait", &["-n", &name, "-s", "RUNNING", "-t", "10"]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(env.state(&name), "STOPPED");
    assert!(no_monitor(&env.lxcpath, &name));
    assert!(no_cgroup_for(&name));
    assert!(no_mounts_under(&env.lxcpath));

    // Stop of a stopped container, clean or kill: exit 2, and it says so.
    for args in [&["-n", &name][..], &["-n", &name, "-k"][..]] {
        let out = env.run("lxc-stop", args);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Container is not running"), "{err}");
    }

    env.ok("lxc-destroy", &["-n", &name]);
    assert!(!env.container_dir(&name).exists());
}

#[test]
fn execute_runs_a_command_and_passes_its_status() {
    let env = Env::new("exec");
    let name = env.name("exec");
    env.create_busybox(&name);
    let out = env.run(
        "lxc-execute",
        &[
            "-n",
            &name,
            "--",
            "sh",
            "-c",
            "echo pid=$$ host=$(hostname); exit 7",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Our minimal init is PID 1, the command its child.
    assert!(
        stdout.contains("pid=2") && stdout.contains(&format!("host={name}")),
        "{stdout}"
    );
    assert!(no_monitor(&env.lxcpath, &name));
    assert!(no_cgroup_for(&name));

    // A command that is not there: 127 and its name, as a shell says it; a command killed
    // by a signal: 128 + the signal.
    let out = env.run("lxc-execute", &["-n", &name, "--", "no-such-command"]);
    assert_eq!(out.status.code(), Some(127));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no-such-command: No such file or directory"),
        "{stderr}"
    );
    let out = env.run(
        "lxc-execute",
        &["-n", &name, "--", "sh", "-c", "kill -TERM $$"],
    );
    assert_eq!(out.status.code(), Some(128 + libc::SIGTERM));
    assert!(no_monitor(&env.lxcpath, &name));
}

#[test]
fn wait_and_info_report_states() {
    let env = Env::new("wait");
    let name = env.name("wait");
    env.create_busybox(&name);
    // Waiting for STOPPED on a stopped container returns at once; RUNNING times out.
    env.ok("lxc-wait", &["-n", &name, "-s", "STOPPED", "-t", "1"]);
    let out = env.run("lxc-wait", &["-n", &name, "-s", "RUNNING", "-t", "1"]);
    assert_eq!(out.status.code(), Some(1));
    env.ok("lxc-start", &["-n", &name]);
    let info = env.ok("lxc-info", &["-n", &name]);
    assert!(
        info.contains(&format!("Name:           {name}"))
            && info.contains("State:          RUNNING"),
        "{info}"
    );
    let item = env.ok("lxc-info", &["-n", &name, "-c", "lxc.uts.name"]);
    assert_eq!(item.trim(), format!("lxc.uts.name = {name}"));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    env.ok("lxc-wait", &["-n", &name, "-s", "STOPPED", "-t", "5"]);
}

/// Run `lxc-attach` under a pseudo-terminal (as a user at a terminal would), typing `input`.
fn attach_at_a_terminal(env: &Env, args: &[&str], input: &str) -> (String, i32) {
    let script = r#"
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
time.sleep(0.3)
os.write(fd, sys.stdin.read().encode())
deadline = time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0) if not done else (done, status)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let mut cmd = std::process::Command::new("python3");
    cmd.arg("-c")
        .arg(script)
        .arg(bin_dir().join("lxc-attach"))
        .arg("-P")
        .arg(&env.lxcpath)
        .args(args);
    cmd.env("LXC_RS_GLOBAL_CONFIG", &env.global)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn interactive_attach_gets_a_pty_and_the_users_shell() {
    let env = Env::new("tty");
    let name = env.name("t");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    // No command: root's shell from the container's /etc/passwd, on a pty of the container.
    let (out, code) = attach_at_a_terminal(&env, &["-n", &name], "tty; hostname; exit 5\n");
    assert_eq!(code, 5, "{out}");
    assert!(
        out.contains("/dev/pts/"),
        "not on the container's pty: {out}"
    );
    assert!(out.contains(&name), "{out}");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn a_crashed_monitor_leaves_nothing_that_blocks_the_next_start() {
    let env = Env::new("crash");
    let name = env.name("cr");
    env.create_busybox(&name);
    env.ok("lxc-start", &["-n", &name]);
    let init: i32 = env
        .ok("lxc-info", &["-n", &name, "-p", "-H"])
        .trim()
        .parse()
        .unwrap();
    let status = std::fs::read_to_string(format!("/proc/{init}/status")).unwrap();
    let monitor: i32 = status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SIGKILL the monitor: init dies with it (lxc.monitor.signal.pdeath), the cgroup stays.
    let _ = std::process::Command::new("kill")
        .args(["-9", &monitor.to_string()])
        .status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{init}")).exists()
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !std::path::Path::new(&format!("/proc/{init}")).exists(),
        "init outlived its monitor"
    );
    assert_eq!(env.state(&name), "STOPPED");
    // The next start takes the same cgroup back instead of piling up `-1`, `-2`...
    env.ok("lxc-start", &["-n", &name]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(no_cgroup_for(&name));
    let leftovers: Vec<String> = lxc::cgroup::Layout::current()
        .hierarchies
        .iter()
        .flat_map(|h| std::fs::read_dir(&h.mount).unwrap())
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(&format!("lxc.payload.{name}")))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
