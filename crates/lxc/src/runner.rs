//! Outside programs (hooks, template scripts, busybox) run through here: the command line is
//! logged at DEBUG, and a failure at ERROR with what the program wrote to stderr when that
//! was captured.

use std::io;
use std::process::{Command, Output, Stdio};

/// What of the program's output is collected (the rest goes where our own output goes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// Inherit stdout and stderr (a template the user watches).
    Nothing,
    /// Discard both (LXC_CREATE_QUIET).
    Discard,
    /// Collect stdout (hooks: logged at DEBUG); stderr stays visible.
    Stdout,
    /// Collect both.
    All,
}

pub fn run(cmd: &mut Command, capture: Capture) -> io::Result<Output> {
    tracing::debug!("running {cmd:?}");
    cmd.stdin(Stdio::null());
    let (out, err) = match capture {
        Capture::Nothing => (Stdio::inherit(), Stdio::inherit()),
        Capture::Discard => (Stdio::null(), Stdio::null()),
        Capture::Stdout => (Stdio::piped(), Stdio::inherit()),
        Capture::All => (Stdio::piped(), Stdio::piped()),
    };
    let output = cmd.stdout(out).stderr(err).output()?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        tracing::error!("{cmd:?} failed ({}): {}", output.status, stderr.trim());
    }
    Ok(output)
}
