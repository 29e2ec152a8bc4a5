//! get/set/clear through the API, get_keys, and saving (`to_text`): the model is updated through
//! the registry and the user's lines are edited in place so a save changes only what it must.

use crate::error::ConfigError;
use crate::model::{ConfigLine, ContainerConfig};
use crate::parse::{classify, format_line, LineKind};
use crate::registry::{self, net, KeySpec, ResolveError, Resolved};

/// Why a key/value could not be applied (the caller adds file/line or API context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApplyError {
    Unknown,
    Invalid(String),
}

impl ApplyError {
    pub(crate) fn into_file_error(
        self,
        file: &str,
        line: usize,
        key: &str,
        value: &str,
    ) -> ConfigError {
        match self {
            ApplyError::Unknown => ConfigError::UnknownKey {
                file: file.to_string(),
                line,
                key: key.to_string(),
            },
            ApplyError::Invalid(reason) => ConfigError::InvalidValue {
                file: file.to_string(),
                line,
                key: key.to_string(),
                value: value.to_string(),
                reason,
            },
        }
    }

    fn into_api_error(self, key: &str, value: &str) -> ConfigError {
        match self {
            ApplyError::Unknown => ConfigError::UnknownKeyApi(key.to_string()),
            ApplyError::Invalid(reason) => ConfigError::InvalidValueApi {
                key: key.to_string(),
                value: value.to_string(),
                reason,
            },
        }
    }
}

const NO_NIC: &str = "no network defined yet: lxc.network.type must come first";

impl ContainerConfig {
    fn resolve_here(&self, key: &str) -> Result<Resolved, ResolveError> {
        registry::resolve(key, self.last_network_index())
    }

    /// Apply one key/value to the typed model (not to `lines`). An empty value clears.
    /// Returns the current spelling, or `None` for ignored legacy keys.
    pub(crate) fn apply_value(
        &mut self,
        key: &str,
        value: &str,
    ) -> Result<Option<String>, ApplyError> {
        let (spec, canonical) = match self.resolve_here(key) {
            Ok(Resolved::Key { spec, canonical }) => (spec, canonical),
            Ok(Resolved::Ignored) => return Ok(None),
            Err(ResolveError::Unknown) => return Err(ApplyError::Unknown),
            Err(ResolveError::NoNic) => return Err(ApplyError::Invalid(NO_NIC.to_string())),
        };
        if value.is_empty() {
            (spec.clear)(self, &canonical);
            self.forget_key(&canonical);
        } else {
            (spec.set)(self, &canonical, value).map_err(ApplyError::Invalid)?;
            self.key_order.push(canonical.clone());
        }
        Ok(Some(canonical))
    }

    fn forget_key(&mut self, canonical: &str) {
        self.key_order
            .retain(|k| !registry::clear_covers(canonical, k));
    }

    pub(crate) fn push_line(&mut self, line: ConfigLine, raw: Option<&str>) {
        self.sync_raw();
        self.lines.push(line);
        self.raw_lines.push(raw.map(str::to_string));
    }

    /// Keep `raw_lines` as long as `lines` (callers may have edited `lines` directly).
    fn sync_raw(&mut self) {
        self.raw_lines.resize(self.lines.len(), None);
    }

    /// Current spelling of the key of every line (`None` for verbatim/ignored/unknown lines),
    /// replaying un-indexed `lxc.network.*` numbering over the lines.
    fn line_keys(&self) -> Vec<Option<String>> {
        let mut last_nic: Option<usize> = None;
        self.lines
            .iter()
            .map(|l| {
                let ConfigLine::Item { key, .. } = l else {
                    return None;
                };
                match registry::resolve(key, last_nic) {
                    Ok(Resolved::Key { canonical, .. }) => {
                        if let Some((idx, _)) = net::parse_net_key(&canonical) {
                            last_nic = Some(last_nic.map_or(idx, |m| m.max(idx)));
                        }
                        Some(canonical)
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// Remove every line whose key is covered by clearing `canonical`.
    fn remove_lines_of(&mut self, canonical: &str, keys: &[Option<String>]) {
        self.sync_raw();
        let mut i = 0;
        let mut k = 0;
        while i < self.lines.len() {
            let covered = keys
                .get(k)
                .and_then(|o| o.as_deref())
                .is_some_and(|lk| registry::clear_covers(canonical, lk));
            if covered {
                self.lines.remove(i);
                self.raw_lines.remove(i);
            } else {
                i += 1;
            }
            k += 1;
        }
    }

    fn has_include_line(&self) -> bool {
        self.line_keys()
            .iter()
            .any(|k| k.as_deref() == Some("lxc.include"))
    }

    /// set_config_item: validate, update the model and the user's lines. Accepts legacy
    /// names. An empty value clears the key.
    pub fn set_item(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let filled = crate::hwaddr::complete(key, value.trim());
        let value = filled.as_deref().unwrap_or(value.trim());
        if value.contains('\n') {
            return Err(ConfigError::InvalidValueApi {
                key: key.to_string(),
                value: value.to_string(),
                reason: "values cannot contain a newline".to_string(),
            });
        }
        let resolved = match self.resolve_here(key) {
            Ok(r) => r,
            Err(ResolveError::Unknown) => return Err(ConfigError::UnknownKeyApi(key.into())),
            Err(ResolveError::NoNic) => {
                return Err(ApplyError::Invalid(NO_NIC.to_string()).into_api_error(key, value))
            }
        };
        let (spec, canonical) = match resolved {
            Resolved::Key { spec, canonical } => (spec, canonical),
            Resolved::Ignored => {
                self.set_ignored_line(key, value);
                return Ok(());
            }
        };
        let keys = self.line_keys();
        let mut next = self.clone();
        next.apply_value(key, value)
            .map_err(|e| e.into_api_error(key, value))?;
        if canonical == "lxc.include" && !value.is_empty() {
            next.include_path(value, "<api>", 0, 0)?;
        }
        // Un-indexed legacy network keys depend on position; new lines use the indexed form.
        let written = if key.starts_with("lxc.network") {
            canonical.as_str()
        } else {
            key
        };
        next.edit_lines(spec, &canonical, written, value, &keys);
        *self = next;
        Ok(())
    }

    fn edit_lines(
        &mut self,
        spec: &KeySpec,
        canonical: &str,
        written: &str,
        value: &str,
        keys: &[Option<String>],
    ) {
        self.sync_raw();
        if value.is_empty() {
            self.remove_lines_of(canonical, keys);
            // A value from an included file needs an explicit clearing line to stay cleared.
            if self.has_include_line() {
                self.push_line(item(canonical, ""), None);
            }
            return;
        }
        let last = keys.iter().rposition(|k| k.as_deref() == Some(canonical));
        if registry::is_multi(spec, canonical) {
            match last {
                Some(i) if i < self.lines.len() => {
                    self.lines.insert(i + 1, item(written, value));
                    self.raw_lines.insert(i + 1, None);
                }
                _ => self.push_line(item(written, value), None),
            }
        } else {
            match last.and_then(|i| self.lines.get_mut(i).map(|l| (i, l))) {
                Some((i, ConfigLine::Item { value: v, .. })) => {
                    *v = value.to_string();
                    if let Some(r) = self.raw_lines.get_mut(i) {
                        *r = None;
                    }
                }
                _ => self.push_line(item(written, value), None),
            }
        }
    }

    /// Ignored legacy keys (`lxc.pivotdir`, ...) only live in the lines.
    fn set_ignored_line(&mut self, key: &str, value: &str) {
        self.sync_raw();
        let pos = self
            .lines
            .iter()
            .rposition(|l| matches!(l, ConfigLine::Item { key: k, .. } if k == key));
        match pos {
            Some(i) => {
                self.lines[i] = item(key, value);
                self.raw_lines[i] = None;
            }
            None => self.push_line(item(key, value), None),
        }
    }

    /// get_config_item: the value as LXC prints it. Multi-valued keys end every value with
    /// '\n'; unset string keys give "". Unknown keys give `UnknownKeyApi`.
    pub fn get_item(&self, key: &str) -> Result<String, ConfigError> {
        match self.resolve_here(key) {
            Ok(Resolved::Key { spec, canonical }) => Ok((spec.get)(self, &canonical)),
            Ok(Resolved::Ignored) | Err(ResolveError::NoNic) => Ok(String::new()),
            Err(ResolveError::Unknown) => Err(ConfigError::UnknownKeyApi(key.to_string())),
        }
    }

    /// clear_config_item: reset the setting and drop its lines (legacy spellings too).
    pub fn clear_item(&mut self, key: &str) -> Result<(), ConfigError> {
        match self.resolve_here(key) {
            Ok(Resolved::Key { spec, canonical }) => {
                let keys = self.line_keys();
                (spec.clear)(self, &canonical);
                self.forget_key(&canonical);
                self.remove_lines_of(&canonical, &keys);
                Ok(())
            }
            Ok(Resolved::Ignored) => {
                self.sync_raw();
                let mut i = 0;
                while i < self.lines.len() {
                    if matches!(&self.lines[i], ConfigLine::Item { key: k, .. } if k == key) {
                        self.lines.remove(i);
                        self.raw_lines.remove(i);
                    } else {
                        i += 1;
                    }
                }
                Ok(())
            }
            Err(ResolveError::NoNic) => Ok(()),
            Err(ResolveError::Unknown) => Err(ConfigError::UnknownKeyApi(key.to_string())),
        }
    }

    /// get_keys. `None`: every top-level key name (prefix families bare, as LXC lists them).
    /// `Some("lxc.net.<i>")`: the subkey names that apply to that NIC's type. Any other prefix:
    /// the registry names starting with it.
    pub fn keys(&self, prefix: Option<&str>) -> Vec<String> {
        let Some(prefix) = prefix else {
            let mut out: Vec<String> = Vec::new();
            for spec in registry::registry() {
                // LXC does not list the `lxc.net.`-style entries that end in a dot.
                if !spec.name.ends_with('.') && !out.iter().any(|k| k == spec.name) {
                    out.push(spec.name.to_string());
                }
            }
            return out;
        };
        if let Some((idx, None)) = net::parse_net_key(prefix.trim_end_matches('.')) {
            return self
                .networks
                .get(&idx)
                .map(|n| net::nic_keys(n).into_iter().map(str::to_string).collect())
                .unwrap_or_default();
        }
        let mut out: Vec<String> = Vec::new();
        for spec in registry::registry() {
            let name = spec.display_name();
            if name.starts_with(prefix) && !out.iter().any(|k| k == name) {
                out.push(name.to_string());
            }
        }
        out
    }

    /// The configuration as it would be saved: the user's lines, edited in place; lines read
    /// from a file are reproduced byte for byte.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            match line {
                ConfigLine::Verbatim(s) => out.push_str(s),
                ConfigLine::Item { key, value } => {
                    let raw = self.raw_lines.get(i).and_then(|r| r.as_deref());
                    match raw {
                        Some(r)
                            if classify(r)
                                == (LineKind::Item {
                                    key: key.as_str(),
                                    value: value.as_str(),
                                }) =>
                        {
                            out.push_str(r)
                        }
                        _ => out.push_str(&format_line(key, value)),
                    }
                }
            }
            out.push('\n');
        }
        out
    }

    /// Keys (current spelling) that were given a value, in file order (included files too),
    /// without duplicates; cleared keys are left out.
    pub fn set_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for k in &self.key_order {
            if !out.contains(k) {
                out.push(k.clone());
            }
        }
        out
    }

    /// Context-aware `canonical_key`: un-indexed `lxc.network.*` keys resolve against this
    /// configuration's NICs.
    pub fn canonical_key_in(&self, key: &str) -> Option<String> {
        match self.resolve_here(key) {
            Ok(Resolved::Key { canonical, .. }) => Some(canonical),
            _ => None,
        }
    }
}

fn item(key: &str, value: &str) -> ConfigLine {
    ConfigLine::Item {
        key: key.to_string(),
        value: value.to_string(),
    }
}

#[cfg(test)]
mod tests;
