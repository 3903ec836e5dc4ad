//! Running the built `kubectl-flink` binary the way users do, in an
//! environment of the test's making (no stray kubeconfig, conf dir or color).

#![allow(dead_code)]

pub mod imitation;
pub mod real;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubectl-flink"))
}

/// A scratch directory removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "kubectl-flink-test-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(&path, text).expect("write scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A command for the binary with a clean environment: HOME in `home`, no
/// KUBECONFIG, FLINK_HOME, FLINK_CONF_DIR, HADOOP_* or color.
pub fn command(home: &Path) -> Command {
    let mut command = Command::new(binary());
    command
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    command
}

/// Run with arguments; returns the output.
pub fn run(home: &Path, args: &[&str]) -> Output {
    command(home)
        .args(args)
        .output()
        .expect("run kubectl-flink")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Assert a usage error: exit 2, one `error:` line on stderr containing each
/// of `needles`, nothing on stdout.
pub fn assert_usage_error(output: &Output, needles: &[&str]) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert!(stdout(output).is_empty(), "stdout: {}", stdout(output));
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
    assert!(!err.contains('\u{1b}'), "color codes with NO_COLOR: {err}");
}

/// The conf dir Flink 2.3.0 ships, as recorded with the goldens.
pub fn golden_conf() -> String {
    flink_kit::golden::conf_dir().display().to_string()
}

/// Parse `-o json` dry-run output into its items.
pub fn json_items(output: &Output) -> Vec<serde_json::Value> {
    let list: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)));
    assert_eq!(list["kind"], "List");
    list["items"].as_array().cloned().unwrap_or_default()
}

/// The item of this kind and name.
pub fn item<'a>(items: &'a [serde_json::Value], kind: &str, name: &str) -> &'a serde_json::Value {
    items
        .iter()
        .find(|i| i["kind"] == kind && i["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {items:?}"))
}

/// The flattened `config.yaml` of a cluster's `flink-config-<id>` ConfigMap.
pub fn shipped_config(items: &[serde_json::Value], cluster_id: &str) -> serde_json::Value {
    let configmap = item(items, "ConfigMap", &format!("flink-config-{cluster_id}"));
    let text = configmap["data"]["config.yaml"]
        .as_str()
        .expect("config.yaml");
    flink_kit::golden::flatten_flink_config(text)
}

/// A new pty: (master, slave).
pub fn open_pty() -> (std::fs::File, std::fs::File) {
    // SAFETY: plain libc calls on a descriptor this function owns; the name
    // buffer outlives the call that fills it.
    let (master, name) = unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(
            master >= 0,
            "posix_openpt: {}",
            std::io::Error::last_os_error()
        );
        assert_eq!(libc::grantpt(master), 0, "grantpt");
        assert_eq!(libc::unlockpt(master), 0, "unlockpt");
        let mut name = [0 as libc::c_char; 256];
        assert_eq!(
            libc::ptsname_r(master, name.as_mut_ptr(), name.len()),
            0,
            "ptsname_r"
        );
        let name = std::ffi::CStr::from_ptr(name.as_ptr())
            .to_string_lossy()
            .to_string();
        (
            <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(master),
            name,
        )
    };
    use std::os::unix::fs::OpenOptionsExt;
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(&name)
        .expect("open the pty's slave side");
    (master, slave)
}
