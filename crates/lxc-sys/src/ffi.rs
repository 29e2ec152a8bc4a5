//! The C face's raw-pointer work, kept here with the project's other unsafe code. Every
//! function takes pointers a C caller handed us; the contract each states (NULL or valid)
//! is the C API's own, which the caller accepted by calling it.
//!
//! They are deliberately not `unsafe fn`: their pointers come straight from C callers, and
//! marking them unsafe would only move unsafe blocks into the C face (kept free of unsafe)
//! without adding a check anyone could make.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use std::ffi::{c_char, c_int, c_void, CStr};

/// A borrowed C string argument: None for NULL or invalid UTF-8.
/// Contract: `p` is NULL or a NUL-terminated string alive for `'a`.
pub fn str_arg<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        return None;
    }
    // SAFETY: per the contract, a non-NULL `p` is a valid NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_str().ok()
}

/// A NULL-terminated `char *[]` argument as owned strings (NULL array: empty).
/// Contract: `p` is NULL or a NULL-terminated array of valid C strings.
pub fn strv_arg(p: *const *const c_char) -> Vec<String> {
    let mut out = Vec::new();
    if p.is_null() {
        return out;
    }
    for i in 0.. {
        // SAFETY: per the contract the array is NULL-terminated, so every index up to and
        // including the terminator is readable.
        let item = unsafe { *p.add(i) };
        if item.is_null() {
            break;
        }
        out.push(str_arg(item).unwrap_or_default().to_string());
    }
    out
}

/// A shared reference to a library-allocated object behind a C handle.
/// Contract: `p` is NULL or points to a live `T` this library allocated.
pub fn handle<'a, T>(p: *const T) -> Option<&'a T> {
    // SAFETY: per the contract, non-NULL `p` points to a live T.
    unsafe { p.as_ref() }
}

/// Read a plain value a C caller may have written. Contract: NULL or valid for reads.
pub fn load<T: Copy>(p: *const T) -> Option<T> {
    if p.is_null() {
        return None;
    }
    // SAFETY: per the contract, non-NULL `p` is valid and aligned for reads of T.
    Some(unsafe { std::ptr::read(p) })
}

/// Copies of the `len` plain values (at most 65536, NGROUPS_MAX) of an array a C caller
/// gave. Contract: NULL, or valid for reads of `len` values.
pub fn load_array<T: Copy>(p: *const T, len: usize) -> Vec<T> {
    if p.is_null() || len == 0 {
        return Vec::new();
    }
    // SAFETY: per the contract, non-NULL `p` is valid and aligned for `len` reads of T.
    unsafe { std::slice::from_raw_parts(p, len.min(65536)) }.to_vec()
}

/// Write a plain value into caller-visible memory. Contract: NULL or valid for writes.
pub fn store<T>(p: *mut T, value: T) -> bool {
    if p.is_null() {
        return false;
    }
    // SAFETY: per the contract, non-NULL `p` is valid and aligned for writes of T.
    unsafe { std::ptr::write(p, value) };
    true
}

/// A malloc'd copy of `s` the C caller frees with free(); NULL if memory ran out.
pub fn malloc_str(s: &str) -> *mut c_char {
    let bytes = s.as_bytes();
    // SAFETY: malloc of len+1 bytes; we write exactly that many bytes into it.
    unsafe {
        let p = libc::malloc(bytes.len() + 1) as *mut c_char;
        if !p.is_null() {
            std::ptr::copy_nonoverlapping(bytes.as_ptr() as *const c_char, p, bytes.len());
            *p.add(bytes.len()) = 0;
        }
        p
    }
}

/// A malloc'd array of malloc'd strings, NULL-terminated if asked; NULL on no memory.
pub fn malloc_strv(items: &[String], null_terminated: bool) -> *mut *mut c_char {
    let n = items.len() + usize::from(null_terminated);
    // SAFETY: malloc of n pointers (at least one byte); every slot is written below.
    unsafe {
        let arr = libc::malloc(n.max(1) * std::mem::size_of::<*mut c_char>()) as *mut *mut c_char;
        if arr.is_null() {
            return arr;
        }
        for (i, s) in items.iter().enumerate() {
            *arr.add(i) = malloc_str(s);
        }
        if null_terminated {
            *arr.add(items.len()) = std::ptr::null_mut();
        }
        arr
    }
}

/// free() what C code or malloc_str allocated. Contract: NULL or a malloc'd pointer.
pub fn free<T>(p: *mut T) {
    // SAFETY: per the contract `p` came from malloc (or is NULL, which free ignores).
    unsafe { libc::free(p as *mut c_void) }
}

/// snprintf-style: copy `s` into `buf` (truncated, NUL-terminated) and return its full
/// length, as LXC's get_config_item does. A NULL buffer only measures.
/// Contract: `buf` is NULL or valid for `len` bytes.
pub fn write_cbuf(buf: *mut c_char, len: c_int, s: &str) -> c_int {
    let full = s.len().min(c_int::MAX as usize) as c_int;
    if buf.is_null() || len <= 0 {
        return full;
    }
    let n = s.len().min(len as usize - 1);
    // SAFETY: per the contract `buf` has `len` bytes; we write n + 1 <= len of them.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr() as *const c_char, buf, n);
        *buf.add(n) = 0;
    }
    full
}

/// Move a value to the heap for C to hold by pointer.
pub fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Take back and drop a value given out by `into_raw`. Contract: NULL or from `into_raw`,
/// not used again.
pub fn drop_raw<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: per the contract `p` came from Box::into_raw and is dropped once.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Set the calling thread's errno (C callers read it after a failed call).
pub fn set_errno(value: c_int) {
    // SAFETY: __errno_location returns this thread's errno slot.
    unsafe { *libc::__errno_location() = value };
}

/// The file a symbol of this process was loaded from (e.g. our own shared library).
pub fn object_path_of(symbol: *const c_void) -> Option<std::path::PathBuf> {
    // SAFETY: dladdr only reads the symbol address; info is plain data it fills.
    unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        if libc::dladdr(symbol, &mut info) == 0 || info.dli_fname.is_null() {
            return None;
        }
        let name = CStr::from_ptr(info.dli_fname).to_str().ok()?;
        Some(std::path::PathBuf::from(name))
    }
}

/// A malloc'd array holding `items` (the C caller frees it); NULL on no memory.
pub fn malloc_ptrs<T>(items: &[*mut T]) -> *mut *mut T {
    let bytes = items.len().max(1) * std::mem::size_of::<*mut T>();
    // SAFETY: malloc of enough bytes for every item; each slot is written once.
    unsafe {
        let arr = libc::malloc(bytes) as *mut *mut T;
        if !arr.is_null() {
            std::ptr::copy_nonoverlapping(items.as_ptr(), arr, items.len());
        }
        arr
    }
}

/// A malloc'd array holding copies of `items` (the C caller frees it); NULL on no memory.
pub fn malloc_array<T: Copy>(items: &[T]) -> *mut T {
    let bytes = items.len().max(1) * std::mem::size_of::<T>();
    // SAFETY: malloc of enough bytes for every item, aligned for any C type; each slot is
    // written once.
    unsafe {
        let arr = libc::malloc(bytes) as *mut T;
        if !arr.is_null() {
            std::ptr::copy_nonoverlapping(items.as_ptr(), arr, items.len());
        }
        arr
    }
}

/// A pointer to immutable static data, usable in a `static` that C code reads (C structs of
/// constant strings, like `lxc_network_info`).
#[repr(transparent)]
pub struct StaticPtr<T>(pub *const T);

// SAFETY: a StaticPtr only ever points to immutable 'static data (string literals), which
// any thread may read.
unsafe impl<T> Sync for StaticPtr<T> {}

/// An fd number a caller handed us, borrowed for the call. Contract: `fd` is open for the
/// duration of the borrow. None for negative numbers.
pub fn borrowed_fd<'a>(fd: c_int) -> Option<std::os::fd::BorrowedFd<'a>> {
    // SAFETY: per the contract the caller keeps `fd` open while we use it.
    (fd >= 0).then(|| unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) })
}
