//! `kubectl flink session stop` / `app stop`: graceful shutdown through
//! Flink's REST API, falling back to deleting the Deployment; waits until
//! everything is gone.

use super::block_on;
use super::target::{self, ClusterTarget};
use crate::cli::session::SessionStopArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::changes::{Action, Change};
use crate::cluster::stop::{self, Stopped};
use crate::error::{Error, Result};
use crate::flink::spec::DeploymentMode;
use crate::output::{changes, style};
use crate::rest::{FlinkRest, Transport};
use std::time::Duration;

/// Run `kubectl flink session stop` or `app stop` (`asked` is the group the
/// user typed; either stops either kind, and the output names the real one).
pub fn run(global: &GlobalArgs, args: SessionStopArgs, asked: DeploymentMode) -> Result<()> {
    let verb = match asked {
        DeploymentMode::Session => "session stop",
        DeploymentMode::Application => "app stop",
    };
    changes::check_format(verb, global.output).map_err(Error::Usage)?;
    let options = target::complete(global, &args.target)?;
    block_on(async {
        let target = target::connect(options).await?;
        stop_cluster(&target, args.grace_period, args.timeout, global.output).await
    })
}

/// Stop `target` and report how; shared with the attached console's `stop`.
pub async fn stop_cluster(
    target: &ClusterTarget,
    grace: Duration,
    timeout: Duration,
    output: Option<OutputFormat>,
) -> Result<()> {
    let rest = FlinkRest::new(Transport::services_proxy(
        target.connection.rest_client.clone(),
        &target.namespace,
        &target.cluster_id,
    ));
    let report = stop::stop(target, &rest, grace, timeout).await?;
    match &report.how {
        Stopped::Graceful => {}
        Stopped::GracefulThenDeleted => style::print_note(
            "Flink shut down but left its Deployment; kubectl-flink deleted it (the JobManager's service account may lack `delete deployments`).",
        ),
        Stopped::Deleted { rest_error } => style::print_warning(&format!(
            "Flink's REST API did not take the shutdown ({rest_error}); deleted the Deployment instead, so jobs were not cancelled"
        )),
    }
    if !report.kept.is_empty() {
        style::print_note(&format!(
            "HA data is kept ({} ConfigMaps), so a cluster with the same id resumes its jobs; remove it with `{}`.",
            report.kept.len(),
            target.connection.suggest.flink(&format!(
                "cleanup {} -n {} --yes",
                target.cluster_id, target.namespace
            ))
        ));
    }
    let text = match output {
        Some(OutputFormat::Name) => {
            let removed: Vec<Change> = report
                .removed
                .iter()
                .map(|object| Change {
                    object: object.clone(),
                    action: Action::Deleted,
                })
                .collect();
            changes::render(&removed, output, false)
        }
        _ => format!(
            "Flink {} cluster {} stopped in namespace {}.\n",
            crate::commands::deploy::mode_word(report.mode),
            target.cluster_id,
            target.namespace
        ),
    };
    crate::output::write_stdout(&text)
        .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}
