//! `struct lxc_container` exactly as LXC 5.0 lays it out on x86_64 (568 bytes, members in
//! LXC's order). The library allocates it inside a larger `Handle`, so members LXC adds
//! later can be appended without breaking callers.

use std::ffi::{c_char, c_int, c_void};

pub type C = *mut LxcContainer;
type B0 = Option<extern "C" fn(C) -> bool>;
type BStr = Option<extern "C" fn(C, *const c_char) -> bool>;
type BStr2 = Option<extern "C" fn(C, *const c_char, *const c_char) -> bool>;
type BInt = Option<extern "C" fn(C, c_int) -> bool>;
type I0 = Option<extern "C" fn(C) -> c_int>;
type GetBuf = Option<extern "C" fn(C, *const c_char, *mut c_char, c_int) -> c_int>;

#[repr(C)]
pub struct LxcContainer {
    pub name: *mut c_char,
    pub configfile: *mut c_char,
    pub pidfile: *mut c_char,
    pub slock: *mut c_void,
    pub privlock: *mut c_void,
    pub numthreads: c_int,
    pub lxc_conf: *mut c_void,
    pub error_string: *mut c_char,
    pub error_num: c_int,
    pub daemonize: bool,
    pub config_path: *mut c_char,
    pub is_defined: B0,
    pub state: Option<extern "C" fn(C) -> *const c_char>,
    pub is_running: B0,
    pub freeze: B0,
    pub unfreeze: B0,
    pub init_pid: Option<extern "C" fn(C) -> libc::pid_t>,
    pub load_config: BStr,
    pub start: Option<extern "C" fn(C, c_int, *const *const c_char) -> bool>,
    pub startl: Option<unsafe extern "C" fn(C, c_int, ...) -> bool>,
    pub stop: B0,
    pub want_daemonize: Option<extern "C" fn(C, bool) -> bool>,
    pub want_close_all_fds: Option<extern "C" fn(C, bool) -> bool>,
    pub config_file_name: Option<extern "C" fn(C) -> *mut c_char>,
    pub wait: Option<extern "C" fn(C, *const c_char, c_int) -> bool>,
    pub set_config_item: BStr2,
    pub destroy: B0,
    pub save_config: BStr,
    pub create: Option<
        extern "C" fn(
            C,
            *const c_char,
            *const c_char,
            *mut c_void,
            c_int,
            *const *const c_char,
        ) -> bool,
    >,
    pub createl: Option<
        unsafe extern "C" fn(C, *const c_char, *const c_char, *mut c_void, c_int, ...) -> bool,
    >,
    pub rename: BStr,
    pub reboot: B0,
    pub shutdown: BInt,
    pub clear_config: Option<extern "C" fn(C)>,
    pub clear_config_item: BStr,
    pub get_config_item: GetBuf,
    pub get_running_config_item: Option<extern "C" fn(C, *const c_char) -> *mut c_char>,
    pub get_keys: GetBuf,
    pub get_interfaces: Option<extern "C" fn(C) -> *mut *mut c_char>,
    pub get_ips: Option<extern "C" fn(C, *const c_char, *const c_char, c_int) -> *mut *mut c_char>,
    pub get_cgroup_item: GetBuf,
    pub set_cgroup_item: BStr2,
    pub get_config_path: Option<extern "C" fn(C) -> *const c_char>,
    pub set_config_path: BStr,
    pub clone: Option<
        extern "C" fn(
            C,
            *const c_char,
            *const c_char,
            c_int,
            *const c_char,
            *const c_char,
            u64,
            *mut *mut c_char,
        ) -> C,
    >,
    pub console_getfd: Option<extern "C" fn(C, *mut c_int, *mut c_int) -> c_int>,
    pub console: Option<extern "C" fn(C, c_int, c_int, c_int, c_int, c_int) -> c_int>,
    pub attach: Option<
        extern "C" fn(
            C,
            Option<extern "C" fn(*mut c_void) -> c_int>,
            *mut c_void,
            *mut c_void,
            *mut libc::pid_t,
        ) -> c_int,
    >,
    pub attach_run_wait:
        Option<extern "C" fn(C, *mut c_void, *const c_char, *const *const c_char) -> c_int>,
    pub attach_run_waitl:
        Option<unsafe extern "C" fn(C, *mut c_void, *const c_char, *const c_char, ...) -> c_int>,
    pub snapshot: Option<extern "C" fn(C, *const c_char) -> c_int>,
    pub snapshot_list: Option<extern "C" fn(C, *mut *mut c_void) -> c_int>,
    pub snapshot_restore: BStr2,
    pub snapshot_destroy: BStr,
    pub may_control: B0,
    pub add_device_node: BStr2,
    pub remove_device_node: BStr2,
    pub attach_interface: BStr2,
    pub detach_interface: BStr2,
    pub checkpoint: Option<extern "C" fn(C, *mut c_char, bool, bool) -> bool>,
    pub restore: Option<extern "C" fn(C, *mut c_char, bool) -> bool>,
    pub destroy_with_snapshots: B0,
    pub snapshot_destroy_all: B0,
    pub migrate: Option<extern "C" fn(C, u32, *mut c_void, u32) -> c_int>,
    pub console_log: Option<extern "C" fn(C, *mut c_void) -> c_int>,
    pub reboot2: BInt,
    pub mount: Option<
        extern "C" fn(
            C,
            *const c_char,
            *const c_char,
            *const c_char,
            libc::c_ulong,
            *const c_void,
            *mut c_void,
        ) -> c_int,
    >,
    pub umount: Option<extern "C" fn(C, *const c_char, libc::c_ulong, *mut c_void) -> c_int>,
    pub seccomp_notify_fd: I0,
    pub seccomp_notify_fd_active: I0,
    pub init_pidfd: I0,
    pub devpts_fd: I0,
}

// The layout callers compiled against LXC 5.0's header rely on.
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<LxcContainer>() == 568);
    assert!(offset_of!(LxcContainer, numthreads) == 40);
    assert!(offset_of!(LxcContainer, lxc_conf) == 48);
    assert!(offset_of!(LxcContainer, error_num) == 64);
    assert!(offset_of!(LxcContainer, daemonize) == 68);
    assert!(offset_of!(LxcContainer, config_path) == 72);
    assert!(offset_of!(LxcContainer, is_defined) == 80);
    assert!(offset_of!(LxcContainer, start) == 136);
    assert!(offset_of!(LxcContainer, create) == 216);
    assert!(offset_of!(LxcContainer, get_config_item) == 272);
    assert!(offset_of!(LxcContainer, clone) == 344);
    assert!(offset_of!(LxcContainer, attach) == 368);
    assert!(offset_of!(LxcContainer, may_control) == 424);
    assert!(offset_of!(LxcContainer, migrate) == 496);
    assert!(offset_of!(LxcContainer, init_pidfd) == 552);
    assert!(offset_of!(LxcContainer, devpts_fd) == 560);
};

/// `struct lxc_console_log` (24 bytes): `read_max` is in (bytes wanted, 0 = all) and out
/// (bytes read); `data` is out (malloc'd, NUL-terminated).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ConsoleLog {
    /// C `bool`s, read as bytes: any non-zero value is true.
    pub clear: u8,
    pub read: u8,
    pub read_max: *mut u64,
    pub data: *mut c_char,
}

const _: () = {
    assert!(std::mem::size_of::<ConsoleLog>() == 24);
    assert!(std::mem::offset_of!(ConsoleLog, read_max) == 8);
    assert!(std::mem::offset_of!(ConsoleLog, data) == 16);
};

/// `lxc_attach_options_t` members we read, by offset (callers pass 72- or 96-byte versions;
/// nothing at or past 72 is read unless its flag says it is there).
pub mod attach_opts {
    pub const ATTACH_FLAGS: usize = 0;
    pub const NAMESPACES: usize = 4;
    pub const PERSONALITY: usize = 8;
    pub const INITIAL_CWD: usize = 16;
    pub const UID: usize = 24;
    pub const GID: usize = 28;
    pub const ENV_POLICY: usize = 32;
    pub const EXTRA_ENV_VARS: usize = 40;
    pub const EXTRA_KEEP_ENV: usize = 48;
    pub const STDIN_FD: usize = 56;
    pub const STDOUT_FD: usize = 60;
    pub const STDERR_FD: usize = 64;
    /// Read only with LSM_LABEL / SETGROUPS set (72-byte callers have neither).
    pub const LSM_LABEL_PTR: usize = 72;
    pub const GROUPS_SIZE: usize = 80;
    pub const GROUPS_LIST: usize = 88;
    pub const MOVE_TO_CGROUP: i32 = 0x1;
    pub const DROP_CAPABILITIES: i32 = 0x2;
    pub const SET_PERSONALITY: i32 = 0x4;
    pub const LSM_EXEC: i32 = 0x8;
    pub const REMOUNT_PROC_SYS: i32 = 0x1_0000;
    pub const NO_NEW_PRIVS: i32 = 0x4_0000;
    pub const LSM_LABEL: i32 = 0x10_0000;
    pub const SETGROUPS: i32 = 0x20_0000;
}
