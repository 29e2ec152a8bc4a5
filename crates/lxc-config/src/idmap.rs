//! `lxc.idmap = u|g <nsid> <hostid> <range>`.

use crate::model::{IdMap, IdMapKind};
use std::fmt;

impl IdMap {
    /// Parse the value of an `lxc.idmap` line. The ranges must fit in the 32-bit id space.
    pub fn parse(value: &str) -> Result<IdMap, String> {
        let fields: Vec<&str> = value.split_whitespace().collect();
        let [kind, ns, host, range] = fields.as_slice() else {
            return Err("expected \"u|g <nsid> <hostid> <range>\"".to_string());
        };
        let kind = match *kind {
            "u" => IdMapKind::Uid,
            "g" => IdMapKind::Gid,
            other => return Err(format!("id type must be \"u\" or \"g\", not \"{other}\"")),
        };
        let num = |s: &str, what: &str| -> Result<u32, String> {
            s.parse::<u32>()
                .map_err(|_| format!("{what} \"{s}\" is not a 32-bit unsigned number"))
        };
        let ns_id = num(ns, "namespace id")?;
        let host_id = num(host, "host id")?;
        let range = num(range, "range")?;
        if range == 0 {
            return Err("range must be at least 1".to_string());
        }
        let limit = 1u64 << 32;
        if u64::from(ns_id) + u64::from(range) > limit
            || u64::from(host_id) + u64::from(range) > limit
        {
            return Err("id range overflows the 32-bit id space".to_string());
        }
        Ok(IdMap {
            kind,
            ns_id,
            host_id,
            range,
        })
    }
}

/// A container's id maps, one kind at a time, as the kernel applies them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMaps {
    pub maps: Vec<IdMap>,
}

impl IdMaps {
    pub fn new(maps: &[IdMap]) -> IdMaps {
        IdMaps {
            maps: maps.to_vec(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.maps.is_empty()
    }

    fn of(&self, kind: IdMapKind) -> impl Iterator<Item = &IdMap> {
        self.maps.iter().filter(move |m| m.kind == kind)
    }

    /// The host id that container id `ns` is (None: unmapped).
    pub fn to_host(&self, kind: IdMapKind, ns: u32) -> Option<u32> {
        self.of(kind)
            .find(|m| ns >= m.ns_id && u64::from(ns) < u64::from(m.ns_id) + u64::from(m.range))
            .map(|m| m.host_id + (ns - m.ns_id))
    }

    /// The container id that host id `host` is (None: unmapped).
    pub fn to_ns(&self, kind: IdMapKind, host: u32) -> Option<u32> {
        self.of(kind)
            .find(|m| {
                host >= m.host_id && u64::from(host) < u64::from(m.host_id) + u64::from(m.range)
            })
            .map(|m| m.ns_id + (host - m.host_id))
    }

    /// The lowest container id no map covers (where LXC maps the creating user while a
    /// template runs).
    pub fn first_unmapped(&self, kind: IdMapKind) -> Option<u32> {
        let mut candidate: u32 = 0;
        loop {
            let covering = self.of(kind).find(|m| {
                candidate >= m.ns_id
                    && u64::from(candidate) < u64::from(m.ns_id) + u64::from(m.range)
            });
            match covering {
                None => return Some(candidate),
                Some(m) => candidate = m.ns_id.checked_add(m.range)?,
            }
        }
    }

    /// The text of `/proc/<pid>/uid_map` (or `gid_map`).
    pub fn map_file(&self, kind: IdMapKind) -> String {
        self.of(kind)
            .map(|m| format!("{} {} {}\n", m.ns_id, m.host_id, m.range))
            .collect()
    }
}

impl fmt::Display for IdMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = match self.kind {
            IdMapKind::Uid => 'u',
            IdMapKind::Gid => 'g',
        };
        write!(f, "{k} {} {} {}", self.ns_id, self.host_id, self.range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        let m = IdMap::parse("u 0 100000 65536").unwrap();
        assert_eq!(m.kind, IdMapKind::Uid);
        assert_eq!((m.ns_id, m.host_id, m.range), (0, 100000, 65536));
        assert_eq!(m.to_string(), "u 0 100000 65536");
        assert_eq!(
            IdMap::parse("  g   0\t1000 1 ").unwrap().to_string(),
            "g 0 1000 1"
        );
    }

    #[test]
    fn maps_translate_both_ways() {
        let maps = IdMaps::new(&[
            IdMap::parse("u 0 100000 1000").unwrap(),
            IdMap::parse("u 1000 1000 1").unwrap(),
            IdMap::parse("u 1001 101001 64535").unwrap(),
            IdMap::parse("g 0 200000 65536").unwrap(),
        ]);
        assert_eq!(maps.to_host(IdMapKind::Uid, 0), Some(100000));
        assert_eq!(maps.to_host(IdMapKind::Uid, 1000), Some(1000));
        assert_eq!(maps.to_host(IdMapKind::Uid, 65535), Some(165535));
        assert_eq!(maps.to_host(IdMapKind::Uid, 65536), None);
        assert_eq!(maps.to_host(IdMapKind::Gid, 5), Some(200005));
        assert_eq!(maps.to_ns(IdMapKind::Uid, 100999), Some(999));
        assert_eq!(maps.to_ns(IdMapKind::Uid, 0), None);
        assert_eq!(maps.first_unmapped(IdMapKind::Uid), Some(65536));
        assert_eq!(maps.first_unmapped(IdMapKind::Gid), Some(65536));
        assert_eq!(IdMaps::default().first_unmapped(IdMapKind::Uid), Some(0));
        assert_eq!(
            maps.map_file(IdMapKind::Uid),
            "0 100000 1000\n1000 1000 1\n1001 101001 64535\n"
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "u 0 100000",
            "x 0 1 1",
            "u -1 0 1",
            "u 0 0 0",
            "u a b c",
            "u 0 4294967295 2",
            "u 0 1 2 3",
        ] {
            assert!(IdMap::parse(bad).is_err(), "{bad:?}");
        }
        assert!(IdMap::parse("u 0 4294967295 1").is_ok());
    }
}
