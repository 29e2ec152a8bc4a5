//! Seccomp: installing a compiled filter, and the user-notification listener's calls.

use crate::Result;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// Install a compiled classic-BPF seccomp filter (the `struct sock_filter` array that
/// libseccomp exports: 8 bytes an instruction, in host byte order) on this thread. Without
/// no_new_privs this needs CAP_SYS_ADMIN, which a container's setup has.
///
/// With `new_listener` the kernel hands back a listener for the filter's `notify` rules.
pub fn install_filter(program: &[u8], new_listener: bool) -> Result<Option<OwnedFd>> {
    const SECCOMP_SET_MODE_FILTER: libc::c_long = 1;
    const SECCOMP_FILTER_FLAG_NEW_LISTENER: libc::c_long = 1 << 3;
    let count = program.len() / 8;
    if !program.len().is_multiple_of(8) || count == 0 || count > usize::from(u16::MAX) {
        return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut filter: Vec<libc::sock_filter> = program
        .chunks_exact(8)
        .map(|i| libc::sock_filter {
            code: u16::from_ne_bytes([i[0], i[1]]),
            jt: i[2],
            jf: i[3],
            k: u32::from_ne_bytes([i[4], i[5], i[6], i[7]]),
        })
        .collect();
    let prog = libc::sock_fprog {
        len: count as u16,
        filter: filter.as_mut_ptr(),
    };
    // SAFETY: prog points to `count` initialised instructions that outlive the call; the
    // kernel copies them.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_SET_MODE_FILTER,
            if new_listener {
                SECCOMP_FILTER_FLAG_NEW_LISTENER
            } else {
                0
            },
            &prog as *const libc::sock_fprog,
        )
    };
    let ret = crate::check_long(ret)?;
    if !new_listener {
        return Ok(None);
    }
    // SAFETY: with NEW_LISTENER the return value is a fresh fd nothing else owns.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(ret as i32) }))
}

/// One seccomp user notification: a syscall a filter's `notify` rule stopped.
#[derive(Debug, Clone, Copy)]
pub struct SeccompNotification {
    pub id: u64,
    pub pid: u32,
    pub syscall: i32,
}

#[repr(C)]
#[derive(Default)]
struct SeccompNotif {
    id: u64,
    pid: u32,
    flags: u32,
    nr: i32,
    arch: u32,
    instruction_pointer: u64,
    args: [u64; 6],
}

#[repr(C)]
struct SeccompNotifResp {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

// The request type of ioctl differs between libcs (unsigned long in glibc, int in musl).
const SECCOMP_IOCTL_NOTIF_RECV: libc::Ioctl = 0xc050_2100_u32 as libc::Ioctl;
const SECCOMP_IOCTL_NOTIF_SEND: libc::Ioctl = 0xc018_2101_u32 as libc::Ioctl;

/// Take the next notification from a listener.
pub fn notification(listener: BorrowedFd<'_>) -> Result<SeccompNotification> {
    // The kernel wants the structure zeroed.
    let mut notif = SeccompNotif::default();
    // SAFETY: notif is a writable seccomp_notif of the size the ioctl number encodes.
    let ret = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            SECCOMP_IOCTL_NOTIF_RECV,
            &mut notif as *mut SeccompNotif,
        )
    };
    crate::check(ret)?;
    Ok(SeccompNotification {
        id: notif.id,
        pid: notif.pid,
        syscall: notif.nr,
    })
}

/// Answer a notification: the stopped syscall fails with `errno`.
pub fn answer_errno(listener: BorrowedFd<'_>, id: u64, errno: i32) -> Result<()> {
    send_answer(
        listener,
        SeccompNotifResp {
            id,
            val: 0,
            error: -errno,
            flags: 0,
        },
    )
}

fn send_answer(listener: BorrowedFd<'_>, mut resp: SeccompNotifResp) -> Result<()> {
    // SAFETY: resp is a seccomp_notif_resp of the size the ioctl number encodes.
    let ret = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            SECCOMP_IOCTL_NOTIF_SEND,
            &mut resp as *mut SeccompNotifResp,
        )
    };
    crate::check(ret)?;
    Ok(())
}

/// The sizes the kernel gives a notification, an answer and the syscall data
/// (`struct seccomp_notif_sizes`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NotifSizes {
    pub notif: u16,
    pub resp: u16,
    pub data: u16,
}

const SECCOMP_GET_NOTIF_SIZES: libc::c_uint = 3;
const SECCOMP_IOCTL_NOTIF_ID_VALID: libc::Ioctl = 0x4008_2102_u32 as libc::Ioctl;

/// Ask the kernel for its notification sizes.
pub fn notif_sizes() -> Result<NotifSizes> {
    let mut sizes = NotifSizes::default();
    // SAFETY: SECCOMP_GET_NOTIF_SIZES writes one seccomp_notif_sizes to the pointer.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_GET_NOTIF_SIZES,
            0,
            &mut sizes as *mut NotifSizes,
        )
    };
    crate::check_long(ret)?;
    Ok(sizes)
}

/// Take the next notification as the kernel's bytes (for a proxy): `size` of them, at
/// least a whole `seccomp_notif`. Its id is the first 8 bytes.
pub fn notification_bytes(listener: BorrowedFd<'_>, size: usize) -> Result<Vec<u8>> {
    // Zeroed, as the kernel wants, and u64-aligned for the structure.
    let words = size.max(std::mem::size_of::<SeccompNotif>()).div_ceil(8);
    let mut buf = vec![0u64; words];
    // SAFETY: buf is writable, 8-byte aligned and at least as large as a seccomp_notif.
    let ret = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            SECCOMP_IOCTL_NOTIF_RECV,
            buf.as_mut_ptr(),
        )
    };
    crate::check(ret)?;
    let mut bytes: Vec<u8> = buf.iter().flat_map(|w| w.to_ne_bytes()).collect();
    bytes.truncate(size);
    Ok(bytes)
}

/// Whether notification `id` is still waiting (its process has not died or been replaced).
pub fn notification_valid(listener: BorrowedFd<'_>, id: u64) -> bool {
    let mut id = id;
    // SAFETY: the ioctl reads one u64 from the pointer.
    let ret = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            SECCOMP_IOCTL_NOTIF_ID_VALID,
            &mut id as *mut u64,
        )
    };
    ret == 0
}

/// Answer a notification with a `seccomp_notif_resp` given as bytes (a proxy's).
pub fn answer_bytes(listener: BorrowedFd<'_>, resp: &[u8]) -> Result<()> {
    let size = std::mem::size_of::<SeccompNotifResp>();
    if resp.len() < size {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "seccomp answer too short",
        ));
    }
    let word = |at: usize| -> [u8; 8] {
        resp.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default()
    };
    let half = |at: usize| -> [u8; 4] {
        resp.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default()
    };
    send_answer(
        listener,
        SeccompNotifResp {
            id: u64::from_ne_bytes(word(0)),
            val: i64::from_ne_bytes(word(8)),
            error: i32::from_ne_bytes(half(16)),
            flags: u32::from_ne_bytes(half(20)),
        },
    )
}

/// musl builds link Debian's libseccomp.a, which was compiled against glibc with
/// `_FORTIFY_SOURCE` and so calls glibc's `__fprintf_chk`, only from its PFC text export
/// (a debugging aid we never use). musl has no such symbol; this one fails cleanly should
/// anything reach it. The variadic arguments it is called with are simply not read, which
/// the x86_64 calling convention allows.
#[cfg(target_env = "musl")]
#[no_mangle]
pub extern "C" fn __fprintf_chk(
    _stream: *mut libc::c_void,
    _flag: libc::c_int,
    _format: *const libc::c_char,
) -> libc::c_int {
    -1
}
