//! Flink's own native client, run as a child process: the oracle the product is compared with.
//!
//! Each run is bounded by [`ORACLE_TIMEOUT`] (its process group is killed after that) and
//! measured: wall time, and the peak resident memory of the client JVM, taken by sampling
//! `VmHWM` from `/proc/<pid>/status` of Flink's Java processes every 20 ms while the run lasts
//! (the launcher shell and the short `BashJavaUtils` config-parsing JVM are not counted).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::run_measured;

/// Longest an oracle run may take before its processes are killed and it reports exit code -1.
pub const ORACLE_TIMEOUT: Duration = Duration::from_secs(180);

/// What one run of Flink's client did.
#[derive(Debug, Clone)]
pub struct OracleRun {
    /// Process exit code; `128 + signal` if killed by a signal, `-1` if it hit [`ORACLE_TIMEOUT`].
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Wall-clock time from spawn to exit.
    pub wall: Duration,
    /// Peak RSS (`VmHWM`) of the client JVM in KiB; `None` if it was never seen running.
    pub peak_rss_kib: Option<u64>,
}

/// `bin/kubernetes-session.sh -Dkubernetes.config.file=<kubeconfig> <args...>` with
/// `FLINK_CONF_DIR=conf_dir`: what the product's session deploy must match.
pub fn run_session(
    flink_home: &Path,
    kubeconfig: &Path,
    conf_dir: &Path,
    args: &[&str],
) -> OracleRun {
    let mut cmd = flink_command(flink_home, "kubernetes-session.sh", conf_dir);
    cmd.arg(kubeconfig_option(kubeconfig)).args(args);
    run(cmd)
}

/// `bin/flink run --target kubernetes-application -Dkubernetes.config.file=<kubeconfig> <args...>`
/// (Flink 2.x) or `bin/flink run-application --target kubernetes-application …` (Flink 1.x,
/// whose `run` has no executor for that target) with `FLINK_CONF_DIR=conf_dir`: what the
/// product's application deploy must match.
pub fn run_application(
    flink_home: &Path,
    kubeconfig: &Path,
    conf_dir: &Path,
    args: &[&str],
) -> OracleRun {
    let mut cmd = flink_command(flink_home, "flink", conf_dir);
    cmd.args(application_action(flink_home))
        .arg(kubeconfig_option(kubeconfig))
        .args(args);
    run(cmd)
}

/// The CLI action that starts an application cluster in this distribution.
pub fn application_action(flink_home: &Path) -> [&'static str; 3] {
    match release_of(flink_home) {
        Some(v) if v.starts_with("1.") => ["run-application", "--target", "kubernetes-application"],
        _ => ["run", "--target", "kubernetes-application"],
    }
}

/// The release of a distribution, from its `lib/flink-dist-<release>.jar`.
pub fn release_of(flink_home: &Path) -> Option<String> {
    std::fs::read_dir(flink_home.join("lib"))
        .ok()?
        .flatten()
        .find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            // `flink-dist-<release>.jar`, or `flink-dist_<scala>-<release>.jar` before 1.15.
            name.strip_prefix("flink-dist")
                .and_then(|n| n.strip_suffix(".jar"))
                .and_then(|n| n.rsplit('-').next())
                .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                .map(str::to_string)
        })
}

/// `bin/flink <args...>` with `FLINK_CONF_DIR=conf_dir` (e.g. `list -m host:port`, `cancel`,
/// `savepoint`), for comparing the product's job commands and their cost.
pub fn run_flink_cli(flink_home: &Path, conf_dir: &Path, args: &[&str]) -> OracleRun {
    let mut cmd = flink_command(flink_home, "flink", conf_dir);
    cmd.args(args);
    run(cmd)
}

fn kubeconfig_option(kubeconfig: &Path) -> String {
    format!("-Dkubernetes.config.file={}", kubeconfig.display())
}

/// A command for `bin/<script>` with the conf dir set and client logs kept out of the shared
/// installation (in `$FLINK_LOG_DIR` if the caller set it, else a folder under the temp dir).
fn flink_command(flink_home: &Path, script: &str, conf_dir: &Path) -> Command {
    let mut cmd = Command::new(flink_home.join("bin").join(script));
    cmd.env("FLINK_CONF_DIR", conf_dir);
    // Relative paths in the cases (pod templates) are the repository's.
    cmd.current_dir(crate::golden::golden_root().join("../.."));
    if std::env::var_os("FLINK_LOG_DIR").is_none() {
        let logs = client_log_dir();
        let _ = std::fs::create_dir_all(&logs);
        cmd.env("FLINK_LOG_DIR", logs);
    }
    cmd
}

fn client_log_dir() -> PathBuf {
    std::env::temp_dir().join("flink-kit-client-logs")
}

/// Flink's JVMs, except the config parser the scripts run first.
fn is_flink_client_jvm(cmdline: &str) -> bool {
    cmdline.contains("org.apache.flink.") && !cmdline.contains("BashJavaUtils")
}

fn run(cmd: Command) -> OracleRun {
    match run_measured(cmd, ORACLE_TIMEOUT, is_flink_client_jvm) {
        Ok(out) => OracleRun {
            exit_code: out.exit_code,
            stdout: out.stdout,
            stderr: out.stderr,
            wall: out.wall,
            peak_rss_kib: out.peak_rss_kib,
        },
        Err(e) => OracleRun {
            exit_code: -1,
            stdout: String::new(),
            stderr: format!("flink-kit: could not start the Flink client: {e}"),
            wall: Duration::ZERO,
            peak_rss_kib: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_flink_jvms_other_than_the_config_parser_are_measured() {
        assert!(is_flink_client_jvm(
            "java -Xmx512m -classpath x org.apache.flink.kubernetes.cli.KubernetesSessionCli"
        ));
        assert!(is_flink_client_jvm(
            "java -classpath x org.apache.flink.client.cli.CliFrontend list"
        ));
        assert!(!is_flink_client_jvm(
            "java -classpath x org.apache.flink.runtime.util.bash.BashJavaUtils GET_JM_RESOURCE_PARAMS"
        ));
        assert!(!is_flink_client_jvm("/bin/bash bin/flink list"));
    }

    #[test]
    fn the_real_client_reports_its_version_and_is_measured() {
        let Some(home) = crate::require_flink() else {
            return;
        };
        let run = run_flink_cli(&home, &home.join("conf"), &["--version"]);
        assert_eq!(run.exit_code, 0, "stderr: {}", run.stderr);
        assert!(
            run.stdout.contains("Version: 2.3.0"),
            "stdout: {}",
            run.stdout
        );
        let rss = run.peak_rss_kib.expect("the client JVM was never sampled");
        assert!(rss > 20 * 1024, "implausibly small JVM peak RSS: {rss} KiB");
        assert!(run.wall > Duration::ZERO);
    }
}
