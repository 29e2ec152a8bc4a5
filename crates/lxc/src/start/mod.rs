//! Starting a container. The library never forks its caller: it spawns our helper program,
//! which becomes the container's monitor (in the background for a daemonized start).

mod child;
mod init;
mod monitor;
mod mounts;
pub mod plan;
mod sync;

use crate::container::Container;
use crate::error::{Error, Result};
use plan::{Plan, StartRequest};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The environment variable carrying a start request to the helper.
pub const START_ENV: &str = "LXC_RS_START";

pub fn apparmor_enabled() -> bool {
    std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .map(|s| s.trim() == "Y")
        .unwrap_or(false)
}

/// Where our helper program is: `$LXC_RS_HELPER`, next to the running program, or installed.
pub fn helper_path() -> Result<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("LXC_RS_HELPER") {
        return Ok(p.into());
    }
    let mut tried = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            for candidate in [dir.join("lxc-rs-helper"), dir.join("../lxc-rs-helper")] {
                if candidate.is_file() {
                    return Ok(candidate);
                }
                tried.push(candidate.display().to_string());
            }
        }
    }
    for p in [
        "/usr/local/libexec/lxc-rs/lxc-rs-helper",
        "/usr/libexec/lxc-rs/lxc-rs-helper",
    ] {
        if std::path::Path::new(p).is_file() {
            return Ok(p.into());
        }
        tried.push(p.to_string());
    }
    Err(Error::HelperMissing(tried.join(", ")))
}

/// Per-start choices a tool makes (`-o`, `-l`).
#[derive(Debug, Clone, Default)]
pub struct StartExtras {
    pub log_file: Option<String>,
    pub log_level: Option<String>,
}

impl Container {
    /// `start(useinit, argv)`: daemonized (the default) returns once the container runs;
    /// in the foreground it returns when the container has stopped (`error_num` then holds
    /// init's wait status).
    pub fn start(&mut self, use_init: bool, argv: &[String]) -> Result<()> {
        self.start_with(use_init, argv, &StartExtras::default())
    }

    pub fn start_with(
        &mut self,
        use_init: bool,
        argv: &[String],
        extras: &StartExtras,
    ) -> Result<()> {
        if !self.config_loaded() && !self.is_defined() {
            return Err(Error::NotDefined(self.name().to_string()));
        }
        // Refuse bad configs here, before any process exists.
        let req = StartRequest {
            name: self.name().to_string(),
            lxcpath: self.config_path().to_string(),
            config_text: self.config().to_text(),
            config_file: self.config_file_name().display().to_string(),
            daemonize: self.daemonize,
            use_init,
            argv: argv.to_vec(),
            pidfile: self.pidfile.as_ref().map(|p| p.display().to_string()),
            runtime_dir: self.paths().runtime_dir.display().to_string(),
            rootfs_mount: self.paths().rootfs_mount.display().to_string(),
            log_file: extras.log_file.clone(),
            log_level: extras.log_level.clone(),
        };
        Plan::new(req.clone())?;
        if self.is_running() {
            return Err(Error::AlreadyRunning(self.name().to_string()));
        }
        let json =
            serde_json::to_string(&req).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let helper = helper_path()?;
        let mut cmd = Command::new(&helper);
        cmd.arg("start").env(START_ENV, json);
        if self.daemonize {
            cmd.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
        }
        let mut child = cmd.spawn().map_err(|e| Error::Start {
            name: self.name().to_string(),
            message: format!("{}: {e}", helper.display()),
        })?;
        if self.daemonize {
            // The monitor reports one line on its stdout: "ok" or "error: <why>".
            let mut line = String::new();
            if let Some(out) = child.stdout.take() {
                let _ = BufReader::new(out).read_line(&mut line);
            }
            let _ = child.wait();
            let line = line.trim();
            if line == "ok" {
                return Ok(());
            }
            let message = line
                .strip_prefix("error: ")
                .unwrap_or("the monitor exited without a word");
            return Err(Error::Start {
                name: self.name().to_string(),
                message: message.to_string(),
            });
        }
        let status = child.wait().map_err(|e| Error::Start {
            name: self.name().to_string(),
            message: e.to_string(),
        })?;
        use std::os::unix::process::ExitStatusExt;
        self.error_num = status.into_raw();
        match status.code() {
            Some(code) if code >= HELPER_FAILED => Err(Error::Start {
                name: self.name().to_string(),
                message: "see the messages above".into(),
            }),
            _ => Ok(()),
        }
    }
}

/// Exit code of a foreground helper whose container never ran (codes below are init's).
pub const HELPER_FAILED: i32 = 255;

/// The helper's `start`: become the monitor. Returns the process exit code.
pub fn helper_start() -> i32 {
    let Some(json) = std::env::var_os(START_ENV) else {
        eprintln!("lxc-rs-helper: no start request");
        return 2;
    };
    std::env::remove_var(START_ENV);
    let req: StartRequest = match serde_json::from_str(&json.to_string_lossy()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lxc-rs-helper: bad start request: {e}");
            return 2;
        }
    };
    let daemonize = req.daemonize;
    let fail = |message: String| -> i32 {
        if daemonize {
            println!("error: {message}");
        } else {
            eprintln!("lxc-start: {}: {message}", req.name);
        }
        if daemonize {
            1
        } else {
            HELPER_FAILED
        }
    };
    let plan = match Plan::new(req.clone()) {
        Ok(p) => p,
        Err(e) => return fail(e.to_string()),
    };
    crate::log::init_for_container(&plan, "lxc-start");
    p_ignore_sigpipe();
    let listener = match lxc_sys::sock::abstract_listen(&crate::commands::socket_name(
        &req.lxcpath,
        &req.name,
    )) {
        Ok(l) => l,
        Err(e) if e.raw_os_error() == Some(libc::EADDRINUSE) => {
            return fail(format!("container \"{}\" is already running", req.name))
        }
        Err(e) => return fail(format!("command socket: {e}")),
    };
    if daemonize {
        match lxc_sys::process::fork() {
            Ok(lxc_sys::process::Forked::Parent { .. }) => return 0,
            Ok(lxc_sys::process::Forked::Child) => {
                let _ = lxc_sys::process::setsid();
                let _ = std::env::set_current_dir("/");
            }
            Err(e) => return fail(format!("fork: {e}")),
        }
    }
    let _ = lxc_sys::process::set_name(&format!("[lxc monitor] {}", req.name));
    if let Some(pidfile) = &req.pidfile {
        let _ = std::fs::write(pidfile, format!("{}\n", lxc_sys::getpid()));
    }
    let mut listener = Some(listener);
    let mut code;
    loop {
        let Some(l) = listener.take() else { return 1 };
        let mut m = monitor::Monitor::new(plan.clone(), l);
        let mut ready = |r: std::result::Result<(), String>| report_ready(daemonize, &req.name, r);
        let outcome = m.start(&mut ready);
        code = outcome.status.shell_code();
        let reboot = matches!(
            outcome.status,
            lxc_sys::process::WaitStatus::Signaled(libc::SIGHUP)
        );
        listener = m.into_listener();
        if !reboot {
            break;
        }
        tracing::info!(container = %req.name, "rebooting");
    }
    drop(listener);
    if let Some(pidfile) = &req.pidfile {
        let _ = std::fs::remove_file(pidfile);
    }
    code
}

fn p_ignore_sigpipe() {
    lxc_sys::process::ignore_sigpipe();
}

/// Tell whoever started us how the start went, then let go of their stdio.
fn report_ready(daemonize: bool, name: &str, result: std::result::Result<(), String>) {
    if !daemonize {
        if let Err(m) = &result {
            eprintln!("lxc-start: {name}: {m}");
        }
        return;
    }
    match result {
        Ok(()) => println!("ok"),
        Err(m) => println!("error: {m}"),
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        use std::os::fd::AsFd;
        for fd in 0..3 {
            let _ = lxc_sys::fs::dup2(null.as_fd(), fd);
        }
    }
}
