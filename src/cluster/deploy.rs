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

/// Create every object of `cluster` in `namespace`; Ctrl-C removes what was created.
pub async fn create(
    connection: &super::client::Connection,
    namespace: &str,
    cluster: &RenderedCluster,
) -> Result<CreatedCluster> {
    create_listening(connection, namespace, cluster, true).await
}

/// [`create`] for a caller that answers Ctrl-C itself once the whole cluster is created
/// (`upgrade`, whose previous cluster is gone by then: it must not be left with neither).
pub async fn create_ignoring_interrupts(
    connection: &super::client::Connection,
    namespace: &str,
    cluster: &RenderedCluster,
) -> Result<CreatedCluster> {
    create_listening(connection, namespace, cluster, false).await
}

async fn create_listening(
    connection: &super::client::Connection,
    namespace: &str,
    cluster: &RenderedCluster,
    interruptible: bool,
) -> Result<CreatedCluster> {
    let client = &connection.client;
    let suggest = &connection.suggest;
    let name = cluster.deployment.metadata.name.clone().unwrap_or_default();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    // One Ctrl-C listener for the whole creation: from the first request on, Ctrl-C must not
    // leave a Deployment without its objects (nor be lost between two steps).
    let mut interrupted: std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<()>>>> =
        if interruptible {
            Box::pin(tokio::signal::ctrl_c())
        } else {
            Box::pin(std::future::pending())
        };
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
        // No answer, or a server error: the API server may have created it all the same.
        Err(e) if uncertain(&e) => match created_after_all(connection, namespace, cluster).await {
            Found::Ours(created) => *created,
            Found::Absent => {
                return Err(api_failure(
                    &format!("create Deployment {name}"),
                    namespace,
                    &e,
                ));
            }
            Found::Other => {
                return Err(ClusterError::Failed(format!(
                    "creating Deployment {name} failed ({}) and a Flink cluster {name} already exists in namespace {namespace}: use it (`{}`) or remove it (`{}`)",
                    super::errors::reason(&e),
                    suggest.flink(&format!("get {name} -n {namespace}")),
                    suggest.flink(&format!("cleanup {name} -n {namespace}"))
                )));
            }
            Found::Unknown(why) => {
                return Err(ClusterError::Failed(format!(
                    "creating Deployment {name} failed ({}) and whether the API server created it all the same is unknown ({why}): check with `{}` and remove it with `{}`",
                    super::errors::reason(&e),
                    suggest.kubectl(&format!("get deployment {name} -n {namespace}")),
                    suggest.flink(&format!("cleanup {name} -n {namespace} --yes"))
                )));
            }
        },
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

/// Whether a failed request may have been carried out all the same: no answer at all (the
/// connection dropped after the request was sent), or a server error.
fn uncertain(error: &kube::Error) -> bool {
    status_code(error).is_none_or(|code| code >= 500)
}

/// What the API server holds after a Deployment create that got no clear answer.
enum Found {
    /// Our Deployment, without any of its objects yet: the create went through.
    Ours(Box<Deployment>),
    /// No such Deployment: nothing was created.
    Absent,
    /// A Deployment of that name that this create did not make (another cluster's, or one with
    /// its objects already).
    Other,
    /// The look failed too.
    Unknown(String),
}

/// After a create of `cluster`'s Deployment failed without a clear answer: whether the
/// Deployment is there, rendered as ours and without any of its owned objects yet — then it is
/// the one this create made, and creation carries on with it, so a reply lost on the way back
/// leaves neither a Deployment without its objects nor a cluster a second run refuses.
async fn created_after_all(
    connection: &super::client::Connection,
    namespace: &str,
    cluster: &RenderedCluster,
) -> Found {
    let client = &connection.client;
    let name = cluster
        .deployment
        .metadata
        .name
        .as_deref()
        .unwrap_or_default();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let found = match deployments.get_opt(name).await {
        Ok(Some(found)) => found,
        Ok(None) => return Found::Absent,
        Err(e) => return Found::Unknown(super::errors::reason(&e)),
    };
    if found.metadata.deletion_timestamp.is_some() || !same_cluster(&found, &cluster.deployment) {
        return Found::Other;
    }
    let looks = cluster.accompanying.iter().map(|object| async move {
        match object {
            Accompanying::Service(_) => Api::<Service>::namespaced(client.clone(), namespace)
                .get_opt(object.name())
                .await
                .map(|o| o.is_some()),
            Accompanying::ConfigMap(_) => Api::<ConfigMap>::namespaced(client.clone(), namespace)
                .get_opt(object.name())
                .await
                .map(|o| o.is_some()),
        }
    });
    for look in futures::future::join_all(looks).await {
        match look {
            Ok(false) => {}
            Ok(true) => return Found::Other,
            Err(e) => return Found::Unknown(super::errors::reason(&e)),
        }
    }
    Found::Ours(Box::new(found))
}

/// Whether a stored Deployment is the one rendered: the same labels and the same containers
/// (name, image, arguments); what the API server defaults is not compared.
fn same_cluster(stored: &Deployment, rendered: &Deployment) -> bool {
    let containers = |d: &Deployment| -> Vec<(String, Option<String>, Option<Vec<String>>)> {
        d.spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .map(|p| {
                p.containers
                    .iter()
                    .map(|c| (c.name.clone(), c.image.clone(), c.args.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    stored.metadata.labels == rendered.metadata.labels && containers(stored) == containers(rendered)
}

/// How long a Deployment create already sent may take to answer after Ctrl-C, so that what it
/// created can be removed again.
const INTERRUPTED_CREATE_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Delete the Deployment just created (and so all it owns); says what happened.
pub(crate) async fn rollback(client: &kube::Client, namespace: &str, name: &str) -> String {
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
