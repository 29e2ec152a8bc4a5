//! Mounts and safe path resolution inside a container's rootfs.

use crate::{check, check_long, cstr, opt_cstr, Result};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

pub use libc::{
    MNT_DETACH, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC,
    MS_RELATIME, MS_REMOUNT, MS_SHARED, MS_SLAVE, MS_STRICTATIME,
};

/// mount(2). `target` may be a `/proc/self/fd/N` path of an fd opened with `open_in_root`,
/// which pins the exact directory so a container cannot redirect the mount with symlinks.
pub fn mount(
    source: Option<&str>,
    target: &str,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> Result<()> {
    let src = source.map(cstr).transpose()?;
    let tgt = cstr(target)?;
    let fst = fstype.map(cstr).transpose()?;
    let dat = data.map(cstr).transpose()?;
    // SAFETY: every pointer is a valid C string or NULL, alive for the call.
    check(unsafe {
        libc::mount(
            opt_cstr(&src),
            tgt.as_ptr(),
            opt_cstr(&fst),
            flags,
            dat.as_ref().map_or(std::ptr::null(), |d| d.as_ptr().cast()),
        )
    })?;
    Ok(())
}

pub fn umount(target: &str, flags: i32) -> Result<()> {
    let tgt = cstr(target)?;
    // SAFETY: valid C string.
    check(unsafe { libc::umount2(tgt.as_ptr(), flags) })?;
    Ok(())
}

pub fn pivot_root(new_root: &str, put_old: &str) -> Result<()> {
    let n = cstr(new_root)?;
    let o = cstr(put_old)?;
    // SAFETY: valid C strings.
    check_long(unsafe { libc::syscall(libc::SYS_pivot_root, n.as_ptr(), o.as_ptr()) })?;
    Ok(())
}

pub fn fchdir(fd: BorrowedFd<'_>) -> Result<()> {
    // SAFETY: valid fd.
    check(unsafe { libc::fchdir(fd.as_raw_fd()) })?;
    Ok(())
}

#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

pub(crate) const RESOLVE_NO_XDEV: u64 = 0x01;
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub(crate) const RESOLVE_NO_SYMLINKS: u64 = 0x04;
const RESOLVE_IN_ROOT: u64 = 0x10;

/// openat2 with RESOLVE_IN_ROOT: `path` is resolved as if `root` were `/`, so absolute
/// symlinks and `..` inside the container cannot escape to the host.
pub fn open_in_root(root: BorrowedFd<'_>, path: &str, flags: i32, mode: u32) -> Result<OwnedFd> {
    let rel = path.trim_start_matches('/');
    let rel = if rel.is_empty() { "." } else { rel };
    let c = cstr(rel)?;
    openat2(
        root,
        &c,
        flags,
        mode,
        RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    )
}

/// openat2 with the given `RESOLVE_*` flags (O_CLOEXEC added; EAGAIN retried).
pub(crate) fn openat2(
    dir: BorrowedFd<'_>,
    path: &std::ffi::CStr,
    flags: i32,
    mode: u32,
    resolve: u64,
) -> Result<OwnedFd> {
    let how = OpenHow {
        flags: (flags | libc::O_CLOEXEC) as u64,
        mode: if flags & libc::O_CREAT != 0 {
            mode as u64
        } else {
            0
        },
        resolve,
    };
    loop {
        // SAFETY: how is a valid open_how of the size we pass; path is a valid C string.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dir.as_raw_fd(),
                path.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        if ret < 0 {
            let err = io::Error::last_os_error();
            // EAGAIN: a rename raced the lookup; the kernel asks us to retry.
            if err.raw_os_error() == Some(libc::EAGAIN) {
                continue;
            }
            return Err(err);
        }
        // SAFETY: a fresh fd returned by the kernel.
        return Ok(unsafe { OwnedFd::from_raw_fd(ret as RawFd) });
    }
}

/// mkdirat relative to a directory fd (a single component).
pub fn mkdirat(dir: BorrowedFd<'_>, name: &str, mode: u32) -> Result<()> {
    let c = cstr(name)?;
    // SAFETY: valid fd and C string.
    check(unsafe { libc::mkdirat(dir.as_raw_fd(), c.as_ptr(), mode) })?;
    Ok(())
}

/// Create every missing directory of `path` inside `root` (each step resolved in root) and
/// return an O_PATH fd to the last one. An existing path costs one lookup; a missing one
/// is made below its nearest existing ancestor.
pub fn mkdir_all_in_root(root: BorrowedFd<'_>, path: &str, mode: u32) -> Result<OwnedFd> {
    let comps: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    mkdir_comps_in_root(root, &comps, mode)
}

fn mkdir_comps_in_root(root: BorrowedFd<'_>, comps: &[&str], mode: u32) -> Result<OwnedFd> {
    let path = format!("/{}", comps.join("/"));
    let flags = libc::O_PATH | libc::O_DIRECTORY;
    let Some((leaf, parents)) = comps.split_last() else {
        return open_in_root(root, &path, flags, 0);
    };
    match open_in_root(root, &path, flags, 0) {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
        other => return other,
    }
    let parent = mkdir_comps_in_root(root, parents, mode)?;
    match mkdirat(parent.as_fd(), leaf, mode) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
        Err(e) => return Err(e),
    }
    open_in_root(root, &path, flags, 0)
}

/// Create an empty file at `path` inside root (for bind-mounting files onto), parents included.
pub fn touch_in_root(root: BorrowedFd<'_>, path: &str, mode: u32) -> Result<OwnedFd> {
    let parent = parent_of(path);
    mkdir_all_in_root(root, parent, 0o755)?;
    match open_in_root(root, path, libc::O_PATH, 0) {
        Ok(fd) => Ok(fd),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            let created = open_in_root(root, path, libc::O_CREAT | libc::O_WRONLY, mode)?;
            drop(created);
            open_in_root(root, path, libc::O_PATH, 0)
        }
        Err(e) => Err(e),
    }
}

/// Create a symlink at `path` inside root (its parent resolved in root), replacing nothing.
pub fn symlink_in_root(root: BorrowedFd<'_>, target: &str, path: &str) -> Result<()> {
    let parent = open_in_root(root, parent_of(path), libc::O_DIRECTORY, 0)?;
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    let t = cstr(target)?;
    let n = cstr(name)?;
    // SAFETY: valid dirfd and C strings.
    check(unsafe { libc::symlinkat(t.as_ptr(), parent.as_raw_fd(), n.as_ptr()) })?;
    Ok(())
}

fn parent_of(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &trimmed[..i],
    }
}

/// Write a whole small file by fd path (for /proc and /sys knobs).
pub fn write_file(path: &str, contents: &[u8]) -> Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::{mkdir_all_in_root, parent_of};
    use std::os::fd::AsFd;

    /// Directories are made inside the root, also through a symlink the root's owner
    /// aimed at the host's `/`; an existing path is returned as it is.
    #[test]
    fn directories_are_made_inside_the_root() {
        let base = std::env::temp_dir().join(format!("lxc-sys-mkdir-{}", std::process::id()));
        let made = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(base.join("rootfs/etc"))?;
            std::os::unix::fs::symlink("/", base.join("rootfs/escape"))?;
            let root = std::fs::File::open(base.join("rootfs"))?;
            mkdir_all_in_root(root.as_fd(), "/escape/./lxc-sys-test//a/b", 0o755)?;
            mkdir_all_in_root(root.as_fd(), "etc", 0o755)?;
            mkdir_all_in_root(root.as_fd(), "/", 0o755)?;
            Ok(())
        })();
        let inside = base.join("rootfs/lxc-sys-test/a/b").is_dir();
        let _ = std::fs::remove_dir_all(&base);
        assert!(made.is_ok(), "{made:?}");
        assert!(inside, "made through the symlink, inside the root");
        assert!(!std::path::Path::new("/lxc-sys-test").exists());
    }

    #[test]
    fn parents() {
        assert_eq!(parent_of("/a/b"), "/a");
        assert_eq!(parent_of("/a"), "/");
        assert_eq!(parent_of("a"), "/");
        assert_eq!(parent_of("/a/b/"), "/a");
    }
}
