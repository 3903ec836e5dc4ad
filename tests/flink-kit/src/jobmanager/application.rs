//! A standalone application cluster: a JobManager that runs one job jar from `usrlib`.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

use super::cluster::{Daemon, LocalCluster, with_fresh_ports};
use super::config::ClusterDirs;

/// A real Flink application cluster (`bin/standalone-job.sh` + 1 TaskManager with 2 slots)
/// running `job_jar`'s main class, on free local ports. Dropping it kills both JVMs.
///
/// Flink finds user jars in `usrlib/` next to the `lib/` folder named by `FLINK_LIB_DIR`, so
/// the cluster gets a private `lib/` of links to the real jars and a private `usrlib/` holding
/// the job jar; the shared installation is never modified.
pub struct StandaloneApplication {
    cluster: LocalCluster,
    savepoint_dir: PathBuf,
    log_dir: PathBuf,
    conf_dir: PathBuf,
}

impl StandaloneApplication {
    /// Starts `bin/standalone-job.sh start-foreground --job-classname <main_class> <args...>`
    /// and a TaskManager; returns once `GET /overview` reports the TaskManager (the job may
    /// still be initialising: poll `/jobs/overview`).
    pub fn start(
        flink_home: &Path,
        job_jar: &Path,
        main_class: &str,
        args: &[&str],
    ) -> Result<Self, String> {
        with_fresh_ports(|| Self::start_once(flink_home, job_jar, main_class, args))
    }

    fn start_once(
        flink_home: &Path,
        job_jar: &Path,
        main_class: &str,
        args: &[&str],
    ) -> Result<Self, String> {
        let dirs = ClusterDirs::create(flink_home, "application")?;
        let lib_dir = private_lib_dir(flink_home, dirs.root(), job_jar)?;
        let (savepoint_dir, log_dir, conf_dir) =
            (dirs.savepoint_dir(), dirs.log_dir(), dirs.conf_dir());
        let mut job_args = vec!["--job-classname".to_string(), main_class.to_string()];
        job_args.extend(args.iter().map(|a| a.to_string()));
        let daemons = vec![
            Daemon {
                script: "standalone-job.sh",
                args: job_args,
                name: "jobmanager",
            },
            Daemon {
                script: "taskmanager.sh",
                args: Vec::new(),
                name: "taskmanager",
            },
        ];
        let cluster =
            LocalCluster::start(flink_home, dirs, daemons, &[("FLINK_LIB_DIR", lib_dir)])?;
        Ok(Self {
            cluster,
            savepoint_dir,
            log_dir,
            conf_dir,
        })
    }

    /// Where the REST API listens (127.0.0.1).
    pub fn rest_addr(&self) -> SocketAddr {
        self.cluster.rest_addr()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.rest_addr())
    }

    /// The default savepoint directory of this cluster.
    pub fn savepoint_dir(&self) -> &Path {
        &self.savepoint_dir
    }

    /// Where the JobManager and TaskManager write their logs and console output.
    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// This cluster's conf dir.
    pub fn conf_dir(&self) -> &Path {
        &self.conf_dir
    }

    /// Waits up to `timeout` for the JobManager to exit by itself (after `DELETE /cluster`, or
    /// when the job reaches a terminal state).
    pub fn wait_jobmanager_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.cluster.wait_jobmanager_exit(timeout)
    }
}

/// Builds `<root>/home/lib` (links to every jar of `$FLINK_HOME/lib`) and `<root>/home/usrlib`
/// (a copy of the job jar); returns the `lib` path for `FLINK_LIB_DIR`.
fn private_lib_dir(flink_home: &Path, root: &Path, job_jar: &Path) -> Result<PathBuf, String> {
    let lib = root.join("home").join("lib");
    let usrlib = root.join("home").join("usrlib");
    for dir in [&lib, &usrlib] {
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let real_lib = flink_home.join("lib");
    let entries =
        fs::read_dir(&real_lib).map_err(|e| format!("reading {}: {e}", real_lib.display()))?;
    for entry in entries.flatten() {
        std::os::unix::fs::symlink(entry.path(), lib.join(entry.file_name()))
            .map_err(|e| format!("linking {}: {e}", entry.path().display()))?;
    }
    let jar_name = job_jar.file_name().ok_or("job jar path has no file name")?;
    fs::copy(job_jar, usrlib.join(jar_name))
        .map_err(|e| format!("copying {}: {e}", job_jar.display()))?;
    Ok(lib)
}
