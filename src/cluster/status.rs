//! What `status` reads from Kubernetes about one cluster: its JobManager
//! Deployment and pods, TaskManager pods, REST Service, HA setting and
//! Warning events — in parallel, one request each.

use super::client::ClusterTarget;
use super::errors::{ClusterResult as Result, api_failure};
use super::inventory;
use crate::flink::version::{FlinkVersion, ReleaseTraits};
use crate::render::configmaps::flink_config_map_name;
use crate::render::labels;
use crate::render::services::rest_service_name;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod, Service};
use kube::api::{Api, ListParams};
use serde::Serialize;

/// One pod as `status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    pub name: String,
    /// The container's waiting reason, else the pod's phase.
    pub state: String,
    pub ready: bool,
    pub restarts: i32,
    /// Why the container last ended (`OOMKilled`, `Error`), if it restarted.
    pub last_termination: Option<String>,
}

/// A Warning event about the cluster's objects.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub object: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
    /// RFC 3339, when known.
    pub last_seen: Option<String>,
}

/// The Kubernetes side of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesState {
    /// `session` or `application`.
    pub mode: String,
    pub image: Option<String>,
    pub jobmanagers_wanted: i32,
    pub jobmanagers: Vec<PodStatus>,
    pub taskmanagers: Vec<PodStatus>,
    /// The REST Service's name and type.
    pub rest_service: Option<(String, String)>,
    pub high_availability: bool,
    pub warnings: Vec<Warning>,
}

/// Read the cluster; `Ok(None)` when it has no Deployment.
pub async fn read(target: &ClusterTarget) -> Result<Option<KubernetesState>> {
    let (client, ns, id) = (
        &target.connection.client,
        &target.namespace,
        &target.cluster_id,
    );
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let services: Api<Service> = Api::namespaced(client.clone(), ns);
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    let cluster = ListParams::default().labels(&labels::selector::cluster(id));
    let warnings = ListParams::default().fields("type=Warning");
    let (rest_name, config_name) = (rest_service_name(id), flink_config_map_name(id));
    let (deployment, pod_list, service, configmap, event_list) = tokio::join!(
        deployments.get_opt(id),
        pods.list(&cluster),
        services.get_opt(&rest_name),
        configmaps.get_opt(&config_name),
        events.list(&warnings),
    );
    let Some(deployment) =
        deployment.map_err(|e| api_failure(&format!("get Deployment {id}"), ns, &e))?
    else {
        return Ok(None);
    };
    let pod_list = pod_list
        .map_err(|e| api_failure("list pods", ns, &e))?
        .items;
    let component = |pod: &Pod| {
        pod.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::COMPONENT))
            .cloned()
            .unwrap_or_default()
    };
    let pods_of = |wanted: &str| -> Vec<PodStatus> {
        pod_list
            .iter()
            .filter(|p| component(p) == wanted && p.metadata.deletion_timestamp.is_none())
            .map(pod_status)
            .collect()
    };
    let names: Vec<String> = pod_list
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .chain([id.clone()])
        .collect();
    Ok(Some(KubernetesState {
        mode: inventory::cluster_mode(&deployment).word().to_string(),
        image: inventory::main_container(&deployment).and_then(|c| c.image.clone()),
        jobmanagers_wanted: deployment
            .spec
            .as_ref()
            .and_then(|s| s.replicas)
            .unwrap_or(1),
        jobmanagers: pods_of(labels::JOBMANAGER),
        taskmanagers: pods_of(labels::TASKMANAGER),
        rest_service: service.ok().flatten().and_then(|s| {
            let kind = s.spec?.type_.unwrap_or_else(|| "ClusterIP".into());
            Some((s.metadata.name?, kind))
        }),
        high_availability: configmap
            .ok()
            .flatten()
            .is_some_and(|c| high_availability(&c, release_of(&deployment))),
        // Events are best effort: a user who may not list them still gets the rest.
        warnings: event_list
            .map(|list| warnings_about(&list.items, id, &names))
            .unwrap_or_default(),
    }))
}

fn pod_status(pod: &Pod) -> PodStatus {
    let status = pod.status.as_ref();
    let container = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|c| c.first());
    let waiting = container.and_then(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone());
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    PodStatus {
        name: pod.metadata.name.clone().unwrap_or_default(),
        state: waiting.unwrap_or(phase),
        ready: container.is_some_and(|c| c.ready),
        restarts: container.map_or(0, |c| c.restart_count),
        last_termination: container
            .and_then(|c| c.last_state.as_ref()?.terminated.as_ref()?.reason.clone()),
    }
}

/// What differs in the release the JobManager's image tag names, if it
/// names one kubectl-flink knows.
fn release_of(deployment: &Deployment) -> Option<&'static ReleaseTraits> {
    let image = inventory::main_container(deployment)?.image.as_deref()?;
    let release = crate::flink::release_choice::release_in_image(image)?;
    FlinkVersion::parse_reported(&release)?.traits().ok()
}

/// HA is on when the shipped configuration turns it on, as the cluster's
/// release reads it (a 1.16 JobManager ignores `high-availability.type`).
fn high_availability(configmap: &ConfigMap, release: Option<&ReleaseTraits>) -> bool {
    let Some(data) = configmap.data.as_ref() else {
        return false;
    };
    crate::flink::version::CONFIG_FILE_NAMES.iter().any(|name| {
        data.get(*name)
            .and_then(|text| crate::config::loader::parse_config_yaml(text, name).ok())
            .is_some_and(|conf| {
                let conf = match release {
                    Some(release) => release.reads(&conf),
                    None => conf,
                };
                crate::flink::spec::ha_enabled(&conf)
            })
    })
}

/// Warning events about the Deployment, its ReplicaSets and the pods.
fn warnings_about(events: &[Event], id: &str, names: &[String]) -> Vec<Warning> {
    let mut found: Vec<Warning> = events
        .iter()
        .filter(|e| {
            let name = e.involved_object.name.as_deref().unwrap_or_default();
            names.iter().any(|n| n == name) || name.starts_with(&format!("{id}-"))
        })
        .map(|e| Warning {
            object: format!(
                "{}/{}",
                e.involved_object
                    .kind
                    .as_deref()
                    .unwrap_or("object")
                    .to_lowercase(),
                e.involved_object.name.as_deref().unwrap_or_default()
            ),
            reason: e.reason.clone().unwrap_or_default(),
            message: crate::output::one_line(e.message.as_deref().unwrap_or_default()),
            count: e.count.unwrap_or(1),
            last_seen: e
                .last_timestamp
                .as_ref()
                .map(|t| t.0.to_string())
                .or_else(|| e.event_time.as_ref().map(|t| t.0.to_string())),
        })
        .collect();
    found.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
    found.truncate(10);
    found
}
