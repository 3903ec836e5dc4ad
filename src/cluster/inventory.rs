//! Finding Flink clusters by their labels and summarising their state, for
//! `kubectl flink get` — three list calls and one REST probe per cluster,
//! all concurrent.

use super::errors::{ClusterError, ClusterResult as Result};
use super::errors::{api_failure, api_failure_cluster_wide};
use crate::flink::spec::DeploymentMode;
use crate::render::labels;
use crate::render::services::cluster_of_rest_service;
use crate::rest::{FlinkRest, Transport};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// One Flink cluster as `get` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSummary {
    pub name: String,
    pub namespace: String,
    /// `session` or `application`.
    pub mode: String,
    pub jobmanagers_ready: i32,
    pub jobmanagers_wanted: i32,
    pub taskmanagers: usize,
    /// Running jobs per Flink's REST API; None when it did not answer.
    pub running_jobs: Option<u32>,
    pub flink_version: Option<String>,
    /// Why the running jobs are unknown, when the REST API did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rest_error: Option<String>,
    /// The REST Service's type (ClusterIP, NodePort, LoadBalancer).
    pub rest_service_type: Option<String>,
    pub image: Option<String>,
    pub created: Option<String>,
    #[serde(skip)]
    pub age_seconds: Option<i64>,
}

/// What Flink names its container in the pods it makes: one name since 1.13
/// (pod templates need it), before that one per component.
pub const FLINK_CONTAINER_NAMES: &[&str] = &[
    crate::render::pod::MAIN_CONTAINER_NAME,
    "flink-job-manager",
    "flink-task-manager",
];

/// The JobManager's Flink container in the Deployment's pod template.
pub fn main_container(deployment: &Deployment) -> Option<&k8s_openapi::api::core::v1::Container> {
    deployment
        .spec
        .as_ref()?
        .template
        .spec
        .as_ref()?
        .containers
        .iter()
        .find(|c| FLINK_CONTAINER_NAMES.contains(&c.name.as_str()))
}

/// The name of a pod's Flink container (whose log is Flink's), as the
/// pod's release named it; a pod that shows none: today's name.
pub fn flink_container_name(pod: &k8s_openapi::api::core::v1::Pod) -> String {
    pod.spec
        .iter()
        .flat_map(|spec| &spec.containers)
        .map(|c| c.name.as_str())
        .find(|name| FLINK_CONTAINER_NAMES.contains(name))
        .unwrap_or(crate::render::pod::MAIN_CONTAINER_NAME)
        .to_string()
}

/// The cluster's mode as Flink wrote it into the JobManager's entrypoint
/// arguments (`kubernetes-jobmanager.sh kubernetes-application|session`; in
/// 1.12 the whole `java` command line with the entrypoint's class).
pub fn cluster_mode(deployment: &Deployment) -> DeploymentMode {
    let application = main_container(deployment)
        .and_then(|c| c.args.as_ref())
        .is_some_and(|args| {
            args.iter().any(|a| {
                a.contains("kubernetes-application")
                    || a.contains("KubernetesApplicationClusterEntrypoint")
            })
        });
    if application {
        DeploymentMode::Application
    } else {
        DeploymentMode::Session
    }
}

/// The cluster's JobManager Deployment; a cluster that is not there is an
/// error naming where it was looked for and how to list the others.
pub async fn require_cluster(target: &super::client::ClusterTarget) -> Result<Deployment> {
    let deployments: Api<Deployment> =
        Api::namespaced(target.connection.client.clone(), &target.namespace);
    match deployments.get_opt(&target.cluster_id).await {
        Ok(Some(deployment)) => Ok(deployment),
        Ok(None) => Err(not_found(target)),
        Err(e) => Err(api_failure(
            &format!("get Deployment {}", target.cluster_id),
            &target.namespace,
            &e,
        )),
    }
}

/// "Flink cluster x not found in namespace y", with the command listing
/// the clusters there.
pub fn not_found(target: &super::client::ClusterTarget) -> ClusterError {
    ClusterError::Failed(format!(
        "Flink cluster {} not found in namespace {}: list clusters with `{}`",
        target.cluster_id,
        target.namespace,
        target
            .connection
            .suggest
            .flink(&format!("get -n {}", target.namespace))
    ))
}

/// At most this many clusters get a REST probe: past it, `get` stays at
/// three list requests however many clusters there are (name clusters to
/// see their jobs).
pub const MAX_REST_PROBES: usize = 50;

/// How long `get` waits for each cluster's REST API before showing "?".
pub const REST_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// List the Flink clusters in `namespace` (all namespaces when None),
/// only those named in `only` when it is not empty; `rest_client` probes
/// Flink's REST API (see [`super::client::Connection::rest_client`]).
pub async fn list_clusters(
    client: &kube::Client,
    rest_client: &kube::Client,
    namespace: Option<&str>,
    only: &[String],
) -> Result<Vec<ClusterSummary>> {
    let (deployments, pods, services) = list_objects(client, namespace, only).await?;
    let taskmanagers = count_taskmanagers(&pods);
    let rest_types = rest_service_types(&services);
    let now = k8s_openapi::jiff::Timestamp::now();
    let mut summaries: Vec<ClusterSummary> = deployments
        .iter()
        .filter_map(|d| {
            let key = (d.metadata.namespace.clone()?, d.metadata.name.clone()?);
            Some(summarize(
                d,
                taskmanagers.get(&key).copied().unwrap_or(0),
                rest_types.get(&key).cloned(),
                now,
            ))
        })
        .collect();
    summaries.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    probe_rest(&mut summaries, rest_client).await;
    Ok(summaries)
}

/// The clusters in `namespace` and their modes, from one list call (for
/// completion).
pub async fn list_cluster_names(
    client: &kube::Client,
    namespace: &str,
) -> Result<Vec<(String, &'static str)>> {
    let params =
        ListParams::default().labels(&labels::selector::clusters(Some(labels::JOBMANAGER), &[]));
    let list = Api::<Deployment>::namespaced(client.clone(), namespace)
        .list(&params)
        .await
        .map_err(|e| api_failure("list Deployments", namespace, &e))?;
    Ok(list
        .items
        .iter()
        .filter_map(|d| Some((d.metadata.name.clone()?, cluster_mode(d).word())))
        .collect())
}

/// A cluster's namespace and id.
type ClusterKey = (String, String);

/// The JobManager Deployments, TaskManager pods and Services of the
/// clusters: three list calls, however many clusters there are.
async fn list_objects(
    client: &kube::Client,
    namespace: Option<&str>,
    only: &[String],
) -> Result<(Vec<Deployment>, Vec<Pod>, Vec<Service>)> {
    let select =
        |component| ListParams::default().labels(&labels::selector::clusters(component, only));
    let failure = |what: &str, e: &kube::Error| match namespace {
        Some(ns) => api_failure(what, ns, e),
        None => api_failure_cluster_wide(what, e),
    };
    let (jobmanagers, taskmanagers, every) = (
        select(Some(labels::JOBMANAGER)),
        select(Some(labels::TASKMANAGER)),
        select(None),
    );
    let (deployments, pods, services) = (
        super::scoped_api::<Deployment>(client, namespace),
        super::scoped_api::<Pod>(client, namespace),
        super::scoped_api::<Service>(client, namespace),
    );
    let (deployments, pods, services) = tokio::join!(
        deployments.list(&jobmanagers),
        pods.list(&taskmanagers),
        services.list(&every),
    );
    Ok((
        deployments
            .map_err(|e| failure("list Deployments", &e))?
            .items,
        pods.map_err(|e| failure("list pods", &e))?.items,
        services.map_err(|e| failure("list Services", &e))?.items,
    ))
}

/// TaskManager pods per cluster (those not failed or being deleted).
fn count_taskmanagers(pods: &[Pod]) -> BTreeMap<ClusterKey, usize> {
    let mut counts = BTreeMap::new();
    for pod in pods {
        let running = pod.metadata.deletion_timestamp.is_none()
            && pod.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Failed");
        if let (Some(ns), Some(app), true) = (
            &pod.metadata.namespace,
            label(&pod.metadata.labels, labels::APP),
            running,
        ) {
            *counts.entry((ns.clone(), app)).or_default() += 1;
        }
    }
    counts
}

/// The type of each cluster's REST Service (ClusterIP when unset).
fn rest_service_types(services: &[Service]) -> BTreeMap<ClusterKey, String> {
    services
        .iter()
        .filter_map(|s| {
            let id = cluster_of_rest_service(s.metadata.name.as_deref()?)?;
            Some((
                (s.metadata.namespace.clone()?, id.to_string()),
                s.spec
                    .as_ref()?
                    .type_
                    .clone()
                    .unwrap_or_else(|| "ClusterIP".into()),
            ))
        })
        .collect()
}

/// One cluster's row, from its JobManager Deployment (REST fields not yet probed).
fn summarize(
    deployment: &Deployment,
    taskmanagers: usize,
    rest_service_type: Option<String>,
    now: k8s_openapi::jiff::Timestamp,
) -> ClusterSummary {
    let metadata = &deployment.metadata;
    let created = metadata.creation_timestamp.as_ref();
    ClusterSummary {
        name: metadata.name.clone().unwrap_or_default(),
        namespace: metadata.namespace.clone().unwrap_or_default(),
        mode: cluster_mode(deployment).word().to_string(),
        jobmanagers_ready: deployment
            .status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0),
        jobmanagers_wanted: deployment
            .spec
            .as_ref()
            .and_then(|s| s.replicas)
            .unwrap_or(1),
        taskmanagers,
        running_jobs: None,
        // The release the image's tag names, until the JobManager says (REST).
        flink_version: main_container(deployment)
            .and_then(|c| c.image.as_deref())
            .and_then(crate::flink::release_choice::release_in_image),
        rest_error: None,
        rest_service_type,
        image: main_container(deployment).and_then(|c| c.image.clone()),
        created: created.map(|t| t.0.to_string()),
        age_seconds: created.map(|t| now.as_second() - t.0.as_second()),
    }
}

/// Ask each cluster's REST API (concurrently, each within
/// [`REST_PROBE_TIMEOUT`]) for its running jobs and Flink version; past
/// [`MAX_REST_PROBES`] clusters none is asked, and each row says why.
async fn probe_rest(summaries: &mut [ClusterSummary], rest_client: &kube::Client) {
    if summaries.len() > MAX_REST_PROBES {
        let why = format!(
            "not asked: {} clusters are listed, more than {MAX_REST_PROBES}; name the clusters to see their jobs",
            summaries.len()
        );
        for summary in summaries.iter_mut() {
            summary.rest_error = Some(why.clone());
        }
        return;
    }
    let probes = summaries.iter().map(|s| {
        let rest = FlinkRest::new(Transport::services_proxy_only(
            rest_client.clone(),
            &s.namespace,
            &s.name,
        ));
        let ready = s.jobmanagers_ready > 0;
        async move {
            if !ready {
                return Err("no JobManager is ready".to_string());
            }
            // One request: the overview names the release too (the same
            // `EnvironmentInformation` version that `/config` reports).
            match tokio::time::timeout(REST_PROBE_TIMEOUT, rest.overview()).await {
                Ok(Ok(overview)) => Ok(overview),
                Ok(Err(e)) => Err(crate::output::one_line(&e.to_string())),
                Err(_) => Err(format!(
                    "Flink's REST API gave no answer within {}s",
                    REST_PROBE_TIMEOUT.as_secs()
                )),
            }
        }
    });
    let overviews = futures::future::join_all(probes).await;
    for (summary, overview) in summaries.iter_mut().zip(overviews) {
        match overview {
            Ok(overview) => {
                summary.running_jobs = Some(overview.jobs_running);
                summary.flink_version = Some(overview.flink_version);
            }
            Err(reason) => summary.rest_error = Some(reason),
        }
    }
}

fn label(labels: &Option<BTreeMap<String, String>>, key: &str) -> Option<String> {
    labels.as_ref().and_then(|l| l.get(key)).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    fn pod(containers: &[&str]) -> Pod {
        let containers: Vec<_> = containers
            .iter()
            .map(|name| json!({"name": name, "image": "apache/flink:1.12.5-scala_2.11"}))
            .collect();
        serde_json::from_value(json!({"spec": {"containers": containers}})).unwrap()
    }

    #[test]
    fn the_flink_container_is_found_by_each_releases_name() {
        assert_eq!(
            flink_container_name(&pod(&["sidecar", "flink-main-container"])),
            "flink-main-container"
        );
        assert_eq!(
            flink_container_name(&pod(&["flink-task-manager"])),
            "flink-task-manager"
        );
        assert_eq!(
            flink_container_name(&pod(&["sidecar"])),
            "flink-main-container"
        );
    }

    #[test]
    fn a_1_12_application_cluster_is_told_by_its_entrypoint_class() {
        let deployment: Deployment = serde_json::from_value(json!({"spec": {
            "selector": {},
            "template": {"spec": {"containers": [{
                "name": "flink-job-manager",
                "args": ["native-k8s", "$JAVA_HOME/bin/java -classpath $FLINK_CLASSPATH org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint"],
            }]}},
        }}))
        .unwrap();
        assert!(main_container(&deployment).is_some());
        assert_eq!(cluster_mode(&deployment), DeploymentMode::Application);
    }

    /// The mode and image off the Deployments each release's own client
    /// created (`tests/golden`).
    #[test]
    fn the_mode_and_image_are_read_off_every_releases_recorded_deployment() {
        for release in ["1.12.5", "1.13.6", "1.15.4", "2.3.0"] {
            for (case, mode) in [
                ("session-default", DeploymentMode::Session),
                ("application-default", DeploymentMode::Application),
            ] {
                let path = format!(
                    "{}/tests/golden/flink-{release}/{case}/Deployment-{case}.yaml",
                    env!("CARGO_MANIFEST_DIR")
                );
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
                let deployment: Deployment =
                    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
                assert_eq!(cluster_mode(&deployment), mode, "{release} {case}");
                assert!(
                    main_container(&deployment).is_some_and(|c| c.image.is_some()),
                    "{release} {case}"
                );
            }
        }
    }
}
