//! Stopping a cluster gracefully: Flink's `DELETE /cluster` lets the
//! JobManager cancel jobs, clean its HA data and delete its own Deployment.
//! When the REST API cannot be reached, or the JobManager does not remove
//! its Deployment in time, the Deployment is deleted instead. Either way
//! this waits until the Deployment and everything it owns are gone, then
//! removes the cluster's objects that nothing owned (applied from a dry run).

use super::changes::ObjectRef;
use super::cleanup::{self, Leftovers};
use super::client::ClusterTarget;
use super::deploy::delete_deployment;
use super::errors::api_failure;
use super::errors::{ClusterError, ClusterResult as Result};
use super::inventory;
use super::wait::poll_until;
use crate::flink::spec::DeploymentMode;
use crate::rest::FlinkRest;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::Api;
use std::time::{Duration, Instant};

/// How the cluster was stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Stopped {
    /// Flink shut itself down and removed its Deployment.
    Graceful,
    /// Flink shut down, but its Deployment was still there after the grace
    /// period (e.g. its service account may not delete Deployments).
    GracefulThenDeleted,
    /// The REST API did not answer; the Deployment was deleted (HA data kept).
    Deleted { rest_error: String },
}

/// What a stop did.
#[derive(Debug, Clone, PartialEq)]
pub struct StopReport {
    pub how: Stopped,
    /// The cluster's mode, as Flink wrote it.
    pub mode: DeploymentMode,
    /// Every object of the cluster that is gone now, Deployment first.
    pub removed: Vec<ObjectRef>,
    /// HA ConfigMaps left in place (only when Flink did not shut down itself).
    pub kept: Vec<ObjectRef>,
}

/// How long Flink gets to answer `DELETE /cluster`.
const SHUTDOWN_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Stop `target`; `grace` is how long the JobManager gets to remove its
/// own Deployment, `timeout` bounds the whole stop.
pub async fn stop(
    target: &ClusterTarget,
    rest: &FlinkRest,
    grace: Duration,
    timeout: Duration,
) -> Result<StopReport> {
    let deadline = Instant::now() + timeout;
    let client = &target.connection.client;
    let (namespace, id) = (target.namespace.as_str(), target.cluster_id.as_str());
    let (deployment, leftovers) = cleanup::find_with_deployment(client, namespace, id).await?;
    let Some(deployment) = deployment else {
        return Err(inventory::not_found(target));
    };
    let mode = inventory::cluster_mode(&deployment);
    let uid = deployment.metadata.uid.clone().unwrap_or_default();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let deployment_gone = || async {
        deployments
            .get_opt(id)
            .await
            .map(|d| d.is_none_or(|d| d.metadata.uid.as_deref() != Some(uid.as_str())))
            .map_err(|e| api_failure(&format!("get Deployment {id}"), namespace, &e))
    };
    let shutdown = tokio::time::timeout(SHUTDOWN_REQUEST_TIMEOUT, rest.shutdown_cluster()).await;
    let how = match shutdown {
        Ok(Ok(())) => {
            if poll_until((Instant::now() + grace).min(deadline), deployment_gone).await? {
                Stopped::Graceful
            } else {
                delete_deployment(client, namespace, id).await?;
                Stopped::GracefulThenDeleted
            }
        }
        Ok(Err(e)) => {
            delete_deployment(client, namespace, id).await?;
            Stopped::Deleted {
                rest_error: e.to_string(),
            }
        }
        Err(_) => {
            delete_deployment(client, namespace, id).await?;
            Stopped::Deleted {
                rest_error: format!("no answer within {}s", SHUTDOWN_REQUEST_TIMEOUT.as_secs()),
            }
        }
    };
    if !poll_until(deadline, deployment_gone).await? {
        return Err(timeout_error(target, timeout));
    }
    let owned_gone = || async {
        let now = cleanup::find(client, namespace, id).await?.all();
        Ok(leftovers.owned.iter().all(|o| !now.contains(o)))
    };
    if !poll_until(deadline, owned_gone).await? {
        return Err(timeout_error(target, timeout));
    }
    cleanup::remove_objects(client, namespace, &leftovers.unowned).await?;
    let graceful = !matches!(how, Stopped::Deleted { .. });
    Ok(report(how, mode, leftovers, graceful))
}

fn report(how: Stopped, mode: DeploymentMode, leftovers: Leftovers, graceful: bool) -> StopReport {
    let mut removed: Vec<ObjectRef> = leftovers
        .deployment
        .into_iter()
        .chain(leftovers.owned)
        .chain(leftovers.unowned)
        .collect();
    let kept = if graceful {
        // Flink removes its HA data when it shuts down itself.
        removed.extend(leftovers.high_availability);
        Vec::new()
    } else {
        leftovers.high_availability
    };
    StopReport {
        how,
        mode,
        removed,
        kept,
    }
}

fn timeout_error(target: &ClusterTarget, timeout: Duration) -> ClusterError {
    let (id, namespace) = (&target.cluster_id, &target.namespace);
    ClusterError::Failed(format!(
        "Flink cluster {id} is not gone after {}s: see `{}`, or wait longer with --timeout",
        timeout.as_secs(),
        target.connection.suggest.kubectl(&format!(
            "get all -l {} -n {namespace}",
            crate::render::labels::selector::cluster(id)
        ))
    ))
}
