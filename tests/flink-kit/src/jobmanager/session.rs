//! A standalone session cluster: a JobManager that accepts jar uploads, and one TaskManager.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::OnceLock;
use std::time::Duration;

use super::cluster::{Daemon, LocalCluster, with_fresh_ports};
use super::config::ClusterDirs;

/// A real Flink session cluster (JobManager + 1 TaskManager with 2 slots) on free local ports,
/// for tests that drive the REST API the product uses. Dropping it kills both JVMs.
pub struct StandaloneSession {
    cluster: LocalCluster,
    savepoint_dir: PathBuf,
    log_dir: PathBuf,
    conf_dir: PathBuf,
}

impl StandaloneSession {
    /// Starts `bin/jobmanager.sh start-foreground` and `bin/taskmanager.sh start-foreground`
    /// with a private conf dir, and returns once `GET /overview` reports the TaskManager.
    pub fn start(flink_home: &Path) -> Result<Self, String> {
        with_fresh_ports(|| Self::start_once(flink_home))
    }

    fn start_once(flink_home: &Path) -> Result<Self, String> {
        let dirs = ClusterDirs::create(flink_home, "session")?;
        let (savepoint_dir, log_dir, conf_dir) =
            (dirs.savepoint_dir(), dirs.log_dir(), dirs.conf_dir());
        let daemons = vec![
            Daemon {
                script: "jobmanager.sh",
                args: Vec::new(),
                name: "jobmanager",
            },
            Daemon {
                script: "taskmanager.sh",
                args: Vec::new(),
                name: "taskmanager",
            },
        ];
        let cluster = LocalCluster::start(flink_home, dirs, daemons, &[])?;
        Ok(Self {
            cluster,
            savepoint_dir,
            log_dir,
            conf_dir,
        })
    }

    /// One session per test process, started on first use and shared by every test in the
    /// binary (JVM start-up dominates test time). Statics are never dropped: its JVMs are killed
    /// by their watchdogs when the test process exits. Tests sharing it must not shut it down.
    pub fn shared(flink_home: &Path) -> Result<&'static Self, String> {
        static SHARED: OnceLock<Result<StandaloneSession, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Self::start(flink_home))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Where the REST API listens (127.0.0.1).
    pub fn rest_addr(&self) -> SocketAddr {
        self.cluster.rest_addr()
    }

    /// `http://127.0.0.1:<port>`, the form the product's `--rest-url`-style options take.
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.rest_addr())
    }

    /// The default savepoint directory (`execution.checkpointing.savepoint-dir`) of this cluster.
    pub fn savepoint_dir(&self) -> &Path {
        &self.savepoint_dir
    }

    /// Where the JobManager and TaskManager write their logs and console output.
    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// This cluster's conf dir, e.g. as `FLINK_CONF_DIR` for `oracle::run_flink_cli`.
    pub fn conf_dir(&self) -> &Path {
        &self.conf_dir
    }

    /// The cluster's private root folder (conf, log, tmp, savepoints), removed on drop.
    pub fn root_dir(&self) -> &Path {
        self.cluster.dirs().root()
    }

    /// Waits up to `timeout` for the JobManager to exit by itself, e.g. after `DELETE /cluster`.
    pub fn wait_jobmanager_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.cluster.wait_jobmanager_exit(timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_can_be_shared_between_test_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<StandaloneSession>();
        assert_send_sync::<super::super::StandaloneApplication>();
    }
}
