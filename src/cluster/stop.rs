//! Stopping a cluster gracefully: Flink's `DELETE /cluster` lets the
//! JobManager cancel jobs, clean its HA data and delete its own Deployment.
//! When the REST API cannot be reached, or the JobManager does not remove
//! its Deployment in time, the Deployment is deleted instead. Either way
//! this waits until the Deployment and everything it owns are gone.

use super::deploy::delete_deployment;
use super::errors::{api_failure, status_code};
use crate::error::{Error, Result};
use crate::rest::FlinkRest;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use kube::api::{Api, ListParams};
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

/// How long Flink gets to answer `DELETE /cluster`.
const SHUTDOWN_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Stop cluster `id`; `grace` is how long the JobManager gets to remove its
/// own Deployment, `timeout` bounds the whole stop.
pub async fn stop(
    client: &kube::Client,
    namespace: &str,
    id: &str,
    rest: &FlinkRest,
    grace: Duration,
    timeout: Duration,
) -> Result<Stopped> {
    let deadline = Instant::now() + timeout;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let deployment = match deployments.get(id).await {
        Ok(d) => d,
        Err(e) if status_code(&e) == Some(404) => {
            return Err(Error::Failed(format!(
                "Flink cluster {id} not found in namespace {namespace}: list clusters with `kubectl flink get`"
            )));
        }
        Err(e) => return Err(api_failure(&format!("get Deployment {id}"), namespace, &e)),
    };
    let uid = deployment.metadata.uid.clone().unwrap_or_default();
    let shutdown = tokio::time::timeout(SHUTDOWN_REQUEST_TIMEOUT, rest.shutdown_cluster()).await;
    let outcome = match shutdown {
        Ok(Ok(())) => {
            let grace_deadline = Instant::now() + grace;
            if wait_gone(&deployments, namespace, id, grace_deadline.min(deadline)).await? {
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
    if !wait_gone(&deployments, namespace, id, deadline).await? {
        return Err(timeout_error(id, namespace, timeout));
    }
    wait_owned_gone(client, namespace, id, &uid, deadline)
        .await?
        .then_some(outcome)
        .ok_or_else(|| timeout_error(id, namespace, timeout))
}

fn timeout_error(id: &str, namespace: &str, timeout: Duration) -> Error {
    Error::Failed(format!(
        "Flink cluster {id} is not gone after {}s: see `kubectl get all -l app={id} -n {namespace}`, or wait longer with --timeout",
        timeout.as_secs()
    ))
}

/// Poll until the Deployment is gone; false when `deadline` passed first.
async fn wait_gone(
    deployments: &Api<Deployment>,
    namespace: &str,
    id: &str,
    deadline: Instant,
) -> Result<bool> {
    let mut delay = Duration::from_millis(50);
    loop {
        match deployments.get_opt(id).await {
            Ok(None) => return Ok(true),
            Ok(Some(_)) => {}
            Err(e) => {
                return Err(api_failure(&format!("get Deployment {id}"), namespace, &e));
            }
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

/// Poll until nothing owned by the Deployment `uid` is left.
async fn wait_owned_gone(
    client: &kube::Client,
    namespace: &str,
    id: &str,
    uid: &str,
    deadline: Instant,
) -> Result<bool> {
    let params = ListParams::default().labels(&format!("app={id}"));
    let owned_by = |refs: &Option<
        Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference>,
    >| { refs.iter().flatten().any(|r| r.uid == uid) };
    let services_api = Api::<Service>::namespaced(client.clone(), namespace);
    let configmaps_api = Api::<ConfigMap>::namespaced(client.clone(), namespace);
    let pods_api = Api::<Pod>::namespaced(client.clone(), namespace);
    let mut delay = Duration::from_millis(50);
    loop {
        let (services, configmaps, pods) = tokio::join!(
            services_api.list(&params),
            configmaps_api.list(&params),
            pods_api.list(&params)
        );
        let left = services
            .map_err(|e| api_failure("list Services", namespace, &e))?
            .items
            .iter()
            .filter(|s| owned_by(&s.metadata.owner_references))
            .count()
            + configmaps
                .map_err(|e| api_failure("list ConfigMaps", namespace, &e))?
                .items
                .iter()
                .filter(|c| owned_by(&c.metadata.owner_references))
                .count()
            + pods
                .map_err(|e| api_failure("list pods", namespace, &e))?
                .items
                .iter()
                .filter(|p| p.metadata.deletion_timestamp.is_none())
                .count();
        if left == 0 {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}
