//! Reading configuration text (LXC 5.0 syntax, section 3.1 of the spec) into the typed model,
//! following `lxc.include`.

use crate::error::ConfigError;
use crate::model::{ConfigLine, ContainerConfig};
use std::path::Path;

/// Deepest `lxc.include` nesting accepted (guards against include loops).
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// What one line of a config file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind<'a> {
    /// Comment, blank, or a line not starting with `lxc.`.
    Verbatim,
    /// `key = value`, key trimmed, value trimmed and unquoted.
    Item { key: &'a str, value: &'a str },
    /// An `lxc.` line without `=`.
    Malformed,
}

pub(crate) fn classify(raw: &str) -> LineKind<'_> {
    let t = raw.trim();
    if t.is_empty() || t.starts_with('#') || !t.starts_with("lxc.") {
        return LineKind::Verbatim;
    }
    let Some((key, value)) = t.split_once('=') else {
        return LineKind::Malformed;
    };
    LineKind::Item {
        key: key.trim(),
        value: unquote(value.trim()),
    }
}

/// A value wrapped in matching single or double quotes loses them.
pub(crate) fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// Format a line so that `classify` gives back exactly `key` and `value`.
pub(crate) fn format_line(key: &str, value: &str) -> String {
    if value.is_empty() {
        return format!("{key} =");
    }
    let needs_quotes = value != value.trim() || unquote(value) != value;
    if needs_quotes {
        let q = if value.starts_with('"') { '\'' } else { '"' };
        format!("{key} = {q}{value}{q}")
    } else {
        format!("{key} = {value}")
    }
}

/// Lines of `text`; a final newline does not start an extra empty line.
pub(crate) fn split_lines(text: &str) -> Vec<&str> {
    let mut v: Vec<&str> = text.split('\n').collect();
    if v.last() == Some(&"") {
        v.pop();
    }
    v
}

fn read_text(path: &Path) -> Result<String, ConfigError> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })
}

impl ContainerConfig {
    /// Read and parse a config file (following `lxc.include`). Any unknown key or bad value
    /// fails the whole load, like LXC.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = read_text(path)?;
        let origin = path.display().to_string();
        let mut c = ContainerConfig::new();
        c.parse_inner(&text, &origin, 0, true)?;
        c.source = Some(origin);
        Ok(c)
    }

    /// Parse `text` as if it came from `origin` (used in errors) and append it to this
    /// configuration. On error nothing is changed.
    pub fn parse_text(&mut self, text: &str, origin: &str) -> Result<(), ConfigError> {
        let mut next = self.clone();
        next.parse_inner(text, origin, 0, true)?;
        *self = next;
        Ok(())
    }

    /// `keep_lines` is false for included files: their settings reach the model only.
    pub(crate) fn parse_inner(
        &mut self,
        text: &str,
        origin: &str,
        depth: usize,
        keep_lines: bool,
    ) -> Result<(), ConfigError> {
        for (i, raw) in split_lines(text).into_iter().enumerate() {
            let line = i + 1;
            match classify(raw) {
                LineKind::Verbatim => {
                    if keep_lines {
                        self.push_line(ConfigLine::Verbatim(raw.to_string()), Some(raw));
                    }
                }
                LineKind::Malformed => {
                    return Err(ConfigError::Syntax {
                        file: origin.to_string(),
                        line,
                        text: raw.trim().to_string(),
                    })
                }
                LineKind::Item { key, value } => {
                    // A hwaddr template is filled as it is read; the line saved is the result.
                    let filled = crate::hwaddr::complete(key, value);
                    let value = filled.as_deref().unwrap_or(value);
                    let canonical = self
                        .apply_value(key, value)
                        .map_err(|e| e.into_file_error(origin, line, key, value))?;
                    if canonical.as_deref() == Some("lxc.include") && !value.is_empty() {
                        self.include_path(value, origin, line, depth)?;
                    }
                    if keep_lines {
                        let item = ConfigLine::Item {
                            key: key.to_string(),
                            value: value.to_string(),
                        };
                        self.push_line(item, if filled.is_some() { None } else { Some(raw) });
                    }
                }
            }
        }
        Ok(())
    }

    /// Process `lxc.include = target` found at `origin:line` while parsing at `depth`.
    pub(crate) fn include_path(
        &mut self,
        target: &str,
        origin: &str,
        line: usize,
        depth: usize,
    ) -> Result<(), ConfigError> {
        let depth = depth + 1;
        if depth > MAX_INCLUDE_DEPTH {
            return Err(ConfigError::IncludeDepth {
                file: origin.to_string(),
                line,
            });
        }
        let path = Path::new(target);
        // A trailing '/' means a directory; a missing directory is fine (Debian's userns.conf
        // includes a userns.conf.d/ that usually does not exist), a missing file is not.
        if target.ends_with('/') || path.is_dir() {
            let io = |source| ConfigError::Io {
                path: target.to_string(),
                source,
            };
            let dir = match std::fs::read_dir(path) {
                Ok(d) => d,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(io(e)),
            };
            let mut files = Vec::new();
            for entry in dir {
                let p = entry.map_err(io)?.path();
                let is_conf = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.len() > 5 && n.ends_with(".conf"));
                if is_conf && p.is_file() {
                    files.push(p);
                }
            }
            // readdir order is arbitrary; sorting makes loads reproducible.
            files.sort();
            for f in files {
                let text = read_text(&f)?;
                self.parse_inner(&text, &f.display().to_string(), depth, false)?;
            }
            Ok(())
        } else {
            let text = read_text(path)?;
            self.parse_inner(&text, target, depth, false)
        }
    }
}

#[cfg(test)]
mod tests;
