//! lxc-execute's init on x86_64 Linux, with neither libc nor std: a few kilobytes, so the
//! sealed copy each start makes of it (spec R-5) costs next to nothing. PID 1 runs the
//! command as its child, passes signals on to it, reaps every orphan and exits with the
//! command's status, after killing what is left of the container (as LXC's init does).
//!
//! Arguments: `lxc-rs-init init -- COMMAND...`; the environment is the container init's.
//! Built by lxc-sys's build script (see build.rs) and embedded in the library.
#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use core::mem::MaybeUninit;

const SYS_READ: usize = 0;
const SYS_WRITE: usize = 1;
const SYS_POLL: usize = 7;
const SYS_RT_SIGPROCMASK: usize = 14;
const SYS_FORK: usize = 57;
const SYS_EXECVE: usize = 59;
const SYS_WAIT4: usize = 61;
const SYS_KILL: usize = 62;
const SYS_EXIT_GROUP: usize = 231;
const SYS_SIGNALFD4: usize = 289;

const ENOENT: isize = 2;
const SIG_BLOCK: usize = 0;
const SIG_SETMASK: usize = 2;
const SIGKILL: usize = 9;
const SIGCHLD: u32 = 17;
const SFD_NONBLOCK_CLOEXEC: usize = 0o4000 | 0o2000000;
const POLLIN: i16 = 1;
const WNOHANG: usize = 1;
/// The size of `struct signalfd_siginfo`.
const SIGINFO_SIZE: usize = 128;
const DEFAULT_PATH: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The signals passed on to the command (as lxc-rs's std init and LXC's init.lxc do).
const FORWARDED: [u32; 10] = [15, 2, 1, 3, 10, 12, 30, 14, 18, 28];

// The kernel enters with argc, argv[], NULL, envp[], NULL on the stack.
global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call {entry}",
    "ud2",
    entry = sym entry,
);

#[repr(C)]
struct PollFd {
    fd: i32,
    events: i16,
    revents: i16,
}

/// # Safety
/// The arguments must be what syscall `n` expects (valid pointers where it takes them).
unsafe fn syscall(n: usize, a: usize, b: usize, c: usize, d: usize) -> isize {
    let ret: isize;
    // SAFETY: the x86_64 Linux syscall convention; the kernel clobbers only rcx and r11,
    // and the caller vouches for the arguments.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") n as isize => ret,
            in("rdi") a,
            in("rsi") b,
            in("rdx") c,
            in("r10") d,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

fn exit(code: i32) -> ! {
    // SAFETY: exit_group takes a plain integer and does not return.
    unsafe {
        asm!("syscall", in("rax") SYS_EXIT_GROUP, in("rdi") code as usize, options(noreturn, nostack));
    }
}

fn write_err(bytes: &[u8]) {
    // SAFETY: the buffer is valid for its length.
    unsafe { syscall(SYS_WRITE, 2, bytes.as_ptr() as usize, bytes.len(), 0) };
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit(1)
}

// What the compiler may call without a libc: the copy and fill it emits for slices and
// arrays, and the symbol core's unwind tables name (never called: panics abort).
#[no_mangle]
unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller (compiler-generated code) passes valid, non-overlapping ranges.
    unsafe {
        asm!("rep movsb", inout("rdi") dst => _, inout("rsi") src => _, inout("rcx") n => _,
             options(nostack, preserves_flags));
    }
    dst
}

#[no_mangle]
unsafe extern "C" fn memset(dst: *mut u8, value: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller (compiler-generated code) passes a valid range.
    unsafe {
        asm!("rep stosb", inout("rdi") dst => _, inout("rcx") n => _, in("al") value as u8,
             options(nostack, preserves_flags));
    }
    dst
}

#[no_mangle]
unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: the caller passes two ranges valid for n bytes; volatile, or the compiler
        // turns the loop back into a call of memcmp.
        let (x, y) = unsafe {
            (
                core::ptr::read_volatile(a.add(i)),
                core::ptr::read_volatile(b.add(i)),
            )
        };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

#[no_mangle]
unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}

#[no_mangle]
extern "C" fn rust_eh_personality() {}

/// A NUL-terminated string from the kernel's argument or environment block.
fn c_bytes(p: *const u8) -> &'static [u8] {
    let mut len = 0;
    // SAFETY: p points at a NUL-terminated string of the initial stack, which lives as
    // long as the process.
    // A volatile read, or the compiler turns the loop into a call of strlen.
    unsafe {
        while core::ptr::read_volatile(p.add(len)) != 0 {
            len += 1;
        }
        core::slice::from_raw_parts(p, len)
    }
}

extern "C" fn entry(stack: *const usize) -> ! {
    // SAFETY: the layout the kernel gives a new process (see _start).
    let (argv, envp) = unsafe {
        let argc = *stack;
        let argv = stack.add(1) as *const *const u8;
        (argv, argv.add(argc + 1))
    };
    exit(run(argv, envp))
}

fn run(argv: *const *const u8, envp: *const *const u8) -> i32 {
    let mut i = 0;
    // SAFETY: argv is NULL-terminated; every entry before it is a C string.
    let command = unsafe {
        while !(*argv.add(i)).is_null() && c_bytes(*argv.add(i)) != b"--" {
            i += 1;
        }
        if (*argv.add(i)).is_null() || (*argv.add(i + 1)).is_null() {
            write_err(b"lxc-rs-init: no command\n");
            return 1;
        }
        argv.add(i + 1)
    };
    let mut mask: u64 = 1 << (SIGCHLD - 1);
    for sig in FORWARDED {
        mask |= 1 << (sig - 1);
    }
    let mask_ptr = &mask as *const u64 as usize;
    // SAFETY: a valid 8-byte signal set; the old set is not asked for.
    let sfd = unsafe {
        if syscall(SYS_RT_SIGPROCMASK, SIG_BLOCK, mask_ptr, 0, 8) < 0 {
            return 1;
        }
        syscall(SYS_SIGNALFD4, usize::MAX, mask_ptr, 8, SFD_NONBLOCK_CLOEXEC)
    };
    if sfd < 0 {
        return 1;
    }
    // SAFETY: fork has no arguments; the child only makes syscalls and execs or exits.
    let child = unsafe { syscall(SYS_FORK, 0, 0, 0, 0) };
    if child < 0 {
        write_err(b"lxc-execute: fork failed\n");
        return 1;
    }
    if child == 0 {
        let none: u64 = 0;
        // SAFETY: a valid empty signal set.
        unsafe {
            syscall(
                SYS_RT_SIGPROCMASK,
                SIG_SETMASK,
                &none as *const u64 as usize,
                0,
                8,
            )
        };
        exec_command(command, envp);
    }
    loop {
        let mut poll = PollFd {
            fd: sfd as i32,
            events: POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; -1 waits without a deadline.
        unsafe {
            syscall(
                SYS_POLL,
                &mut poll as *mut PollFd as usize,
                1,
                usize::MAX,
                0,
            )
        };
        loop {
            let mut info = MaybeUninit::<[u8; SIGINFO_SIZE]>::uninit();
            // SAFETY: the buffer is writable for its length.
            let n = unsafe {
                syscall(
                    SYS_READ,
                    sfd as usize,
                    info.as_mut_ptr() as usize,
                    SIGINFO_SIZE,
                    0,
                )
            };
            if n != SIGINFO_SIZE as isize {
                break;
            }
            // SAFETY: the kernel filled all of it; ssi_signo is its first field.
            let sig = unsafe { info.as_ptr().cast::<u32>().read_unaligned() };
            if sig != SIGCHLD {
                // SAFETY: kill takes plain integers.
                unsafe { syscall(SYS_KILL, child as usize, sig as usize, 0, 0) };
            }
        }
        loop {
            let mut status: i32 = 0;
            // SAFETY: a valid int for the status; no rusage.
            let pid = unsafe {
                syscall(
                    SYS_WAIT4,
                    usize::MAX,
                    &mut status as *mut i32 as usize,
                    WNOHANG,
                    0,
                )
            };
            if pid <= 0 {
                break;
            }
            if pid == child {
                // Take the rest of the container down with us.
                // SAFETY: kill takes plain integers; -1 is every process we may signal.
                unsafe { syscall(SYS_KILL, usize::MAX, SIGKILL, 0, 0) };
                let sig = status & 0x7f;
                if sig == 0 {
                    return (status >> 8) & 0xff;
                }
                if sig != 0x7f {
                    return 128 + sig;
                }
            }
        }
    }
}

/// Execute the command as execvpe does (PATH from the environment, else the default),
/// or say why not and exit 127 (not found) or 126.
fn exec_command(command: *const *const u8, envp: *const *const u8) -> ! {
    // SAFETY: command[0] is a C string (checked non-null by the caller).
    let prog_ptr = unsafe { *command };
    let prog = c_bytes(prog_ptr);
    let execve = |path: *const u8| -> isize {
        // SAFETY: a C string path and the NULL-terminated argument and environment arrays.
        unsafe {
            syscall(
                SYS_EXECVE,
                path as usize,
                command as usize,
                envp as usize,
                0,
            )
        }
    };
    if prog.contains(&b'/') {
        fail(prog, -execve(prog_ptr));
    }
    let mut path = DEFAULT_PATH;
    let mut i = 0;
    // SAFETY: envp is NULL-terminated; every entry before it is a C string.
    unsafe {
        while !(*envp.add(i)).is_null() {
            if let Some(value) = c_bytes(*envp.add(i)).strip_prefix(b"PATH=") {
                path = value;
                break;
            }
            i += 1;
        }
    }
    let mut last = ENOENT;
    let mut buf = MaybeUninit::<[u8; 4096]>::uninit();
    let buf = buf.as_mut_ptr().cast::<u8>();
    for dir in path.split(|&b| b == b':').filter(|d| !d.is_empty()) {
        let len = dir.len() + 1 + prog.len();
        if len >= 4096 {
            continue;
        }
        // SAFETY: len + 1 bytes fit the 4096-byte buffer, checked above.
        unsafe {
            core::ptr::copy_nonoverlapping(dir.as_ptr(), buf, dir.len());
            *buf.add(dir.len()) = b'/';
            core::ptr::copy_nonoverlapping(prog.as_ptr(), buf.add(dir.len() + 1), prog.len());
            *buf.add(len) = 0;
        }
        let err = -execve(buf);
        if err != ENOENT {
            last = err;
        }
    }
    fail(prog, last)
}

fn fail(prog: &[u8], errno: isize) -> ! {
    let text: &[u8] = match errno {
        2 => b"No such file or directory",
        7 => b"Argument list too long",
        8 => b"Exec format error",
        12 => b"Cannot allocate memory",
        13 => b"Permission denied",
        20 => b"Not a directory",
        26 => b"Text file busy",
        36 => b"File name too long",
        40 => b"Too many levels of symbolic links",
        _ => b"Cannot execute",
    };
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    let mut n = errno.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for part in [
        b"lxc-execute: " as &[u8],
        prog,
        b": ",
        text,
        b" (os error ",
        &digits[at..],
        b")\n",
    ] {
        write_err(part);
    }
    exit(if errno == ENOENT { 127 } else { 126 })
}
