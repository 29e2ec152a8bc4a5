//! Errors of the configuration crate. File-based variants carry the file and 1-based line so a
//! user can find the offending line; `*Api` variants are for calls made through the API.

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}:{line}: unknown configuration key \"{key}\"")]
    UnknownKey {
        file: String,
        line: usize,
        key: String,
    },
    #[error("{file}:{line}: invalid value \"{value}\" for key \"{key}\": {reason}")]
    InvalidValue {
        file: String,
        line: usize,
        key: String,
        value: String,
        reason: String,
    },
    #[error("{file}:{line}: line is not of the form \"key = value\": {text}")]
    Syntax {
        file: String,
        line: usize,
        text: String,
    },
    #[error("{file}:{line}: seccomp policy: {reason}")]
    Seccomp {
        file: String,
        line: usize,
        reason: String,
    },
    /// set/get/clear through the API (no file).
    #[error("unknown configuration key \"{0}\"")]
    UnknownKeyApi(String),
    #[error("invalid value \"{value}\" for key \"{key}\": {reason}")]
    InvalidValueApi {
        key: String,
        value: String,
        reason: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: lxc.include nesting too deep")]
    IncludeDepth { file: String, line: usize },
}
