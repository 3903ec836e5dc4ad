//! `kubectl flink session stop` / `app stop`: graceful shutdown through
//! Flink's REST API, falling back to deleting the Deployment; waits until
//! everything is gone.

use super::target::{self, ClusterTarget, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::session::SessionStopArgs;
use crate::cluster::changes::Action;
use crate::cluster::stop::{self, StopReport, Stopped};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::spec::DeploymentMode;
use crate::output::changes::Changes;
use crate::output::{Format, Output, Printable, printer};

use std::time::Duration;

/// `session stop` / `app stop`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct StopOptions {
    pub target: TargetOptions,
    /// The group the user typed; either stops either kind, and the output
    /// names the real one.
    pub asked: DeploymentMode,
    pub grace: Duration,
    pub timeout: Duration,
    pub format: Option<Format>,
}

/// A stopped cluster, as `stop` reports it.
pub struct StoppedCluster<'a> {
    pub report: &'a StopReport,
    pub target: &'a ClusterTarget,
}

impl Printable for StoppedCluster<'_> {
    const FORMATS: &'static [Format] = &[Format::Name];

    fn text(&self, _wide: bool) -> String {
        format!(
            "Flink {} cluster {} stopped in namespace {}.\n",
            self.report.mode.word(),
            self.target.cluster_id,
            self.target.namespace
        )
    }

    fn names(&self) -> Vec<String> {
        Changes::all(&self.report.removed, Action::Deleted, false).names()
    }
}

impl Verb for StopOptions {
    type Args = (SessionStopArgs, DeploymentMode);

    fn complete(global: &GlobalArgs, (args, asked): Self::Args, env: &Environment) -> Result<Self> {
        Ok(StopOptions {
            target: target::complete(global, &args.target, env)?,
            asked,
            grace: args.grace_period,
            timeout: args.timeout,
            format: global.format(),
        })
    }

    fn validate(&self) -> Result<()> {
        let verb = format!("{} stop", self.asked.command_group());
        printer::check::<StoppedCluster>(&verb, self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
            stop_cluster(&target, self.grace, self.timeout, self.format, output).await
        })
    }
}

/// Stop `target` and report how; shared with the attached console's `stop`.
pub async fn stop_cluster(
    target: &ClusterTarget,
    grace: Duration,
    timeout: Duration,
    format: Option<Format>,
    output: &Output,
) -> Result<()> {
    let rest = target.rest();
    let report = stop::stop(target, &rest, grace, timeout).await?;
    match &report.how {
        Stopped::Graceful => {}
        Stopped::GracefulThenDeleted => output.note(
            "Flink shut down but left its Deployment; kubectl-flink deleted it (the JobManager's service account may lack `delete deployments`).",
        ),
        Stopped::Deleted { rest_error } => output.warn(&format!(
            "Flink's REST API did not take the shutdown ({rest_error}); deleted the Deployment instead, so jobs were not cancelled"
        )),
    }
    if !report.kept.is_empty() {
        output.note(&format!(
            "HA data is kept ({} ConfigMaps), so a cluster with the same id resumes its jobs; remove it with `{}`.",
            report.kept.len(),
            target.connection.suggest.flink(&format!(
                "cleanup {} -n {} --yes",
                target.cluster_id, target.namespace
            ))
        ));
    }
    Ok(output.show(
        &StoppedCluster {
            report: &report,
            target,
        },
        format,
    )?)
}
