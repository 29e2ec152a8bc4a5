//! Data objects (and two functions) that LXC 5.0.2's liblxc.so.1 exports by accident and
//! Debian's symbols file records. Nothing in lxc-rs uses them; they exist so programs and
//! packaging tools that look for them find them. (`current_config`, a thread-local, cannot
//! be defined in stable Rust and is left out.)

use lxc_sys::ffi::StaticPtr;
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr};

#[no_mangle]
pub static lxc_log_fd: AtomicI32 = AtomicI32::new(-libc::EBADF);

#[no_mangle]
pub static lxc_log_use_global_fd: AtomicBool = AtomicBool::new(false);

/// `struct lxc_log_category` as LXC lays it out (32 bytes).
#[repr(C)]
pub struct LogCategory {
    name: StaticPtr<c_char>,
    priority: AtomicI32,
    appender: AtomicPtr<c_void>,
    parent: StaticPtr<c_void>,
}

macro_rules! categories {
    ($($symbol:ident = $name:literal),* $(,)?) => {
        $(
            #[no_mangle]
            pub static $symbol: LogCategory = LogCategory {
                name: StaticPtr(concat!($name, "\0").as_ptr() as *const c_char),
                priority: AtomicI32::new(0),
                appender: AtomicPtr::new(std::ptr::null_mut()),
                parent: StaticPtr(std::ptr::null()),
            };
        )*
    };
}

categories! {
    lxc_log_category_af_unix = "af_unix", lxc_log_category_apparmor = "apparmor",
    lxc_log_category_attach = "attach", lxc_log_category_btrfs = "btrfs",
    lxc_log_category_caps = "caps", lxc_log_category_cgfsng = "cgfsng",
    lxc_log_category_cgroup = "cgroup", lxc_log_category_cgroup2_devices = "cgroup2_devices",
    lxc_log_category_cgroup_utils = "cgroup_utils", lxc_log_category_commands = "commands",
    lxc_log_category_commands_utils = "commands_utils", lxc_log_category_conf = "conf",
    lxc_log_category_confile = "confile", lxc_log_category_confile_utils = "confile_utils",
    lxc_log_category_criu = "criu", lxc_log_category_dir = "dir",
    lxc_log_category_error = "error", lxc_log_category_execute = "execute",
    lxc_log_category_freezer = "freezer", lxc_log_category_log = "log",
    lxc_log_category_loop = "loop", lxc_log_category_lsm = "lsm",
    lxc_log_category_lvm = "lvm", lxc_log_category_lxc = "lxc",
    lxc_log_category_lxccontainer = "lxccontainer", lxc_log_category_lxclock = "lxclock",
    lxc_log_category_mainloop = "mainloop", lxc_log_category_monitor = "monitor",
    lxc_log_category_mount_utils = "mount_utils", lxc_log_category_namespace = "namespace",
    lxc_log_category_nbd = "nbd", lxc_log_category_network = "network",
    lxc_log_category_nl = "nl", lxc_log_category_overlay = "overlay",
    lxc_log_category_parse = "parse", lxc_log_category_process_utils = "process_utils",
    lxc_log_category_rbd = "rbd", lxc_log_category_rsync = "rsync",
    lxc_log_category_seccomp = "seccomp", lxc_log_category_selinux = "selinux",
    lxc_log_category_start = "start", lxc_log_category_state = "state",
    lxc_log_category_storage = "storage", lxc_log_category_storage_utils = "storage_utils",
    lxc_log_category_sync = "sync", lxc_log_category_terminal = "terminal",
    lxc_log_category_utils = "utils", lxc_log_category_zfs = "zfs",
}

/// One row of `lxc_network_info`: a network type and its interface-name template.
#[repr(C)]
pub struct NetworkInfo {
    name: StaticPtr<c_char>,
    template: [u8; 16],
    template_len: usize,
}

const fn template(t: &[u8; 10]) -> [u8; 16] {
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 10 {
        out[i] = t[i];
        i += 1;
    }
    out
}

macro_rules! net {
    ($name:literal, $t:literal) => {
        NetworkInfo {
            name: StaticPtr(concat!($name, "\0").as_ptr() as *const c_char),
            template: template($t),
            template_len: 10,
        }
    };
}

#[no_mangle]
pub static lxc_network_info: [NetworkInfo; 8] = [
    net!("empty", b"emptXXXXXX"),
    net!("veth", b"vethXXXXXX"),
    net!("macvlan", b"macvXXXXXX"),
    net!("ipvlan", b"ipvlXXXXXX"),
    net!("phys", b"physXXXXXX"),
    net!("vlan", b"vlanXXXXXX"),
    net!("none", b"noneXXXXXX"),
    NetworkInfo {
        name: StaticPtr(std::ptr::null()),
        template: [0; 16],
        template_len: 0,
    },
];

/// Snapshot reverse-dependency counting; lxc-rs keeps no such counts yet.
#[no_mangle]
pub extern "C" fn mod_all_rdeps(_c: *mut c_void, _inc: bool) {}

/// LXC's internal mount helper; not provided.
#[no_mangle]
pub extern "C" fn __safe_mount_beneath_at(
    _beneath_fd: c_int,
    _src: *const c_char,
    _dst: *const c_char,
    _fstype: *const c_char,
    _flags: c_uint,
    _data: *const c_void,
) -> c_int {
    lxc_sys::ffi::set_errno(libc::ENOSYS);
    -1
}

const _: () = {
    assert!(std::mem::size_of::<LogCategory>() == 32);
    assert!(std::mem::size_of::<[NetworkInfo; 8]>() == 256);
};
