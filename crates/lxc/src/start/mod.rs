//! Starting a container. The library never forks its caller: it spawns our helper program,
//! which becomes the container's monitor (in the background for a daemonized start).

mod child;
mod dev;
mod entries;
mod init;
pub use init::helper_init;
pub(crate) mod launch;
mod monitor;
mod mounts;
mod namespaces;
pub mod plan;
mod sync;

use crate::container::Container;
use crate::error::{sys_err, Error, Result};
use plan::{Plan, StartRequest};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The environment variable carrying a start request to the helper.
pub const START_ENV: &str = "LXC_RS_START";

/// Where our helper program is: `$LXC_RS_HELPER`, next to the library or the running
/// program, or installed.
pub fn helper_path() -> Result<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("LXC_RS_HELPER") {
        return Ok(p.into());
    }
    let mut tried = Vec::new();
    // The file this library's code was loaded from: liblxc.so.1 or the Python module for
    // the faces (through symlinks), the program itself for the tools.
    let me = helper_path as fn() -> Result<std::path::PathBuf> as *const std::ffi::c_void;
    let object = lxc_sys::ffi::object_path_of(me).and_then(|p| std::fs::canonicalize(p).ok());
    if let Some(dir) = object.as_deref().and_then(std::path::Path::parent) {
        let candidate = dir.join("lxc-rs-helper");
        if candidate.is_file() {
            return Ok(candidate);
        }
        tried.push(candidate.display().to_string());
    }
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

/// A sealed copy of lxc-execute's init: the one built into the library where there is one
/// (a few kilobytes to copy at each start), else the program `init_path` names.
pub(crate) fn sealed_init() -> Result<std::os::fd::OwnedFd> {
    match lxc_sys::process::TINY_INIT {
        Some(image) => lxc_sys::process::sealed_image("lxc-rs-init", image)
            .map_err(crate::error::io_err("lxc-rs-init (built in)")),
        None => {
            let path = init_path()?;
            lxc_sys::process::sealed_copy(&path).map_err(crate::error::io_err(&path))
        }
    }
}

/// lxc-execute's init: `lxc-rs-init` beside the helper, else the helper's own `init` mode.
pub fn init_path() -> Result<std::path::PathBuf> {
    let helper = helper_path()?;
    let init = helper.with_file_name("lxc-rs-init");
    Ok(if init.is_file() { init } else { helper })
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
        let global = lxc_config::GlobalConfig::load(self.paths())?;
        let req = StartRequest {
            name: self.name().to_string(),
            lxcpath: self.config_path().to_string(),
            config_text: self.config().to_text(),
            config_file: self.config_file_name().display().to_string(),
            config_file_existed: self.config_file_name().exists(),
            daemonize: self.daemonize,
            use_init,
            argv: argv.to_vec(),
            pidfile: self.pidfile.as_ref().map(|p| p.display().to_string()),
            runtime_dir: self.paths().runtime_dir.display().to_string(),
            rootfs_mount: self.paths().rootfs_mount.display().to_string(),
            log_file: extras.log_file.clone(),
            log_level: extras.log_level.clone(),
            cgroup_pattern: global.get("lxc.cgroup.pattern").filter(|p| !p.is_empty()),
            cgroup_use: global.get("lxc.cgroup.use").filter(|u| !u.is_empty()),
        };
        let plan = Plan::new(req.clone())?;
        if self.is_running() {
            return Err(Error::AlreadyRunning(self.name().to_string()));
        }
        if crate::process_mode::in_process() {
            return self.start_in_process(plan);
        }
        self.start_through_helper(req)
    }

    /// The usual way: our helper program becomes the monitor.
    fn start_through_helper(&mut self, req: StartRequest) -> Result<()> {
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
            let mut line = String::new();
            if let Some(out) = child.stdout.take() {
                let _ = BufReader::new(out).read_line(&mut line);
            }
            let _ = child.wait();
            return self.start_status(&line);
        }
        let status = child.wait().map_err(|e| Error::Start {
            name: self.name().to_string(),
            message: e.to_string(),
        })?;
        use std::os::unix::process::ExitStatusExt;
        self.foreground_result(status.into_raw())
    }

    /// For our own single-threaded, one-shot tools: be the monitor (foreground) or clone it
    /// straight into its cgroup (daemonized) without executing the helper, as LXC's tools
    /// do. The monitor is then this tool's child until the tool exits, right after.
    fn start_in_process(&mut self, plan: Plan) -> Result<()> {
        if !self.daemonize {
            let code = launch::monitor_main(plan, &mut launch::Status::Terminal, false);
            return self.foreground_result((code & 0xff) << 8);
        }
        let (read_end, write_end) = lxc_sys::fs::pipe().map_err(sys_err("pipe"))?;
        let mut status = launch::Status::Pipe(write_end, Some(read_end));
        // Returns once the monitor is cloned, or at once with the error written.
        launch::monitor_main(plan, &mut status, true);
        let launch::Status::Pipe(write_end, Some(read_end)) = status else {
            return Err(Error::Start {
                name: self.name().to_string(),
                message: "the start's status pipe went missing".into(),
            });
        };
        // The monitor's copy is the only writer left: its line, or EOF if it died.
        drop(write_end);
        let mut line = String::new();
        let _ = BufReader::new(std::fs::File::from(read_end)).read_line(&mut line);
        self.start_status(&line)
    }

    /// The monitor reports one line: "ok" or "error: <why>".
    fn start_status(&self, line: &str) -> Result<()> {
        let line = line.trim();
        if line == "ok" {
            return Ok(());
        }
        let message = line
            .strip_prefix("error: ")
            .unwrap_or("the monitor exited without a word");
        Err(Error::Start {
            name: self.name().to_string(),
            message: message.to_string(),
        })
    }

    fn foreground_result(&mut self, raw_status: i32) -> Result<()> {
        self.error_num = raw_status;
        if raw_status & 0x7f == 0 && (raw_status >> 8) & 0xff == HELPER_FAILED {
            return Err(Error::Start {
                name: self.name().to_string(),
                message: "see the messages above".into(),
            });
        }
        Ok(())
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
    if req.daemonize {
        // Our stdout is the library's status pipe.
        match lxc_sys::fs::dup_stdout() {
            Ok(out) => launch::helper_main(req, &mut launch::Status::Pipe(out, None), true),
            Err(_) => 2,
        }
    } else {
        launch::helper_main(req, &mut launch::Status::Terminal, false)
    }
}
