//! `lxc._lxc`: the compiled half of the Python module (the other half is
//! `python/lxc/__init__.py`), with python3-lxc's names and answers. It only translates:
//! every behaviour lives in the `lxc` crate, and a feature the library does not have yet
//! raises NotImplementedError naming it.

mod container;

use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

#[pyfunction]
fn get_version() -> &'static str {
    lxc::LXC_VERSION
}

#[pyfunction]
fn get_global_config_item(key: &str) -> PyResult<String> {
    let paths = lxc::Paths::detect();
    lxc::GlobalConfig::load(&paths)
        .ok()
        .and_then(|g| g.get(key))
        .ok_or_else(|| PyKeyError::new_err("Invalid configuration key"))
}

/// Names of containers, as a tuple; a flag counts only if it is `True`, as in python3-lxc.
#[pyfunction]
#[pyo3(signature = (active=None, defined=None, config_path=None))]
fn list_containers<'py>(
    py: Python<'py>,
    active: Option<Bound<'py, PyAny>>,
    defined: Option<Bound<'py, PyAny>>,
    config_path: Option<String>,
) -> PyResult<Bound<'py, PyTuple>> {
    let is_true = |v: &Option<Bound<'py, PyAny>>| {
        v.as_ref().is_none_or(|v| {
            v.is_exact_instance_of::<pyo3::types::PyBool>() && v.is_truthy().unwrap_or(false)
        })
    };
    let lxcpath = match config_path {
        Some(p) => p,
        None => lxc::default_lxcpath(&lxc::Paths::detect())
            .map_err(|e| PyValueError::new_err(e.to_string()))?,
    };
    let names = match (is_true(&active), is_true(&defined)) {
        (true, true) => lxc::list_all_containers(&lxcpath),
        (true, false) => lxc::list_active_containers(&lxcpath),
        (false, true) => lxc::list_defined_containers(&lxcpath),
        (false, false) => Vec::new(),
    };
    PyTuple::new(py, names)
}

/// `(program, [argv...])`: exec it; returns only on failure.
#[pyfunction]
fn attach_run_command(cmd: (String, Vec<String>)) -> i32 {
    let (program, argv) = cmd;
    let _ = lxc::attach::exec_command(&program, &argv);
    -1
}

/// Exec the current user's shell (from /etc/passwd), else /bin/sh.
#[pyfunction]
fn attach_run_shell(_payload: Option<Bound<'_, PyAny>>) -> i32 {
    let _ = lxc::attach::exec_shell();
    -1
}

#[pyfunction]
fn arch_to_personality(arch: Bound<'_, PyAny>) -> PyResult<i64> {
    let arch: String = arch
        .extract()
        .map_err(|_| PyValueError::new_err("Expected a string"))?;
    match arch.as_str() {
        "x86" | "i386" | "i486" | "i586" | "i686" | "athlon" | "linux32" => Ok(8),
        "x86_64" | "amd64" | "linux64" => Ok(0),
        other => Err(PyKeyError::new_err(format!(
            "Failed to lookup architecture: {other}"
        ))),
    }
}

#[pymodule]
fn _lxc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<container::Container>()?;
    m.add_class::<container::AttachHandle>()?;
    m.add_function(wrap_pyfunction!(get_version, m)?)?;
    m.add_function(wrap_pyfunction!(get_global_config_item, m)?)?;
    m.add_function(wrap_pyfunction!(list_containers, m)?)?;
    m.add_function(wrap_pyfunction!(attach_run_command, m)?)?;
    m.add_function(wrap_pyfunction!(attach_run_shell, m)?)?;
    m.add_function(wrap_pyfunction!(arch_to_personality, m)?)?;
    for (name, value) in [
        ("CLONE_NEWUTS", 0x0400_0000),
        ("CLONE_NEWIPC", 0x0800_0000),
        ("CLONE_NEWUSER", 0x1000_0000),
        ("CLONE_NEWPID", 0x2000_0000),
        ("CLONE_NEWNET", 0x4000_0000),
        ("CLONE_NEWNS", 0x0002_0000),
        ("LXC_ATTACH_KEEP_ENV", 0),
        ("LXC_ATTACH_CLEAR_ENV", 1),
        ("LXC_ATTACH_DEFAULT", 0xffff),
        ("LXC_ATTACH_MOVE_TO_CGROUP", 0x1),
        ("LXC_ATTACH_DROP_CAPABILITIES", 0x2),
        ("LXC_ATTACH_SET_PERSONALITY", 0x4),
        ("LXC_ATTACH_LSM_EXEC", 0x8),
        ("LXC_ATTACH_REMOUNT_PROC_SYS", 0x1_0000),
        ("LXC_ATTACH_LSM_NOW", 0x2_0000),
        ("LXC_CLONE_KEEPNAME", 0x1),
        ("LXC_CLONE_KEEPMACADDR", 0x2),
        ("LXC_CLONE_SNAPSHOT", 0x4),
        ("LXC_CLONE_KEEPBDEVTYPE", 0x8),
        ("LXC_CLONE_MAYBE_SNAPSHOT", 0x10),
        ("LXC_CREATE_QUIET", 0x1),
    ] {
        m.add(name, value)?;
    }
    Ok(())
}
