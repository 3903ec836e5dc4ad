//! The JobManager's part of a cluster spec, each value checked as Flink's
//! client checks it: HA, replicas, CPU, the image, the REST Service's type,
//! the Hadoop configuration.

use super::values::{fix_port, ha_enabled};
use super::{ClusterRequest, ExposedType, HadoopConf, SpecError, invalid};
use crate::config::Configuration;
use crate::config::options::*;
use crate::flink::local_files::LocalFiles;
use crate::flink::version::ReleaseTraits;

/// Under HA: the HA cluster id, a storage dir (required) and the HA port;
/// otherwise the JobManager's address through its Service. Whether HA is on.
pub(super) fn configure_high_availability(
    conf: &mut Configuration,
    cluster_id: &str,
    namespace: &str,
) -> Result<bool, SpecError> {
    let high_availability = ha_enabled(conf);
    if high_availability {
        conf.set_string(HA_CLUSTER_ID.key, cluster_id.to_string());
        if conf
            .string(&HA_STORAGE_DIR)
            .is_none_or(|d| d.trim().is_empty())
        {
            return Err(invalid(
                "high availability needs a storage directory: add -Dhigh-availability.storageDir=s3://bucket/flink-ha (any file system the JobManager can reach)",
            ));
        }
        let rpc_port = conf.int(&JOBMANAGER_RPC_PORT)?.to_string();
        fix_port(conf, &HA_JOBMANAGER_PORT, &rpc_port)?;
    } else {
        conf.set_string(
            "jobmanager.rpc.address",
            format!("{cluster_id}.{namespace}"),
        );
    }
    Ok(high_availability)
}

/// `kubernetes.jobmanager.replicas`: at least 1, more only with HA.
/// `ha_key` is the release's name of `high-availability.type`, for the hint.
pub(super) fn jobmanager_replicas(
    conf: &Configuration,
    high_availability: bool,
    ha_key: &str,
) -> Result<i32, SpecError> {
    let replicas = conf.int(&JOBMANAGER_REPLICAS)?;
    if replicas < 1 {
        return Err(invalid(format!(
            "kubernetes.jobmanager.replicas is {replicas}: use at least 1"
        )));
    }
    if replicas > 1 && !high_availability {
        return Err(invalid(format!(
            "kubernetes.jobmanager.replicas is {replicas}, but standby JobManagers need high availability: add -D{ha_key}=kubernetes -Dhigh-availability.storageDir=<dir>, or use 1 replica"
        )));
    }
    i32::try_from(replicas).map_err(|_| {
        invalid(format!(
            "kubernetes.jobmanager.replicas {replicas} is too large"
        ))
    })
}

/// `kubernetes.jobmanager.cpu.amount`, positive.
pub(super) fn jobmanager_cpu(conf: &Configuration) -> Result<f64, SpecError> {
    let cpu = conf.double(&JOBMANAGER_CPU)?;
    if cpu <= 0.0 {
        return Err(invalid(format!(
            "kubernetes.jobmanager.cpu.amount is {cpu}: give a positive number of CPUs, e.g. 1.0"
        )));
    }
    Ok(cpu)
}

/// The image: the configured one, else the release's default.
pub(super) fn container_image(
    conf: &Configuration,
    request: &ClusterRequest,
) -> Result<String, SpecError> {
    let image = conf
        .explicit_string(&CONTAINER_IMAGE)
        .unwrap_or_else(|| request.version.default_image());
    if image.trim().is_empty() {
        return Err(invalid(
            "kubernetes.container.image.ref is empty: name an image, e.g. apache/flink:2.3.0-scala_2.12",
        ));
    }
    Ok(image)
}

/// `kubernetes.rest-service.exposed.type`, with the release's default; an
/// exposed type the release does not have is refused, as its client does.
pub(super) fn exposed_type(
    conf: &Configuration,
    release: &ReleaseTraits,
) -> Result<ExposedType, SpecError> {
    let value = if conf.is_set(&REST_SERVICE_EXPOSED_TYPE) {
        conf.enumeration(&REST_SERVICE_EXPOSED_TYPE)?
    } else {
        release.default_exposed_type.to_string()
    };
    if value == "Headless_ClusterIP" && !release.headless_rest_service {
        return Err(invalid(format!(
            "kubernetes.rest-service.exposed.type Headless_ClusterIP exists since Flink 1.14; Flink {} has ClusterIP, NodePort and LoadBalancer: use one of them, or choose --flink-version 1.14 or later",
            release.line()
        )));
    }
    Ok(match value.as_str() {
        "NodePort" => ExposedType::NodePort,
        "LoadBalancer" => ExposedType::LoadBalancer,
        "Headless_ClusterIP" => ExposedType::HeadlessClusterIP,
        _ => ExposedType::ClusterIP,
    })
}

/// Where the Hadoop configuration comes from, if it is mounted.
pub(super) fn hadoop_conf(
    conf: &Configuration,
    local: &LocalFiles,
) -> Result<HadoopConf, SpecError> {
    Ok(if !conf.bool(&HADOOP_CONF_MOUNT_ENABLED)? {
        HadoopConf::None
    } else if let Some(name) = conf
        .string(&HADOOP_CONF_CONFIG_MAP)
        .filter(|n| !n.trim().is_empty())
    {
        HadoopConf::ExistingConfigMap(name.trim().to_string())
    } else if local.hadoop_conf_files.is_empty() {
        HadoopConf::None
    } else {
        HadoopConf::Files(local.hadoop_conf_files.clone())
    })
}
