//! Clones, renames and snapshots through the C ABI.

use crate::abi::C;
use crate::{ok, set_error, with};
use lxc_sys::ffi;
use std::ffi::{c_char, c_int, c_void};
use std::path::Path;

/// `struct lxc_snapshot`: four malloc'd strings and the function that frees them.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LxcSnapshot {
    name: *mut c_char,
    comment_pathname: *mut c_char,
    timestamp: *mut c_char,
    lxcpath: *mut c_char,
    free: Option<extern "C" fn(*mut LxcSnapshot)>,
}

/// Frees an element's strings, never the element (they live in one array).
extern "C" fn free_snapshot(s: *mut LxcSnapshot) {
    if let Some(snap) = ffi::load(s) {
        for p in [
            snap.name,
            snap.comment_pathname,
            snap.timestamp,
            snap.lxcpath,
        ] {
            ffi::free(p);
        }
    }
}

pub extern "C" fn rename(c: C, newname: *const c_char) -> bool {
    let Some(newname) = ffi::str_arg(newname) else {
        return false;
    };
    // As with LXC, the handle keeps naming the old (now undefined) container.
    let done = ok(c, |i| {
        let (old, path) = (i.name().to_string(), i.config_path().to_string());
        i.rename(newname)?;
        *i = lxc::Container::new(&old, Some(&path))?;
        Ok(())
    });
    crate::sync_conf_flag(c);
    done
}

#[allow(clippy::too_many_arguments)]
pub extern "C" fn clone(
    c: C,
    newname: *const c_char,
    lxcpath: *const c_char,
    flags: c_int,
    bdevtype: *const c_char,
    bdevdata: *const c_char,
    newsize: u64,
    hookargs: *mut *mut c_char,
) -> C {
    let Some(newname) = ffi::str_arg(newname) else {
        return std::ptr::null_mut();
    };
    let spec = lxc::clone::CloneSpec {
        lxcpath: ffi::str_arg(lxcpath).map(str::to_string),
        flags,
        bdevtype: ffi::str_arg(bdevtype).map(str::to_string),
        bdevdata: ffi::str_arg(bdevdata).map(str::to_string),
        newsize,
        hookargs: ffi::strv_arg(hookargs as *const *const c_char),
    };
    match with(c, |i| {
        i.clone(newname, &spec).map(|n| n.config_path().to_string())
    }) {
        Some(Ok(path)) => {
            let name = std::ffi::CString::new(newname).unwrap_or_default();
            let path = std::ffi::CString::new(path).unwrap_or_default();
            crate::lxc_container_new(name.as_ptr(), path.as_ptr())
        }
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            std::ptr::null_mut()
        }
        None => std::ptr::null_mut(),
    }
}

pub extern "C" fn snapshot(c: C, comment: *const c_char) -> c_int {
    let comment = ffi::str_arg(comment).map(Path::new);
    match with(c, |i| i.snapshot(comment)) {
        Some(Ok(n)) => c_int::try_from(n).unwrap_or(-1),
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            -1
        }
        None => -1,
    }
}

pub extern "C" fn snapshot_list(c: C, out: *mut *mut c_void) -> c_int {
    let list = match with(c, |i| i.snapshot_list()) {
        Some(Ok(list)) => list,
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            return -1;
        }
        None => return -1,
    };
    if out.is_null() {
        return c_int::try_from(list.len()).unwrap_or(c_int::MAX);
    }
    let items: Vec<LxcSnapshot> = list
        .iter()
        .map(|s| LxcSnapshot {
            name: ffi::malloc_str(&s.name),
            comment_pathname: s.comment_path.as_ref().map_or(std::ptr::null_mut(), |p| {
                ffi::malloc_str(&p.display().to_string())
            }),
            timestamp: ffi::malloc_str(&s.timestamp),
            lxcpath: ffi::malloc_str(&s.lxcpath),
            free: Some(free_snapshot),
        })
        .collect();
    ffi::store(out, ffi::malloc_array(&items) as *mut c_void);
    c_int::try_from(items.len()).unwrap_or(c_int::MAX)
}

pub extern "C" fn snapshot_restore(c: C, snap: *const c_char, newname: *const c_char) -> bool {
    let Some(snap) = ffi::str_arg(snap) else {
        return false;
    };
    ok(c, |i| i.snapshot_restore(snap, ffi::str_arg(newname)))
}

pub extern "C" fn snapshot_destroy(c: C, snap: *const c_char) -> bool {
    let Some(snap) = ffi::str_arg(snap) else {
        return false;
    };
    ok(c, |i| i.snapshot_destroy(snap))
}

pub extern "C" fn snapshot_destroy_all(c: C) -> bool {
    ok(c, |i| i.snapshot_destroy_all())
}

pub extern "C" fn destroy_with_snapshots(c: C) -> bool {
    ok(c, |i| i.destroy_with_snapshots())
}
