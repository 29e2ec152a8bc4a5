//! eBPF for the cgroup2 device controller: load a BPF_PROG_TYPE_CGROUP_DEVICE program,
//! attach it to a cgroup and detach it.

use crate::Result;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// One eBPF instruction, as the kernel lays out `struct bpf_insn`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    pub code: u8,
    /// Destination register in the low nibble, source in the high one.
    pub regs: u8,
    pub off: i16,
    pub imm: i32,
}

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_DETACH: libc::c_long = 9;
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;
/// Several programs per cgroup, each of which must allow (LXC attaches so too).
const BPF_F_ALLOW_MULTI: u32 = 2;

/// The leading fields of `union bpf_attr` for BPF_PROG_LOAD.
#[repr(C)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
}

/// The fields of `union bpf_attr` for BPF_PROG_ATTACH.
#[repr(C)]
struct ProgAttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
}

fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> Result<libc::c_long> {
    // SAFETY: attr is a live, initialised bpf_attr prefix of the given size; the kernel
    // reads (and for a load may write the log through) only what it describes.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            attr as *mut T,
            std::mem::size_of::<T>() as libc::c_uint,
        )
    };
    crate::check_long(ret)
}

/// Load a device program. On a verifier rejection the error carries its log.
pub fn load_device_program(insns: &[Insn]) -> Result<OwnedFd> {
    let license = b"GPL\0";
    let mut log = vec![0u8; 64 * 1024];
    let mut attr = ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
        insn_cnt: insns.len() as u32,
        insns: insns.as_ptr() as u64,
        license: license.as_ptr() as u64,
        log_level: 1,
        log_size: log.len() as u32,
        log_buf: log.as_mut_ptr() as u64,
        kern_version: 0,
        prog_flags: 0,
    };
    match bpf(BPF_PROG_LOAD, &mut attr) {
        // SAFETY: BPF_PROG_LOAD returned a new fd that nothing else owns.
        Ok(fd) => Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) }),
        Err(e) => {
            let end = log.iter().position(|&b| b == 0).unwrap_or(0);
            if end == 0 {
                return Err(e);
            }
            let text = String::from_utf8_lossy(&log[..end]);
            Err(std::io::Error::new(
                e.kind(),
                format!("{e}: {}", text.trim()),
            ))
        }
    }
}

/// Attach a device program to a cgroup (a directory fd in the cgroup2 hierarchy).
pub fn attach_device_program(cgroup: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> Result<()> {
    let mut attr = ProgAttachAttr {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: BPF_F_ALLOW_MULTI,
    };
    bpf(BPF_PROG_ATTACH, &mut attr)?;
    Ok(())
}

/// Detach one device program of a cgroup (the others attached with it stay).
pub fn detach_device_program(cgroup: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> Result<()> {
    let mut attr = ProgAttachAttr {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: 0,
    };
    bpf(BPF_PROG_DETACH, &mut attr)?;
    Ok(())
}
