//! lxc-monitor: each state change as it happens, through our daemon or LXC's lxc-monitord
//! (the FIFO and the socket are LXC's, so each side's lxc-monitor sees the other's
//! containers).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};
use support::*;

/// A running lxc-monitor and the lines it prints.
struct Watcher {
    child: Child,
    lines: Receiver<String>,
}

impl Watcher {
    /// Start `program` (ours or Debian's lxc-monitor) on `env`'s lxcpath and wait until it
    /// is connected to the lxcpath's daemon, so that no change is missed.
    fn start(env: &Env, program: &str, args: &[&str]) -> Watcher {
        let before = daemon_connections(&env.lxcpath);
        let mut child = Command::new(program)
            .env("LXC_RS_GLOBAL_CONFIG", &env.global)
            .arg("-P")
            .arg(&env.lxcpath)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while daemon_connections(&env.lxcpath) <= before {
            assert!(Instant::now() < deadline, "{program} never connected");
            std::thread::sleep(Duration::from_millis(10));
        }
        Watcher { child, lines }
    }

    /// The next `n` lines (each within 10 s).
    fn take(&self, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                self.lines
                    .recv_timeout(Duration::from_secs(10))
                    .unwrap_or_else(|_| panic!("line {i} never came"))
            })
            .collect()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connections the daemon of `lxcpath` holds (its accepted sockets carry its name).
fn daemon_connections(lxcpath: &str) -> usize {
    let name = String::from_utf8(lxc::events::socket_name(lxcpath)).unwrap();
    std::fs::read_to_string("/proc/net/unix")
        .unwrap()
        .lines()
        .filter(|l| l.ends_with(&format!("@{name}")))
        // St 03: connected (01 is the listening socket).
        .filter(|l| l.split_whitespace().nth(5) == Some("03"))
        .count()
}

/// On drop, whatever daemon still serves the lxcpath (ours or LXC's) quits and the FIFO's
/// directory goes, also when the test failed.
struct Daemons<'a>(&'a Env);

impl Drop for Daemons<'_> {
    fn drop(&mut self) {
        quit_daemons(self.0);
    }
}

fn quit_daemons(env: &Env) {
    let _ = env.run("lxc-monitor", &["-Q"]);
    let _ = Command::new("/usr/bin/lxc-monitor")
        .args(["-P", &env.lxcpath, "-Q"])
        .output();
    let deadline = Instant::now() + Duration::from_secs(5);
    while daemon_connections(&env.lxcpath) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // LXC's daemon leaves its FIFO: everything made for this test's paths goes.
    let _ = std::fs::remove_dir_all(format!("/run/lxc/{}", env.root.display()));
}

fn changes(name: &str, states: &[&str]) -> Vec<String> {
    states
        .iter()
        .map(|s| match s.strip_prefix("exit ") {
            Some(code) => format!("'{name}' exited with status [{code}]"),
            None => format!("'{name}' changed state to [{s}]"),
        })
        .collect()
}

#[test]
fn lxc_monitor_prints_the_changes_of_the_containers_it_matches() {
    let env = Env::new("events");
    let _daemons = Daemons(&env);
    let (watched, other) = (env.name("w"), env.name("o"));
    env.create_busybox(&watched);
    env.create_busybox(&other);
    let watcher = Watcher::start(
        &env,
        &bin_dir().join("lxc-monitor").display().to_string(),
        &["-n", &watched],
    );
    env.ok("lxc-start", &["-n", &other]);
    env.ok("lxc-start", &["-n", &watched]);
    env.ok("lxc-freeze", &["-n", &watched]);
    env.ok("lxc-unfreeze", &["-n", &watched]);
    env.ok("lxc-stop", &["-n", &other, "-k"]);
    env.ok("lxc-stop", &["-n", &watched, "-k"]);
    let expected = changes(
        &watched,
        &[
            "STARTING", "RUNNING", "FREEZING", "FROZEN", "THAWED", "RUNNING", "STOPPING", "exit 0",
            "STOPPED",
        ],
    );
    // The other container's changes all came before the last of these: none may show.
    assert_eq!(watcher.take(expected.len()), expected);
    assert!(watcher
        .lines
        .recv_timeout(Duration::from_millis(200))
        .is_err());

    // -Q ends the daemon: the watcher sees its end and exits; the FIFO goes with it.
    let mut watcher = watcher;
    env.ok("lxc-monitor", &["-Q"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = watcher.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "lxc-monitor did not end after -Q"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    let fifo = lxc::events::fifo_path("/run", &env.lxcpath);
    assert!(!std::path::Path::new(&fifo).exists(), "{fifo} left behind");

    // A bad regular expression is named.
    let out = env.run("lxc-monitor", &["-n", "a("]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("a("));
}

#[test]
fn lxc_monitor_and_lxc_monitord_of_debian_and_ours_understand_each_other() {
    let env = Env::new("events2");
    let _daemons = Daemons(&env);
    assert!(
        std::path::Path::new("/usr/bin/lxc-monitor").exists(),
        "Debian's lxc package is needed (scripts/setup.sh installs it)"
    );
    // Debian's lxc-monitor (and its lxc-monitord) watch a container of ours.
    let ours = env.name("m");
    env.create_busybox(&ours);
    let theirs = Watcher::start(&env, "/usr/bin/lxc-monitor", &["-n", &ours]);
    env.ok("lxc-start", &["-n", &ours]);
    env.ok("lxc-stop", &["-n", &ours, "-k"]);
    let expected = changes(
        &ours,
        &["STARTING", "RUNNING", "STOPPING", "exit 0", "STOPPED"],
    );
    assert_eq!(theirs.take(expected.len()), expected);

    // Ours joins LXC's daemon and watches a container of Debian's LXC.
    let ours_watching = Watcher::start(
        &env,
        &bin_dir().join("lxc-monitor").display().to_string(),
        &[],
    );
    let debian = env.name("d");
    let conf = env.root.join("net.conf");
    std::fs::write(&conf, "lxc.net.0.type = empty\n").unwrap();
    let lxc = |args: &[&str]| {
        let out = Command::new(format!("/usr/bin/{}", args[0]))
            .arg("-P")
            .arg(&env.lxcpath)
            .args(&args[1..])
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
    };
    lxc(&[
        "lxc-create",
        "-n",
        &debian,
        "-t",
        "busybox",
        "-f",
        conf.to_str().unwrap(),
    ]);
    lxc(&["lxc-start", "-n", &debian]);
    lxc(&["lxc-wait", "-n", &debian, "-s", "RUNNING", "-t", "10"]);
    lxc(&["lxc-stop", "-n", &debian, "-k"]);
    let seen = ours_watching.take(2);
    assert_eq!(seen, changes(&debian, &["STARTING", "RUNNING"]));
    lxc(&["lxc-destroy", "-n", &debian]);
}
