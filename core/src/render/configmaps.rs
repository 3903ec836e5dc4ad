//! ConfigMaps that travel with a cluster: the Flink configuration, the
//! TaskManager pod template and the local Hadoop configuration.

use super::{config_file, labels, pod};
use crate::flink::spec::{ClusterSpec, HadoopConf};
use crate::flink::version::FLINK_CONF_YAML;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// `flink-config-<id>`, which the JobManager and TaskManagers mount.
pub fn flink_config_map_name(cluster_id: &str) -> String {
    format!("flink-config-{cluster_id}")
}

/// `pod-template-<id>`, the TaskManager template for the JobManager.
pub fn pod_template_config_map_name(cluster_id: &str) -> String {
    format!("pod-template-{cluster_id}")
}

/// `hadoop-config-<id>`, the local Hadoop configuration shipped along.
pub fn hadoop_config_map_name(cluster_id: &str) -> String {
    format!("hadoop-config-{cluster_id}")
}

fn config_map(spec: &ClusterSpec, name: String, data: BTreeMap<String, String>) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name),
            labels: Some(labels::common(&spec.cluster_id)),
            ..ObjectMeta::default()
        },
        data: Some(data),
        ..ConfigMap::default()
    }
}

/// `flink-config-<id>`: the config file and every logging file of the conf dir.
pub fn flink_config(spec: &ClusterSpec) -> Result<ConfigMap, String> {
    let mut data: BTreeMap<String, String> = spec.log_files.iter().cloned().collect();
    let text = if spec.config_file_name == FLINK_CONF_YAML {
        config_file::render_flink_conf(&spec.shipped_config)
    } else {
        config_file::render_config_yaml(&spec.shipped_config)?
    };
    data.insert(spec.config_file_name.to_string(), text);
    Ok(config_map(
        spec,
        flink_config_map_name(&spec.cluster_id),
        data,
    ))
}

/// `pod-template-<id>`, when a TaskManager pod template is configured.
pub fn pod_template(spec: &ClusterSpec) -> Option<ConfigMap> {
    let template = spec.taskmanager_pod_template.as_ref()?;
    Some(config_map(
        spec,
        pod_template_config_map_name(&spec.cluster_id),
        BTreeMap::from([(pod::TASKMANAGER_TEMPLATE_FILE.to_string(), template.clone())]),
    ))
}

/// `hadoop-config-<id>`, when a local Hadoop conf dir was found.
pub fn hadoop_config(spec: &ClusterSpec) -> Option<ConfigMap> {
    let HadoopConf::Files(files) = &spec.hadoop else {
        return None;
    };
    Some(config_map(
        spec,
        hadoop_config_map_name(&spec.cluster_id),
        files.iter().cloned().collect(),
    ))
}
