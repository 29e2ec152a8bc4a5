//! Capabilities: the bounding, inheritable and ambient sets of this process.

use crate::{check, check_long, Result};
use std::io;

/// Remove one capability from this process's bounding set.
pub fn drop_bounding(cap: u32) -> Result<()> {
    // SAFETY: prctl PR_CAPBSET_DROP with an integer capability number.
    check(unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) })?;
    Ok(())
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// This process's capability sets (version 3: two 32-bit words each).
fn capget() -> Result<[CapData; 2]> {
    let mut header = CapHeader {
        version: 0x2008_0522,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget fills two CapData structs for a version-3 header we own.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut CapHeader,
            data.as_mut_ptr(),
        )
    })?;
    Ok(data)
}

fn capset(data: &[CapData; 2]) -> Result<()> {
    let mut header = CapHeader {
        version: 0x2008_0522,
        pid: 0,
    };
    // SAFETY: capset reads the header and two CapData structs we own.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_capset,
            &mut header as *mut CapHeader,
            data.as_ptr(),
        )
    })?;
    Ok(())
}

/// Before a change to a non-root uid: make the permitted capabilities (within the bounding
/// set) inheritable and keep them permitted across the change (`raise_ambient` follows it).
pub fn keep_across_setuid(last_cap: u32) -> Result<()> {
    let mut data = capget()?;
    // Inheritable may only grow within the bounding set.
    for cap in 0..=last_cap {
        let (word, bit) = ((cap / 32) as usize, cap % 32);
        // SAFETY: prctl PR_CAPBSET_READ with an integer capability number.
        let bounded = unsafe { libc::prctl(libc::PR_CAPBSET_READ, cap as libc::c_ulong, 0, 0, 0) };
        if let Some(d) = data.get_mut(word) {
            if bounded == 1 && d.permitted & (1 << bit) != 0 {
                d.inheritable |= 1 << bit;
            }
        }
    }
    capset(&data)?;
    // SAFETY: prctl PR_SET_KEEPCAPS with integer arguments.
    check(unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 1 as libc::c_ulong, 0, 0, 0) })?;
    Ok(())
}

/// Raise every permitted and inheritable capability into the ambient set, so that a program
/// executed by a non-root uid still has them (the kernel empties the ambient set when the
/// uid changes, so this comes after).
pub fn raise_ambient(last_cap: u32) -> Result<()> {
    let data = capget()?;
    for cap in 0..=last_cap {
        let (word, bit) = ((cap / 32) as usize, cap % 32);
        if data
            .get(word)
            .is_none_or(|d| d.permitted & d.inheritable & (1 << bit) == 0)
        {
            continue;
        }
        // SAFETY: prctl PR_CAP_AMBIENT / RAISE with integer arguments.
        let ret = unsafe {
            libc::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong,
                cap as libc::c_ulong,
                0,
                0,
            )
        };
        // EPERM: not in the bounding set; EINVAL: a capability this kernel lacks.
        if ret < 0 {
            let e = io::Error::last_os_error();
            if !matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EINVAL)) {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Remove capabilities from this process's inheritable set and clear its ambient set, so
/// nothing dropped from the bounding set can come back across exec.
pub fn drop_inheritable_and_ambient(caps: &[u32]) -> Result<()> {
    let mut data = capget()?;
    for &cap in caps {
        let (word, bit) = ((cap / 32) as usize, cap % 32);
        if let Some(d) = data.get_mut(word) {
            d.inheritable &= !(1u32 << bit);
        }
    }
    capset(&data)?;
    // SAFETY: prctl PR_CAP_AMBIENT / CLEAR_ALL with integer arguments.
    let ret = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    // Kernels without ambient capabilities have nothing to clear.
    if ret < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
