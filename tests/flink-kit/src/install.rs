//! Installing the Flink distribution from PyPI into the shared test cache.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use crate::process::{run_bounded, tail};

/// The Flink release the product reproduces by default; every fact in the reference is about
/// this one.
pub const FLINK_VERSION: &str = "2.3.0";

/// Every release kubectl-flink renders, as the PyPI release its goldens were recorded with
/// (the newest patch of each minor line), oldest first.
pub const RELEASES: &[&str] = &[
    "1.12.5", "1.13.6", "1.14.6", "1.15.4", "1.16.3", "1.17.2", "1.18.1", "1.19.3", "1.20.5",
    "2.0.2", "2.1.3", "2.2.1", "2.3.0",
];

/// How long a fresh PyPI install may take before it is abandoned (it takes well under a minute).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The folder where test downloads and builds are kept between runs, so each happens once per
/// machine: `$KUBECTL_FLINK_TEST_CACHE`, else `~/.cache/kubectl-flink-test`.
pub fn cache_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("KUBECTL_FLINK_TEST_CACHE").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or("neither KUBECTL_FLINK_TEST_CACHE nor HOME is set")?;
    Ok(PathBuf::from(home)
        .join(".cache")
        .join("kubectl-flink-test"))
}

/// Returns `FLINK_HOME` (the `pyflink` folder) of Flink 2.3.0, installing it from PyPI first
/// if the cache does not hold it yet.
///
/// Safe to call from many threads and processes at once: installers serialise on a lock file,
/// and an install goes to a temporary folder that is renamed into place only when pip has
/// finished, so a half-done install is never taken for a whole one.
pub fn flink_home() -> Result<PathBuf, String> {
    static HOME: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    HOME.get_or_init(|| flink_home_of(FLINK_VERSION)).clone()
}

/// Returns `FLINK_HOME` of the given PyPI release (e.g. `1.20.5`), installing it first if the
/// cache does not hold it yet; same guarantees as [`flink_home`].
pub fn flink_home_of(version: &str) -> Result<PathBuf, String> {
    let cache = cache_dir()?;
    install_into(&cache, version)
}

/// The folder pip installs into, named after the version so releases can live side by side.
fn install_dir(cache: &Path, version: &str) -> PathBuf {
    cache.join(format!("flink-{version}"))
}

/// An install counts as whole when the launcher script and the distribution jar are present
/// (`flink-dist-<release>.jar`, or `flink-dist_<scala>-<release>.jar` before 1.15).
fn is_complete(home: &Path, version: &str) -> bool {
    let suffix = format!("-{version}.jar");
    home.join("bin").join("flink").is_file()
        && fs::read_dir(home.join("lib")).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with("flink-dist") && name.ends_with(&suffix) && e.path().is_file()
            })
        })
}

fn install_into(cache: &Path, version: &str) -> Result<PathBuf, String> {
    let target = install_dir(cache, version);
    let home = target.join("pyflink");
    if !is_complete(&home, version) {
        fs::create_dir_all(cache).map_err(|e| format!("creating {}: {e}", cache.display()))?;
        let lock_path = cache.join(format!("flink-{version}.lock"));
        let lock = File::create(&lock_path)
            .map_err(|e| format!("creating {}: {e}", lock_path.display()))?;
        lock.lock()
            .map_err(|e| format!("locking {}: {e}", lock_path.display()))?;
        // Another process may have finished the install while this one waited for the lock.
        if !is_complete(&home, version) {
            pip_install(cache, &target, version)?;
        }
    }
    make_scripts_executable(&home.join("bin"))?;
    Ok(home)
}

/// Runs pip into a private temporary folder, then renames it to `target`.
fn pip_install(cache: &Path, target: &Path, version: &str) -> Result<(), String> {
    let partial = cache.join(format!("flink-{version}.partial-{}", std::process::id()));
    remove_if_present(&partial)?;
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "install", "--no-deps", "--no-input"])
        .args(["--disable-pip-version-check", "--target"])
        .arg(&partial)
        .arg(format!("apache-flink-libraries=={version}"))
        .arg(format!("apache-flink=={version}"))
        .stdin(Stdio::null());
    eprintln!(
        "flink-kit: installing Flink {version} from PyPI into {}",
        target.display()
    );
    let out = run_bounded(pip, INSTALL_TIMEOUT)?;
    if out.exit_code != 0 || !is_complete(&partial.join("pyflink"), version) {
        let _ = fs::remove_dir_all(&partial);
        // 1.16 and older are sdists only for this Python, and apache-flink's does not build:
        // their jars and scripts need no build, so they are unpacked instead.
        eprintln!("flink-kit: pip could not install Flink {version}; unpacking its sdists");
        let unpacked = crate::sdist::install_unpacked(&partial, version);
        if unpacked.is_err() || !is_complete(&partial.join("pyflink"), version) {
            let _ = fs::remove_dir_all(&partial);
            return Err(format!(
                "pip install of apache-flink {version} failed (exit {}):\n{}\n{}\nand unpacking its sdists gave {unpacked:?}",
                out.exit_code,
                tail(&out.stdout, 20),
                tail(&out.stderr, 20)
            ));
        }
    }
    // A leftover, incomplete target (from before installs were atomic) is replaced.
    remove_if_present(target)?;
    fs::rename(&partial, target).map_err(|e| {
        format!(
            "renaming {} to {}: {e}",
            partial.display(),
            target.display()
        )
    })
}

fn remove_if_present(dir: &Path) -> Result<(), String> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("removing {}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// pip does not always keep the executable bit of the wheel's scripts.
fn make_scripts_executable(bin: &Path) -> Result<(), String> {
    let entries = fs::read_dir(bin).map_err(|e| format!("reading {}: {e}", bin.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let is_script = path
            .extension()
            .is_none_or(|ext| ext == "sh" || ext == "py");
        let Ok(meta) = entry.metadata() else { continue };
        if is_script && meta.is_file() && meta.permissions().mode() & 0o111 != 0o111 {
            let mut perms = meta.permissions();
            perms.set_mode(perms.mode() | 0o755);
            fs::set_permissions(&path, perms)
                .map_err(|e| format!("chmod {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_install_without_the_distribution_jar_is_not_complete() {
        let dir = crate::tempdir::TempDir::new("install-test").unwrap();
        let home = dir.path().join("pyflink");
        fs::create_dir_all(home.join("bin")).unwrap();
        fs::write(home.join("bin").join("flink"), "#!/bin/sh\n").unwrap();
        assert!(!is_complete(&home, "2.3.0"));
        fs::create_dir_all(home.join("lib")).unwrap();
        fs::write(home.join("lib").join("flink-dist-2.3.0.jar"), "").unwrap();
        assert!(is_complete(&home, "2.3.0"));
        assert!(!is_complete(&home, "1.20.5"));
        fs::write(home.join("lib").join("flink-dist_2.11-1.14.6.jar"), "").unwrap();
        assert!(is_complete(&home, "1.14.6"));
    }

    #[test]
    fn scripts_become_executable_but_jars_do_not() {
        let dir = crate::tempdir::TempDir::new("chmod-test").unwrap();
        let bin = dir.path();
        fs::write(bin.join("flink"), "#!/bin/sh\n").unwrap();
        fs::write(bin.join("config.sh"), "").unwrap();
        fs::write(bin.join("bash-java-utils.jar"), "").unwrap();
        for f in ["flink", "config.sh", "bash-java-utils.jar"] {
            fs::set_permissions(bin.join(f), fs::Permissions::from_mode(0o644)).unwrap();
        }
        make_scripts_executable(bin).unwrap();
        let mode = |f: &str| fs::metadata(bin.join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("flink"), 0o755);
        assert_eq!(mode("config.sh"), 0o755);
        assert_eq!(mode("bash-java-utils.jar"), 0o644);
    }
}
