//! Creating a rendered cluster: the JobManager Deployment first, then its
//! Services and ConfigMaps concurrently, owned by the Deployment — two
//! sequential round trips. If anything after the Deployment fails, the
//! Deployment is deleted (cascading), so nothing is left half-made.

use super::errors::{ClusterError, ClusterResult as Result};
use super::errors::{api_failure, status_code};
use crate::render::{Accompanying, RenderedCluster};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use kube::api::{Api, DeleteParams, PostParams};

/// What was created: the Services as stored (with their ClusterIP and node
/// ports), for telling the user how to reach the cluster.
#[derive(Debug, Clone)]
pub struct CreatedCluster {
    pub services: Vec<Service>,
}

/// Create every object of `cluster` in `namespace`.
pub async fn create(
    connection: &super::client::Connection,
    namespace: &str,
    cluster: &RenderedCluster,
) -> Result<CreatedCluster> {
    let client = &connection.client;
    let suggest = &connection.suggest;
    let name = cluster.deployment.metadata.name.clone().unwrap_or_default();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    // One Ctrl-C listener for the whole creation: from the first request on, Ctrl-C must not
    // leave a Deployment without its objects (nor be lost between two steps).
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let params = PostParams::default();
    let creating = deployments.create(&params, &cluster.deployment);
    tokio::pin!(creating);
    let first = tokio::select! {
        result = &mut creating => result,
        _ = &mut interrupted => {
            // The request may already be on the server: let it finish, then undo it.
            let outcome = match tokio::time::timeout(INTERRUPTED_CREATE_GRACE, creating).await {
                Ok(Ok(_)) => rollback(client, namespace, &name).await,
                Ok(Err(_)) => "nothing was created".to_string(),
                Err(_) => format!(
                    "the API server did not say whether Deployment {name} was created: check with `{}` and remove it with `{}`",
                    suggest.kubectl(&format!("get deployment {name} -n {namespace}")),
                    suggest.flink(&format!("cleanup {name} -n {namespace} --yes"))
                ),
            };
            return Err(ClusterError::Failed(format!(
                "interrupted while creating Flink cluster {name}; {outcome}"
            )));
        }
    };
    let created = match first {
        Ok(created) => created,
        Err(e) if status_code(&e) == Some(409) => {
            return Err(ClusterError::Failed(format!(
                "Flink cluster {name} already exists in namespace {namespace}: use it (`{}`), remove it (`{}`), or choose another cluster id",
                suggest.flink(&format!("get {name} -n {namespace}")),
                suggest.flink(&format!("cleanup {name} -n {namespace}"))
            )));
        }
        Err(e) => {
            return Err(api_failure(
                &format!("create Deployment {name}"),
                namespace,
                &e,
            ));
        }
    };
    let Some(uid) = created.metadata.uid.clone() else {
        let undo = rollback(client, namespace, &name).await;
        return Err(ClusterError::Failed(format!(
            "the API server returned Deployment {name} without a uid, so its objects cannot be owned by it; {undo}"
        )));
    };
    let owned = cluster.owned_by(&uid);
    let creating = futures::future::join_all(
        owned
            .iter()
            .map(|object| create_accompanying(client, namespace, object)),
    );
    let results = tokio::select! {
        results = creating => results,
        _ = &mut interrupted => {
            let undo = rollback(client, namespace, &name).await;
            return Err(ClusterError::Failed(format!("interrupted while creating Flink cluster {name}; {undo}")));
        }
    };
    let mut services = Vec::new();
    let mut failures = Vec::new();
    for (object, result) in owned.iter().zip(results) {
        match result {
            Ok(Some(service)) => services.push(service),
            Ok(None) => {}
            Err(e) => failures.push(format!("{} {}: {}", object.kind(), object.name(), e)),
        }
    }
    if failures.is_empty() {
        return Ok(CreatedCluster { services });
    }
    let undo = rollback(client, namespace, &name).await;
    Err(ClusterError::Failed(format!(
        "creating Flink cluster {name} failed ({}); {undo}",
        failures.join("; ")
    )))
}

/// How long a Deployment create already sent may take to answer after Ctrl-C, so that what it
/// created can be removed again.
const INTERRUPTED_CREATE_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Delete the Deployment just created (and so all it owns); says what happened.
async fn rollback(client: &kube::Client, namespace: &str, name: &str) -> String {
    match delete_deployment(client, namespace, name).await {
        Ok(()) => format!("removed the half-created cluster {name} again"),
        Err(e) => format!(
            "removing the half-created cluster failed too ({e}): delete it with `kubectl delete deployment {name} -n {namespace}`"
        ),
    }
}

/// Create one owned object; a Service comes back as the server stored it
/// (with its ClusterIP and node port), for printing how to reach it.
async fn create_accompanying(
    client: &kube::Client,
    namespace: &str,
    object: &Accompanying,
) -> std::result::Result<Option<Service>, String> {
    let params = PostParams::default();
    let result = match object {
        Accompanying::Service(service) => Api::<Service>::namespaced(client.clone(), namespace)
            .create(&params, service)
            .await
            .map(Some),
        Accompanying::ConfigMap(configmap) => {
            Api::<ConfigMap>::namespaced(client.clone(), namespace)
                .create(&params, configmap)
                .await
                .map(|_| None)
        }
    };
    result.map_err(|e| match status_code(&e) {
        Some(409) => format!(
            "an object of that name is left over from an earlier cluster; delete it with `kubectl delete {} {} -n {namespace}`",
            object.kind().to_lowercase(),
            object.name()
        ),
        _ => super::errors::reason(&e),
    })
}

/// Delete the JobManager Deployment; Kubernetes garbage-collects everything
/// it owns. A Deployment that is already gone counts as deleted.
pub async fn delete_deployment(client: &kube::Client, namespace: &str, name: &str) -> Result<()> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    match deployments.delete(name, &DeleteParams::background()).await {
        Ok(_) => Ok(()),
        Err(e) if status_code(&e) == Some(404) => Ok(()),
        Err(e) => Err(api_failure(
            &format!("delete Deployment {name}"),
            namespace,
            &e,
        )),
    }
}
