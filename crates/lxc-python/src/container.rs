//! `lxc._lxc.Container`: python3-lxc's C type, over `lxc::Container`. Blocking calls run
//! with the GIL released.

use pyo3::exceptions::{PyKeyError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

#[pyclass(subclass, module = "lxc", name = "Container")]
pub struct Container {
    inner: Mutex<lxc::Container>,
}

impl Container {
    fn lock(&self) -> PyResult<MutexGuard<'_, lxc::Container>> {
        self.inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("container state poisoned"))
    }

    /// Run a library call without the GIL; false when it fails (python3-lxc's answer).
    fn call(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut lxc::Container) -> lxc::Result<()> + Send,
    ) -> PyResult<bool> {
        let inner = &self.inner;
        Ok(py.detach(|| inner.lock().map(|mut c| f(&mut c).is_ok()).unwrap_or(false)))
    }
}

#[pymethods]
impl Container {
    #[new]
    #[pyo3(signature = (name, config_path=None))]
    fn new(name: &str, config_path: Option<PathBuf>) -> PyResult<Self> {
        let path = config_path.map(|p| p.display().to_string());
        let c = lxc::Container::new(name, path.as_deref())
            .map_err(|e| PyRuntimeError::new_err(format!("Container creation failed: {e}")))?;
        Ok(Container {
            inner: Mutex::new(c),
        })
    }

    #[getter]
    fn name(&self) -> PyResult<String> {
        Ok(self.lock()?.name().to_string())
    }

    #[getter]
    fn config_file_name(&self) -> PyResult<String> {
        Ok(self.lock()?.config_file_name().display().to_string())
    }

    #[getter]
    fn controllable(&self) -> PyResult<bool> {
        Ok(!matches!(
            self.lock()?.state(),
            Err(lxc::Error::Command { .. })
        ))
    }

    #[getter]
    fn defined(&self) -> PyResult<bool> {
        Ok(self.lock()?.is_defined())
    }

    #[getter]
    fn init_pid(&self) -> PyResult<i32> {
        Ok(self.lock()?.init_pid().ok().flatten().unwrap_or(-1))
    }

    #[getter]
    fn running(&self) -> PyResult<bool> {
        Ok(self.lock()?.is_running())
    }

    #[getter]
    fn state(&self) -> PyResult<String> {
        Ok(self
            .lock()?
            .state()
            .unwrap_or(lxc::State::Stopped)
            .name()
            .to_string())
    }

    #[pyo3(signature = (template=None, flags=0, bdevtype=None, fssize=0, args=None))]
    fn create(
        &self,
        py: Python<'_>,
        template: Option<String>,
        flags: i32,
        bdevtype: Option<String>,
        fssize: u64,
        args: Option<Bound<'_, PyTuple>>,
    ) -> PyResult<bool> {
        let args: Vec<String> = match args {
            Some(t) => t.extract()?,
            None => Vec::new(),
        };
        let specs = lxc::storage::BdevSpecs {
            fssize,
            ..Default::default()
        };
        self.call(py, move |c| {
            c.create_with(
                template.as_deref(),
                bdevtype.as_deref(),
                &specs,
                flags,
                &args,
            )
        })
    }

    /// python3-lxc's quirks: `useinit`/`close_fds` count only if they are `True`, and
    /// daemonize is on when omitted or `True` (so `daemonize=1` means foreground).
    #[pyo3(signature = (useinit=None, daemonize=None, close_fds=None, cmd=None))]
    fn start(
        &self,
        py: Python<'_>,
        useinit: Option<Bound<'_, PyAny>>,
        daemonize: Option<Bound<'_, PyAny>>,
        close_fds: Option<Bound<'_, PyAny>>,
        cmd: Option<Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let is_true = |v: &Option<Bound<'_, PyAny>>| {
            v.as_ref()
                .is_some_and(|v| v.is(pyo3::types::PyBool::new(py, true)))
        };
        let useinit = is_true(&useinit);
        let close_fds = is_true(&close_fds);
        let daemonize = daemonize.is_none() || is_true(&daemonize);
        let argv: Vec<String> = match cmd {
            Some(c) if c.is_instance_of::<PyTuple>() => c.extract()?,
            _ => Vec::new(),
        };
        self.call(py, move |c| {
            c.daemonize = daemonize;
            c.close_all_fds = close_fds;
            c.start(useinit, &argv)
        })
    }

    fn stop(&self, py: Python<'_>) -> PyResult<bool> {
        self.call(py, |c| c.stop())
    }

    fn reboot(&self, py: Python<'_>) -> PyResult<bool> {
        self.call(py, |c| c.reboot())
    }

    #[pyo3(signature = (timeout=-1))]
    fn shutdown(&self, py: Python<'_>, timeout: i64) -> PyResult<bool> {
        let inner = &self.inner;
        Ok(py.detach(|| {
            inner
                .lock()
                .map(|c| !c.is_running() || c.shutdown(timeout).unwrap_or(false))
                .unwrap_or(false)
        }))
    }

    fn destroy(&self, py: Python<'_>) -> PyResult<bool> {
        self.call(py, |c| c.destroy())
    }

    #[pyo3(signature = (state, timeout=-1))]
    fn wait(&self, py: Python<'_>, state: String, timeout: i64) -> PyResult<bool> {
        let inner = &self.inner;
        Ok(py.detach(|| {
            inner
                .lock()
                .map(|c| c.wait(&state, timeout).unwrap_or(false))
                .unwrap_or(false)
        }))
    }

    fn freeze(&self, py: Python<'_>) -> PyResult<bool> {
        self.call(py, |c| c.freeze())
    }

    fn unfreeze(&self, py: Python<'_>) -> PyResult<bool> {
        self.call(py, |c| c.unfreeze())
    }

    fn get_config_item(&self, key: &str) -> PyResult<String> {
        let c = self.lock()?;
        if !c.config_loaded() {
            return Err(PyKeyError::new_err("Invalid configuration key"));
        }
        c.get_config_item(key)
            .map_err(|_| PyKeyError::new_err("Invalid configuration key"))
    }

    fn set_config_item(&self, key: &str, value: &str) -> PyResult<bool> {
        Ok(self.lock()?.set_config_item(key, value).is_ok())
    }

    fn clear_config_item(&self, key: &str) -> PyResult<bool> {
        Ok(self.lock()?.clear_config_item(key).is_ok())
    }

    fn clear_config(&self) -> PyResult<()> {
        self.lock()?.clear_config();
        Ok(())
    }

    #[pyo3(signature = (key=None))]
    fn get_keys(&self, key: Option<&str>) -> PyResult<String> {
        Ok(self
            .lock()?
            .get_keys(key)
            .iter()
            .map(|k| format!("{k}\n"))
            .collect())
    }

    fn get_running_config_item(&self, key: &str) -> PyResult<Option<String>> {
        Ok(self.lock()?.get_running_config_item(key).ok().flatten())
    }

    #[pyo3(signature = (path=None))]
    fn load_config(&self, path: Option<PathBuf>) -> PyResult<bool> {
        Ok(self.lock()?.load_config(path.as_deref()).is_ok())
    }

    #[pyo3(signature = (path=None))]
    fn save_config(&self, path: Option<PathBuf>) -> PyResult<bool> {
        Ok(self.lock()?.save_config(path.as_deref()).is_ok())
    }

    fn get_config_path(&self) -> PyResult<String> {
        Ok(self.lock()?.config_path().to_string())
    }

    fn set_config_path(&self, path: PathBuf) -> PyResult<bool> {
        let mut c = self.lock()?;
        let name = c.name().to_string();
        match lxc::Container::new(&name, Some(&path.display().to_string())) {
            Ok(fresh) => {
                *c = fresh;
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }

    /// The pty master of a tty (-1: the first free one); the reservation lives as long as
    /// this object keeps the monitor connection, as with LXC.
    #[pyo3(signature = (ttynum=-1))]
    fn console_getfd(&self, ttynum: i32) -> PyResult<i32> {
        use std::os::fd::IntoRawFd;
        match self.lock()?.console_getfd(ttynum) {
            Ok((master, _number, hold)) => {
                // Keep the reservation for the life of the process, as LXC's caller does.
                std::mem::forget(hold);
                Ok(master.into_raw_fd())
            }
            Err(_) => Err(PyValueError::new_err("Unable to allocate tty")),
        }
    }

    /// Connect fds to a tty of the container until `<escape> q` (escape 1 = Ctrl-a).
    #[pyo3(signature = (ttynum=-1, stdinfd=0, stdoutfd=1, stderrfd=2, escape=1))]
    fn console(
        &self,
        py: Python<'_>,
        ttynum: i32,
        stdinfd: i32,
        stdoutfd: i32,
        stderrfd: i32,
        escape: i32,
    ) -> PyResult<bool> {
        let _ = stderrfd;
        let inner = &self.inner;
        Ok(py.detach(|| {
            inner
                .lock()
                .map(|c| {
                    c.console_with(ttynum, stdinfd, stdoutfd, escape as u8, |_| {})
                        .is_ok()
                })
                .unwrap_or(false)
        }))
    }

    /// Attach in steps for `lxc.Container.attach`, which forks with `os.fork()` between
    /// `enter_pid_namespace` and `join`.
    /// `stdin`, `stdout`, `stderr`: descriptor numbers (the module's `attach` takes files
    /// too); `personality` -1 or None: the container's.
    #[pyo3(signature = (attach_flags=None, namespaces=None, personality=None, initial_cwd=None, uid=None, gid=None, env_policy=0, extra_env_vars=None, extra_keep_env=None, stdin=None, stdout=None, stderr=None))]
    #[allow(clippy::too_many_arguments)]
    fn _attach_prepare(
        &self,
        attach_flags: Option<i32>,
        namespaces: Option<i32>,
        personality: Option<i64>,
        initial_cwd: Option<PathBuf>,
        uid: Option<i64>,
        gid: Option<i64>,
        env_policy: i32,
        extra_env_vars: Option<Vec<String>>,
        extra_keep_env: Option<Vec<String>>,
        stdin: Option<i32>,
        stdout: Option<i32>,
        stderr: Option<i32>,
    ) -> PyResult<AttachHandle> {
        let o = lxc::AttachOptions {
            move_to_cgroup: attach_flags.is_none_or(|f| f & 1 != 0),
            drop_capabilities: attach_flags.is_none_or(|f| f & 2 != 0),
            apply_lsm: attach_flags.is_none_or(|f| f & 8 != 0),
            set_personality: attach_flags.is_none_or(|f| f & 4 != 0),
            namespaces: namespaces.filter(|n| *n != -1).unwrap_or(0),
            cwd: initial_cwd.map(|p| p.display().to_string()),
            uid: uid.filter(|u| *u >= 0).map(|u| u as u32),
            gid: gid.filter(|g| *g >= 0).map(|g| g as u32),
            env_policy: if env_policy == 1 {
                lxc::EnvPolicy::Clear
            } else {
                lxc::EnvPolicy::Keep
            },
            extra_env: extra_env_vars.unwrap_or_default(),
            keep_vars: extra_keep_env.unwrap_or_default(),
            pty: None,
            pty_log: None,
            personality: personality.filter(|p| *p != -1).map(|p| p as u64),
            stdio: [stdin.unwrap_or(0), stdout.unwrap_or(1), stderr.unwrap_or(2)],
            // LXC_ATTACH_REMOUNT_PROC_SYS and LXC_ATTACH_NO_NEW_PRIVS (off unless asked).
            remount_proc_sys: attach_flags.is_some_and(|f| f & 0x1_0000 != 0),
            no_new_privs: attach_flags.is_some_and(|f| f & 0x4_0000 != 0),
            lsm_label: None,
            groups: None,
        };
        let ctx = self
            .lock()?
            .attach_prepare(&o)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(AttachHandle { ctx })
    }

    fn get_interfaces<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let result = py.detach(|| self.lock().map(|c| c.get_interfaces()))?;
        names_tuple(py, result)
    }

    #[pyo3(signature = (interface=None, family=None, scope=0))]
    fn get_ips<'py>(
        &self,
        py: Python<'py>,
        interface: Option<String>,
        family: Option<String>,
        scope: i32,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let scope = u32::try_from(scope).unwrap_or(u32::MAX);
        let result = py.detach(|| {
            self.lock()
                .map(|c| c.get_ips(interface.as_deref(), family.as_deref(), scope))
        })?;
        names_tuple(py, result)
    }

    #[pyo3(signature = (src_ifname, dst_ifname=None))]
    fn attach_interface(
        &self,
        py: Python<'_>,
        src_ifname: String,
        dst_ifname: Option<String>,
    ) -> PyResult<bool> {
        self.call(py, |c| {
            c.attach_interface(&src_ifname, dst_ifname.as_deref())
        })
    }

    #[pyo3(signature = (ifname, dst_ifname=None))]
    fn detach_interface(
        &self,
        py: Python<'_>,
        ifname: String,
        dst_ifname: Option<String>,
    ) -> PyResult<bool> {
        self.call(py, |c| c.detach_interface(&ifname, dst_ifname.as_deref()))
    }

    #[pyo3(signature = (src_path, dest_path=None))]
    fn add_device_node(
        &self,
        py: Python<'_>,
        src_path: String,
        dest_path: Option<String>,
    ) -> PyResult<bool> {
        self.call(py, |c| c.add_device_node(&src_path, dest_path.as_deref()))
    }

    #[pyo3(signature = (src_path, dest_path=None))]
    fn remove_device_node(
        &self,
        py: Python<'_>,
        src_path: String,
        dest_path: Option<String>,
    ) -> PyResult<bool> {
        self.call(py, |c| {
            c.remove_device_node(&src_path, dest_path.as_deref())
        })
    }

    #[pyo3(signature = (newname, config_path=None, flags=0, bdevtype=None, bdevdata=None, newsize=0, hookargs=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn clone(
        &self,
        py: Python<'_>,
        newname: String,
        config_path: Option<String>,
        flags: i32,
        bdevtype: Option<String>,
        bdevdata: Option<String>,
        newsize: u64,
        hookargs: Vec<String>,
    ) -> PyResult<bool> {
        let spec = lxc::clone::CloneSpec {
            lxcpath: config_path,
            flags,
            bdevtype,
            bdevdata,
            newsize,
            hookargs,
        };
        self.call(py, |c| c.clone(&newname, &spec).map(drop))
    }

    /// `"snapN"`, or False.
    #[pyo3(signature = (comment_path=None))]
    fn snapshot<'py>(
        &self,
        py: Python<'py>,
        comment_path: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let inner = &self.inner;
        let taken = py.detach(|| {
            inner.lock().ok().and_then(|c| {
                c.snapshot(comment_path.as_deref().map(std::path::Path::new))
                    .ok()
            })
        });
        match taken {
            Some(n) => Ok(format!("snap{n}").into_pyobject(py)?.into_any()),
            None => Ok(false.into_pyobject(py)?.to_owned().into_any()),
        }
    }

    /// A tuple of (name, comment_pathname, timestamp, lxcpath).
    fn snapshot_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let list = self
            .lock()?
            .snapshot_list()
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let items: Vec<(String, Option<String>, String, String)> = list
            .into_iter()
            .map(|s| {
                let comment = s.comment_path.map(|p| p.display().to_string());
                (s.name, comment, s.timestamp, s.lxcpath)
            })
            .collect();
        PyTuple::new(py, items)
    }

    #[pyo3(signature = (name, newname=None))]
    fn snapshot_restore(
        &self,
        py: Python<'_>,
        name: String,
        newname: Option<String>,
    ) -> PyResult<bool> {
        self.call(py, |c| c.snapshot_restore(&name, newname.as_deref()))
    }

    fn snapshot_destroy(&self, py: Python<'_>, name: String) -> PyResult<bool> {
        self.call(py, |c| c.snapshot_destroy(&name))
    }

    /// As with python3-lxc, this object keeps the old name (now undefined); the overlay
    /// returns a new one for the renamed container.
    fn rename(&self, py: Python<'_>, new_name: String) -> PyResult<bool> {
        self.call(py, |c| {
            let (old, path) = (c.name().to_string(), c.config_path().to_string());
            c.rename(&new_name)?;
            *c = lxc::Container::new(&old, Some(&path))?;
            Ok(())
        })
    }

    fn get_cgroup_item(&self, key: &str) -> PyResult<String> {
        self.lock()?
            .get_cgroup_item(key)
            .map_err(|_| PyKeyError::new_err("Invalid cgroup entry"))
    }

    fn set_cgroup_item(&self, key: &str, value: &str) -> PyResult<bool> {
        Ok(self.lock()?.set_cgroup_item(key, value).is_ok())
    }
}

/// What `attach` needs across its `os.fork()`.
#[pyclass(module = "lxc")]
pub struct AttachHandle {
    ctx: lxc::attach::AttachContext,
}

#[pymethods]
impl AttachHandle {
    fn enter_pid_namespace(&self) -> PyResult<()> {
        self.ctx
            .enter_pid_namespace()
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    fn leave_pid_namespace(&self) -> PyResult<()> {
        self.ctx
            .leave_pid_namespace()
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// In the child only: join the rest of the container.
    fn join(&self) -> PyResult<()> {
        self.ctx.join().map_err(PyRuntimeError::new_err)
    }
}

/// python3-lxc's answer for the address calls: a tuple, empty when the container is not
/// running.
/// A tuple of names; a failure is an empty tuple, as python3-lxc answers a NULL list.
fn names_tuple(py: Python<'_>, result: lxc::Result<Vec<String>>) -> PyResult<Bound<'_, PyTuple>> {
    match result {
        Ok(items) => PyTuple::new(py, items),
        Err(_) => Ok(PyTuple::empty(py)),
    }
}
