//! The methods of `struct lxc_container`, each a translation to the library.

use crate::abi::{attach_opts as ao, LxcContainer, C};
use crate::storage::{
    clone, destroy_with_snapshots, rename, snapshot, snapshot_destroy, snapshot_destroy_all,
    snapshot_list, snapshot_restore,
};
use crate::{member, ok, set_error, set_str_member, sync_conf_flag, unsupported, with};
use lxc_sys::ffi;
use std::ffi::{c_char, c_int, c_void};
use std::os::fd::IntoRawFd;
use std::path::Path;

extern "C" {
    fn lxcrs_createl(
        c: C,
        t: *const c_char,
        bdevtype: *const c_char,
        specs: *mut c_void,
        flags: c_int,
        ...
    ) -> bool;
    fn lxcrs_startl(c: C, useinit: c_int, ...) -> bool;
    fn lxcrs_attach_run_waitl(
        c: C,
        options: *mut c_void,
        program: *const c_char,
        arg: *const c_char,
        ...
    ) -> c_int;
}

pub fn table() -> LxcContainer {
    LxcContainer {
        name: std::ptr::null_mut(),
        configfile: std::ptr::null_mut(),
        pidfile: std::ptr::null_mut(),
        slock: std::ptr::null_mut(),
        privlock: std::ptr::null_mut(),
        numthreads: 0,
        lxc_conf: std::ptr::null_mut(),
        error_string: std::ptr::null_mut(),
        error_num: 0,
        daemonize: true,
        config_path: std::ptr::null_mut(),
        is_defined: Some(is_defined),
        state: Some(state),
        is_running: Some(is_running),
        freeze: Some(freeze),
        unfreeze: Some(unfreeze),
        init_pid: Some(init_pid),
        load_config: Some(load_config),
        start: Some(start),
        startl: Some(lxcrs_startl),
        stop: Some(stop),
        want_daemonize: Some(want_daemonize),
        want_close_all_fds: Some(want_close_all_fds),
        config_file_name: Some(config_file_name),
        wait: Some(wait),
        set_config_item: Some(set_config_item),
        destroy: Some(destroy),
        save_config: Some(save_config),
        create: Some(create),
        createl: Some(lxcrs_createl),
        rename: Some(rename),
        reboot: Some(reboot),
        shutdown: Some(shutdown),
        clear_config: Some(clear_config),
        clear_config_item: Some(clear_config_item),
        get_config_item: Some(get_config_item),
        get_running_config_item: Some(get_running_config_item),
        get_keys: Some(get_keys),
        get_interfaces: Some(get_interfaces),
        get_ips: Some(get_ips),
        get_cgroup_item: Some(get_cgroup_item),
        set_cgroup_item: Some(set_cgroup_item),
        get_config_path: Some(get_config_path),
        set_config_path: Some(set_config_path),
        clone: Some(clone),
        console_getfd: Some(console_getfd),
        console: Some(console),
        attach: Some(attach),
        attach_run_wait: Some(attach_run_wait_arr),
        attach_run_waitl: Some(lxcrs_attach_run_waitl),
        snapshot: Some(snapshot),
        snapshot_list: Some(snapshot_list),
        snapshot_restore: Some(snapshot_restore),
        snapshot_destroy: Some(snapshot_destroy),
        may_control: Some(may_control),
        add_device_node: Some(add_device_node),
        remove_device_node: Some(remove_device_node),
        attach_interface: Some(attach_interface),
        detach_interface: Some(detach_interface),
        checkpoint: Some(checkpoint),
        restore: Some(restore),
        destroy_with_snapshots: Some(destroy_with_snapshots),
        snapshot_destroy_all: Some(snapshot_destroy_all),
        migrate: Some(migrate),
        console_log: Some(console_log),
        reboot2: Some(reboot2),
        mount: Some(mount),
        umount: Some(umount),
        seccomp_notify_fd: Some(seccomp_notify_fd),
        seccomp_notify_fd_active: Some(seccomp_notify_fd),
        init_pidfd: Some(init_pidfd),
        devpts_fd: Some(devpts_fd),
    }
}

extern "C" fn is_defined(c: C) -> bool {
    with(c, |i| i.is_defined()).unwrap_or(false)
}

extern "C" fn state(c: C) -> *const c_char {
    let s = with(c, |i| i.state().unwrap_or(lxc::State::Stopped)).unwrap_or(lxc::State::Stopped);
    state_name(s)
}

pub fn state_name(s: lxc::State) -> *const c_char {
    match s {
        lxc::State::Stopped => c"STOPPED".as_ptr(),
        lxc::State::Starting => c"STARTING".as_ptr(),
        lxc::State::Running => c"RUNNING".as_ptr(),
        lxc::State::Stopping => c"STOPPING".as_ptr(),
        lxc::State::Aborting => c"ABORTING".as_ptr(),
        lxc::State::Freezing => c"FREEZING".as_ptr(),
        lxc::State::Frozen => c"FROZEN".as_ptr(),
        lxc::State::Thawed => c"THAWED".as_ptr(),
    }
}

extern "C" fn is_running(c: C) -> bool {
    with(c, |i| i.is_running()).unwrap_or(false)
}

extern "C" fn freeze(c: C) -> bool {
    ok(c, |i| i.freeze())
}

extern "C" fn unfreeze(c: C) -> bool {
    ok(c, |i| i.unfreeze())
}

extern "C" fn init_pid(c: C) -> libc::pid_t {
    with(c, |i| i.init_pid().ok().flatten())
        .flatten()
        .unwrap_or(-1)
}

extern "C" fn load_config(c: C, alt: *const c_char) -> bool {
    // A caller may have pointed `configfile` elsewhere (lxc-start --rcfile does).
    let path = match ffi::str_arg(alt) {
        Some(p) => p.to_string(),
        None => ffi::str_arg(ffi::load(member!(c, configfile)).unwrap_or(std::ptr::null_mut()))
            .unwrap_or("")
            .to_string(),
    };
    let done = ok(c, |i| i.load_config(Some(Path::new(&path))));
    sync_conf_flag(c);
    done
}

extern "C" fn start(c: C, useinit: c_int, argv: *const *const c_char) -> bool {
    lxcrs_start(c, useinit, argv)
}

#[no_mangle]
pub extern "C" fn lxcrs_start(c: C, useinit: c_int, argv: *const *const c_char) -> bool {
    let args = ffi::strv_arg(argv);
    let daemonize: bool = ffi::load(member!(c, daemonize)).unwrap_or(true);
    let pidfile = ffi::str_arg(ffi::load(member!(c, pidfile)).unwrap_or(std::ptr::null_mut()))
        .map(Into::into);
    ffi::store(member!(c, error_num), 1 as c_int);
    let result = with(c, |i| {
        i.daemonize = daemonize;
        i.pidfile = pidfile;
        let r = i.start(useinit != 0, &args);
        (r, i.error_num)
    });
    match result {
        Some((Ok(()), status)) => {
            ffi::store(member!(c, error_num), if daemonize { 0 } else { status });
            true
        }
        Some((Err(e), _)) => {
            set_error(c, &e.to_string());
            false
        }
        None => false,
    }
}

extern "C" fn stop(c: C) -> bool {
    ok(c, |i| i.stop())
}

extern "C" fn want_daemonize(c: C, on: bool) -> bool {
    ffi::store(member!(c, daemonize), on)
}

extern "C" fn want_close_all_fds(c: C, on: bool) -> bool {
    with(c, |i| i.close_all_fds = on).is_some()
}

extern "C" fn config_file_name(c: C) -> *mut c_char {
    with(c, |i| {
        ffi::malloc_str(&i.config_file_name().display().to_string())
    })
    .unwrap_or(std::ptr::null_mut())
}

extern "C" fn wait(c: C, states: *const c_char, timeout: c_int) -> bool {
    let Some(states) = ffi::str_arg(states) else {
        return false;
    };
    with(c, |i| i.wait(states, i64::from(timeout)).unwrap_or(false)).unwrap_or(false)
}

extern "C" fn set_config_item(c: C, key: *const c_char, value: *const c_char) -> bool {
    let (Some(key), Some(value)) = (ffi::str_arg(key), ffi::str_arg(value)) else {
        return false;
    };
    let done = ok(c, |i| i.set_config_item(key, value));
    sync_conf_flag(c);
    done
}

extern "C" fn destroy(c: C) -> bool {
    ok(c, |i| i.destroy())
}

extern "C" fn save_config(c: C, alt: *const c_char) -> bool {
    let alt = ffi::str_arg(alt).map(|p| p.to_string());
    ok(c, |i| i.save_config(alt.as_deref().map(Path::new)))
}

extern "C" fn create(
    c: C,
    t: *const c_char,
    bdevtype: *const c_char,
    specs: *mut c_void,
    flags: c_int,
    argv: *const *const c_char,
) -> bool {
    lxcrs_create(c, t, bdevtype, specs, flags, argv)
}

#[no_mangle]
pub extern "C" fn lxcrs_create(
    c: C,
    t: *const c_char,
    bdevtype: *const c_char,
    specs: *mut c_void,
    flags: c_int,
    argv: *const *const c_char,
) -> bool {
    let template = ffi::str_arg(t).map(|s| s.to_string());
    let bdev = ffi::str_arg(bdevtype).map(|s| s.to_string());
    let args = ffi::strv_arg(argv);
    // `struct bdev_specs`: fstype @0, fssize @8, zfsroot @16, vg @24, lv @32, thinpool @40.
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Specs {
        fstype: *const c_char,
        fssize: u64,
        zfsroot: *const c_char,
        vg: *const c_char,
        lv: *const c_char,
        thinpool: *const c_char,
    }
    let text = |p: *const c_char| ffi::str_arg(p).map(str::to_string);
    let specs = ffi::load(specs as *const Specs).map_or_else(Default::default, |h| {
        lxc::storage::BdevSpecs {
            fstype: text(h.fstype),
            fssize: h.fssize,
            lvname: text(h.lv),
            vgname: text(h.vg),
            thinpool: text(h.thinpool),
            zfsroot: text(h.zfsroot),
        }
    });
    let done = ok(c, |i| {
        i.create_with(template.as_deref(), bdev.as_deref(), &specs, flags, &args)
    });
    sync_conf_flag(c);
    done
}

extern "C" fn reboot(c: C) -> bool {
    ok(c, |i| i.reboot())
}

extern "C" fn reboot2(c: C, timeout: c_int) -> bool {
    ok(c, |i| {
        i.reboot()?;
        // Wait for init to be replaced: STOPPING then RUNNING again.
        if timeout != 0 {
            i.wait("RUNNING", i64::from(timeout))?;
        }
        Ok(())
    })
}

extern "C" fn shutdown(c: C, timeout: c_int) -> bool {
    match with(c, |i| {
        if i.is_running() {
            i.shutdown(i64::from(timeout))
        } else {
            Ok(true)
        }
    }) {
        Some(Ok(done)) => done,
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            false
        }
        None => false,
    }
}

extern "C" fn clear_config(c: C) {
    with(c, |i| i.clear_config());
    sync_conf_flag(c);
}

extern "C" fn clear_config_item(c: C, key: *const c_char) -> bool {
    let Some(key) = ffi::str_arg(key) else {
        return false;
    };
    ok(c, |i| i.clear_config_item(key))
}

extern "C" fn get_config_item(c: C, key: *const c_char, retv: *mut c_char, inlen: c_int) -> c_int {
    let Some(key) = ffi::str_arg(key) else {
        return -1;
    };
    match with(c, |i| {
        if i.config_loaded() {
            i.get_config_item(key).ok()
        } else {
            None
        }
    })
    .flatten()
    {
        Some(v) => ffi::write_cbuf(retv, inlen, &v),
        None => -1,
    }
}

extern "C" fn get_running_config_item(c: C, key: *const c_char) -> *mut c_char {
    let Some(key) = ffi::str_arg(key) else {
        return std::ptr::null_mut();
    };
    match with(c, |i| i.get_running_config_item(key).ok().flatten()).flatten() {
        Some(v) => ffi::malloc_str(&v),
        None => std::ptr::null_mut(),
    }
}

extern "C" fn get_keys(c: C, key: *const c_char, retv: *mut c_char, inlen: c_int) -> c_int {
    let prefix = ffi::str_arg(key).map(|s| s.to_string());
    let keys = with(c, |i| i.get_keys(prefix.as_deref())).unwrap_or_default();
    let text: String = keys.iter().map(|k| format!("{k}\n")).collect();
    ffi::write_cbuf(retv, inlen, &text)
}

/// A NULL-terminated malloc'd list, or NULL with error_string set.
fn strv_result(c: C, result: Option<lxc::Result<Vec<String>>>) -> *mut *mut c_char {
    match result {
        Some(Ok(items)) => ffi::malloc_strv(&items, true),
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            std::ptr::null_mut()
        }
        None => std::ptr::null_mut(),
    }
}

extern "C" fn get_interfaces(c: C) -> *mut *mut c_char {
    strv_result(c, with(c, |i| i.get_interfaces()))
}

extern "C" fn get_ips(
    c: C,
    interface: *const c_char,
    family: *const c_char,
    scope: c_int,
) -> *mut *mut c_char {
    let (interface, family) = (ffi::str_arg(interface), ffi::str_arg(family));
    let scope = u32::try_from(scope).unwrap_or(u32::MAX);
    strv_result(c, with(c, |i| i.get_ips(interface, family, scope)))
}

extern "C" fn get_cgroup_item(c: C, key: *const c_char, retv: *mut c_char, inlen: c_int) -> c_int {
    let Some(key) = ffi::str_arg(key) else {
        return -1;
    };
    match with(c, |i| i.get_cgroup_item(key)) {
        Some(Ok(v)) => ffi::write_cbuf(retv, inlen, &v),
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            -1
        }
        None => -1,
    }
}

extern "C" fn set_cgroup_item(c: C, key: *const c_char, value: *const c_char) -> bool {
    let (Some(key), Some(value)) = (ffi::str_arg(key), ffi::str_arg(value)) else {
        return false;
    };
    ok(c, |i| i.set_cgroup_item(key, value))
}

extern "C" fn get_config_path(c: C) -> *const c_char {
    ffi::load(member!(c, config_path)).unwrap_or(std::ptr::null_mut())
}

extern "C" fn set_config_path(c: C, path: *const c_char) -> bool {
    let Some(path) = ffi::str_arg(path) else {
        return false;
    };
    let name = with(c, |i| i.name().to_string()).unwrap_or_default();
    let fresh = match lxc::Container::new(&name, Some(path)) {
        Ok(f) => f,
        Err(e) => {
            set_error(c, &e.to_string());
            return false;
        }
    };
    let lxcpath = fresh.config_path().to_string();
    let configfile = fresh.config_file_name().display().to_string();
    if with(c, |i| *i = fresh).is_none() {
        return false;
    }
    set_str_member(member!(c, config_path), &lxcpath);
    set_str_member(member!(c, configfile), &configfile);
    sync_conf_flag(c);
    true
}

extern "C" fn console_getfd(c: C, ttynum: *mut c_int, ptxfd: *mut c_int) -> c_int {
    let want = ffi::load(ttynum).unwrap_or(-1);
    match with(c, |i| i.console_getfd(want)) {
        Some(Ok((master, number, conn))) => {
            ffi::store(ttynum, number);
            ffi::store(ptxfd, master.into_raw_fd());
            conn.into_raw_fd()
        }
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            -1
        }
        None => -1,
    }
}

extern "C" fn console(
    c: C,
    ttynum: c_int,
    stdinfd: c_int,
    stdoutfd: c_int,
    _stderrfd: c_int,
    escape: c_int,
) -> c_int {
    match with(c, |i| {
        i.console_with(ttynum, stdinfd, stdoutfd, escape as u8, |_| {})
    }) {
        Some(Ok(())) => 0,
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            -1
        }
        None => -1,
    }
}

extern "C" fn attach(
    c: C,
    function: Option<extern "C" fn(*mut c_void) -> c_int>,
    payload: *mut c_void,
    options: *mut c_void,
    attached_process: *mut libc::pid_t,
) -> c_int {
    let Some(function) = function else { return -1 };
    let opts = attach_options(options);
    // Handed to the child as a plain address: the payload is the caller's, untouched by us.
    let payload = payload as usize;
    match with(c, |i| {
        i.attach_function(&opts, || function(payload as *mut c_void))
    }) {
        Some(Ok(pid)) => {
            ffi::store(attached_process, pid);
            0
        }
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            -1
        }
        None => -1,
    }
}

/// Read the parts of `lxc_attach_options_t` this library implements (NULL: defaults).
fn attach_options(options: *mut c_void) -> lxc::AttachOptions {
    let mut o = lxc::AttachOptions::default();
    if options.is_null() {
        return o;
    }
    let at = |off: usize| (options as *mut u8).wrapping_add(off);
    let flags: c_int = ffi::load(at(ao::ATTACH_FLAGS) as *const c_int).unwrap_or(0xffff);
    o.move_to_cgroup = flags & ao::MOVE_TO_CGROUP != 0;
    o.drop_capabilities = flags & ao::DROP_CAPABILITIES != 0;
    o.apply_lsm = flags & ao::LSM_EXEC != 0;
    o.set_personality = flags & ao::SET_PERSONALITY != 0;
    o.remount_proc_sys = flags & ao::REMOUNT_PROC_SYS != 0;
    o.no_new_privs = flags & ao::NO_NEW_PRIVS != 0;
    if flags & ao::LSM_LABEL != 0 {
        let label: *const c_char =
            ffi::load(at(ao::LSM_LABEL_PTR) as *const *const c_char).unwrap_or(std::ptr::null());
        o.lsm_label = ffi::str_arg(label).map(Into::into);
    }
    if flags & ao::SETGROUPS != 0 {
        let size: usize = ffi::load(at(ao::GROUPS_SIZE) as *const usize).unwrap_or(0);
        let list: *const u32 =
            ffi::load(at(ao::GROUPS_LIST) as *const *const u32).unwrap_or(std::ptr::null());
        o.groups = Some(ffi::load_array(list, size));
    }
    let ns: c_int = ffi::load(at(ao::NAMESPACES) as *const c_int).unwrap_or(-1);
    o.namespaces = if ns == -1 { 0 } else { ns };
    let cwd: *const c_char =
        ffi::load(at(ao::INITIAL_CWD) as *const *const c_char).unwrap_or(std::ptr::null());
    o.cwd = ffi::str_arg(cwd).map(Into::into);
    let uid: u32 = ffi::load(at(ao::UID) as *const u32).unwrap_or(u32::MAX);
    let gid: u32 = ffi::load(at(ao::GID) as *const u32).unwrap_or(u32::MAX);
    o.uid = (uid != u32::MAX).then_some(uid);
    o.gid = (gid != u32::MAX).then_some(gid);
    let policy: c_int = ffi::load(at(ao::ENV_POLICY) as *const c_int).unwrap_or(0);
    o.env_policy = if policy == 1 {
        lxc::EnvPolicy::Clear
    } else {
        lxc::EnvPolicy::Keep
    };
    o.extra_env = ffi::strv_arg(
        ffi::load(at(ao::EXTRA_ENV_VARS) as *const *const *const c_char)
            .unwrap_or(std::ptr::null()),
    );
    o.keep_vars = ffi::strv_arg(
        ffi::load(at(ao::EXTRA_KEEP_ENV) as *const *const *const c_char)
            .unwrap_or(std::ptr::null()),
    );
    // LXC_ATTACH_DETECT_PERSONALITY (-1): the container's own.
    let personality: std::ffi::c_long =
        ffi::load(at(ao::PERSONALITY) as *const std::ffi::c_long).unwrap_or(-1);
    o.personality = (personality != -1).then_some(personality as u64);
    for (slot, off) in [ao::STDIN_FD, ao::STDOUT_FD, ao::STDERR_FD]
        .into_iter()
        .enumerate()
    {
        if let Some(fd) = ffi::load(at(off) as *const c_int) {
            o.stdio[slot] = fd;
        }
    }
    o.pty = Some(false);
    o
}

extern "C" fn attach_run_wait_arr(
    c: C,
    options: *mut c_void,
    program: *const c_char,
    argv: *const *const c_char,
) -> c_int {
    lxcrs_attach_run_wait(c, options, program, argv)
}

#[no_mangle]
pub extern "C" fn lxcrs_attach_run_wait(
    c: C,
    options: *mut c_void,
    program: *const c_char,
    argv: *const *const c_char,
) -> c_int {
    let mut args = ffi::strv_arg(argv);
    if let Some(p) = ffi::str_arg(program) {
        match args.first_mut() {
            Some(first) => *first = p.to_string(),
            None => args.push(p.to_string()),
        }
    }
    let opts = attach_options(options);
    match with(c, |i| i.attach_run_wait(&opts, &args)) {
        Some(Ok(status)) => status,
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            -1
        }
        None => -1,
    }
}

extern "C" fn may_control(c: C) -> bool {
    // The monitor itself refuses callers other than root and its own user; a stopped
    // container is controllable.
    with(c, |i| !matches!(i.state(), Err(lxc::Error::Command { .. }))).unwrap_or(false)
}

extern "C" fn add_device_node(c: C, src: *const c_char, dest: *const c_char) -> bool {
    let Some(src) = ffi::str_arg(src) else {
        return false;
    };
    ok(c, |i| i.add_device_node(src, ffi::str_arg(dest)))
}

extern "C" fn remove_device_node(c: C, src: *const c_char, dest: *const c_char) -> bool {
    let Some(src) = ffi::str_arg(src) else {
        return false;
    };
    ok(c, |i| i.remove_device_node(src, ffi::str_arg(dest)))
}

extern "C" fn attach_interface(c: C, dev: *const c_char, dst: *const c_char) -> bool {
    let Some(dev) = ffi::str_arg(dev) else {
        return false;
    };
    ok(c, |i| i.attach_interface(dev, ffi::str_arg(dst)))
}

extern "C" fn detach_interface(c: C, dev: *const c_char, dst: *const c_char) -> bool {
    let Some(dev) = ffi::str_arg(dev) else {
        return false;
    };
    ok(c, |i| i.detach_interface(dev, ffi::str_arg(dst)))
}

extern "C" fn checkpoint(c: C, _d: *mut c_char, _s: bool, _v: bool) -> bool {
    unsupported(c, "checkpoint (CRIU)");
    false
}

extern "C" fn restore(c: C, _d: *mut c_char, _v: bool) -> bool {
    unsupported(c, "restore (CRIU)");
    false
}

extern "C" fn migrate(c: C, _cmd: u32, _o: *mut c_void, _s: u32) -> c_int {
    unsupported(c, "migrate (CRIU)");
    -libc::ENOSYS
}

extern "C" fn console_log(c: C, log: *mut c_void) -> c_int {
    let log = log as *mut crate::abi::ConsoleLog;
    let Some(mut l) = ffi::load(log as *const crate::abi::ConsoleLog) else {
        return -libc::EINVAL;
    };
    let req = lxc::console::ConsoleLogRequest {
        clear: l.clear != 0,
        read: l.read != 0,
        read_max: ffi::load(l.read_max as *const u64).unwrap_or(0),
    };
    // As LXC: no data unless read, and on failure nothing read.
    l.data = std::ptr::null_mut();
    let (ret, got) = match with(c, |i| i.console_log(&req)) {
        Some(Ok(mut bytes)) => {
            let got = bytes.len() as u64;
            if req.read {
                bytes.push(0);
                l.data = ffi::malloc_array(&bytes) as *mut c_char;
            }
            (0, got)
        }
        Some(Err(e)) => {
            set_error(c, &e.to_string());
            let errno = match e {
                lxc::Error::Sys { source, .. } => source.raw_os_error().unwrap_or(libc::EIO),
                lxc::Error::NotRunning(_) => libc::ENOENT,
                _ => libc::EIO,
            };
            (-errno, 0)
        }
        None => (-libc::EINVAL, 0),
    };
    ffi::store(l.read_max, got);
    ffi::store(log, l);
    ret
}

extern "C" fn mount(
    c: C,
    _s: *const c_char,
    _t: *const c_char,
    _f: *const c_char,
    _m: libc::c_ulong,
    _d: *const c_void,
    _x: *mut c_void,
) -> c_int {
    unsupported(c, "mount injection");
    -libc::ENOSYS
}

extern "C" fn umount(c: C, _t: *const c_char, _m: libc::c_ulong, _x: *mut c_void) -> c_int {
    unsupported(c, "mount injection");
    -libc::ENOSYS
}

extern "C" fn seccomp_notify_fd(c: C) -> c_int {
    match with(c, |i| i.seccomp_notify_fd().ok().flatten()).flatten() {
        Some(fd) => fd.into_raw_fd(),
        None => -libc::EBADF,
    }
}

extern "C" fn init_pidfd(c: C) -> c_int {
    match with(c, |i| i.init_pidfd().ok().flatten()).flatten() {
        Some(fd) => fd.into_raw_fd(),
        None => -libc::EBADF,
    }
}

extern "C" fn devpts_fd(c: C) -> c_int {
    match with(c, |i| i.devpts_fd().ok().flatten()).flatten() {
        Some(fd) => fd.into_raw_fd(),
        None => -libc::EBADF,
    }
}
