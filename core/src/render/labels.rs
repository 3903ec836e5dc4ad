//! The labels that tie a Flink cluster's objects together and let
//! kubectl-flink (and Flink itself) find them again.

use std::collections::BTreeMap;

/// `type` label value of every object of a native Flink cluster.
pub const TYPE_VALUE: &str = "flink-native-kubernetes";
/// The label keys Flink sets: `type`, `app` (the cluster id), `component`.
pub const TYPE: &str = "type";
pub const APP: &str = "app";
pub const COMPONENT: &str = "component";
/// `component` of the JobManager's pods and of the TaskManager pods.
pub const JOBMANAGER: &str = "jobmanager";
pub const TASKMANAGER: &str = "taskmanager";
/// Name of the REST port, on the JobManager container and the REST Service.
pub const REST_PORT_NAME: &str = "rest";

/// `type=flink-native-kubernetes, app=<id>`: on every object of the cluster.
pub fn common(cluster_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (TYPE.to_string(), TYPE_VALUE.to_string()),
        (APP.to_string(), cluster_id.to_string()),
    ])
}

/// Common labels plus `component=jobmanager`: selects the JobManager pods.
pub fn jobmanager_selector(cluster_id: &str) -> BTreeMap<String, String> {
    let mut labels = common(cluster_id);
    labels.insert(COMPONENT.to_string(), JOBMANAGER.to_string());
    labels
}

/// What the Deployment and the Services select the JobManager pods by: the
/// three labels above, and in releases that select by all of the pod's
/// labels (1.12) the user's JobManager labels under them.
pub fn jobmanager_pod_selector(spec: &crate::flink::spec::ClusterSpec) -> BTreeMap<String, String> {
    if spec.release.selectors_with_user_labels {
        merged_under(&spec.labels, jobmanager_selector(&spec.cluster_id))
    } else {
        jobmanager_selector(&spec.cluster_id)
    }
}

/// Label selectors as the API server (and `kubectl -l`) take them.
pub mod selector {
    use super::*;

    /// Every object of cluster `id`.
    pub fn cluster(id: &str) -> String {
        format!("{TYPE}={TYPE_VALUE},{APP}={id}")
    }

    /// The JobManager pods of cluster `id`.
    pub fn jobmanager(id: &str) -> String {
        format!("{APP}={id},{COMPONENT}={JOBMANAGER},{TYPE}={TYPE_VALUE}")
    }

    /// Objects of `component` (any with None) of every cluster, or only of
    /// the clusters in `only` when it is not empty.
    pub fn clusters(component: Option<&str>, only: &[String]) -> String {
        let mut selector = format!("{TYPE}={TYPE_VALUE}");
        if let Some(component) = component {
            selector.push_str(&format!(",{COMPONENT}={component}"));
        }
        if !only.is_empty() {
            selector.push_str(&format!(",{APP} in ({})", only.join(",")));
        }
        selector
    }

    /// Every object of cluster `id` that carries `key=value` as well.
    pub fn cluster_with(id: &str, (key, value): (&str, &str)) -> String {
        format!("{},{key}={value}", cluster(id))
    }
}

/// `base` with `extra` laid over it (later wins), as Flink's `addToLabels`.
pub fn merged(
    base: BTreeMap<String, String>,
    extra: &[(String, String)],
) -> BTreeMap<String, String> {
    let mut labels = base;
    labels.extend(extra.iter().cloned());
    labels
}

/// `extra` with `base` laid over it: Flink's own labels win over the user's.
pub fn merged_under(
    extra: &[(String, String)],
    base: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = extra.iter().cloned().collect();
    labels.extend(base);
    labels
}

/// `None` for an empty map, so empty annotations are left out as Flink does.
pub fn non_empty(map: BTreeMap<String, String>) -> Option<BTreeMap<String, String>> {
    (!map.is_empty()).then_some(map)
}

/// Like [`non_empty`], but an empty map is kept when the release writes
/// empty maps (1.17 writes `annotations: {}` and `nodeSelector: {}`).
pub fn non_empty_for(
    map: BTreeMap<String, String>,
    writes_empty_maps: bool,
) -> Option<BTreeMap<String, String>> {
    if writes_empty_maps {
        Some(map)
    } else {
        non_empty(map)
    }
}
