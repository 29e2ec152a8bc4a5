//! The free functions of LXC 5.0's API.

use crate::abi::C;
use crate::methods::state_name;
use lxc_sys::ffi;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::Mutex;

#[no_mangle]
pub extern "C" fn lxc_get_version() -> *const c_char {
    c"5.0.2".as_ptr()
}

#[no_mangle]
pub extern "C" fn lxc_get_wait_states(states: *mut *const c_char) -> c_int {
    if !states.is_null() {
        for (i, s) in lxc::State::ALL.into_iter().enumerate() {
            ffi::store(states.wrapping_add(i), state_name(s));
        }
    }
    lxc::State::ALL.len() as c_int
}

/// Values are kept for the life of the process: callers must not free them (as in LXC).
#[no_mangle]
pub extern "C" fn lxc_get_global_config_item(key: *const c_char) -> *const c_char {
    static CACHE: Mutex<Option<HashMap<String, CString>>> = Mutex::new(None);
    let Some(key) = ffi::str_arg(key) else {
        ffi::set_errno(libc::EINVAL);
        return std::ptr::null();
    };
    if !lxc::config::GLOBAL_KEYS.contains(&key) && key != "lxc.bdev.rbd.rbdpool" {
        ffi::set_errno(libc::EINVAL);
        return std::ptr::null();
    }
    let paths = lxc::Paths::detect();
    let value = lxc::GlobalConfig::load(&paths)
        .ok()
        .and_then(|g| g.get(key));
    let Some(value) = value else {
        ffi::set_errno(0);
        return std::ptr::null();
    };
    let Ok(mut cache) = CACHE.lock() else {
        return std::ptr::null();
    };
    let map = cache.get_or_insert_with(HashMap::new);
    let entry = map
        .entry(key.to_string())
        .or_insert_with(|| CString::new(value).unwrap_or_default());
    entry.as_ptr()
}

#[no_mangle]
pub extern "C" fn lxc_config_item_is_supported(key: *const c_char) -> bool {
    let Some(key) = ffi::str_arg(key) else {
        return false;
    };
    lxc::config::registry().iter().any(|k| k.name == key)
}

/// Only the extensions this build really has.
const EXTENSIONS: &[&str] = &[
    "lxc_log",
    "lxc_config_item_is_supported",
    "reboot2",
    "pidfd",
];

#[no_mangle]
pub extern "C" fn lxc_has_api_extension(extension: *const c_char) -> bool {
    if extension.is_null() {
        return true;
    }
    ffi::str_arg(extension).is_some_and(|e| EXTENSIONS.contains(&e))
}

fn list(
    lxcpath: *const c_char,
    names: *mut *mut *mut c_char,
    cret: *mut *mut C,
    which: fn(&str) -> Vec<String>,
) -> c_int {
    let lxcpath = match ffi::str_arg(lxcpath) {
        Some(p) => p.to_string(),
        None => match lxc::default_lxcpath(&lxc::Paths::detect()) {
            Ok(p) => p,
            Err(_) => return -1,
        },
    };
    let found = which(&lxcpath);
    if !names.is_null() {
        ffi::store(names, ffi::malloc_strv(&found, false));
    }
    if !cret.is_null() {
        let path = CString::new(lxcpath).unwrap_or_default();
        let objects: Vec<C> = found
            .iter()
            .filter_map(|n| CString::new(n.as_str()).ok())
            .map(|n| crate::lxc_container_new(n.as_ptr(), path.as_ptr()))
            .collect();
        let arr = ffi::malloc_ptrs(&objects);
        ffi::store(cret, arr);
    }
    found.len() as c_int
}

#[no_mangle]
pub extern "C" fn list_defined_containers(
    lxcpath: *const c_char,
    names: *mut *mut *mut c_char,
    cret: *mut *mut C,
) -> c_int {
    list(lxcpath, names, cret, lxc::list_defined_containers)
}

#[no_mangle]
pub extern "C" fn list_active_containers(
    lxcpath: *const c_char,
    names: *mut *mut *mut c_char,
    cret: *mut *mut C,
) -> c_int {
    list(lxcpath, names, cret, lxc::list_active_containers)
}

#[no_mangle]
pub extern "C" fn list_all_containers(
    lxcpath: *const c_char,
    names: *mut *mut *mut c_char,
    cret: *mut *mut C,
) -> c_int {
    list(lxcpath, names, cret, lxc::list_all_containers)
}

/// `struct lxc_log`: name @0, lxcpath @8, file @16, level @24, prefix @32, quiet @40.
#[no_mangle]
pub extern "C" fn lxc_log_init(log: *mut c_void) -> c_int {
    if log.is_null() {
        return -1;
    }
    let at = |off: usize| {
        ffi::load((log as *const u8).wrapping_add(off) as *const *const c_char)
            .unwrap_or(std::ptr::null())
    };
    let name = ffi::str_arg(at(0)).unwrap_or("");
    let file = ffi::str_arg(at(16));
    let level = ffi::str_arg(at(24))
        .and_then(lxc::log::parse_level)
        .unwrap_or(5);
    let prefix = ffi::str_arg(at(32)).unwrap_or("lxc");
    match file {
        Some("none") | None => 0,
        Some(f) => match lxc::log::init_file(prefix, name, f, level) {
            Ok(()) => 0,
            Err(_) => -1,
        },
    }
}

#[no_mangle]
pub extern "C" fn lxc_log_close() {}

/// `lxc_attach_command_t { char *program; char **argv; }`: execvp; returns only on failure.
#[no_mangle]
pub extern "C" fn lxc_attach_run_command(payload: *mut c_void) -> c_int {
    if payload.is_null() {
        return -1;
    }
    let program: *const c_char =
        ffi::load(payload as *const *const c_char).unwrap_or(std::ptr::null());
    let argv: *const *const c_char =
        ffi::load((payload as *const u8).wrapping_add(8) as *const *const *const c_char)
            .unwrap_or(std::ptr::null());
    let Some(program) = ffi::str_arg(program) else {
        return -1;
    };
    let _ = lxc::attach::exec_command(program, &ffi::strv_arg(argv));
    -1
}

/// Exec the current user's shell, falling back to /bin/sh; returns only on failure.
#[no_mangle]
pub extern "C" fn lxc_attach_run_shell(_payload: *mut c_void) -> c_int {
    let _ = lxc::attach::exec_shell();
    -1
}
