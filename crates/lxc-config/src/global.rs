//! The global (system) configuration, `lxc.conf(5)`: a handful of keys read with LXC's tiny
//! ad-hoc reader, with defaults from `Paths`.

use crate::error::ConfigError;
use crate::paths::Paths;
use std::path::PathBuf;

/// Keys listed by `lxc-config -l`, in its order.
pub const GLOBAL_KEYS: &[&str] = &[
    "lxc.default_config",
    "lxc.lxcpath",
    "lxc.bdev.lvm.vg",
    "lxc.bdev.lvm.thin_pool",
    "lxc.bdev.zfs.root",
    "lxc.cgroup.use",
    "lxc.cgroup.pattern",
];

/// Every key `get` knows (`lxc.bdev.rbd.rbdpool` is API-only, not listed by `lxc-config -l`).
pub const ALL_GLOBAL_KEYS: &[&str] = &[
    "lxc.default_config",
    "lxc.lxcpath",
    "lxc.bdev.lvm.vg",
    "lxc.bdev.lvm.thin_pool",
    "lxc.bdev.zfs.root",
    "lxc.cgroup.use",
    "lxc.cgroup.pattern",
    "lxc.bdev.rbd.rbdpool",
    // lxc-rs's own: the download template's default image server (LXC reads no such key,
    // and skips lines it does not know).
    "lxc.download.server",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalConfig {
    /// The file read (may not exist).
    pub path: PathBuf,
    /// Lines of the file (empty if it does not exist).
    lines: Vec<String>,
    default_lxcpath: String,
    default_config: String,
}

impl GlobalConfig {
    /// Read `paths.global_config`; a missing file means "all defaults".
    pub fn load(paths: &Paths) -> Result<GlobalConfig, ConfigError> {
        let text = match std::fs::read(&paths.global_config) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(ConfigError::Io {
                    path: paths.global_config.display().to_string(),
                    source,
                })
            }
        };
        Ok(GlobalConfig::from_text(&text, paths))
    }

    /// Build from already-read text (for tests and callers with their own I/O).
    pub fn from_text(text: &str, paths: &Paths) -> GlobalConfig {
        GlobalConfig {
            path: paths.global_config.clone(),
            lines: text.lines().map(str::to_string).collect(),
            default_lxcpath: paths.lxcpath.display().to_string(),
            default_config: paths.default_config.display().to_string(),
        }
    }

    pub fn is_known_key(key: &str) -> bool {
        ALL_GLOBAL_KEYS.contains(&key)
    }

    /// The value written in the file, if any (first match wins).
    pub fn explicit(&self, key: &str) -> Option<String> {
        self.lines.iter().find_map(|l| match_line(l, key))
    }

    /// The value with defaults applied; `None` for unknown keys and unset optional keys
    /// (`lxc.cgroup.use`, `lxc.cgroup.pattern`).
    pub fn get(&self, key: &str) -> Option<String> {
        if !Self::is_known_key(key) {
            return None;
        }
        let value = self.explicit(key).or_else(|| match key {
            "lxc.lxcpath" => Some(self.default_lxcpath.clone()),
            "lxc.default_config" => Some(self.default_config.clone()),
            "lxc.bdev.lvm.vg"
            | "lxc.bdev.lvm.thin_pool"
            | "lxc.bdev.zfs.root"
            | "lxc.bdev.rbd.rbdpool" => Some("lxc".to_string()),
            _ => None,
        })?;
        if key == "lxc.lxcpath" {
            let trimmed = value.trim_end_matches('/');
            return Some(if trimmed.is_empty() && value.starts_with('/') {
                "/".to_string()
            } else {
                trimmed.to_string()
            });
        }
        Some(value)
    }
}

/// LXC's reader: `#` in column 1 is a comment; the key may be preceded by blanks and must be
/// followed by blanks and `=`; the value is the rest minus leading blanks.
fn match_line(line: &str, key: &str) -> Option<String> {
    if line.starts_with('#') {
        return None;
    }
    let rest = line.trim_start_matches([' ', '\t']).strip_prefix(key)?;
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix('=')?;
    Some(rest.trim_start_matches([' ', '\t']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn user_paths() -> Paths {
        Paths::for_user(Path::new("/home/u"), None)
    }

    #[test]
    fn defaults() {
        let g = GlobalConfig::from_text("", &Paths::for_root());
        assert_eq!(g.get("lxc.lxcpath").as_deref(), Some("/var/lib/lxc"));
        assert_eq!(
            g.get("lxc.default_config").as_deref(),
            Some("/etc/lxc/default.conf")
        );
        assert_eq!(g.get("lxc.bdev.lvm.vg").as_deref(), Some("lxc"));
        assert_eq!(g.get("lxc.bdev.lvm.thin_pool").as_deref(), Some("lxc"));
        assert_eq!(g.get("lxc.bdev.zfs.root").as_deref(), Some("lxc"));
        assert_eq!(g.get("lxc.bdev.rbd.rbdpool").as_deref(), Some("lxc"));
        assert_eq!(g.get("lxc.cgroup.use"), None);
        assert_eq!(g.get("lxc.cgroup.pattern"), None);
        assert_eq!(g.get("lxc.bogus"), None);
        let g = GlobalConfig::from_text("", &user_paths());
        assert_eq!(
            g.get("lxc.lxcpath").as_deref(),
            Some("/home/u/.local/share/lxc")
        );
    }

    #[test]
    fn reader_rules() {
        let text = "# lxc.lxcpath = /commented\n  lxc.lxcpath\t= /srv/lxc//\n\
                    lxc.lxcpath = /second\nlxc.bdev.lvm.vg=vg0 \n lxc.cgroup.use = cpu,memory\n\
                    lxc.bdev.zfs.rootx = nope\n";
        let g = GlobalConfig::from_text(text, &user_paths());
        assert_eq!(g.get("lxc.lxcpath").as_deref(), Some("/srv/lxc"));
        // Trailing blanks are part of the value.
        assert_eq!(g.get("lxc.bdev.lvm.vg").as_deref(), Some("vg0 "));
        assert_eq!(g.get("lxc.cgroup.use").as_deref(), Some("cpu,memory"));
        assert_eq!(g.get("lxc.bdev.zfs.root").as_deref(), Some("lxc"));
        let p = user_paths().with_lxcpath_from_global(&g);
        assert_eq!(p.lxcpath, Path::new("/srv/lxc"));
    }

    #[test]
    fn load_missing_and_present() {
        let dir = std::env::temp_dir().join(format!("lxc-config-global-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut p = Paths::for_root();
        p.global_config = dir.join("missing.conf");
        let g = GlobalConfig::load(&p).unwrap();
        assert_eq!(g.get("lxc.lxcpath").as_deref(), Some("/var/lib/lxc"));
        p.global_config = dir.join("lxc.conf");
        std::fs::write(&p.global_config, "lxc.lxcpath = /tmp/x\n").unwrap();
        let g = GlobalConfig::load(&p).unwrap();
        assert_eq!(g.get("lxc.lxcpath").as_deref(), Some("/tmp/x"));
        assert_eq!(GLOBAL_KEYS.len(), 7);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
