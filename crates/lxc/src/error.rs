//! The library's error type: every failure names what it concerns (container, path, key).

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] lxc_config::ConfigError),
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{op}: {source}")]
    Sys { op: String, source: io::Error },
    #[error("invalid container name \"{0}\"")]
    InvalidName(String),
    #[error("container \"{0}\" is not defined")]
    NotDefined(String),
    #[error("container \"{0}\" already exists")]
    AlreadyDefined(String),
    #[error("container \"{0}\" is already running")]
    AlreadyRunning(String),
    #[error("container \"{0}\" is not running")]
    NotRunning(String),
    #[error("{name}: not supported yet: {key}")]
    Unsupported { name: String, key: String },
    #[error("{name}: template \"{template}\" failed: {message}")]
    Template {
        name: String,
        template: String,
        message: String,
    },
    #[error("{name}: failed to start: {message}")]
    Start { name: String, message: String },
    #[error("{name}: {message}")]
    Command { name: String, message: String },
    #[error("{name}: timed out waiting for {what}")]
    Timeout { name: String, what: String },
    #[error("{name}: hook \"{hook}\" failed: {message}")]
    Hook {
        name: String,
        hook: String,
        message: String,
    },
    #[error("{file}:{line}: {message}")]
    ServiceConfig {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{bridge}: {message}")]
    BridgeService { bridge: String, message: String },
    /// A storage backend's tool or kernel refused (its own words).
    #[error("{0}")]
    Backend(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("cannot find the lxc-rs helper program (set LXC_RS_HELPER): {0}")]
    HelperMissing(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Attach a path to an I/O error.
pub(crate) fn io_err(path: impl AsRef<std::path::Path>) -> impl FnOnce(io::Error) -> Error {
    let path = path.as_ref().display().to_string();
    move |source| Error::Io { path, source }
}

/// Attach an operation description to a syscall error.
pub(crate) fn sys_err(op: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
    let op = op.into();
    move |source| Error::Sys { op, source }
}
