//! What `report` collects from Kubernetes about one cluster: its objects
//! (never Secrets; values that look like credentials masked), the events
//! about them, and every pod's log (the previous container's too).

use super::client::ClusterTarget;
use super::errors::{ClusterResult as Result, api_failure};
use crate::redact;
use crate::render::labels;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod, Service};
use kube::api::{Api, ListParams, LogParams};
use serde_json::Value;

/// One file of the bundle: its path and text.
pub type Entry = (String, String);

/// An object as the bundle keeps it: without managed fields, masked.
fn cleaned<T: serde::Serialize>(object: &T) -> String {
    let mut value = serde_json::to_value(object).unwrap_or_default();
    if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    redact::mask(&mut value, false);
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// The cluster's objects, events and logs.
pub async fn collect(target: &ClusterTarget) -> Result<Vec<Entry>> {
    let (client, ns, id) = (
        &target.connection.client,
        &target.namespace,
        &target.cluster_id,
    );
    let selector = ListParams::default().labels(&labels::selector::cluster(id));
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let services: Api<Service> = Api::namespaced(client.clone(), ns);
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    let every = ListParams::default();
    let (deployment, service_list, configmap_list, pod_list, event_list) = tokio::join!(
        deployments.get_opt(id),
        services.list(&selector),
        configmaps.list(&selector),
        pods.list(&selector),
        events.list(&every),
    );
    let mut entries = Vec::new();
    if let Some(deployment) =
        deployment.map_err(|e| api_failure(&format!("get Deployment {id}"), ns, &e))?
    {
        entries.push((
            format!("objects/deployment-{id}.json"),
            cleaned(&deployment),
        ));
    }
    for service in service_list
        .map_err(|e| api_failure("list Services", ns, &e))?
        .items
    {
        let name = service.metadata.name.clone().unwrap_or_default();
        entries.push((format!("objects/service-{name}.json"), cleaned(&service)));
    }
    for configmap in configmap_list
        .map_err(|e| api_failure("list ConfigMaps", ns, &e))?
        .items
    {
        let name = configmap.metadata.name.clone().unwrap_or_default();
        entries.push((
            format!("objects/configmap-{name}.json"),
            cleaned(&configmap),
        ));
    }
    let pod_items = pod_list
        .map_err(|e| api_failure("list pods", ns, &e))?
        .items;
    let mut names = vec![id.clone()];
    for pod in &pod_items {
        let name = pod.metadata.name.clone().unwrap_or_default();
        entries.push((format!("objects/pod-{name}.json"), cleaned(pod)));
        names.push(name);
    }
    // Events are best effort (a user may not be allowed to list them).
    if let Ok(list) = event_list {
        let about: Vec<Value> = list
            .items
            .iter()
            .filter(|e| {
                let name = e.involved_object.name.as_deref().unwrap_or_default();
                names.iter().any(|n| n == name) || name.starts_with(&format!("{id}-"))
            })
            .map(|e| serde_json::to_value(e).unwrap_or_default())
            .collect();
        entries.push((
            "events.json".into(),
            serde_json::to_string_pretty(&about).unwrap_or_default(),
        ));
    }
    entries.extend(pod_logs(&pods, &pod_items).await);
    Ok(entries)
}

/// Every pod's log and its previous container's (where there is one),
/// credential lines masked.
async fn pod_logs(pods: &Api<Pod>, pod_items: &[Pod]) -> Vec<Entry> {
    let logs = pod_items
        .iter()
        .filter_map(|p| {
            Some((
                p.metadata.name.clone()?,
                super::inventory::flink_container_name(p),
            ))
        })
        .map(|(name, container)| {
            let pods = pods.clone();
            async move {
                let mut found = Vec::new();
                for previous in [false, true] {
                    let params = LogParams {
                        container: Some(container.clone()),
                        previous,
                        ..LogParams::default()
                    };
                    if let Ok(text) = pods.logs(&name, &params).await {
                        let masked: Vec<String> = text.lines().map(redact::mask_log_line).collect();
                        let file = if previous {
                            format!("logs/{name}.previous.log")
                        } else {
                            format!("logs/{name}.log")
                        };
                        found.push((file, masked.join("\n") + "\n"));
                    }
                }
                found
            }
        });
    futures::future::join_all(logs)
        .await
        .into_iter()
        .flatten()
        .collect()
}
