//! What `lxc-user-nic` reads and keeps: the allowances of `/etc/lxc/lxc-usernet`
//! (`lxc-usernet(5)`: `<user> <type> <bridge> <count>` or `@<group> ...`) and its database of
//! the NICs it made (`/run/lxc/nics`: `<user-or-@group> <type> <bridge> <host-veth>`).
//! Parsed into typed records and matched on whole fields only: the helper runs setuid root.

/// One line of lxc-usernet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    /// A user name, or `@group`.
    pub owner: String,
    pub kind: String,
    pub bridge: String,
    pub count: u32,
}

/// One NIC made for a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicRecord {
    /// The allowance it is charged to (a user name or `@group`).
    pub owner: String,
    pub kind: String,
    pub bridge: String,
    pub device: String,
}

/// A name field: non-empty, at most 99 bytes (as LXC reads them), no whitespace.
fn field(word: &str) -> Option<String> {
    (!word.is_empty() && word.len() <= 99).then(|| word.to_string())
}

/// The allowances of lxc-usernet; lines that do not start with four fields ending in a
/// count are ignored, as LXC ignores them (comments among them).
pub fn parse_allowances(text: &str) -> Vec<Allowance> {
    text.lines()
        .filter_map(|line| {
            // As LXC reads them (sscanf of four fields): what follows the count is ignored.
            let words: Vec<&str> = line.split_whitespace().collect();
            let [owner, kind, bridge, count, ..] = words.as_slice() else {
                return None;
            };
            if owner.starts_with('#') {
                return None;
            }
            Some(Allowance {
                owner: field(owner)?,
                kind: field(kind)?,
                bridge: field(bridge)?,
                count: count.parse().ok()?,
            })
        })
        .collect()
}

/// The database's records; malformed lines are dropped (they are rewritten without them).
pub fn parse_records(text: &str) -> Vec<NicRecord> {
    text.lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [owner, kind, bridge, device] = words.as_slice() else {
                return None;
            };
            Some(NicRecord {
                owner: field(owner)?,
                kind: field(kind)?,
                bridge: field(bridge)?,
                device: field(device)?,
            })
        })
        .collect()
}

pub fn records_text(records: &[NicRecord]) -> String {
    records
        .iter()
        .map(|r| format!("{} {} {} {}\n", r.owner, r.kind, r.bridge, r.device))
        .collect()
}

/// Which allowance a new NIC of `kind` on `bridge` is charged to, for `user` in `groups`:
/// the first matching line (the user's own, or one of its groups') that still has room,
/// in file order; None when every matching allowance is used up (or none matches).
pub fn charge_to<'a>(
    allowances: &'a [Allowance],
    records: &[NicRecord],
    user: &str,
    groups: &[String],
    kind: &str,
    bridge: &str,
) -> Option<&'a Allowance> {
    allowances.iter().find(|a| {
        let applies = match a.owner.strip_prefix('@') {
            Some(group) => groups.iter().any(|g| g == group),
            None => a.owner == user,
        };
        let used = records
            .iter()
            .filter(|r| r.owner == a.owner && r.kind == kind && r.bridge == bridge)
            .count();
        applies && a.kind == kind && a.bridge == bridge && (used as u64) < u64::from(a.count)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERNET: &str = "# who type bridge count\n\
        stgraber veth lxcbr0 2\n\
        @staff veth lxcbr0 1\n\
        stgraber veth br1 1 # trailing words are ignored\n\
        broken line\n\
        other veth lxcbr0 notanumber\n";

    fn record(owner: &str, bridge: &str, device: &str) -> NicRecord {
        NicRecord {
            owner: owner.into(),
            kind: "veth".into(),
            bridge: bridge.into(),
            device: device.into(),
        }
    }

    #[test]
    fn allowances_are_whole_lines_of_four_fields() {
        let a = parse_allowances(USERNET);
        assert_eq!(a.len(), 3);
        assert_eq!(a[1].owner, "@staff");
        assert_eq!(a[0].count, 2);
    }

    #[test]
    fn charges_go_to_the_first_line_with_room() {
        let a = parse_allowances(USERNET);
        let groups = vec!["staff".to_string()];
        let mut db = Vec::new();
        let pick = |db: &[NicRecord]| {
            charge_to(&a, db, "stgraber", &groups, "veth", "lxcbr0").map(|a| a.owner.clone())
        };
        assert_eq!(pick(&db).as_deref(), Some("stgraber"));
        db.push(record("stgraber", "lxcbr0", "v1"));
        db.push(record("stgraber", "lxcbr0", "v2"));
        assert_eq!(pick(&db).as_deref(), Some("@staff"));
        db.push(record("@staff", "lxcbr0", "v3"));
        assert_eq!(pick(&db), None);
        // Another bridge, another type, another user: their own allowances.
        assert!(charge_to(&a, &db, "stgraber", &groups, "veth", "br1").is_some());
        assert!(charge_to(&a, &db, "stgraber", &groups, "macvlan", "lxcbr0").is_none());
        assert!(charge_to(&a, &[], "stgrabe", &[], "veth", "lxcbr0").is_none());
        // A prefix of a name is not the name.
        assert!(charge_to(&a, &[], "stgraber2", &["staf".into()], "veth", "lxcbr0").is_none());
    }

    #[test]
    fn records_round_trip_and_junk_goes() {
        let text = "stgraber veth lxcbr0 veth1000_abcd\ngarbage\n@staff veth br1 vethXYZ123\n";
        let records = parse_records(text);
        assert_eq!(records.len(), 2);
        assert_eq!(
            records_text(&records),
            "stgraber veth lxcbr0 veth1000_abcd\n@staff veth br1 vethXYZ123\n"
        );
        let long = format!("{} veth br x\n", "u".repeat(100));
        assert!(parse_records(&long).is_empty());
    }
}
