//! Row builders for the registry table (one macro per value shape).

/// Optional string field.
macro_rules! string_key {
    ($name:expr, $legacy:expr, $doc:expr, $field:ident) => {
        string_key!($name, $legacy, $doc, $field, |_: &str| Ok::<(), String>(()))
    };
    ($name:expr, $legacy:expr, $doc:expr, $field:ident, $check:expr) => {
        KeySpec {
            name: $name,
            legacy: $legacy,
            prefix: false,
            multi: false,
            doc: $doc,
            set: |c, _, v| {
                ($check)(v)?;
                c.$field = Some(v.to_string());
                Ok(())
            },
            get: |c, _| c.$field.clone().unwrap_or_default(),
            clear: |c, _| c.$field = None,
        }
    };
}

/// 0/1 field with a default.
macro_rules! bool_key {
    ($name:expr, $legacy:expr, $doc:expr, $field:ident, $default:expr) => {
        KeySpec {
            name: $name,
            legacy: $legacy,
            prefix: false,
            multi: false,
            doc: $doc,
            set: |c, _, v| {
                c.$field = values::parse_bool(v)?;
                Ok(())
            },
            get: |c, _| flag(c.$field),
            clear: |c, _| c.$field = $default,
        }
    };
}

/// Plain integer field (`u32`/`i32`) defaulting to 0.
macro_rules! int_key {
    ($name:expr, $legacy:expr, $doc:expr, $field:ident, $parse:path) => {
        KeySpec {
            name: $name,
            legacy: $legacy,
            prefix: false,
            multi: false,
            doc: $doc,
            set: |c, _, v| {
                c.$field = $parse(v)?;
                Ok(())
            },
            get: |c, _| c.$field.to_string(),
            clear: |c, _| c.$field = 0,
        }
    };
}

/// `Option<number>` field printed as `$unset` when unset.
macro_rules! opt_num_key {
    ($name:expr, $legacy:expr, $doc:expr, $field:ident, $parse:path, $unset:expr) => {
        KeySpec {
            name: $name,
            legacy: $legacy,
            prefix: false,
            multi: false,
            doc: $doc,
            set: |c, _, v| {
                c.$field = Some($parse(v)?);
                Ok(())
            },
            get: |c, _| match c.$field {
                Some(n) => n.to_string(),
                None => $unset.to_string(),
            },
            clear: |c, _| c.$field = None,
        }
    };
}

/// Multi-valued list: every line appends its whole value.
macro_rules! list_key {
    ($name:expr, $legacy:expr, $doc:expr, $field:ident) => {
        KeySpec {
            name: $name,
            legacy: $legacy,
            prefix: false,
            multi: true,
            doc: $doc,
            set: |c, _, v| {
                c.$field.push(v.to_string());
                Ok(())
            },
            get: |c, _| lines(&c.$field),
            clear: |c, _| c.$field.clear(),
        }
    };
}

/// Multi-valued list of space-separated words (capabilities).
macro_rules! words_key {
    ($name:expr, $legacy:expr, $doc:expr, $field:ident) => {
        KeySpec {
            name: $name,
            legacy: $legacy,
            prefix: false,
            multi: true,
            doc: $doc,
            set: |c, _, v| {
                c.$field.extend(v.split_whitespace().map(str::to_string));
                Ok(())
            },
            get: |c, _| lines(&c.$field),
            clear: |c, _| c.$field.clear(),
        }
    };
}

/// Signal number field.
macro_rules! signal_key {
    ($name:expr, $legacy:expr, $doc:expr, $field:ident, $unset:expr) => {
        KeySpec {
            name: $name,
            legacy: $legacy,
            prefix: false,
            multi: false,
            doc: $doc,
            set: |c, _, v| {
                c.$field = Some(set_signal(v)?);
                Ok(())
            },
            get: |c, _| c.$field.unwrap_or($unset).to_string(),
            clear: |c, _| c.$field = None,
        }
    };
}

macro_rules! hook_key {
    ($name:expr, $hook:expr, $doc:expr) => {
        KeySpec {
            name: $name,
            legacy: &[],
            prefix: false,
            multi: true,
            doc: $doc,
            set: |c, _, v| {
                hook_push(c, $hook, v);
                Ok(())
            },
            get: |c, _| hook_get(c, $hook),
            clear: |c, _| {
                c.hooks.remove(&$hook);
            },
        }
    };
}

/// cgroup v1/v2 settings: every line appends (devices.allow is naturally repeated).
macro_rules! cgroup_key {
    ($name:expr, $doc:expr, $field:ident) => {
        KeySpec {
            name: $name,
            legacy: &[],
            prefix: true,
            multi: true,
            doc: $doc,
            set: |c, k, v| {
                need_sub(k, $name)?;
                let sub = sub_of(k, $name).unwrap_or_default();
                c.$field.push((sub.to_string(), v.to_string()));
                Ok(())
            },
            get: |c, k| pair_get(&c.$field, $name, k, true),
            clear: |c, k| pair_clear(&mut c.$field, $name, k),
        }
    };
}

/// `<family>.<name> = value` families where a name keeps its last value.
macro_rules! pair_key {
    ($name:expr, $legacy:expr, $doc:expr, $field:ident, $check:expr) => {
        KeySpec {
            name: $name,
            legacy: $legacy,
            prefix: true,
            multi: false,
            doc: $doc,
            set: |c, k, v| {
                let family = $name.trim_end_matches('.');
                need_sub(k, family)?;
                let sub = sub_of(k, family).unwrap_or_default();
                ($check)(sub, v)?;
                pair_set(&mut c.$field, sub, v);
                Ok(())
            },
            get: |c, k| pair_get(&c.$field, $name, k, false),
            clear: |c, k| pair_clear(&mut c.$field, $name, k),
        }
    };
}
