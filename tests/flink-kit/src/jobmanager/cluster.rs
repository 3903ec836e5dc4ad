//! What session and application clusters share: starting Flink's daemons in the foreground,
//! waiting for the REST API, and tearing everything down.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::config::ClusterDirs;
use crate::process::{GroupChild, tail_file};
use crate::rest::RestClient;

/// How long a cluster may take to answer `/overview` with a registered TaskManager.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// Pause between readiness probes.
const READY_POLL: Duration = Duration::from_millis(250);

/// One Flink daemon: which script starts it and the name of its output file.
pub(crate) struct Daemon<'a> {
    pub script: &'a str,
    pub args: Vec<String>,
    pub name: &'a str,
}

/// A running set of Flink daemons (JobManager first) sharing one private folder.
pub(crate) struct LocalCluster {
    // Declared before `dirs`, so the processes are killed before their folder is removed.
    processes: Vec<(String, GroupChild)>,
    dirs: ClusterDirs,
    rest_addr: SocketAddr,
}

/// Runs `start` (which picks fresh free ports each time) again when the ports it picked were
/// taken by another process before Flink bound them (a BindException), up to three times.
pub(crate) fn with_fresh_ports<T>(start: impl Fn() -> Result<T, String>) -> Result<T, String> {
    let mut attempt = 1;
    loop {
        match start() {
            Err(e)
                if attempt < 3
                    && (e.contains("BindException") || e.contains("Address already in use")) =>
            {
                attempt += 1;
            }
            done => return done,
        }
    }
}

impl LocalCluster {
    /// Starts the daemons with `extra_env`, then waits until `/overview` reports a TaskManager.
    pub(crate) fn start(
        flink_home: &Path,
        dirs: ClusterDirs,
        daemons: Vec<Daemon>,
        extra_env: &[(&str, PathBuf)],
    ) -> Result<Self, String> {
        let rest_addr = SocketAddr::from(([127, 0, 0, 1], dirs.rest_port));
        let mut cluster = Self {
            processes: Vec::new(),
            dirs,
            rest_addr,
        };
        for daemon in daemons {
            let child = cluster.spawn(flink_home, &daemon, extra_env)?;
            cluster.processes.push((daemon.name.to_string(), child));
        }
        cluster.wait_ready()?;
        Ok(cluster)
    }

    fn spawn(
        &self,
        flink_home: &Path,
        daemon: &Daemon,
        extra_env: &[(&str, PathBuf)],
    ) -> Result<GroupChild, String> {
        let out_path = self.dirs.log_dir().join(format!("{}.out", daemon.name));
        let out =
            File::create(&out_path).map_err(|e| format!("creating {}: {e}", out_path.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(flink_home.join("bin").join(daemon.script));
        cmd.arg("start-foreground")
            .args(&daemon.args)
            .env("FLINK_CONF_DIR", self.dirs.conf_dir())
            .env("FLINK_LOG_DIR", self.dirs.log_dir())
            .env("FLINK_PID_DIR", self.dirs.pid_dir())
            .envs(extra_env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        GroupChild::spawn(cmd)
    }

    /// Polls `GET /overview` until a TaskManager is registered and its slots are reported.
    fn wait_ready(&mut self) -> Result<(), String> {
        let client = RestClient::new(self.rest_addr);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok((200, body)) = client.get("/overview") {
                let overview: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                // A TaskManager counts once its slots are reported, which can lag registration.
                let count = |key: &str| overview[key].as_u64().unwrap_or(0);
                if count("taskmanagers") >= 1 && count("slots-total") >= 1 {
                    return Ok(());
                }
            }
            if let Some(name) = self.first_exited() {
                return Err(format!(
                    "{name} exited during start-up\n{}",
                    self.log_tails()
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "no TaskManager registered at http://{} within {READY_TIMEOUT:?}\n{}",
                    self.rest_addr,
                    self.log_tails()
                ));
            }
            thread::sleep(READY_POLL);
        }
    }

    fn first_exited(&mut self) -> Option<String> {
        self.processes
            .iter_mut()
            .find_map(|(name, child)| child.try_exited().map(|s| format!("{name} ({s})")))
    }

    /// The last lines of every daemon's output and log files, for start-up errors.
    fn log_tails(&self) -> String {
        let mut text = String::new();
        let Ok(entries) = std::fs::read_dir(self.dirs.log_dir()) else {
            return text;
        };
        for entry in entries.flatten() {
            let lines = tail_file(&entry.path(), 25);
            if !lines.is_empty() {
                text.push_str(&format!("--- {} ---\n{lines}\n", entry.path().display()));
            }
        }
        text
    }

    pub(crate) fn rest_addr(&self) -> SocketAddr {
        self.rest_addr
    }
    pub(crate) fn dirs(&self) -> &ClusterDirs {
        &self.dirs
    }

    /// Waits up to `timeout` for the JobManager process to exit on its own (e.g. after
    /// `DELETE /cluster`); returns its exit status.
    pub(crate) fn wait_jobmanager_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.processes.first_mut()?.1.wait_exit(timeout)
    }
}
