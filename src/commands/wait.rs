//! Waiting for a cluster — `--wait` of `session start`/`app run`, and
//! `session wait`/`app wait` for a cluster that already exists (after a
//! `--wait` that timed out, or a start without one).

use super::target::{self, ClusterTarget, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::session::ClusterWaitArgs;
use crate::cluster::changes::ObjectRef;
use crate::cluster::wait::{self, JobOutcome, WaitEvent};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::spec::DeploymentMode;
use crate::output::{Format, Output, Printable, printer, progress::ProgressLine};
use crate::rest::FlinkRest;
use k8s_openapi::api::apps::v1::Deployment;
use std::time::{Duration, Instant};

/// `session wait` / `app wait`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitOptions {
    pub target: TargetOptions,
    pub mode: DeploymentMode,
    pub timeout: Duration,
    pub format: Option<Format>,
}

/// A cluster that is ready, as `wait` reports it.
struct Ready<'a> {
    target: &'a ClusterTarget,
    mode: DeploymentMode,
}

impl Printable for Ready<'_> {
    const FORMATS: &'static [Format] = &[Format::Name];

    fn text(&self, _wide: bool) -> String {
        let what = match self.mode {
            DeploymentMode::Session => "is ready",
            DeploymentMode::Application => "runs its job",
        };
        format!(
            "Flink cluster {} {what} in namespace {}.\n",
            self.target.cluster_id, self.target.namespace
        )
    }

    fn names(&self) -> Vec<String> {
        vec![ObjectRef::of::<Deployment>(&self.target.cluster_id).to_string()]
    }
}

impl Verb for WaitOptions {
    type Args = (ClusterWaitArgs, DeploymentMode);

    fn complete(global: &GlobalArgs, (args, mode): Self::Args, env: &Environment) -> Result<Self> {
        Ok(WaitOptions {
            target: target::complete(global, &args.target, env)?,
            mode,
            timeout: args.timeout,
            format: global.format(),
        })
    }

    fn validate(&self) -> Result<()> {
        let verb = format!("{} wait", self.mode.command_group());
        printer::check::<Ready>(&verb, self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
            let rest = target.rest();
            crate::cluster::inventory::require_cluster(&target).await?;
            until_ready(&target, self.mode, &rest, self.timeout, output).await?;
            let ready = Ready {
                target: &target,
                mode: self.mode,
            };
            Ok(output.show(&ready, self.format)?)
        })
    }
}

/// Wait until the JobManager's REST API answers and, for an application,
/// its job runs; progress goes to stderr.
pub async fn until_ready(
    target: &ClusterTarget,
    mode: DeploymentMode,
    rest: &FlinkRest,
    timeout: Duration,
    output: &Output,
) -> Result<()> {
    let started = Instant::now();
    let mut line = ProgressLine::new(output);
    wait::until_ready(target, mode, rest, timeout, |event| match event {
        WaitEvent::Progress(progress) => line.update(&format!(
            "Flink cluster {}: {}",
            target.cluster_id,
            progress.describe()
        )),
        WaitEvent::PodEvent(text) => {
            line.finish();
            output.warn(text);
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
            output.note("The job has already finished; the application cluster removes itself.");
        }
    }
    Ok(())
}
