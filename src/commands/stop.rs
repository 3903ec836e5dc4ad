//! `kubectl flink session stop`: graceful shutdown through Flink's REST API,
//! falling back to deleting the Deployment; waits until everything is gone.

use super::block_on;
use super::target::{self, ClusterTarget};
use crate::cli::GlobalArgs;
use crate::cli::session::SessionStopArgs;
use crate::cluster::stop::{self, Stopped};
use crate::error::Result;
use crate::output::style;
use crate::rest::{FlinkRest, Transport};
use std::time::Duration;

/// Run `kubectl flink session stop`.
pub fn run(global: &GlobalArgs, args: SessionStopArgs) -> Result<()> {
    let options = target::complete(global, &args.target)?;
    block_on(async {
        let target = target::connect(options).await?;
        stop_cluster(&target, args.grace_period, args.timeout).await
    })
}

/// Stop `target` and report how; shared with the attached console's `stop`.
pub async fn stop_cluster(
    target: &ClusterTarget,
    grace: Duration,
    timeout: Duration,
) -> Result<()> {
    let client = &target.connection.client;
    let rest = FlinkRest::new(Transport::services_proxy(
        target.connection.rest_client.clone(),
        &target.namespace,
        &target.cluster_id,
    ));
    let outcome = stop::stop(
        client,
        &target.namespace,
        &target.cluster_id,
        &rest,
        grace,
        timeout,
    )
    .await?;
    match outcome {
        Stopped::Graceful => {}
        Stopped::GracefulThenDeleted => style::print_note(
            "Flink shut down but left its Deployment; kubectl-flink deleted it (the JobManager's service account may lack `delete deployments`).",
        ),
        Stopped::Deleted { rest_error } => style::print_warning(&format!(
            "Flink's REST API did not take the shutdown ({rest_error}); deleted the Deployment instead, so jobs were not cancelled and HA data (if any) is kept"
        )),
    }
    crate::output::write_stdout(&format!(
        "Flink cluster {} stopped in namespace {}.\n",
        target.cluster_id, target.namespace
    ))
    .map_err(|e| crate::error::Error::Failed(format!("cannot write to stdout: {e}")))
}
