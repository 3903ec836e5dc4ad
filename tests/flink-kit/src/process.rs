//! Child processes that cannot outlive the test process.
//!
//! Every process is started as the leader of its own process group, so the JVMs that Flink's
//! shell scripts start belong to that group too. A tiny `sh` watchdog per group blocks reading
//! a pipe whose only writer is this process: when this process exits for any reason (normal
//! exit with a never-dropped static, panic abort, SIGKILL) the kernel closes the pipe, the read
//! returns and the watchdog kills the whole group. Dropping a [`GroupChild`] does the same at
//! once.

use std::fs;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::procfs::{cmdline, group_members, vm_hwm_kib};

/// How often process state is polled while waiting with a deadline.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// A process leading its own process group, killed with its whole group when dropped.
pub(crate) struct GroupChild {
    child: Child,
    watchdog: Option<(Child, ChildStdin)>,
    reaped: Option<ExitStatus>,
}

impl GroupChild {
    /// Spawns `cmd` as the leader of a new process group guarded by a watchdog.
    pub(crate) fn spawn(mut cmd: Command) -> Result<Self, String> {
        cmd.process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("starting {:?}: {e}", cmd.get_program()))?;
        let watchdog = match spawn_watchdog(child.id()) {
            Ok(w) => w,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        Ok(Self {
            child,
            watchdog: Some(watchdog),
            reaped: None,
        })
    }

    /// The leader's pid, which is also the process group id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The child itself, to take its piped output.
    pub(crate) fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The leader's exit status if it has exited (other group members may still run).
    pub(crate) fn try_exited(&mut self) -> Option<ExitStatus> {
        if self.reaped.is_none() {
            self.reaped = self.child.try_wait().ok().flatten();
        }
        self.reaped
    }

    /// Waits up to `timeout` for the leader to exit on its own.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Kills every process of the group and reaps the leader; idempotent.
    pub(crate) fn kill_group(&mut self) {
        let pgid = self.pid();
        if let Some((mut watchdog, stdin)) = self.watchdog.take() {
            // Closing the pipe is the watchdog's signal to kill the group.
            drop(stdin);
            if wait_deadline(&mut watchdog, Duration::from_secs(5)).is_none() {
                let _ = watchdog.kill();
                let _ = watchdog.wait();
            }
        }
        // Also signal directly, in case the watchdog could not.
        signal_group(pgid, "KILL");
        if self.reaped.is_none() {
            let status = wait_deadline(&mut self.child, Duration::from_secs(10)).or_else(|| {
                let _ = self.child.kill();
                self.child.wait().ok()
            });
            self.reaped = status;
        }
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        self.kill_group();
    }
}

/// Starts `sh` blocked on reading our pipe; on end-of-file it kills process group `pgid`.
fn spawn_watchdog(pgid: u32) -> Result<(Child, ChildStdin), String> {
    let mut cmd = Command::new("sh");
    // dash's builtin kill rejects `--`; a negative pid names the process group.
    cmd.args(["-c", r#"read -r _; kill -KILL "-$0" 2>/dev/null"#])
        .arg(pgid.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group, so a Ctrl-C aimed at the test run does not kill the watchdog first.
        .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("starting watchdog sh: {e}"))?;
    let stdin = child.stdin.take().ok_or("watchdog has no stdin")?;
    Ok((child, stdin))
}

/// Sends `signal` to every process of group `pgid` using the `kill` utility (std has no kill(2)).
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

/// Polls `child` until it exits or `timeout` passes.
pub(crate) fn wait_deadline(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Err(_) => return None,
            Ok(None) if Instant::now() >= deadline => return None,
            Ok(None) => thread::sleep(POLL_INTERVAL),
        }
    }
}

/// What a bounded run of a command produced.
pub(crate) struct RunOutput {
    /// Exit code; `128 + signal` when killed by a signal, `-1` when it timed out.
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
    pub wall: Duration,
    /// Largest `VmHWM` seen among the measured processes of the group, in KiB.
    pub peak_rss_kib: Option<u64>,
}

/// Runs `cmd` to completion (or kills its group after `timeout`), capturing its output.
pub(crate) fn run_bounded(cmd: Command, timeout: Duration) -> Result<RunOutput, String> {
    run_measured(cmd, timeout, |_| false)
}

/// Like [`run_bounded`], and samples the memory high-water mark (`VmHWM` in `/proc/<pid>/status`)
/// of every process in the group whose command line satisfies `measured`, keeping the largest.
pub(crate) fn run_measured(
    mut cmd: Command,
    timeout: Duration,
    measured: impl Fn(&str) -> bool,
) -> Result<RunOutput, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut group = GroupChild::spawn(cmd)?;
    let stdout = read_in_background(group.child_mut().stdout.take());
    let stderr = read_in_background(group.child_mut().stderr.take());
    let deadline = started + timeout;
    let mut peak: Option<u64> = None;
    let status = loop {
        for pid in group_members(group.pid()) {
            if measured(&cmdline(pid))
                && let Some(hwm) = vm_hwm_kib(pid)
            {
                peak = Some(peak.map_or(hwm, |p| p.max(hwm)));
            }
        }
        if let Some(status) = group.try_exited() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            break None;
        }
        thread::sleep(POLL_INTERVAL);
    };
    let wall = started.elapsed();
    // Leftover group members would hold the output pipes open.
    group.kill_group();
    let stdout = stdout.join().unwrap_or_default();
    let mut stderr = stderr.join().unwrap_or_default();
    let exit_code = match status {
        Some(s) => s.code().or(s.signal().map(|sig| 128 + sig)).unwrap_or(-1),
        None => {
            stderr.push_str(&format!("\n[flink-kit: killed after {timeout:?}]\n"));
            -1
        }
    };
    Ok(RunOutput {
        exit_code,
        stdout,
        stderr,
        wall,
        peak_rss_kib: peak,
    })
}

fn read_in_background<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The last `lines` lines of `text`, for error messages.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The last lines of a log file, for error messages; empty when it cannot be read.
pub(crate) fn tail_file(path: &std::path::Path, lines: usize) -> String {
    fs::read_to_string(path)
        .map(|t| tail(&t, lines))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_alive(pid: u32) -> bool {
        // A zombie still has a /proc entry; only count processes that are not dead.
        fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                let state = s[s.rfind(')').unwrap() + 1..].split_whitespace().next();
                state != Some("Z") && state != Some("X")
            })
            .unwrap_or(false)
    }

    #[test]
    fn dropping_kills_grandchildren_started_in_the_background() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 300 & echo $!; wait"])
            .stdout(Stdio::piped());
        let mut group = GroupChild::spawn(cmd).unwrap();
        let mut line = String::new();
        let mut out = group.child_mut().stdout.take().unwrap();
        let mut byte = [0u8; 1];
        while out.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
            line.push(byte[0] as char);
        }
        let grandchild: u32 = line.trim().parse().unwrap();
        assert!(is_alive(grandchild));
        drop(group);
        let deadline = Instant::now() + Duration::from_secs(5);
        while is_alive(grandchild) && Instant::now() < deadline {
            thread::sleep(POLL_INTERVAL);
        }
        assert!(!is_alive(grandchild), "background sleep survived the drop");
    }

    /// Set when this test binary is re-run as the "test process that dies" below.
    const ORPHAN_HELPER_ENV: &str = "FLINK_KIT_ORPHAN_HELPER";

    /// Helper half of the next test: starts a guarded `sleep`, prints its pid and exits
    /// without dropping the guard, like a test binary holding a cluster in a `static`.
    #[test]
    fn orphan_helper() {
        if std::env::var_os(ORPHAN_HELPER_ENV).is_none() {
            return;
        }
        let mut cmd = Command::new("sleep");
        // Not inheriting our output pipe, so the parent test sees us exit.
        cmd.arg("300").stdout(Stdio::null()).stderr(Stdio::null());
        let group = GroupChild::spawn(cmd).unwrap();
        println!("ORPHAN_PID={}", group.pid());
        std::mem::forget(group);
        std::process::exit(0);
    }

    #[test]
    fn the_watchdog_kills_the_group_when_the_owning_process_exits() {
        let exe = std::env::current_exe().unwrap();
        let mut helper = Command::new(exe);
        helper
            .args(["--exact", "process::tests::orphan_helper", "--nocapture"])
            .env(ORPHAN_HELPER_ENV, "1");
        let out = run_bounded(helper, Duration::from_secs(60)).unwrap();
        let pid: u32 = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("ORPHAN_PID="))
            .unwrap_or_else(|| panic!("helper printed no pid: {}{}", out.stdout, out.stderr))
            .parse()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while is_alive(pid) && Instant::now() < deadline {
            thread::sleep(POLL_INTERVAL);
        }
        assert!(
            !is_alive(pid),
            "process {pid} outlived the process that started it"
        );
    }

    #[test]
    fn a_run_past_its_timeout_is_killed_and_reported() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo started; exec sleep 300"]);
        let out = run_bounded(cmd, Duration::from_millis(500)).unwrap();
        assert_eq!(out.exit_code, -1);
        assert_eq!(out.stdout.trim(), "started");
        assert!(out.stderr.contains("killed after"));
        assert!(out.wall < Duration::from_secs(10));
    }

    #[test]
    fn exit_codes_and_output_are_captured() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let out = run_bounded(cmd, Duration::from_secs(30)).unwrap();
        assert_eq!(
            (out.exit_code, out.stdout.as_str(), out.stderr.as_str()),
            (3, "out\n", "err\n")
        );
    }

    #[test]
    fn peak_rss_is_sampled_from_matching_processes_only() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 0.3"]);
        let out = run_measured(cmd, Duration::from_secs(30), |c| c.starts_with("sleep")).unwrap();
        assert!(
            out.peak_rss_kib.is_some_and(|k| k > 0),
            "{:?}",
            out.peak_rss_kib
        );
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 0.3"]);
        let out = run_measured(cmd, Duration::from_secs(30), |c| c.contains("java")).unwrap();
        assert_eq!(out.peak_rss_kib, None);
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
