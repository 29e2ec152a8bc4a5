//! The host's cgroup layout: the unified (cgroup2) mount and the legacy (v1) controller
//! hierarchies, read from /proc/self/mountinfo. Pure v2 has only the first, hybrid both, a
//! v1-only host only the second.

use std::path::{Path, PathBuf};

/// One mounted cgroup hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub mount: PathBuf,
    /// The controllers bound to a v1 hierarchy (`memory`, `cpu`, `name=systemd`); empty for
    /// the unified one.
    pub controllers: Vec<String>,
}

impl Hierarchy {
    pub fn is_unified(&self) -> bool {
        self.controllers.is_empty()
    }

    pub fn has(&self, controller: &str) -> bool {
        self.controllers.iter().any(|c| c == controller)
    }

    /// The options that mount this v1 hierarchy again (`cpu,cpuacct`, `none,name=systemd`).
    pub fn mount_options(&self) -> String {
        let list = self.controllers.join(",");
        if self.controllers.iter().all(|c| c.starts_with("name=")) {
            format!("none,{list}")
        } else {
            list
        }
    }

    /// The name the hierarchy's controllers have in /proc/PID/cgroup (`cpu,cpuacct`).
    pub fn key(&self) -> String {
        self.controllers.join(",")
    }
}

/// Every cgroup hierarchy of the host: the unified one first when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub hierarchies: Vec<Hierarchy>,
}

impl Layout {
    /// The layout this process sees.
    pub fn current() -> Layout {
        let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let known = std::fs::read_to_string("/proc/cgroups").unwrap_or_default();
        let known: Vec<&str> = known
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        parse_mountinfo(&info, &known)
    }

    pub fn unified(&self) -> Option<&Hierarchy> {
        self.hierarchies.first().filter(|h| h.is_unified())
    }

    pub fn legacy(&self) -> impl Iterator<Item = &Hierarchy> {
        self.hierarchies.iter().filter(|h| !h.is_unified())
    }

    pub fn has_legacy(&self) -> bool {
        self.legacy().next().is_some()
    }

    /// The v1 hierarchy a controller is bound to.
    pub fn legacy_with(&self, controller: &str) -> Option<&Hierarchy> {
        self.legacy().find(|h| h.has(controller))
    }
}

/// The hierarchies in a mountinfo text. `known` lists the kernel's controllers (the first
/// column of /proc/cgroups) to tell them from other super options. The unified mount at
/// /sys/fs/cgroup wins over others; a hierarchy mounted twice counts once.
fn parse_mountinfo(text: &str, known: &[&str]) -> Layout {
    let mut unified: Option<PathBuf> = None;
    let mut legacy: Vec<Hierarchy> = Vec::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let mut right = right.split_whitespace();
        let fstype = right.next().unwrap_or("");
        let Some(point) = left.split_whitespace().nth(4) else {
            continue;
        };
        let point = PathBuf::from(unescape(point));
        match fstype {
            "cgroup2" if point == Path::new("/sys/fs/cgroup") || unified.is_none() => {
                unified = Some(point);
            }
            "cgroup" => {
                let options = right.nth(1).unwrap_or("");
                let controllers: Vec<String> = options
                    .split(',')
                    .filter(|o| o.starts_with("name=") || known.contains(o))
                    .map(str::to_string)
                    .collect();
                if !controllers.is_empty() && !legacy.iter().any(|h| h.controllers == controllers) {
                    legacy.push(Hierarchy {
                        mount: point,
                        controllers,
                    });
                }
            }
            _ => {}
        }
    }
    let mut hierarchies: Vec<Hierarchy> = unified
        .map(|mount| Hierarchy {
            mount,
            controllers: Vec::new(),
        })
        .into_iter()
        .collect();
    hierarchies.extend(legacy);
    Layout { hierarchies }
}

/// mountinfo escapes blanks and backslashes as octal (`\040`).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() {
            let digits = std::str::from_utf8(&bytes[i + 1..i + 4]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(digits, 8) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A process's cgroup in `h` from its /proc/PID/cgroup text.
pub fn cgroup_in(text: &str, h: &Hierarchy) -> Option<String> {
    let want = h.key();
    text.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        (controllers == want).then(|| path.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["cpu", "cpuacct", "memory", "pids", "freezer", "devices"];

    #[test]
    fn hybrid_hosts_list_unified_first_then_each_hierarchy_once() {
        let info = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,xattr,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
99 50 0:32 / /mnt/mem\\040again rw - cgroup cgroup rw,memory
";
        let layout = parse_mountinfo(info, KNOWN);
        let mounts: Vec<_> = layout.hierarchies.iter().map(|h| h.mount.clone()).collect();
        assert_eq!(
            mounts,
            [
                "/sys/fs/cgroup/unified",
                "/sys/fs/cgroup/cpu,cpuacct",
                "/sys/fs/cgroup/memory",
                "/sys/fs/cgroup/systemd"
            ]
            .map(PathBuf::from)
        );
        assert_eq!(
            layout.unified().unwrap().mount,
            PathBuf::from("/sys/fs/cgroup/unified")
        );
        let cpu = layout.legacy_with("cpuacct").unwrap();
        assert_eq!(cpu.mount_options(), "cpu,cpuacct");
        assert_eq!(
            layout.legacy_with("name=systemd").unwrap().mount_options(),
            "none,name=systemd"
        );
        assert!(layout.legacy_with("pids").is_none());
    }

    #[test]
    fn pure_v2_and_v1_only_hosts() {
        let v2 = parse_mountinfo(
            "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
            KNOWN,
        );
        assert!(v2.unified().is_some() && !v2.has_legacy());
        let v1 = parse_mountinfo(
            "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
            KNOWN,
        );
        assert!(v1.unified().is_none() && v1.legacy_with("memory").is_some());
    }

    #[test]
    fn a_process_cgroup_is_found_by_its_controller_list() {
        let text = "4:memory:/a/b\n1:cpu,cpuacct:/c\n9:name=systemd:/d\n0::/e\n";
        let h = |c: &[&str]| Hierarchy {
            mount: PathBuf::new(),
            controllers: c.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(cgroup_in(text, &h(&["memory"])).unwrap(), "/a/b");
        assert_eq!(cgroup_in(text, &h(&["cpu", "cpuacct"])).unwrap(), "/c");
        assert_eq!(cgroup_in(text, &h(&["name=systemd"])).unwrap(), "/d");
        assert_eq!(cgroup_in(text, &h(&[])).unwrap(), "/e");
        assert_eq!(unescape("/mnt/a\\040b"), "/mnt/a b");
    }
}
