//! liblxc.so.1: LXC 5.0's C ABI over the lxc-rs library. It only translates: every
//! behaviour lives in the `lxc` crate; a call whose feature is not built yet fails with
//! `error_string` naming it. Pointer work goes through `lxc_sys::ffi`.

mod abi;
mod exports;
mod free_fns;
mod methods;
mod storage;

use abi::{LxcContainer, C};
use lxc_sys::ffi;
use std::ffi::{c_char, c_int, c_void};
use std::sync::Mutex;

/// What `lxc_container_new` allocates: the C struct first (so a `struct lxc_container *` is
/// a `Handle *`), then our state.
#[repr(C)]
pub struct Handle {
    c: LxcContainer,
    inner: Mutex<lxc::Container>,
    /// Guards the refcount (`numthreads`) as LXC's privlock does.
    refs: Mutex<()>,
}

fn handle<'a>(c: C) -> Option<&'a Handle> {
    ffi::handle(c as *const Handle)
}

/// A member of the caller-visible struct, by its offset (C callers read and write these).
fn field<T>(c: C, offset: usize) -> *mut T {
    (c as *mut u8).wrapping_add(offset) as *mut T
}

macro_rules! member {
    ($c:expr, $name:ident) => {
        $crate::field($c, std::mem::offset_of!($crate::abi::LxcContainer, $name))
    };
}
pub(crate) use member;

/// Replace `error_string` (freed by us on the next error and in put, as LXC does).
fn set_error(c: C, message: &str) {
    let slot: *mut *mut c_char = member!(c, error_string);
    if let Some(old) = ffi::load(slot) {
        ffi::free(old);
    }
    ffi::store(slot, ffi::malloc_str(message));
}

/// Run `f` on the container behind `c`; None for a NULL or poisoned handle.
fn with<R>(c: C, f: impl FnOnce(&mut lxc::Container) -> R) -> Option<R> {
    let h = handle(c)?;
    let mut inner = h.inner.lock().ok()?;
    Some(f(&mut inner))
}

/// Run a fallible library call: false (and error_string) on failure.
fn ok(c: C, f: impl FnOnce(&mut lxc::Container) -> lxc::Result<()>) -> bool {
    match with(c, f) {
        Some(Ok(())) => true,
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            false
        }
        None => false,
    }
}

/// A method whose feature the library does not have yet.
fn unsupported(c: C, what: &str) {
    set_error(c, &format!("not supported yet: {what}"));
    ffi::set_errno(libc::ENOSYS);
}

/// Keep `lxc_conf` non-NULL exactly when a configuration is loaded (tools test it).
fn sync_conf_flag(c: C) {
    let loaded = with(c, |inner| inner.config_loaded()).unwrap_or(false);
    let marker: *mut c_void = if loaded {
        c as *mut c_void
    } else {
        std::ptr::null_mut()
    };
    ffi::store(member!(c, lxc_conf), marker);
}

fn set_str_member(slot: *mut *mut c_char, value: &str) {
    if let Some(old) = ffi::load(slot) {
        ffi::free(old);
    }
    ffi::store(slot, ffi::malloc_str(value));
}

#[no_mangle]
pub extern "C" fn lxc_container_new(name: *const c_char, configpath: *const c_char) -> C {
    let Some(name) = ffi::str_arg(name) else {
        ffi::set_errno(libc::EINVAL);
        return std::ptr::null_mut();
    };
    let container = match lxc::Container::new(name, ffi::str_arg(configpath)) {
        Ok(c) => c,
        Err(_) => {
            ffi::set_errno(libc::EINVAL);
            return std::ptr::null_mut();
        }
    };
    let configfile = container.config_file_name().display().to_string();
    let lxcpath = container.config_path().to_string();
    let c = ffi::into_raw(Handle {
        c: methods::table(),
        inner: Mutex::new(container),
        refs: Mutex::new(()),
    }) as C;
    set_str_member(member!(c, name), name);
    set_str_member(member!(c, configfile), &configfile);
    set_str_member(member!(c, config_path), &lxcpath);
    ffi::store(member!(c, numthreads), 1 as c_int);
    ffi::store(member!(c, daemonize), true);
    sync_conf_flag(c);
    c
}

#[no_mangle]
pub extern "C" fn lxc_container_get(c: C) -> c_int {
    let Some(h) = handle(c) else { return 0 };
    let Ok(_guard) = h.refs.lock() else { return 0 };
    let n: c_int = ffi::load(member!(c, numthreads)).unwrap_or(0);
    if n < 1 {
        return 0;
    }
    ffi::store(member!(c, numthreads), n + 1);
    1
}

#[no_mangle]
pub extern "C" fn lxc_container_put(c: C) -> c_int {
    let Some(h) = handle(c) else { return -1 };
    let remaining = {
        let Ok(_guard) = h.refs.lock() else { return -1 };
        let n: c_int = ffi::load(member!(c, numthreads)).unwrap_or(0) - 1;
        ffi::store(member!(c, numthreads), n);
        n
    };
    if remaining > 0 {
        return 0;
    }
    // Strings callers may have replaced with their own malloc'd copies (configfile,
    // pidfile) are freed with free(), as LXC does.
    for slot in [
        member!(c, name),
        member!(c, configfile),
        member!(c, pidfile),
        member!(c, error_string),
        member!(c, config_path),
    ] {
        let slot: *mut *mut c_char = slot;
        if let Some(p) = ffi::load(slot) {
            ffi::free(p);
        }
    }
    ffi::drop_raw(c as *mut Handle);
    1
}
