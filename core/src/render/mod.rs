//! Pure rendering of a [`ClusterSpec`] into the Kubernetes objects Flink's
//! own client creates: the JobManager Deployment and, owned by it, the
//! Services and ConfigMaps — in Flink's creation order. No I/O happens here.

pub mod config_file;
pub mod configmaps;
pub mod labels;
pub mod pod;
pub mod rbac;
pub mod services;

use crate::flink::spec::ClusterSpec;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{ConfigMap, PodTemplateSpec, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use serde::Serialize;

/// An object created after the Deployment, owned by it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Accompanying {
    Service(Box<Service>),
    ConfigMap(Box<ConfigMap>),
}

impl Accompanying {
    /// `Service` or `ConfigMap`, for messages and `kind/name` keys.
    pub fn kind(&self) -> &'static str {
        match self {
            Accompanying::Service(_) => "Service",
            Accompanying::ConfigMap(_) => "ConfigMap",
        }
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        let meta = match self {
            Accompanying::Service(s) => &s.metadata,
            Accompanying::ConfigMap(c) => &c.metadata,
        };
        meta.name.as_deref().unwrap_or_default()
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Accompanying::Service(s) => &mut s.metadata,
            Accompanying::ConfigMap(c) => &mut c.metadata,
        }
    }

    /// Make the Deployment the controlling owner, so deleting it removes this object.
    pub fn set_owner(&mut self, owner: OwnerReference) {
        self.metadata_mut().owner_references = Some(vec![owner]);
    }
}

/// Everything one cluster consists of, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedCluster {
    pub deployment: Deployment,
    pub accompanying: Vec<Accompanying>,
}

impl RenderedCluster {
    /// The accompanying objects with their owner reference filled in from the
    /// created Deployment's uid (known only after the Deployment exists).
    pub fn owned_by(&self, deployment_uid: &str) -> Vec<Accompanying> {
        let owner = owner_reference(&self.deployment, deployment_uid);
        self.accompanying
            .iter()
            .cloned()
            .map(|mut object| {
                object.set_owner(owner.clone());
                object
            })
            .collect()
    }
}

/// The owner reference Flink puts on every accompanying object.
pub fn owner_reference(deployment: &Deployment, uid: &str) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".to_string(),
        kind: "Deployment".to_string(),
        name: deployment.metadata.name.clone().unwrap_or_default(),
        uid: uid.to_string(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Render a cluster. Fails only if the configuration cannot be written as YAML.
pub fn render(spec: &ClusterSpec) -> Result<RenderedCluster, String> {
    let (pod_metadata, pod_spec) = pod::jobmanager_pod(spec).into_parts();
    let deployment = Deployment {
        metadata: ObjectMeta {
            name: Some(spec.cluster_id.clone()),
            labels: Some(labels::merged_under(
                &spec.labels,
                labels::jobmanager_selector(&spec.cluster_id),
            )),
            annotations: labels::non_empty_for(
                spec.annotations.iter().cloned().collect(),
                spec.release.writes_empty_maps,
            )
            .filter(|_| spec.release.deployment_annotations),
            owner_references: (!spec.owner_references.is_empty())
                .then(|| spec.owner_references.clone()),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(spec.replicas),
            selector: LabelSelector {
                match_labels: Some(labels::jobmanager_pod_selector(spec)),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(pod_metadata),
                spec: Some(pod_spec),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    };
    let mut accompanying = Vec::new();
    if let Some(internal) = services::internal_service(spec) {
        accompanying.push(Accompanying::Service(Box::new(internal)));
    }
    accompanying.push(Accompanying::Service(Box::new(services::rest_service(
        spec,
    ))));
    if let Some(hadoop) = configmaps::hadoop_config(spec) {
        accompanying.push(Accompanying::ConfigMap(Box::new(hadoop)));
    }
    accompanying.push(Accompanying::ConfigMap(Box::new(configmaps::flink_config(
        spec,
    )?)));
    if let Some(template) = configmaps::pod_template(spec) {
        accompanying.push(Accompanying::ConfigMap(Box::new(template)));
    }
    Ok(RenderedCluster {
        deployment,
        accompanying,
    })
}

#[cfg(test)]
mod tests;
