//! `kubectl flink status ID`: one cluster in detail — its pods, the Flink
//! release, each job with its last exception's root cause and its
//! checkpoints, the REST Service, HA, and recent Warning events.

use super::target::{self, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::status::StatusArgs;
use crate::cluster::client::ClusterTarget;
use crate::cluster::status::{self, KubernetesState};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::output::table::{Table, human_duration};
use crate::output::{Format, Output, Printable, printer};
use crate::rest::CheckpointHealth;
use colored::Colorize;
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// How often `--watch` looks again.
const WATCH_EVERY: Duration = Duration::from_secs(3);

/// `status`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusOptions {
    pub target: TargetOptions,
    pub watch: bool,
    pub format: Option<Format>,
}

/// One job as `status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStatus {
    pub id: String,
    pub name: String,
    pub state: String,
    /// Epoch milliseconds.
    pub start_time: i64,
    /// Milliseconds.
    pub duration: i64,
    /// Root cause of the job's last exception.
    pub last_exception: Option<String>,
    pub checkpoints: Option<CheckpointHealth>,
}

/// Everything `status` shows; its JSON shape is documented in the README.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterStatus {
    pub cluster_id: String,
    pub namespace: String,
    #[serde(flatten)]
    pub kubernetes: KubernetesState,
    /// The release Flink's REST API reports.
    pub flink_version: Option<String>,
    /// Why the REST API gave no answer (jobs then unknown).
    pub rest_error: Option<String>,
    pub jobs: Vec<JobStatus>,
    /// Epoch milliseconds this was read.
    #[serde(skip)]
    pub now: i64,
}

impl Printable for ClusterStatus {
    const FORMATS: &'static [Format] = &[Format::Json, Format::Yaml];

    fn text(&self, _wide: bool) -> String {
        let k = &self.kubernetes;
        let mut out = format!(
            "Flink {} cluster {} in namespace {}: Flink {}, HA {}{}\n",
            k.mode,
            self.cluster_id.bold(),
            self.namespace,
            self.flink_version.as_deref().unwrap_or("?"),
            if k.high_availability { "on" } else { "off" },
            k.image
                .as_ref()
                .map_or(String::new(), |i| format!(", image {i}"))
        );
        let ready = k.jobmanagers.iter().filter(|p| p.ready).count();
        out.push_str(&format!(
            "JobManager:   {ready}/{} ready",
            k.jobmanagers_wanted
        ));
        for pod in &k.jobmanagers {
            out.push_str(&format!("  {}", pod_line(pod)));
        }
        out.push('\n');
        let running = k
            .taskmanagers
            .iter()
            .filter(|p| p.state == "Running")
            .count();
        out.push_str(&format!(
            "TaskManagers: {} ({running} running)\n",
            k.taskmanagers.len()
        ));
        for pod in k
            .taskmanagers
            .iter()
            .filter(|p| p.state != "Running" || p.restarts > 0)
        {
            out.push_str(&format!("              {}\n", pod_line(pod)));
        }
        if let Some((name, kind)) = &k.rest_service {
            out.push_str(&format!(
                "REST:         service {name} ({kind}); `kubectl flink port-forward {} -n {}` for the web UI\n",
                self.cluster_id, self.namespace
            ));
        }
        match &self.rest_error {
            Some(why) => out.push_str(&format!("Jobs:         unknown: {}\n", why.yellow())),
            None if self.jobs.is_empty() => out.push_str("Jobs:         none\n"),
            None => {
                out.push_str("Jobs:\n");
                out.push_str(&indent(&self.jobs_table()));
                for job in &self.jobs {
                    if let Some(cause) = &job.last_exception {
                        out.push_str(&format!("  {} last exception: {}\n", job.id, cause.red()));
                    }
                    if let Some(failure) = job
                        .checkpoints
                        .as_ref()
                        .and_then(|c| c.last_failure.as_ref())
                    {
                        out.push_str(&format!("  {} last failed checkpoint: {failure}\n", job.id));
                    }
                }
            }
        }
        if !k.warnings.is_empty() {
            out.push_str("Warnings:\n");
            for w in &k.warnings {
                out.push_str(&format!(
                    "  {} {} (x{}): {}\n",
                    w.object,
                    w.reason.yellow(),
                    w.count,
                    w.message
                ));
            }
        }
        out
    }

    fn document(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl ClusterStatus {
    fn jobs_table(&self) -> String {
        let mut table = Table::new(&[
            "job id",
            "name",
            "state",
            "uptime",
            "checkpoints",
            "last checkpoint",
        ]);
        for job in &self.jobs {
            let checkpoints = job.checkpoints.as_ref();
            table.row(vec![
                job.id.clone(),
                job.name.clone(),
                state_word(&job.state),
                human_duration(job.duration / 1000),
                checkpoints.map_or("-".into(), |c| {
                    format!("{} ok, {} failed", c.completed, c.failed)
                }),
                checkpoints
                    .and_then(|c| {
                        let age = c
                            .last_completed_at
                            .map(|at| human_duration((self.now - at) / 1000));
                        match (&c.last_path, age) {
                            (Some(path), Some(age)) => Some(format!("{path} ({age} ago)")),
                            (None, Some(age)) => Some(format!("{age} ago")),
                            _ => None,
                        }
                    })
                    .unwrap_or_else(|| "<none>".into()),
            ]);
        }
        table.render()
    }
}

fn pod_line(pod: &status::PodStatus) -> String {
    let mut line = format!("{} ({}", pod.name, pod.state);
    if pod.restarts > 0 {
        line.push_str(&format!(", {} restarts", pod.restarts));
        if let Some(reason) = &pod.last_termination {
            line.push_str(&format!(", last ended {reason}"));
        }
    }
    line.push(')');
    line
}

fn state_word(state: &str) -> String {
    match state {
        "RUNNING" | "FINISHED" => state.green().to_string(),
        "FAILED" | "FAILING" => state.red().to_string(),
        "RESTARTING" | "CANCELLING" | "CANCELED" => state.yellow().to_string(),
        other => other.to_string(),
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

impl Verb for StatusOptions {
    type Args = StatusArgs;

    fn complete(global: &GlobalArgs, args: StatusArgs, env: &Environment) -> Result<Self> {
        Ok(StatusOptions {
            target: target::complete(global, &args.target, env)?,
            watch: args.watch,
            format: global.format(),
        })
    }

    fn validate(&self) -> Result<()> {
        printer::check::<ClusterStatus>("status", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
            loop {
                let report = read(&target).await?;
                if self.watch && output.out_terminal() && self.format.is_none() {
                    output.print("\x1b[2J\x1b[H")?;
                }
                output.show(&report, self.format)?;
                if !self.watch {
                    return Ok(());
                }
                tokio::select! {
                    _ = tokio::time::sleep(WATCH_EVERY) => {}
                    _ = tokio::signal::ctrl_c() => return Ok(()),
                }
                if !output.out_terminal() || self.format.is_some() {
                    output.print("---\n")?;
                }
            }
        })
    }
}

/// One reading of the cluster: Kubernetes, then Flink's REST API.
async fn read(target: &ClusterTarget) -> Result<ClusterStatus> {
    let kubernetes = status::read(target)
        .await?
        .ok_or_else(|| Error::from(crate::cluster::inventory::not_found(target)))?;
    let rest = target.rest();
    let mut report = ClusterStatus {
        cluster_id: target.cluster_id.clone(),
        namespace: target.namespace.clone(),
        kubernetes,
        flink_version: None,
        rest_error: None,
        jobs: Vec::new(),
        now: k8s_openapi::jiff::Timestamp::now().as_millisecond(),
    };
    // The release (`/config`, kept as the REST dialect) with the jobs, so
    // the job details below read the fields of the release it runs.
    let (dialect, jobs) = tokio::join!(rest.dialect(), rest.jobs_overview());
    match (dialect, jobs) {
        (Ok(dialect), Ok(jobs)) => {
            report.flink_version = dialect.release.map(|release| release.to_string());
            let details = jobs.iter().map(|job| async {
                let (exception, checkpoints) =
                    tokio::join!(rest.last_exception(&job.id), rest.checkpoints(&job.id));
                JobStatus {
                    id: job.id.clone(),
                    name: job.name.clone(),
                    state: job.state.as_str().to_string(),
                    start_time: job.start_time,
                    duration: job.duration,
                    last_exception: exception.ok().flatten(),
                    checkpoints: checkpoints.ok(),
                }
            });
            report.jobs = futures::future::join_all(details).await;
            report
                .jobs
                .sort_by_key(|job| std::cmp::Reverse(job.start_time));
        }
        (Err(e), _) | (_, Err(e)) => {
            report.rest_error = Some(crate::output::one_line(&e.to_string()));
        }
    }
    Ok(report)
}
