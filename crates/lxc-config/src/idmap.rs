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
