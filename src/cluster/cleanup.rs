//! Removing everything a cluster left behind: the Deployment and all it
//! owns, TaskManager pods, and the HA ConfigMaps the JobManager created
//! without owner references (Flink keeps them on purpose so a redeploy with
//! the same id resumes its jobs — reference §6.2–6.3).

use super::errors::{api_failure, status_code};
use crate::error::Result;
use crate::render::labels::TYPE_VALUE;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use kube::api::{Api, DeleteParams, ListParams};
use std::time::{Duration, Instant};

/// What a cluster left in a namespace, as `kind/name`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Leftovers {
    pub deployment: Option<String>,
    /// Objects owned by the Deployment (Services, ConfigMaps, JobManager and
    /// TaskManager pods), removed with it.
    pub owned: Vec<String>,
    /// What nothing owns: HA ConfigMaps, and any pod or Service left from an
    /// earlier Deployment of the same id.
    pub unowned: Vec<String>,
    /// `high-availability.storageDir`, if the cluster's configuration says so:
    /// HA data outside Kubernetes that only the user can remove.
    pub ha_storage_dir: Option<String>,
}

impl Leftovers {
    /// Nothing of the cluster is left.
    pub fn is_empty(&self) -> bool {
        self.deployment.is_none() && self.owned.is_empty() && self.unowned.is_empty()
    }

    /// Every object, Deployment first.
    pub fn all(&self) -> Vec<String> {
        self.deployment
            .iter()
            .cloned()
            .chain(self.owned.iter().cloned())
            .chain(self.unowned.iter().cloned())
            .collect()
    }
}

/// Find what cluster `id` left in `namespace`.
pub async fn find(client: &kube::Client, namespace: &str, id: &str) -> Result<Leftovers> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let deployment = deployments
        .get_opt(id)
        .await
        .map_err(|e| api_failure(&format!("get Deployment {id}"), namespace, &e))?;
    let uid = deployment.as_ref().and_then(|d| d.metadata.uid.clone());
    let params = ListParams::default().labels(&format!("type={TYPE_VALUE},app={id}"));
    let services = Api::<Service>::namespaced(client.clone(), namespace);
    let configmaps = Api::<ConfigMap>::namespaced(client.clone(), namespace);
    let pods = Api::<Pod>::namespaced(client.clone(), namespace);
    let (services, configmaps, pods) = tokio::join!(
        services.list(&params),
        configmaps.list(&params),
        pods.list(&params)
    );
    let services = services.map_err(|e| api_failure("list Services", namespace, &e))?;
    let configmaps = configmaps.map_err(|e| api_failure("list ConfigMaps", namespace, &e))?;
    let pods = pods.map_err(|e| api_failure("list pods", namespace, &e))?;

    let mut leftovers = Leftovers {
        deployment: deployment.map(|_| format!("deployment/{id}")),
        ..Leftovers::default()
    };
    let owned_by_deployment =
        |refs: &Option<Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference>>| {
            uid.as_ref()
                .is_some_and(|uid| refs.iter().flatten().any(|r| &r.uid == uid))
        };
    for service in &services.items {
        let name = format!(
            "service/{}",
            service.metadata.name.clone().unwrap_or_default()
        );
        if owned_by_deployment(&service.metadata.owner_references) {
            leftovers.owned.push(name);
        } else {
            leftovers.unowned.push(name);
        }
    }
    for configmap in &configmaps.items {
        let name = configmap.metadata.name.clone().unwrap_or_default();
        if name == format!("flink-config-{id}") {
            leftovers.ha_storage_dir = configmap
                .data
                .as_ref()
                .and_then(|d| d.get("config.yaml"))
                .and_then(|text| crate::config::loader::parse_config_yaml(text, "config.yaml").ok())
                .and_then(|conf| conf.get_raw_string("high-availability.storageDir"));
        }
        let entry = format!("configmap/{name}");
        if owned_by_deployment(&configmap.metadata.owner_references) {
            leftovers.owned.push(entry);
        } else {
            leftovers.unowned.push(entry);
        }
    }
    for pod in pods
        .items
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
    {
        let name = format!("pod/{}", pod.metadata.name.clone().unwrap_or_default());
        let jobmanager = pod
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("component"))
            .map(String::as_str)
            == Some("jobmanager");
        if owned_by_deployment(&pod.metadata.owner_references) || jobmanager && uid.is_some() {
            leftovers.owned.push(name);
        } else {
            leftovers.unowned.push(name);
        }
    }
    Ok(leftovers)
}

/// Delete the leftovers: the Deployment in the foreground (waiting, up to
/// `timeout`, until what it owns is gone), then what nothing owns.
pub async fn remove(
    client: &kube::Client,
    namespace: &str,
    id: &str,
    leftovers: &Leftovers,
    timeout: Duration,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    if leftovers.deployment.is_some() {
        let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
        match deployments.delete(id, &DeleteParams::foreground()).await {
            Ok(_) => {}
            Err(e) if status_code(&e) == Some(404) => {}
            Err(e) => {
                return Err(api_failure(
                    &format!("delete Deployment {id}"),
                    namespace,
                    &e,
                ));
            }
        }
        let mut delay = Duration::from_millis(50);
        while deployments
            .get_opt(id)
            .await
            .map_err(|e| api_failure(&format!("get Deployment {id}"), namespace, &e))?
            .is_some()
        {
            if Instant::now() >= deadline {
                return Err(crate::error::Error::Failed(format!(
                    "Deployment {id} is still being deleted after {}s: check `kubectl get deployment {id} -n {namespace}`, then run cleanup again",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(500));
        }
    }
    for entry in &leftovers.unowned {
        let Some((kind, name)) = entry.split_once('/') else {
            continue;
        };
        let params = DeleteParams::background();
        let result = match kind {
            "configmap" => Api::<ConfigMap>::namespaced(client.clone(), namespace)
                .delete(name, &params)
                .await
                .map(drop),
            "service" => Api::<Service>::namespaced(client.clone(), namespace)
                .delete(name, &params)
                .await
                .map(drop),
            _ => Api::<Pod>::namespaced(client.clone(), namespace)
                .delete(name, &params)
                .await
                .map(drop),
        };
        match result {
            Ok(()) => {}
            Err(e) if status_code(&e) == Some(404) => {}
            Err(e) => return Err(api_failure(&format!("delete {kind} {name}"), namespace, &e)),
        }
    }
    Ok(())
}
