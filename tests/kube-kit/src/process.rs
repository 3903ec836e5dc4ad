//! The control plane's processes: each leads its own process group, and a reaper kills every
//! group and removes the control plane's folder when the test process goes away.
//!
//! The reaper is a tiny `sh` reading process-group ids, one a line, from a pipe whose only
//! writer is this process. When this process exits for any reason (a never-dropped static,
//! panic abort, SIGKILL) the kernel closes the pipe, the read loop ends and the reaper kills
//! every group it was told about, then removes the folder. Dropping the `ControlPlane` does
//! the same at once, without waiting for the process to exit.

use std::fs;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub(crate) struct Reaper {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
}

impl Reaper {
    /// Starts the reaper for `dir` (removed once every group is dead).
    pub(crate) fn start(dir: &Path) -> Result<Self, String> {
        let mut cmd = Command::new("sh");
        // dash's builtin kill rejects `--`; a negative pid names the process group.
        cmd.args([
            "-c",
            r#"groups=""; while read -r g; do groups="$groups $g"; done; for g in $groups; do kill -KILL "-$g" 2>/dev/null; done; sleep 1; [ -e "$0/.keep" ] || rm -rf "$0""#,
        ])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group, so a Ctrl-C aimed at the test run does not kill the reaper first.
        .process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("kube-kit: starting the reaper (sh): {e}"))?;
        let stdin = child
            .stdin
            .take()
            .ok_or("kube-kit: the reaper has no stdin")?;
        Ok(Self {
            child: Some(child),
            stdin: Some(stdin),
        })
    }

    fn guard(&mut self, pgid: u32) -> Result<(), String> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or("kube-kit: the reaper is closed")?;
        writeln!(stdin, "{pgid}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("kube-kit: telling the reaper about {pgid}: {e}"))
    }

    /// Stops the reaper after the caller killed every group and cleaned up itself.
    pub(crate) fn close(&mut self) {
        self.stdin = None;
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        self.close();
    }
}

/// One component: a process leading its own group, its output in a log file.
pub(crate) struct Daemon {
    pub(crate) name: &'static str,
    child: Child,
    pub(crate) log: PathBuf,
    exited: Option<ExitStatus>,
}

impl Daemon {
    /// Spawns `cmd` with stdout and stderr appended to `log`, guarded by `reaper`.
    pub(crate) fn spawn(
        name: &'static str,
        mut cmd: Command,
        log: PathBuf,
        reaper: &mut Reaper,
    ) -> Result<Self, String> {
        let out = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| format!("kube-kit: opening {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("kube-kit: opening {}: {e}", log.display()))?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("kube-kit: starting {name} ({:?}): {e}", cmd.get_program()))?;
        if let Err(e) = reaper.guard(child.id()) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
        Ok(Self {
            name,
            child,
            log,
            exited: None,
        })
    }

    /// `Err` with the end of its log when the process has exited.
    pub(crate) fn check_running(&mut self) -> Result<(), String> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().ok().flatten();
        }
        match self.exited {
            None => Ok(()),
            Some(status) => Err(format!(
                "kube-kit: {} exited ({status}) during start-up: {} (log: {})",
                self.name,
                log_tail(&self.log),
                self.log.display()
            )),
        }
    }

    /// Kills the whole group and reaps the leader.
    pub(crate) fn kill(&mut self) {
        if self.exited.is_none() {
            signal_group(self.child.id(), "KILL");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = self.child.try_wait() {
                    self.exited = Some(status);
                    return;
                }
                thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill();
            self.exited = self.child.wait().ok();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The last error-looking line of a component's log (else its last line), for one-line errors.
pub(crate) fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let telling = lines
        .iter()
        .rev()
        .take(200)
        .find(|l| {
            l.starts_with('E')
                || l.starts_with('F')
                || l.contains("Error:")
                || l.contains("error:")
                || l.contains("\"level\":\"fatal\"")
                || l.contains("level=ERROR")
                || l.contains("\"level\":\"ERROR\"")
        })
        .or(lines.last());
    telling
        .map(|l| l.chars().take(600).collect())
        .unwrap_or_else(|| "(empty log)".to_string())
}
