//! Seccomp: a policy file confines init and every attached process; a broken one stops the
//! start before any process exists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::*;

fn with_profile(env: &Env, name: &str, key: &str, policy: &str) -> std::path::PathBuf {
    let file = env.root.join(format!("{name}.seccomp"));
    std::fs::write(&file, policy).unwrap();
    let config = env.container_dir(name).join("config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("{key} = {}\n", file.display()));
    std::fs::write(&config, text).unwrap();
    file
}

#[test]
fn denylist_makes_mknod_fail_with_eperm_inside() {
    let env = Env::new("seccomp");
    let name = env.name("sc");
    env.create_busybox(&name);
    // Without a policy mknod works (root in a privileged container)...
    env.ok("lxc-start", &["-n", &name]);
    env.ok(
        "lxc-attach",
        &["-n", &name, "--", "mknod", "/tmp/free", "c", "1", "3"],
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    // ... with `mknod errno 1` it fails with EPERM, for init's world and attached processes.
    with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        "2\ndenylist\nmknod errno 1\nmknodat errno 1\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    let status = env.ok("lxc-attach", &["-n", &name, "--", "cat", "/proc/1/status"]);
    assert!(
        status
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Seccomp:", "2"]),
        "{status}"
    );
    let out = env.run(
        "lxc-attach",
        &["-n", &name, "--", "mknod", "/tmp/denied", "c", "1", "3"],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Operation not permitted"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn legacy_key_and_allowlist_with_arguments() {
    let env = Env::new("seccomp2");
    let name = env.name("sl");
    env.create_busybox(&name);
    // LXC 1.0's key, a denylist written with 1.0's word, and an argument filter: only
    // kill(..., SIGUSR2) is refused.
    with_profile(
        &env,
        &name,
        "lxc.seccomp",
        "2\nblacklist\nkill errno 1 [1,12,SCMP_CMP_EQ]\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    let out = env.run(
        "lxc-attach",
        &["-n", &name, "--", "sh", "-c", "kill -USR2 $$"],
    );
    assert!(!out.status.success(), "kill -USR2 was allowed");
    env.sh(&name, "kill -0 1");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

#[test]
fn broken_policy_is_refused_with_file_and_line() {
    let env = Env::new("seccompbad");
    let name = env.name("sb");
    env.create_busybox(&name);
    let file = with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        "2\ndenylist\nmknod errno 1\nptrace trace\n",
    );
    let out = env.run("lxc-start", &["-n", &name]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:4", file.display())), "{err}");
    assert!(no_monitor(&env.lxcpath, &name) && no_cgroup_for(&name));
}

/// A static probe put into the rootfs: TIOCSTI on its stdin and keyctl, with their errnos.
fn install_probe(env: &Env, name: &str) {
    let src = env.root.join("probe.c");
    std::fs::write(
        &src,
        r#"#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
    char c = 'x';
    int r = ioctl(0, TIOCSTI, &c);
    printf("tiocsti errno %d\n", r ? errno : 0);
    long k = syscall(SYS_keyctl, 0, -3, 0);
    printf("keyctl errno %d\n", k < 0 ? errno : 0);
    return 0;
}
"#,
    )
    .unwrap();
    build_into_rootfs(
        env,
        name,
        "probe",
        &format!("gcc -static -O1 -o {{out}} {}", src.display()),
        "gcc",
    );
}

/// config/common.seccomp, the shipped default: module loading, forced unmounts, keyrings and
/// TIOCSTI are refused; without it the same calls reach the kernel.
#[test]
fn the_shipped_default_profile_refuses_what_reaches_the_host() {
    let env = Env::new("seccompdef");
    let name = env.name("sd");
    env.create_busybox(&name);
    install_probe(&env, &name);
    let script = "rmmod lxc_rs_no_such_module 2>&1; : >/tmp/m; insmod /tmp/m 2>&1; \
                  mount -t tmpfs t /mnt && umount -f /mnt 2>&1; /bin/probe </dev/null";
    env.ok("lxc-start", &["-n", &name]);
    let free = env.sh(&name, &format!("{script}; true"));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(free.contains("tiocsti errno 25"), "{free}");
    assert!(free.contains("keyctl errno 0"), "{free}");

    let profile = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/common.seccomp");
    env.append_config(&name, &format!("lxc.seccomp.profile = {profile}\n"));
    env.ok("lxc-start", &["-n", &name]);
    let confined = env.sh(&name, &format!("{script}; true"));
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(
        confined.contains("can't unload module 'lxc_rs_no_such_module': Operation not permitted"),
        "{confined}"
    );
    assert!(confined.contains("Operation not permitted"), "{confined}");
    assert!(
        confined.contains("Permission denied"),
        "umount -f: {confined}"
    );
    assert!(confined.contains("tiocsti errno 1"), "{confined}");
    assert!(confined.contains("keyctl errno 38"), "{confined}");
}

/// The monitor compiles a policy once; later starts (and attaches) take the BPF from the cache.
#[test]
fn a_compiled_policy_is_reused_from_the_cache() {
    let env = Env::new("seccompcache");
    let name = env.name("sk");
    env.create_busybox(&name);
    // A policy no earlier run had (the cache outlives runs): its own errno, on its own line.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let errno = 1000 + (nanos ^ std::process::id()) % 3000;
    let padding = "#\n".repeat((nanos / 7 % 500) as usize);
    with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        &format!("2\ndenylist\n{padding}mknod errno {errno}\n"),
    );
    let log = env.root.join("sk.log");
    let log_arg = log.display().to_string();
    let start = || {
        env.ok("lxc-start", &["-n", &name, "-l", "debug", "-o", &log_arg]);
        env.ok("lxc-stop", &["-n", &name, "-k"]);
    };
    start();
    let first = std::fs::read_to_string(&log).unwrap();
    assert!(first.contains("seccomp filter compiled"), "{first}");
    std::fs::remove_file(&log).unwrap();
    start();
    let second = std::fs::read_to_string(&log).unwrap();
    assert!(second.contains("seccomp filter from the cache"), "{second}");
    assert!(!second.contains("seccomp filter compiled"), "{second}");
}

/// `log` (newer LXC's word) lets the call through and has the kernel log it.
#[test]
fn log_action_lets_the_call_through() {
    let env = Env::new("seccomplog");
    let name = env.name("sl");
    env.create_busybox(&name);
    with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        "2\ndenylist\nmknod log\nmknodat log\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    env.ok(
        "lxc-attach",
        &["-n", &name, "--", "mknod", "/tmp/logged", "c", "1", "3"],
    );
    env.ok("lxc-stop", &["-n", &name, "-k"]);
}

/// `notify` rules: init hands the filter's listener to its monitor, which answers each
/// stopped call (ENOSYS, until a proxy is configurable).
#[test]
fn notify_rules_are_answered_by_the_monitor() {
    let env = Env::new("seccompnotify");
    let name = env.name("sn");
    env.create_busybox(&name);
    with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        "2\ndenylist\nmknod notify\nmknodat notify\n",
    );
    let log = env.root.join("sn.log");
    let log_arg = log.display().to_string();
    // Init itself makes the call, then waits to be stopped.
    env.ok(
        "lxc-start",
        &[
            "-n",
            &name,
            "-l",
            "debug",
            "-o",
            &log_arg,
            "--",
            "/bin/sh",
            "-c",
            "mknod /n c 1 3 2>/mknod.err; exec sleep 600",
        ],
    );
    let err = read_when(&env.container_dir(&name).join("rootfs/mknod.err"), |t| {
        !t.is_empty()
    });
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert!(err.contains("Function not implemented"), "{err}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("seccomp listener received"), "{text}");
    assert!(
        text.contains("seccomp notification answered ENOSYS"),
        "{text}"
    );
}

/// A 32-bit program (int 0x80) calling mknod, built with binutils: its exit status is the
/// errno it got.
fn install_32bit_mknod(env: &Env, name: &str) {
    let dir = env.root.join("m32");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("m32.S"),
        "    .globl _start\n    .text\n_start:\n    movl $14, %eax\n    movl $path, %ebx\n\
         \x20   movl $0x21b6, %ecx\n    movl $0x103, %edx\n    int $0x80\n    negl %eax\n\
         \x20   movl %eax, %ebx\n    movl $1, %eax\n    int $0x80\n    .data\npath:\n\
         \x20   .asciz \"/tmp/m32node\"\n",
    )
    .unwrap();
    let d = dir.display();
    let build = format!("as --32 -o {d}/m32.o {d}/m32.S && ld -m elf_i386 -o {{out}} {d}/m32.o");
    build_into_rootfs(env, name, "m32", &build, "binutils");
}

/// Run a build command line whose `{out}` is the program's place in the rootfs (`/bin/NAME`).
fn build_into_rootfs(env: &Env, name: &str, program: &str, command: &str, needs: &str) {
    let target = env.container_dir(name).join("rootfs/bin").join(program);
    let command = command.replace("{out}", &target.display().to_string());
    let out = std::process::Command::new("sh")
        .args(["-c", &command])
        .output()
        .unwrap_or_else(|e| panic!("{needs} is needed (scripts/setup.sh installs it): {e}"));
    assert!(
        out.status.success(),
        "{needs}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A v2 `[x86]` section reaches 32-bit system calls: the compat architecture is in the filter.
#[test]
fn an_x86_section_is_honoured_for_32bit_syscalls() {
    let env = Env::new("seccomp32");
    let name = env.name("s32");
    env.create_busybox(&name);
    install_32bit_mknod(&env, &name);
    env.ok("lxc-start", &["-n", &name]);
    let free = env.sh(&name, "/bin/m32; echo $?");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(free.trim(), "0", "the 32-bit mknod failed without a policy");
    with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        "2\ndenylist\n[x86]\nmknod errno 7\n",
    );
    env.ok("lxc-start", &["-n", &name]);
    let denied = env.sh(&name, "rm -f /tmp/m32node; /bin/m32; echo $?");
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(denied.trim(), "7", "E2BIG expected from the [x86] rule");
}

/// A test supervisor for `lxc.seccomp.notify.proxy` (`python/seccomp_proxy.py`), killed on
/// drop.
struct Proxy(std::process::Child);

impl Proxy {
    fn start_with(socket: &std::path::Path, log: &std::path::Path, extra: &[&str]) -> Proxy {
        use std::io::BufRead;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/seccomp_proxy.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg(socket)
            .arg(log)
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs the test proxy");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        Proxy(child)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running busybox container whose init calls mknod, which stops for the test supervisor
/// (started with `proxy_args`; it gets the cookie "lxc-rs-cookie" and logs to the returned
/// file), and writes the call's exit code to /mknod.rc.
fn proxied(prefix: &str, proxy_args: &[&str]) -> (Env, String, std::path::PathBuf, Proxy) {
    let env = Env::new(prefix);
    let name = env.name(&prefix[prefix.len() - 2..]);
    env.create_busybox(&name);
    let socket = env.root.join("proxy.sock");
    let log = env.root.join("proxy.log");
    let proxy = Proxy::start_with(&socket, &log, proxy_args);
    with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        "2\ndenylist\nmknod notify\nmknodat notify\n",
    );
    env.append_config(
        &name,
        &format!(
            "lxc.seccomp.notify.proxy = unix:{}\nlxc.seccomp.notify.cookie = lxc-rs-cookie\n",
            socket.display()
        ),
    );
    env.ok(
        "lxc-start",
        &[
            "-n",
            &name,
            "--",
            "/bin/sh",
            "-c",
            "mknod /n c 1 3; echo $? > /mknod.rc; exec sleep 600",
        ],
    );
    (env, name, log, proxy)
}

/// LXC's proxy protocol: the supervisor gets each stopped syscall with the cookie, the
/// pids, the caller's /proc directory and memory, and its answer (success, nothing done) is
/// what the caller sees.
#[test]
fn a_notify_proxy_answers_the_stopped_syscalls() {
    let (env, name, log, _proxy) = proxied("seccompproxy", &[]);
    let rootfs = env.container_dir(&name).join("rootfs");
    let rc = read_when(&rootfs.join("mknod.rc"), |t| !t.is_empty());
    let init = env.ok("lxc-info", &["-n", &name, "-p", "-H"]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    assert_eq!(rc.trim(), "0", "the proxy's answer reaches the caller");
    assert!(!rootfs.join("n").exists(), "the proxy did not make it");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("comm=mknod"), "{text}");
    assert!(text.contains("cookie=lxc-rs-cookie"), "{text}");
    assert!(text.contains("fds=2 mem=True"), "{text}");
    assert!(text.contains(&format!("init={} ", init.trim())), "{text}");
}

/// While the supervisor sits on a notification the monitor keeps serving: its state,
/// and a stop, come at once (the answer is awaited in the monitor's main loop).
#[test]
fn a_silent_notify_proxy_does_not_hold_up_the_monitor() {
    let (env, name, log, _proxy) = proxied("seccompslow", &["silent"]);
    let text = read_when(&log, |t| t.contains("comm=mknod"));
    assert!(text.contains("comm=mknod"), "{text}");
    let asked = std::time::Instant::now();
    let state = env.ok("lxc-info", &["-n", &name, "-s", "-H"]);
    env.ok("lxc-stop", &["-n", &name, "-k"]);
    let took = asked.elapsed();
    assert_eq!(state.trim(), "RUNNING");
    assert!(
        took < std::time::Duration::from_secs(10),
        "info and stop took {took:?} with a notification awaited"
    );
    assert_eq!(
        env.ok("lxc-info", &["-n", &name, "-s", "-H"]).trim(),
        "STOPPED"
    );
}

/// A proxy nobody serves fails the start by name and leaves nothing behind.
#[test]
fn a_missing_notify_proxy_fails_the_start() {
    let env = Env::new("seccompnoproxy");
    let name = env.name("np");
    env.create_busybox(&name);
    with_profile(
        &env,
        &name,
        "lxc.seccomp.profile",
        "2\ndenylist\nmknod notify\n",
    );
    let socket = env.root.join("nobody.sock");
    env.append_config(
        &name,
        &format!("lxc.seccomp.notify.proxy = unix:{}\n", socket.display()),
    );
    let out = env.run("lxc-start", &["-n", &name]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("lxc.seccomp.notify.proxy"), "{err}");
    assert!(err.contains("No such file"), "{err}");
    assert_eq!(
        env.ok("lxc-info", &["-n", &name, "-s", "-H"]).trim(),
        "STOPPED"
    );
    assert!(no_cgroup_for(&name));
}
