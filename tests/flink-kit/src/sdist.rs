//! Flink releases PyPI has only as source distributions for this Python (1.16 and older on
//! Python 3.11), whose `apache-flink` does not build (its Cython extensions need
//! `longintrepr.h`): the jars, scripts and conf dir inside need no build, so the sdists are
//! downloaded and unpacked into the layout `pip install` gives (`pyflink/bin`, `lib`, `opt`,
//! `plugins`, `conf`, `log`, `examples`), as their `setup.py` maps `deps/<dir>`.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::process::{run_bounded, tail};

/// How long downloading both sdists may take.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The folders `setup.py` installs from `deps/`, in both packages.
const DEPS: &[&str] = &[
    "bin", "lib", "opt", "plugins", "conf", "log", "examples", "licenses",
];

/// Downloads the sdists of `version` (`apache-flink-libraries` exists from 1.13; before, the
/// jars are in `apache-flink` itself) and lays them out under `target/pyflink`.
pub(crate) fn install_unpacked(target: &Path, version: &str) -> Result<(), String> {
    let downloads = target.join("sdists");
    fs::create_dir_all(&downloads).map_err(|e| format!("{}: {e}", downloads.display()))?;
    let mut names = vec![format!("apache-flink=={version}")];
    if !is_before(version, (1, 13)) {
        names.insert(0, format!("apache-flink-libraries=={version}"));
    }
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "download", "--no-deps", "--no-input"])
        .args(["--disable-pip-version-check", "--no-binary", ":all:", "-d"])
        .arg(&downloads)
        .args(&names)
        .stdin(Stdio::null());
    let out = run_bounded(pip, DOWNLOAD_TIMEOUT)?;
    if out.exit_code != 0 {
        return Err(format!(
            "pip download of the apache-flink {version} sdists failed (exit {}):\n{}",
            out.exit_code,
            tail(&out.stderr, 20)
        ));
    }
    unpack_all(&downloads, &target.join("pyflink"))?;
    fs::remove_dir_all(&downloads).map_err(|e| format!("{}: {e}", downloads.display()))
}

/// Unpacks every `.tar.gz` in `downloads` and copies each package's `deps/<dir>` into `home`.
pub(crate) fn unpack_all(downloads: &Path, home: &Path) -> Result<(), String> {
    let archives: Vec<_> = fs::read_dir(downloads)
        .map_err(|e| format!("{}: {e}", downloads.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    if archives.is_empty() {
        return Err(format!("no sdist in {}", downloads.display()));
    }
    let unpacked = downloads.join("unpacked");
    fs::create_dir_all(&unpacked).map_err(|e| format!("{}: {e}", unpacked.display()))?;
    for archive in &archives {
        let mut tar = Command::new("tar");
        tar.arg("xzf").arg(archive).arg("-C").arg(&unpacked);
        let out = run_bounded(tar, DOWNLOAD_TIMEOUT)?;
        if out.exit_code != 0 {
            return Err(format!(
                "unpacking {}: {}",
                archive.display(),
                tail(&out.stderr, 5)
            ));
        }
    }
    for package in fs::read_dir(&unpacked)
        .map_err(|e| format!("{}: {e}", unpacked.display()))?
        .flatten()
    {
        for dir in DEPS {
            let from = package.path().join("deps").join(dir);
            if from.is_dir() {
                copy_tree(&from, &home.join(dir))?;
            }
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in fs::read_dir(from)
        .map_err(|e| format!("{}: {e}", from.display()))?
        .flatten()
    {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            fs::copy(&path, &dest)
                .map_err(|e| format!("{} → {}: {e}", path.display(), dest.display()))?;
        }
    }
    Ok(())
}

/// Whether `version` (`major.minor[.patch]`) is older than `line`.
fn is_before(version: &str, line: (u32, u32)) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) < line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_packages_deps_land_where_pip_would_put_them() {
        let dir = crate::tempdir::TempDir::new("sdist-test").unwrap();
        let src = dir.path().join("src");
        for (package, sub, file) in [
            ("apache-flink-1.16.3", "bin", "flink"),
            ("apache-flink-1.16.3", "conf", "flink-conf.yaml"),
            (
                "apache-flink-libraries-1.16.3",
                "lib",
                "flink-dist-1.16.3.jar",
            ),
            (
                "apache-flink-libraries-1.16.3",
                "bin",
                "bash-java-utils.jar",
            ),
        ] {
            let at = src.join(package).join("deps").join(sub);
            fs::create_dir_all(&at).unwrap();
            fs::write(at.join(file), file).unwrap();
        }
        let downloads = dir.path().join("downloads");
        fs::create_dir_all(&downloads).unwrap();
        for package in ["apache-flink-1.16.3", "apache-flink-libraries-1.16.3"] {
            let status = Command::new("tar")
                .arg("czf")
                .arg(downloads.join(format!("{package}.tar.gz")))
                .arg("-C")
                .arg(&src)
                .arg(package)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let home = dir.path().join("pyflink");
        unpack_all(&downloads, &home).unwrap();
        for file in [
            "bin/flink",
            "bin/bash-java-utils.jar",
            "conf/flink-conf.yaml",
            "lib/flink-dist-1.16.3.jar",
        ] {
            assert!(home.join(file).is_file(), "{file}");
        }
        assert!(unpack_all(&src, &home).is_err(), "no archive there");
        assert!(is_before("1.12.5", (1, 13)) && !is_before("1.13.6", (1, 13)));
    }
}
