//! Processes: clone3 with pidfds, fork, wait, signals, exec, prctl.

use crate::{check, check_long, cstr, Result};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

pub use libc::{
    CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME,
    CLONE_NEWUSER, CLONE_NEWUTS,
};

/// Which side of a fork/clone we are on.
pub enum Forked {
    Child,
    Parent {
        pid: libc::pid_t,
        pidfd: Option<OwnedFd>,
    },
}

#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

const CLONE_PIDFD: u64 = 0x1000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// clone3 without a new stack: fork semantics plus new namespaces, a pidfd and optionally
/// placement into a cgroup2 directory. The caller must be single-threaded (our helper is).
pub fn clone3_fork(ns_flags: i32, cgroup: Option<BorrowedFd<'_>>) -> Result<Forked> {
    let mut pidfd: RawFd = -1;
    let mut args = CloneArgs {
        flags: (ns_flags as u32 as u64) | CLONE_PIDFD,
        pidfd: &mut pidfd as *mut RawFd as u64,
        exit_signal: libc::SIGCHLD as u64,
        ..Default::default()
    };
    if let Some(cg) = cgroup {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = cg.as_raw_fd() as u64;
    }
    // SAFETY: clone3 with no stack behaves like fork; args is a valid, fully initialised
    // clone_args of the size we pass, and pidfd points to writable memory for the kernel.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &mut args as *mut CloneArgs,
            std::mem::size_of::<CloneArgs>(),
        )
    };
    let ret = check_long(ret)?;
    if ret == 0 {
        Ok(Forked::Child)
    } else {
        // SAFETY: the kernel returned a new pidfd that nothing else owns.
        let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
        Ok(Forked::Parent {
            pid: ret as libc::pid_t,
            pidfd: Some(pidfd),
        })
    }
}

/// Plain fork. The caller must be single-threaded.
pub fn fork() -> Result<Forked> {
    // SAFETY: the helper that calls this is single-threaded, so the child gets a consistent
    // copy of the address space.
    let pid = check(unsafe { libc::fork() })?;
    if pid == 0 {
        Ok(Forked::Child)
    } else {
        Ok(Forked::Parent { pid, pidfd: None })
    }
}

pub fn pidfd_open(pid: libc::pid_t) -> Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags; it returns a new fd we then own.
    let fd = check_long(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: fd is a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> Result<()> {
    // SAFETY: valid fd, a signal number, no siginfo, no flags.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    })?;
    Ok(())
}

pub fn kill(pid: libc::pid_t, sig: i32) -> Result<()> {
    // SAFETY: kill has no memory preconditions.
    check(unsafe { libc::kill(pid, sig) })?;
    Ok(())
}

/// Outcome of waiting for a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitStatus {
    Exited(i32),
    Signaled(i32),
    /// Still running (only with `nohang`).
    StillAlive,
}

impl WaitStatus {
    /// The raw wait status as waitpid reports it (what LXC hands back as error_num).
    pub fn raw(self) -> i32 {
        match self {
            WaitStatus::Exited(code) => (code & 0xff) << 8,
            WaitStatus::Signaled(sig) => sig & 0x7f,
            WaitStatus::StillAlive => 0,
        }
    }
    /// Exit code the shell would show: the code, or 128 + signal.
    pub fn shell_code(self) -> i32 {
        match self {
            WaitStatus::Exited(code) => code,
            WaitStatus::Signaled(sig) => 128 + sig,
            WaitStatus::StillAlive => 0,
        }
    }
}

fn decode(status: libc::c_int) -> WaitStatus {
    if libc::WIFEXITED(status) {
        WaitStatus::Exited(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        WaitStatus::Signaled(libc::WTERMSIG(status))
    } else {
        WaitStatus::StillAlive
    }
}

pub fn waitpid(pid: libc::pid_t, nohang: bool) -> Result<WaitStatus> {
    let mut status: libc::c_int = 0;
    let flags = if nohang { libc::WNOHANG } else { 0 };
    loop {
        // SAFETY: status is a valid out pointer.
        let ret = unsafe { libc::waitpid(pid, &mut status, flags) };
        if ret < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        if ret == 0 {
            return Ok(WaitStatus::StillAlive);
        }
        return Ok(decode(status));
    }
}

/// Reap any child without blocking; returns its pid and status.
pub fn reap_any() -> Result<Option<(libc::pid_t, WaitStatus)>> {
    let mut status: libc::c_int = 0;
    // SAFETY: status is a valid out pointer.
    let ret = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    if ret < 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::ECHILD) {
            return Ok(None);
        }
        return Err(err);
    }
    if ret == 0 {
        return Ok(None);
    }
    Ok(Some((ret, decode(status))))
}

/// Replace this process image. Returns only on failure.
pub fn execve(path: &str, argv: &[String], envp: &[String]) -> io::Error {
    let to_c = |v: &[String]| -> Result<Vec<CString>> { v.iter().map(|s| cstr(s)).collect() };
    let (path_c, argv_c, envp_c) = match (cstr(path), to_c(argv), to_c(envp)) {
        (Ok(p), Ok(a), Ok(e)) => (p, a, e),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
    };
    let mut argv_p: Vec<*const libc::c_char> = argv_c.iter().map(|c| c.as_ptr()).collect();
    argv_p.push(std::ptr::null());
    let mut envp_p: Vec<*const libc::c_char> = envp_c.iter().map(|c| c.as_ptr()).collect();
    envp_p.push(std::ptr::null());
    // SAFETY: all three arrays are NUL-terminated arrays of valid C strings that outlive the
    // call; execve only returns on error.
    unsafe { libc::execve(path_c.as_ptr(), argv_p.as_ptr(), envp_p.as_ptr()) };
    io::Error::last_os_error()
}

/// execvp-like: search PATH from `envp` (or a default) when `prog` has no slash.
pub fn execvpe(prog: &str, argv: &[String], envp: &[String]) -> io::Error {
    if prog.contains('/') {
        return execve(prog, argv, envp);
    }
    let path = envp
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    let mut last = io::Error::from_raw_os_error(libc::ENOENT);
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        let candidate = format!("{dir}/{prog}");
        let err = execve(&candidate, argv, envp);
        if err.raw_os_error() != Some(libc::ENOENT) {
            last = err;
        }
    }
    last
}

/// Leave immediately without running destructors or atexit handlers (after a fork).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit is always safe to call.
    unsafe { libc::_exit(code) }
}

pub fn setsid() -> Result<()> {
    // SAFETY: no preconditions.
    check(unsafe { libc::setsid() })?;
    Ok(())
}

pub fn set_pdeathsig(sig: i32) -> Result<()> {
    // SAFETY: prctl PR_SET_PDEATHSIG takes a signal number.
    check(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig as libc::c_ulong, 0, 0, 0) })?;
    Ok(())
}

pub fn set_child_subreaper() -> Result<()> {
    // SAFETY: prctl PR_SET_CHILD_SUBREAPER takes an integer flag.
    check(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) })?;
    Ok(())
}

/// Set the process name shown by ps (comm, at most 15 bytes).
pub fn set_name(name: &str) -> Result<()> {
    let c = cstr(name)?;
    // SAFETY: c is a valid NUL-terminated string for the duration of the call.
    check(unsafe { libc::prctl(libc::PR_SET_NAME, c.as_ptr() as libc::c_ulong, 0, 0, 0) })?;
    Ok(())
}

const PR_SCHED_CORE: libc::c_int = 62;
const PR_SCHED_CORE_CREATE: libc::c_ulong = 1;
const PR_SCHED_CORE_SHARE_FROM: libc::c_ulong = 3;
const PIDTYPE_PID: libc::c_ulong = 0;
const PIDTYPE_TGID: libc::c_ulong = 1;

/// A new core-scheduling cookie for every thread of process `pid` (tasks without the same
/// cookie never share an SMT core). ENODEV: no SMT to schedule, EINVAL: no core scheduling.
pub fn sched_core_create(pid: libc::pid_t) -> Result<()> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe {
        libc::prctl(
            PR_SCHED_CORE,
            PR_SCHED_CORE_CREATE,
            pid as libc::c_ulong,
            PIDTYPE_TGID,
            0 as libc::c_ulong,
        )
    })?;
    Ok(())
}

/// Take the core-scheduling cookie of `pid` (as this process's pid namespace numbers it).
pub fn sched_core_share_from(pid: libc::pid_t) -> Result<()> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe {
        libc::prctl(
            PR_SCHED_CORE,
            PR_SCHED_CORE_SHARE_FROM,
            pid as libc::c_ulong,
            PIDTYPE_PID,
            0 as libc::c_ulong,
        )
    })?;
    Ok(())
}

pub fn set_no_new_privs() -> Result<()> {
    // SAFETY: prctl PR_SET_NO_NEW_PRIVS with integer arguments.
    check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1 as libc::c_ulong, 0, 0, 0) })?;
    Ok(())
}

pub fn set_personality(persona: u64) -> Result<()> {
    // SAFETY: personality takes an integer.
    check(unsafe { libc::personality(persona as libc::c_ulong) })?;
    Ok(())
}

pub fn setgroups(groups: &[u32]) -> Result<()> {
    // SAFETY: groups points to groups.len() gid_t values.
    check(unsafe { libc::setgroups(groups.len(), groups.as_ptr()) })?;
    Ok(())
}

pub fn setresgid(gid: u32) -> Result<()> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::setresgid(gid, gid, gid) })?;
    Ok(())
}

pub fn setresuid(uid: u32) -> Result<()> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::setresuid(uid, uid, uid) })?;
    Ok(())
}

/// Change only the effective uid (a setuid program steps down to its caller and back).
pub fn seteuid(uid: u32) -> Result<()> {
    // SAFETY: integer arguments only; -1 leaves the real and saved ids as they are.
    check(unsafe { libc::setresuid(u32::MAX, uid, u32::MAX) })?;
    Ok(())
}

/// The ids files are made with (setfsuid/setfsgid, interpreted in our user namespace).
pub fn set_fs_ids(uid: u32, gid: u32) {
    // SAFETY: integer arguments only; these calls cannot fail in a way that matters here
    // (they return the previous id).
    unsafe {
        libc::setfsgid(gid);
        libc::setfsuid(uid);
    }
}

/// The real user and group ids (a setuid program's caller).
pub fn real_ids() -> (u32, u32) {
    // SAFETY: getuid and getgid cannot fail.
    unsafe { (libc::getuid(), libc::getgid()) }
}

/// The supplementary groups of this process.
pub fn groups() -> Result<Vec<u32>> {
    // SAFETY: a zero-sized query returns the count and writes nothing.
    let n = check(unsafe { libc::getgroups(0, std::ptr::null_mut()) })?;
    let mut groups = vec![0u32; n as usize];
    // SAFETY: groups has room for n gid_t values.
    let got = check(unsafe { libc::getgroups(n, groups.as_mut_ptr()) })?;
    groups.truncate(got as usize);
    Ok(groups)
}

/// A signal set holding `signals`.
fn sigset_of(signals: &[i32]) -> libc::sigset_t {
    // SAFETY: the set is initialised by sigemptyset before signals are added to it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in signals {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

/// Block (true) or unblock (false) the given signals for this thread.
pub fn sigmask(signals: &[i32], block: bool) -> Result<()> {
    let set = sigset_of(signals);
    let how = if block {
        libc::SIG_BLOCK
    } else {
        libc::SIG_UNBLOCK
    };
    // SAFETY: set is a valid signal set; no old set is asked for.
    check(unsafe { libc::sigprocmask(how, &set, std::ptr::null_mut()) })?;
    Ok(())
}

/// A thread's signal mask as it was, to put back with `restore_mask`.
pub struct SavedMask(libc::sigset_t);

/// Block the given signals for this thread, returning the mask before.
pub fn block_signals(signals: &[i32]) -> Result<SavedMask> {
    let set = sigset_of(signals);
    // SAFETY: set is a valid signal set; old is written by sigprocmask.
    unsafe {
        let mut old: libc::sigset_t = std::mem::zeroed();
        check(libc::sigprocmask(libc::SIG_BLOCK, &set, &mut old))?;
        Ok(SavedMask(old))
    }
}

/// Put back a mask `block_signals` returned.
pub fn restore_mask(saved: &SavedMask) {
    // SAFETY: the saved set came from sigprocmask.
    unsafe {
        libc::sigprocmask(libc::SIG_SETMASK, &saved.0, std::ptr::null_mut());
    }
}

/// Drop any pending instance of these (blocked) signals, keeping their handlers.
pub fn discard_pending(signals: &[i32]) {
    for &sig in signals {
        // SAFETY: sigaction reads and writes the two structs, both valid; ignoring a
        // signal discards its pending instance (POSIX), then the old action is put back.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            let mut ignore: libc::sigaction = std::mem::zeroed();
            ignore.sa_sigaction = libc::SIG_IGN;
            if libc::sigaction(sig, &ignore, &mut old) == 0 {
                libc::sigaction(sig, &old, std::ptr::null_mut());
            }
        }
    }
}

/// Unblock every signal and reset handlers to default (before exec into a payload).
pub fn reset_signals() {
    let none = sigset_of(&[]);
    // SAFETY: none is a valid (empty) signal set; signal() with SIG_DFL for valid numbers.
    unsafe {
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
        for sig in 1..32 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
    }
}

/// A signalfd for the given (already blocked) signals; read with `read_signal`.
pub fn signalfd(signals: &[i32]) -> Result<OwnedFd> {
    let set = sigset_of(signals);
    // SAFETY: set is a valid signal set; signalfd returns a new fd we own.
    unsafe {
        let fd = check(libc::signalfd(
            -1,
            &set,
            libc::SFD_CLOEXEC | libc::SFD_NONBLOCK,
        ))?;
        Ok(OwnedFd::from_raw_fd(fd))
    }
}

/// Read one pending signal from a signalfd: (signo, sender pid).
pub fn read_signal(fd: BorrowedFd<'_>) -> Result<Option<(i32, u32)>> {
    // SAFETY: info is a plain-old-data struct; read writes at most its size.
    unsafe {
        let mut info: libc::signalfd_siginfo = std::mem::zeroed();
        let n = libc::read(
            fd.as_raw_fd(),
            &mut info as *mut _ as *mut libc::c_void,
            std::mem::size_of::<libc::signalfd_siginfo>(),
        );
        if n < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::WouldBlock {
                return Ok(None);
            }
            return Err(err);
        }
        if n as usize != std::mem::size_of::<libc::signalfd_siginfo>() {
            return Ok(None);
        }
        Ok(Some((info.ssi_signo as i32, info.ssi_pid)))
    }
}

/// Ignore SIGPIPE so that writes to closed sockets return EPIPE.
/// Ignore SIGXFSZ: a write past RLIMIT_FSIZE fails with EFBIG instead of killing us (a
/// setuid program inherits its caller's limits).
pub fn ignore_sigxfsz() {
    // SAFETY: installing SIG_IGN for SIGXFSZ is always valid.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

pub fn ignore_sigpipe() {
    // SAFETY: installing SIG_IGN for SIGPIPE is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

pub fn chdir(path: &str) -> Result<()> {
    let c = cstr(path)?;
    // SAFETY: c is a valid C string.
    check(unsafe { libc::chdir(c.as_ptr()) })?;
    Ok(())
}

pub fn chroot(path: &str) -> Result<()> {
    let c = cstr(path)?;
    // SAFETY: c is a valid C string.
    check(unsafe { libc::chroot(c.as_ptr()) })?;
    Ok(())
}

pub fn umask(mask: u32) -> u32 {
    // SAFETY: umask cannot fail.
    unsafe { libc::umask(mask) }
}

/// setrlimit by LXC's resource name (`nofile`, `nproc`, ...; RLIMIT_* lower-case).
pub fn setrlimit(resource: &str, soft: u64, hard: u64) -> Result<()> {
    let res = match resource {
        "as" => libc::RLIMIT_AS,
        "core" => libc::RLIMIT_CORE,
        "cpu" => libc::RLIMIT_CPU,
        "data" => libc::RLIMIT_DATA,
        "fsize" => libc::RLIMIT_FSIZE,
        "locks" => libc::RLIMIT_LOCKS,
        "memlock" => libc::RLIMIT_MEMLOCK,
        "msgqueue" => libc::RLIMIT_MSGQUEUE,
        "nice" => libc::RLIMIT_NICE,
        "nofile" => libc::RLIMIT_NOFILE,
        "nproc" => libc::RLIMIT_NPROC,
        "rss" => libc::RLIMIT_RSS,
        "rtprio" => libc::RLIMIT_RTPRIO,
        "rttime" => libc::RLIMIT_RTTIME,
        "sigpending" => libc::RLIMIT_SIGPENDING,
        "stack" => libc::RLIMIT_STACK,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "unknown resource",
            ))
        }
    };
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: lim is a valid rlimit.
    check(unsafe { libc::setrlimit(res, &lim) })?;
    Ok(())
}

/// Let go of the resident pages of work done: the read-only mappings of our own executable
/// that hold only file pages (they come back from the page cache if touched again) and free
/// heap. A long-lived monitor calls this when it goes idle.
pub fn release_startup_pages() {
    let ranges = droppable_ranges();
    // SAFETY: malloc_trim only returns free heap memory to the kernel. (musl's allocator
    // returns freed memory by itself and has no malloc_trim.)
    #[cfg(target_env = "gnu")]
    unsafe {
        libc::malloc_trim(0);
    }
    // Last, in one tight loop: code that runs after the drop faults its pages back in.
    for (start, end) in ranges {
        // SAFETY: a read-only mapping of our executable holding only unmodified file pages;
        // dropping its page table entries makes later accesses fault the same bytes back in
        // from the page cache.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
        }
    }
}

/// Read-only mappings of our executable made only of file pages. Relocated (RELRO) pages are
/// private copies: dropping them would bring back the unrelocated file bytes, so a mapping
/// with any anonymous page is left alone.
fn droppable_ranges() -> Vec<(usize, usize)> {
    let (Ok(exe), Ok(smaps)) = (
        std::fs::read_link("/proc/self/exe"),
        std::fs::read_to_string("/proc/self/smaps"),
    ) else {
        return Vec::new();
    };
    let mut ranges = Vec::new();
    let mut candidate: Option<(usize, usize)> = None;
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if let Some((start, end)) = first.split_once('-') {
            // A mapping header: `start-end perms offset dev inode path`.
            candidate = None;
            let perms = fields.next().unwrap_or("");
            let path = fields.nth(3).unwrap_or("");
            if perms.contains('w') || std::path::Path::new(path) != exe {
                continue;
            }
            if let (Ok(s), Ok(e)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            ) {
                candidate = Some((s, e));
            }
        } else if first == "Anonymous:" {
            let anon_kb = fields
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            if let (Some(range), 0) = (candidate.take(), anon_kb) {
                ranges.push(range);
            }
        }
    }
    ranges
}

/// lxc-execute's init for this target, built without libc or std (init/main.rs), when
/// there is one; other targets run the `lxc-rs-init` program.
#[cfg(tiny_init)]
pub const TINY_INIT: Option<&[u8]> = Some(include_bytes!(concat!(env!("OUT_DIR"), "/lxc-rs-init")));
#[cfg(not(tiny_init))]
pub const TINY_INIT: Option<&[u8]> = None;

/// A sealed in-memory copy of an executable: nothing can write it, so a container that gets
/// hold of `/proc/<pid>/exe` of one of our processes cannot replace a host binary through it.
pub fn sealed_copy(path: &std::path::Path) -> Result<OwnedFd> {
    // Named after the file, as /proc/<pid>/exe then shows it.
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("lxc-rs");
    let mut dst = sealable_memfd(file_name)?;
    std::io::copy(&mut std::fs::File::open(path)?, &mut dst)?;
    seal(dst)
}

/// A sealed in-memory executable holding `image`, named `name` in /proc/<pid>/exe.
pub fn sealed_image(name: &str, image: &[u8]) -> Result<OwnedFd> {
    let mut dst = sealable_memfd(name)?;
    std::io::Write::write_all(&mut dst, image)?;
    seal(dst)
}

fn sealable_memfd(name: &str) -> Result<std::fs::File> {
    const MFD_EXEC: libc::c_uint = 0x10;
    let name = cstr(name)?;
    let flags = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
    // SAFETY: valid C string; returns a fresh fd. MFD_EXEC is only known to 6.3+ kernels.
    let mut fd = unsafe { libc::memfd_create(name.as_ptr(), flags | MFD_EXEC) };
    if fd < 0 {
        // SAFETY: as above, without the flag older kernels reject.
        fd = check(unsafe { libc::memfd_create(name.as_ptr(), flags) })?;
    }
    // SAFETY: a fresh fd we own.
    Ok(std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

fn seal(file: std::fs::File) -> Result<OwnedFd> {
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    // SAFETY: F_ADD_SEALS on our memfd with integer flags.
    check(unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) })?;
    Ok(OwnedFd::from(file))
}

/// Execute the program behind an fd (e.g. a sealed copy). Returns only on failure.
pub fn fexecve(fd: BorrowedFd<'_>, argv: &[String], envp: &[String]) -> io::Error {
    let to_c = |v: &[String]| -> Result<Vec<CString>> { v.iter().map(|s| cstr(s)).collect() };
    let (argv_c, envp_c) = match (to_c(argv), to_c(envp)) {
        (Ok(a), Ok(e)) => (a, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let mut argv_p: Vec<*const libc::c_char> = argv_c.iter().map(|c| c.as_ptr()).collect();
    argv_p.push(std::ptr::null());
    let mut envp_p: Vec<*const libc::c_char> = envp_c.iter().map(|c| c.as_ptr()).collect();
    envp_p.push(std::ptr::null());
    // SAFETY: NUL-terminated arrays of valid C strings that outlive the call; the empty path
    // with AT_EMPTY_PATH executes the fd itself.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            fd.as_raw_fd(),
            c"".as_ptr(),
            argv_p.as_ptr(),
            envp_p.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    io::Error::last_os_error()
}

/// Make this process non-dumpable (no ptrace, no /proc/<pid>/exe for others). Call it again
/// after any credential change: the kernel resets the flag then.
pub fn set_dumpable(on: bool) -> Result<()> {
    // SAFETY: prctl PR_SET_DUMPABLE with an integer flag.
    check(unsafe {
        libc::prctl(
            libc::PR_SET_DUMPABLE,
            u64::from(on) as libc::c_ulong,
            0,
            0,
            0,
        )
    })?;
    Ok(())
}

/// clearenv(3): empty this process's environment (a freshly forked, single-threaded child).
pub fn clear_env() {
    // SAFETY: clearenv only touches the environment of this process.
    unsafe { libc::clearenv() };
}

/// setenv(3) with overwrite (a freshly forked, single-threaded child).
pub fn set_env(key: &str, value: &str) -> Result<()> {
    let (k, v) = (cstr(key)?, cstr(value)?);
    // SAFETY: valid C strings; setenv copies them.
    check(unsafe { libc::setenv(k.as_ptr(), v.as_ptr(), 1) })?;
    Ok(())
}

/// Give this process a new, empty session keyring (so a container does not share the
/// caller's).
pub fn join_new_session_keyring() -> Result<()> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl JOIN_SESSION_KEYRING with a NULL name creates an anonymous keyring.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    fn pending(sig: i32) -> bool {
        // SAFETY: sigpending fills the zeroed set; sigismember reads it.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigpending(&mut set);
            libc::sigismember(&set, sig) == 1
        }
    }

    #[test]
    fn a_pending_signal_is_discarded_and_its_handler_kept() {
        let sig = libc::SIGUSR2;
        let Ok(saved) = super::block_signals(&[sig]) else {
            panic!("sigprocmask failed");
        };
        // SAFETY: the signal goes to this very thread, which blocks it.
        unsafe { libc::pthread_kill(libc::pthread_self(), sig) };
        assert!(pending(sig));
        super::discard_pending(&[sig]);
        assert!(!pending(sig));
        // SAFETY: reading the current action into a zeroed struct.
        let handler = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old);
            old.sa_sigaction
        };
        assert_eq!(handler, libc::SIG_DFL);
        super::restore_mask(&saved);
    }

    #[test]
    #[cfg(tiny_init)]
    fn the_built_in_init_is_a_small_static_executable() {
        let image = super::TINY_INIT.unwrap_or_default();
        assert!(image.starts_with(b"\x7fELF"));
        // ET_EXEC: no loader and no relocations.
        assert_eq!(image.get(16..18), Some(&[2u8, 0][..]));
        assert!(image.len() < 64 * 1024, "{} bytes", image.len());
    }
}
