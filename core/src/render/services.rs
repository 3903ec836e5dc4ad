//! The internal (headless) Service TaskManagers use to reach the JobManager,
//! and the REST Service for the web UI and job submission (reference §1.5–1.6).

use super::labels;
use crate::flink::spec::{ClusterSpec, ExposedType};
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Name of the REST Service of a cluster.
pub fn rest_service_name(cluster_id: &str) -> String {
    format!("{cluster_id}{REST_SERVICE_SUFFIX}")
}

/// What Flink appends to the cluster id to name its REST Service.
const REST_SERVICE_SUFFIX: &str = "-rest";

/// The cluster whose REST Service is named `service`, if it is one.
pub fn cluster_of_rest_service(service: &str) -> Option<&str> {
    service.strip_suffix(REST_SERVICE_SUFFIX)
}

/// The headless Service `<id>`; absent under high availability, where
/// JobManagers are found through leader election instead.
pub fn internal_service(spec: &ClusterSpec) -> Option<Service> {
    if spec.high_availability {
        return None;
    }
    let port = |name: &str, port: i32| ServicePort {
        name: Some(name.to_string()),
        port,
        ..ServicePort::default()
    };
    Some(Service {
        metadata: ObjectMeta {
            name: Some(spec.cluster_id.clone()),
            labels: Some(labels::merged(
                labels::common(&spec.cluster_id),
                &spec.internal_service_labels,
            )),
            annotations: labels::non_empty(
                spec.internal_service_annotations.iter().cloned().collect(),
            ),
            ..ObjectMeta::default()
        },
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".to_string()),
            selector: Some(labels::jobmanager_pod_selector(spec)),
            ports: Some(vec![
                port("jobmanager-rpc", spec.rpc_port),
                port("blobserver", spec.blob_port),
            ]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    })
}

/// The REST Service `<id>-rest` of the configured exposed type.
pub fn rest_service(spec: &ClusterSpec) -> Service {
    let (service_type, cluster_ip) = match spec.exposed_type {
        ExposedType::ClusterIP => ("ClusterIP", None),
        ExposedType::NodePort => ("NodePort", None),
        ExposedType::LoadBalancer => ("LoadBalancer", None),
        ExposedType::HeadlessClusterIP => ("ClusterIP", Some("None".to_string())),
    };
    Service {
        metadata: ObjectMeta {
            name: Some(rest_service_name(&spec.cluster_id)),
            labels: Some(labels::merged(
                labels::common(&spec.cluster_id),
                &spec.rest_service_labels,
            )),
            annotations: labels::non_empty_for(
                spec.rest_service_annotations.iter().cloned().collect(),
                spec.release.writes_empty_maps,
            ),
            ..ObjectMeta::default()
        },
        spec: Some(ServiceSpec {
            type_: Some(service_type.to_string()),
            cluster_ip,
            selector: Some(labels::jobmanager_pod_selector(spec)),
            ports: Some(vec![ServicePort {
                name: Some(labels::REST_PORT_NAME.to_string()),
                port: spec.rest_port,
                target_port: Some(IntOrString::Int(spec.rest_target_port)),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}
