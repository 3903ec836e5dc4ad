//! The labels that tie a Flink cluster's objects together and let
//! kubectl-flink (and Flink itself) find them again.

use std::collections::BTreeMap;

/// `type` label value of every object of a native Flink cluster.
pub const TYPE_VALUE: &str = "flink-native-kubernetes";

/// `type=flink-native-kubernetes, app=<id>`: on every object of the cluster.
pub fn common(cluster_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("type".to_string(), TYPE_VALUE.to_string()),
        ("app".to_string(), cluster_id.to_string()),
    ])
}

/// Common labels plus `component=jobmanager`: selects the JobManager pods.
pub fn jobmanager_selector(cluster_id: &str) -> BTreeMap<String, String> {
    let mut labels = common(cluster_id);
    labels.insert("component".to_string(), "jobmanager".to_string());
    labels
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
