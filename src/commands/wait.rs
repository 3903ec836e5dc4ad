//! Waiting for a cluster — `--wait` of `session start`/`app run`, and
//! `session wait`/`app wait` for a cluster that already exists (after a
//! `--wait` that timed out, or a start without one).

use super::block_on;
use super::target::{self, ClusterTarget};
use crate::cli::GlobalArgs;
use crate::cli::session::ClusterWaitArgs;
use crate::cluster::wait::{self, JobOutcome, WaitEvent};
use crate::error::{Error, Result};
use crate::flink::spec::DeploymentMode;
use crate::output::{progress::ProgressLine, style};
use crate::rest::{FlinkRest, Transport};
use std::time::{Duration, Instant};

/// Wait until the JobManager's REST API answers and, for an application,
/// its job runs; progress goes to stderr.
pub async fn until_ready(
    target: &ClusterTarget,
    mode: DeploymentMode,
    rest: &FlinkRest,
    timeout: Duration,
) -> Result<()> {
    let started = Instant::now();
    let mut line = ProgressLine::new();
    wait::until_ready(target, mode, rest, timeout, |event| match event {
        WaitEvent::Progress(progress) => line.update(&format!(
            "Flink cluster {}: {}",
            target.cluster_id,
            progress.describe()
        )),
        WaitEvent::PodEvent(text) => {
            line.finish();
            style::print_warning(text);
        }
    })
    .await?;
    if mode == DeploymentMode::Application {
        line.update(&format!(
            "Flink cluster {}: waiting for the job to run",
            target.cluster_id
        ));
        let left = timeout.saturating_sub(started.elapsed());
        let outcome = wait::until_job_running(target, rest, left).await?;
        line.finish();
        if outcome == JobOutcome::Finished {
            style::print_note(
                "The job has already finished; the application cluster removes itself.",
            );
        }
    }
    Ok(())
}

/// Run `kubectl flink session wait` / `app wait`.
pub fn run(global: &GlobalArgs, args: ClusterWaitArgs, mode: DeploymentMode) -> Result<()> {
    let options = target::complete(global, &args.target)?;
    block_on(async {
        let target = target::connect(options).await?;
        let rest = FlinkRest::new(Transport::services_proxy(
            target.connection.rest_client.clone(),
            &target.namespace,
            &target.cluster_id,
        ));
        crate::cluster::inventory::require_cluster(&target).await?;
        until_ready(&target, mode, &rest, args.timeout).await?;
        let what = match mode {
            DeploymentMode::Session => "is ready",
            DeploymentMode::Application => "runs its job",
        };
        crate::output::write_stdout(&format!(
            "Flink cluster {} {what} in namespace {}.\n",
            target.cluster_id, target.namespace
        ))
        .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
    })
}
