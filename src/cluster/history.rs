//! A cluster's history, kept by kubectl-flink in a ConfigMap of its own
//! (`kubectl-flink-history-<id>`): each suspend (with the savepoints taken
//! and the cluster's objects, so `resume` can recreate it) and each resume.
//! It carries no Flink labels and no owner, so stopping or cleaning up the
//! cluster leaves it; nothing outside the namespace, no CRD.

use super::client::ClusterTarget;
use super::errors::{ClusterError, ClusterResult as Result, api_failure};
use crate::render::configmaps::{
    flink_config_map_name, hadoop_config_map_name, pod_template_config_map_name,
};
use crate::render::{Accompanying, RenderedCluster};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The history kept per cluster, newest last, at most this many entries.
const KEPT: usize = 20;
const DATA_KEY: &str = "history.json";

/// The ConfigMap holding cluster `id`'s history.
pub fn config_map_name(id: &str) -> String {
    format!("kubectl-flink-history-{id}")
}

/// A savepoint a suspend took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Savepoint {
    pub job_id: String,
    pub job_name: String,
    pub path: String,
}

/// The objects of a cluster, as they were (what Flink's client created).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Objects {
    pub deployment: Option<Deployment>,
    pub services: Vec<Service>,
    pub configmaps: Vec<ConfigMap>,
}

/// One event of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// RFC 3339.
    pub time: String,
    /// `suspend` or `resume`.
    pub action: String,
    pub mode: String,
    pub image: Option<String>,
    pub savepoints: Vec<Savepoint>,
    /// With a suspend: what `resume` recreates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<Objects>,
}

/// The recorded history of cluster `target`, oldest first.
pub async fn read(target: &ClusterTarget) -> Result<Vec<Entry>> {
    let api: Api<ConfigMap> = Api::namespaced(target.connection.client.clone(), &target.namespace);
    let name = config_map_name(&target.cluster_id);
    let found = api
        .get_opt(&name)
        .await
        .map_err(|e| api_failure(&format!("get ConfigMap {name}"), &target.namespace, &e))?;
    let Some(text) = found.and_then(|c| c.data?.get(DATA_KEY).cloned()) else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&text).map_err(|e| {
        ClusterError::Failed(format!(
            "the history in ConfigMap {name} cannot be read ({e}): fix or delete it"
        ))
    })
}

/// Append `entry` (server-side apply of the whole history). A write whose answer was lost
/// but which the API server carried out counts as done: the history is read again to see.
pub async fn append(target: &ClusterTarget, entry: Entry) -> Result<()> {
    let written = async {
        let mut entries = read(target).await?;
        entries.push(entry.clone());
        let skip = entries.len().saturating_sub(KEPT);
        write(target, &entries[skip..]).await
    };
    match written.await {
        Ok(()) => Ok(()),
        Err(e) => match read(target).await {
            Ok(entries) if entries.iter().any(|e| e.is(&entry)) => Ok(()),
            _ => Err(e),
        },
    }
}

/// Take `entry` out of the history again (a suspend or resume that did not happen after all);
/// the ConfigMap goes when nothing else is recorded in it.
pub async fn remove(target: &ClusterTarget, entry: &Entry) -> Result<()> {
    let entries: Vec<Entry> = read(target)
        .await?
        .into_iter()
        .filter(|e| !e.is(entry))
        .collect();
    if !entries.is_empty() {
        return write(target, &entries).await;
    }
    let name = config_map_name(&target.cluster_id);
    let api: Api<ConfigMap> = Api::namespaced(target.connection.client.clone(), &target.namespace);
    match api.delete(&name, &DeleteParams::default()).await {
        Ok(_) => Ok(()),
        Err(e) if super::errors::status_code(&e) == Some(404) => Ok(()),
        Err(e) => Err(api_failure(
            &format!("delete ConfigMap {name}"),
            &target.namespace,
            &e,
        )),
    }
}

impl Entry {
    /// The same event: its time (to the nanosecond) and action.
    fn is(&self, other: &Entry) -> bool {
        self.time == other.time && self.action == other.action
    }
}

/// Store `entries` as the whole history.
async fn write(target: &ClusterTarget, entries: &[Entry]) -> Result<()> {
    let name = config_map_name(&target.cluster_id);
    let text = serde_json::to_string(entries)
        .map_err(|e| ClusterError::Failed(format!("cannot write the history: {e}")))?;
    let configmap = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            labels: Some(BTreeMap::from([
                (
                    "app.kubernetes.io/managed-by".to_string(),
                    "kubectl-flink".to_string(),
                ),
                (
                    "kubectl-flink/cluster".to_string(),
                    target.cluster_id.clone(),
                ),
            ])),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([(DATA_KEY.to_string(), text)])),
        ..ConfigMap::default()
    };
    let api: Api<ConfigMap> = Api::namespaced(target.connection.client.clone(), &target.namespace);
    api.patch(
        &name,
        &PatchParams::apply(crate::cluster::apply::FIELD_MANAGER).force(),
        &Patch::Apply(&configmap),
    )
    .await
    .map_err(|e| api_failure(&format!("apply ConfigMap {name}"), &target.namespace, &e))?;
    Ok(())
}

/// What `resume` needs to recreate the cluster: its objects as created
/// (`deployment` as already read), without what the API server assigned.
pub async fn snapshot(target: &ClusterTarget, deployment: &Deployment) -> Result<Objects> {
    let (client, ns, id) = (
        &target.connection.client,
        &target.namespace,
        &target.cluster_id,
    );
    let services: Api<Service> = Api::namespaced(client.clone(), ns);
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let selector = ListParams::default().labels(&crate::render::labels::selector::cluster(id));
    let mut recorded = Objects {
        deployment: Some(Deployment {
            metadata: bare(&deployment.metadata),
            status: None,
            ..deployment.clone()
        }),
        ..Objects::default()
    };
    for mut service in services
        .list(&selector)
        .await
        .map_err(|e| api_failure("list Services", ns, &e))?
        .items
    {
        service.metadata = bare(&service.metadata);
        service.status = None;
        if let Some(spec) = service.spec.as_mut() {
            spec.cluster_ip = None;
            spec.cluster_ips = None;
        }
        recorded.services.push(service);
    }
    for name in [
        flink_config_map_name(id),
        pod_template_config_map_name(id),
        hadoop_config_map_name(id),
    ] {
        if let Some(mut configmap) = configmaps
            .get_opt(&name)
            .await
            .map_err(|e| api_failure(&format!("get ConfigMap {name}"), ns, &e))?
        {
            configmap.metadata = bare(&configmap.metadata);
            recorded.configmaps.push(configmap);
        }
    }
    Ok(recorded)
}

/// Name, labels and annotations: what a client writes.
fn bare(metadata: &ObjectMeta) -> ObjectMeta {
    ObjectMeta {
        name: metadata.name.clone(),
        labels: metadata.labels.clone(),
        annotations: metadata.annotations.clone(),
        ..ObjectMeta::default()
    }
}

impl Objects {
    /// The objects as a cluster to create, the Flink configuration restoring
    /// from `savepoint` when given; None without a Deployment.
    pub fn to_cluster(&self, savepoint: Option<&str>) -> Option<Result<RenderedCluster>> {
        let deployment = self.deployment.clone()?;
        let mut accompanying: Vec<Accompanying> = self
            .services
            .iter()
            .cloned()
            .map(|s| Accompanying::Service(Box::new(s)))
            .collect();
        for configmap in &self.configmaps {
            let mut configmap = configmap.clone();
            if let (Some(path), Some(data)) = (savepoint, configmap.data.as_mut()) {
                for (key, text) in data.iter_mut() {
                    if crate::flink::version::CONFIG_FILE_NAMES.contains(&key.as_str()) {
                        match with_savepoint(key, text, path) {
                            Ok(updated) => *text = updated,
                            Err(e) => return Some(Err(ClusterError::Failed(e))),
                        }
                    }
                }
            }
            accompanying.push(Accompanying::ConfigMap(Box::new(configmap)));
        }
        Some(Ok(RenderedCluster {
            deployment,
            accompanying,
        }))
    }
}

/// The configuration file `file` (`config.yaml` or `flink-conf.yaml`)
/// restoring from `path`: any earlier restore path dropped, whichever key
/// (or nesting) set it, and `execution.savepoint.path` set — the key every
/// release reads (2.x as the deprecated name of `execution.state-recovery.path`).
pub fn with_savepoint(file: &str, text: &str, path: &str) -> std::result::Result<String, String> {
    crate::render::config_file::with_option(
        file,
        text,
        &["execution.state-recovery.path"],
        "execution.savepoint.path",
        path,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_savepoint_replaces_any_earlier_restore_path_in_either_file() {
        use crate::config::loader::{parse_config_yaml, parse_legacy_flink_conf};
        let text = "execution:\n  target: kubernetes-application\n  state-recovery:\n    path: s3://old\nexecution.savepoint.path: s3://older\n";
        let updated = with_savepoint("config.yaml", text, "s3://sp/savepoint-1").unwrap();
        let conf = parse_config_yaml(&updated, "config.yaml").unwrap();
        assert_eq!(conf.get_raw_string("execution.state-recovery.path"), None);
        assert_eq!(
            conf.get_raw_string("execution.savepoint.path").as_deref(),
            Some("s3://sp/savepoint-1")
        );
        assert_eq!(
            conf.get_raw_string("execution.target").as_deref(),
            Some("kubernetes-application")
        );
        let legacy =
            "execution.target: kubernetes-application\nexecution.savepoint.path: s3://old\n";
        let updated = with_savepoint("flink-conf.yaml", legacy, "s3://sp/2").unwrap();
        let conf = parse_legacy_flink_conf(&updated);
        assert_eq!(
            conf.get_raw_string("execution.savepoint.path").as_deref(),
            Some("s3://sp/2")
        );
        assert!(with_savepoint("config.yaml", "a: [", "s3://x").is_err());
    }
}
