//! Finding and removing what a cluster consists of or left behind: the
//! Deployment and all it owns, TaskManager pods, objects that lost their
//! owner (applied from a `--dry-run`, or left by an earlier Deployment of the
//! same id), and the HA ConfigMaps the JobManager created without owner
//! references (Flink keeps them on purpose so a redeploy with the same id
//! resumes its jobs — reference §6.2–6.3). Objects are found by the
//! cluster's labels and by the names Flink gives them.

use super::changes::ObjectRef;
use super::errors::{ClusterError, ClusterResult as Result};
use super::errors::{api_failure, status_code};
use crate::config::options::HA_STORAGE_DIR;
use crate::render::configmaps::{
    flink_config_map_name, hadoop_config_map_name, pod_template_config_map_name,
};
use crate::render::labels;
use crate::render::services::rest_service_name;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DeleteParams, ListParams};
use std::time::{Duration, Instant};

/// The label Flink puts on its HA ConfigMaps.
const HA_CONFIGMAP_TYPE: (&str, &str) = ("configmap-type", "high-availability");

/// What a cluster has in a namespace.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Leftovers {
    pub deployment: Option<ObjectRef>,
    /// Objects owned by the Deployment (Services, ConfigMaps, JobManager and
    /// TaskManager pods), removed with it.
    pub owned: Vec<ObjectRef>,
    /// Objects of the cluster that nothing owns (applied from a dry run, or
    /// left from an earlier Deployment of the same id).
    pub unowned: Vec<ObjectRef>,
    /// HA ConfigMaps, which Flink keeps on purpose.
    pub high_availability: Vec<ObjectRef>,
    /// `high-availability.storageDir`, if the cluster's configuration says so:
    /// HA data outside Kubernetes that only the user can remove.
    pub ha_storage_dir: Option<String>,
}

impl Leftovers {
    /// Nothing of the cluster is left.
    pub fn is_empty(&self) -> bool {
        self.all().is_empty()
    }

    /// Every object, Deployment first.
    pub fn all(&self) -> Vec<ObjectRef> {
        self.deployment
            .iter()
            .chain(&self.owned)
            .chain(&self.unowned)
            .chain(&self.high_availability)
            .cloned()
            .collect()
    }
}

/// Once the Deployment is gone: remove what nothing owns, HA ConfigMaps
/// included, so that the next cluster of the same id starts from a
/// savepoint, not from HA data (`suspend`, `upgrade`).
pub async fn remove_unowned_and_ha(client: &kube::Client, namespace: &str, id: &str) -> Result<()> {
    let leftovers = find(client, namespace, id).await?;
    let left: Vec<ObjectRef> = leftovers
        .unowned
        .into_iter()
        .chain(leftovers.high_availability)
        .collect();
    remove_objects(client, namespace, &left).await
}

/// Find what cluster `id` has in `namespace`: by its labels, and by the
/// names Flink gives its objects (in case labels were edited away).
pub async fn find(client: &kube::Client, namespace: &str, id: &str) -> Result<Leftovers> {
    find_with_deployment(client, namespace, id)
        .await
        .map(|(_, leftovers)| leftovers)
}

/// [`find`], also returning the Deployment itself (for its uid and mode),
/// so callers need no second request for it.
pub async fn find_with_deployment(
    client: &kube::Client,
    namespace: &str,
    id: &str,
) -> Result<(Option<Deployment>, Leftovers)> {
    let found = fetch(client, namespace, id).await?;
    let leftovers = sort(id, &found);
    Ok((found.deployment, leftovers))
}

/// A cluster's objects as the API server returned them.
#[derive(Debug, Default)]
struct Found {
    deployment: Option<Deployment>,
    services: Vec<Service>,
    configmaps: Vec<ConfigMap>,
    pods: Vec<Pod>,
}

/// Everything of cluster `id`: by its labels, then the objects Flink names
/// after it that the label search missed.
async fn fetch(client: &kube::Client, namespace: &str, id: &str) -> Result<Found> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let services = Api::<Service>::namespaced(client.clone(), namespace);
    let configmaps = Api::<ConfigMap>::namespaced(client.clone(), namespace);
    let pods = Api::<Pod>::namespaced(client.clone(), namespace);
    let params = ListParams::default().labels(&labels::selector::cluster(id));
    let (deployment, service_list, configmap_list, pod_list) = tokio::join!(
        deployments.get_opt(id),
        services.list(&params),
        configmaps.list(&params),
        pods.list(&params)
    );
    let failure = |what: String| move |e: kube::Error| api_failure(&what, namespace, &e);
    let mut found = Found {
        deployment: deployment.map_err(failure(format!("get Deployment {id}")))?,
        services: service_list.map_err(failure("list Services".into()))?.items,
        configmaps: configmap_list
            .map_err(failure("list ConfigMaps".into()))?
            .items,
        pods: pod_list.map_err(failure("list pods".into()))?.items,
    };
    let service_names = [id.to_string(), rest_service_name(id)];
    let configmap_names = [
        flink_config_map_name(id),
        pod_template_config_map_name(id),
        hadoop_config_map_name(id),
    ];
    let (by_name_services, by_name_configmaps) = tokio::join!(
        get_missing(&services, &found.services, &service_names),
        get_missing(&configmaps, &found.configmaps, &configmap_names)
    );
    found
        .services
        .extend(by_name_services.map_err(failure("get Service".into()))?);
    found
        .configmaps
        .extend(by_name_configmaps.map_err(failure("get ConfigMap".into()))?);
    Ok(found)
}

/// What of `found` goes with the Deployment, what nothing owns, and what
/// Flink keeps on purpose (HA ConfigMaps).
fn sort(id: &str, found: &Found) -> Leftovers {
    let uid = found
        .deployment
        .as_ref()
        .and_then(|d| d.metadata.uid.clone());
    let owned = |meta: &ObjectMeta| {
        uid.as_ref().is_some_and(|uid| {
            meta.owner_references
                .iter()
                .flatten()
                .any(|r| &r.uid == uid)
        })
    };
    let mut leftovers = Leftovers {
        deployment: found
            .deployment
            .as_ref()
            .map(|_| ObjectRef::of::<Deployment>(id)),
        ..Leftovers::default()
    };
    for service in &found.services {
        let object = ObjectRef::of::<Service>(&name(&service.metadata));
        if owned(&service.metadata) {
            leftovers.owned.push(object);
        } else {
            leftovers.unowned.push(object);
        }
    }
    for configmap in &found.configmaps {
        let name = name(&configmap.metadata);
        if name == flink_config_map_name(id) {
            leftovers.ha_storage_dir = ha_storage_dir(configmap);
        }
        let object = ObjectRef::of::<ConfigMap>(&name);
        let high_availability = configmap
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(HA_CONFIGMAP_TYPE.0))
            .is_some_and(|v| v == HA_CONFIGMAP_TYPE.1);
        if owned(&configmap.metadata) {
            leftovers.owned.push(object);
        } else if high_availability {
            leftovers.high_availability.push(object);
        } else {
            leftovers.unowned.push(object);
        }
    }
    for pod in found
        .pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
    {
        let object = ObjectRef::of::<Pod>(&name(&pod.metadata));
        let jobmanager = pod
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::COMPONENT))
            .map(String::as_str)
            == Some(labels::JOBMANAGER);
        // JobManager pods belong to the Deployment through its ReplicaSet.
        if owned(&pod.metadata) || jobmanager && uid.is_some() {
            leftovers.owned.push(object);
        } else {
            leftovers.unowned.push(object);
        }
    }
    leftovers
}

/// `high-availability.storageDir` from the configuration a cluster's
/// ConfigMap ships.
fn ha_storage_dir(configmap: &ConfigMap) -> Option<String> {
    let data = configmap.data.as_ref()?;
    crate::flink::version::CONFIG_FILE_NAMES
        .iter()
        .find_map(|key| {
            let text = data.get(*key)?;
            crate::config::loader::parse_config_yaml(text, key)
                .ok()?
                .get_raw_string(HA_STORAGE_DIR.key)
        })
}

/// What clusters whose Deployment is gone left: HA ConfigMaps and
/// TaskManager pods, per namespace (`None`: every namespace).
pub async fn find_orphans(
    client: &kube::Client,
    namespace: Option<&str>,
) -> Result<std::collections::BTreeMap<String, Vec<ObjectRef>>> {
    let every = ListParams::default().labels(&labels::selector::clusters(None, &[]));
    let jobmanagers =
        ListParams::default().labels(&labels::selector::clusters(Some(labels::JOBMANAGER), &[]));
    let failure = |what: &str| {
        let what = what.to_string();
        move |e: kube::Error| match namespace {
            Some(ns) => api_failure(&what, ns, &e),
            None => super::errors::api_failure_cluster_wide(&what, &e),
        }
    };
    let (deployments, configmaps, pods) = (
        super::scoped_api::<Deployment>(client, namespace),
        super::scoped_api::<ConfigMap>(client, namespace),
        super::scoped_api::<Pod>(client, namespace),
    );
    let (deployments, configmaps, pods) = tokio::join!(
        deployments.list_metadata(&jobmanagers),
        configmaps.list_metadata(&every),
        pods.list_metadata(&every),
    );
    let alive: std::collections::BTreeSet<(String, String)> = deployments
        .map_err(failure("list Deployments"))?
        .items
        .into_iter()
        .filter_map(|d| Some((d.metadata.namespace?, d.metadata.name?)))
        .collect();
    let label =
        |meta: &ObjectMeta, key: &str| meta.labels.as_ref().and_then(|l| l.get(key)).cloned();
    let orphaned = |meta: &ObjectMeta| -> Option<(String, String)> {
        let key = (meta.namespace.clone()?, label(meta, labels::APP)?);
        (!alive.contains(&key)).then(|| (key.0, name(meta)))
    };
    let mut found: std::collections::BTreeMap<String, Vec<ObjectRef>> = Default::default();
    for configmap in configmaps.map_err(failure("list ConfigMaps"))?.items {
        let high_availability =
            label(&configmap.metadata, HA_CONFIGMAP_TYPE.0).as_deref() == Some(HA_CONFIGMAP_TYPE.1);
        if let (true, Some((ns, name))) = (high_availability, orphaned(&configmap.metadata)) {
            found
                .entry(ns)
                .or_default()
                .push(ObjectRef::of::<ConfigMap>(&name));
        }
    }
    for pod in pods.map_err(failure("list pods"))?.items {
        let taskmanager =
            label(&pod.metadata, labels::COMPONENT).as_deref() == Some(labels::TASKMANAGER);
        if let (true, Some((ns, name))) = (taskmanager, orphaned(&pod.metadata)) {
            found
                .entry(ns)
                .or_default()
                .push(ObjectRef::of::<Pod>(&name));
        }
    }
    Ok(found)
}

/// The HA ConfigMaps an earlier cluster of the same id left (best effort:
/// none when they cannot be listed). A new cluster with HA recovers the
/// old jobs from them.
pub async fn earlier_ha_config_maps(client: &kube::Client, namespace: &str, id: &str) -> usize {
    let params =
        ListParams::default().labels(&labels::selector::cluster_with(id, HA_CONFIGMAP_TYPE));
    Api::<ConfigMap>::namespaced(client.clone(), namespace)
        .list(&params)
        .await
        .map(|list| list.items.len())
        .unwrap_or(0)
}

fn name(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

/// The objects named `names` that a label search did not return (their
/// labels were removed): fetched one by one, missing ones skipped. An object
/// whose `type` label says it belongs to something else is left out.
async fn get_missing<K>(
    api: &Api<K>,
    found: &[K],
    names: &[String],
) -> std::result::Result<Vec<K>, kube::Error>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !found.iter().any(|k| k.meta().name.as_ref() == Some(*n)))
        .collect();
    let fetched = futures::future::join_all(missing.iter().map(|n| api.get_opt(n))).await;
    let mut objects = Vec::new();
    for object in fetched {
        if let Some(object) = object? {
            let foreign = object
                .meta()
                .labels
                .as_ref()
                .and_then(|l| l.get(labels::TYPE))
                .is_some_and(|t| t != labels::TYPE_VALUE);
            if !foreign {
                objects.push(object);
            }
        }
    }
    Ok(objects)
}

/// Delete the Deployment in the foreground (waiting, up to `timeout`, until
/// what it owns is gone).
pub async fn remove_deployment(
    client: &kube::Client,
    namespace: &str,
    id: &str,
    timeout: Duration,
) -> Result<()> {
    if delete_deployment(client, namespace, id).await? {
        await_deployment_gone(client, namespace, id, timeout).await?;
    }
    Ok(())
}

/// Ask for the Deployment's deletion in the foreground; true when it is being deleted, false
/// when it was gone already. A request that got no clear answer (a reply lost, a server error)
/// is checked: a Deployment gone or being deleted counts as deleted.
pub async fn delete_deployment(client: &kube::Client, namespace: &str, id: &str) -> Result<bool> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let error = match deployments.delete(id, &DeleteParams::foreground()).await {
        Ok(_) => return Ok(true),
        Err(e) if status_code(&e) == Some(404) => return Ok(false),
        Err(e) => e,
    };
    if status_code(&error).is_none_or(|code| code >= 500) {
        match deployments.get_opt(id).await {
            Ok(None) => return Ok(true),
            Ok(Some(d)) if d.metadata.deletion_timestamp.is_some() => return Ok(true),
            _ => {}
        }
    }
    Err(api_failure(
        &format!("delete Deployment {id}"),
        namespace,
        &error,
    ))
}

/// Wait, up to `timeout`, until the Deployment is gone (with what it owns, when deleted in the
/// foreground).
pub async fn await_deployment_gone(
    client: &kube::Client,
    namespace: &str,
    id: &str,
    timeout: Duration,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let gone = super::wait::poll_until(deadline, || async {
        deployments
            .get_opt(id)
            .await
            .map(|d| d.is_none())
            .map_err(|e| api_failure(&format!("get Deployment {id}"), namespace, &e))
    })
    .await?;
    if !gone {
        return Err(ClusterError::Failed(format!(
            "Deployment {id} is still being deleted after {}s: check `kubectl get deployment {id} -n {namespace}`, then run cleanup again",
            timeout.as_secs()
        )));
    }
    Ok(())
}

/// Delete `objects` (Services, ConfigMaps, pods); ones already gone are fine.
pub async fn remove_objects(
    client: &kube::Client,
    namespace: &str,
    objects: &[ObjectRef],
) -> Result<()> {
    let params = DeleteParams::background();
    for object in objects {
        let name = object.name.as_str();
        let result = if object.is::<ConfigMap>() {
            Api::<ConfigMap>::namespaced(client.clone(), namespace)
                .delete(name, &params)
                .await
                .map(drop)
        } else if object.is::<Service>() {
            Api::<Service>::namespaced(client.clone(), namespace)
                .delete(name, &params)
                .await
                .map(drop)
        } else if object.is::<Pod>() {
            Api::<Pod>::namespaced(client.clone(), namespace)
                .delete(name, &params)
                .await
                .map(drop)
        } else {
            continue;
        };
        match result {
            Ok(()) => {}
            Err(e) if status_code(&e) == Some(404) => {}
            Err(e) => return Err(api_failure(&format!("delete {object}"), namespace, &e)),
        }
    }
    Ok(())
}
