//! Port-forward into the JobManager pod, for clusters whose API server does
//! not allow the services proxy: like `kubectl port-forward svc/<id>-rest`,
//! pick a Ready JobManager pod and its `rest` container port, then speak
//! HTTP/1 straight over the forwarded stream (no local port is bound). The
//! connection is kept for the next request (savepoint polls), as long as
//! the JobManager keeps it alive.

use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Portforwarder};

use super::error::RestError;
use super::exchange::{RestRequest, RestResponse};
use super::http1::Http1Connection;
use crate::render::labels;

/// Flink's default `rest.port`, used when the pod names no `rest` port.
const DEFAULT_REST_PORT: u16 = 8081;

/// A port-forward route to one cluster's JobManager.
#[derive(Clone)]
pub struct PodForward {
    pods: Api<Pod>,
    namespace: String,
    cluster_id: String,
    /// Pod and port found by the first request, reused by later ones.
    target: Arc<Mutex<Option<(String, u16)>>>,
    /// The open connection, kept between requests.
    connection: Arc<tokio::sync::Mutex<Option<ForwardedConnection>>>,
}

/// An HTTP/1 connection over a port-forward; dropping it ends the forward.
struct ForwardedConnection {
    http: Http1Connection,
    forwarder: Portforwarder,
}

impl Drop for ForwardedConnection {
    fn drop(&mut self) {
        self.forwarder.abort();
    }
}

impl PodForward {
    /// A route to the JobManager of `cluster_id` in `namespace`.
    pub fn new(client: kube::Client, namespace: &str, cluster_id: &str) -> Self {
        Self {
            pods: Api::namespaced(client, namespace),
            namespace: namespace.to_string(),
            cluster_id: cluster_id.to_string(),
            target: Arc::new(Mutex::new(None)),
            connection: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// The route, for messages.
    pub fn describe(&self) -> String {
        format!(
            "port-forward to the JobManager of {} in namespace {}",
            self.cluster_id, self.namespace
        )
    }

    /// Sends one request, on the kept connection if it is still open, else
    /// through a new port-forward. A GET that fails on a kept connection
    /// (closed by the server meanwhile) is retried once on a new one; other
    /// methods are not, as they may have taken effect.
    pub async fn send(&self, request: &RestRequest) -> Result<RestResponse, RestError> {
        let mut slot = self.connection.lock().await;
        if let Some(mut kept) = slot.take()
            && kept.http.is_usable().await
        {
            match kept.http.send(request).await {
                Ok(response) => {
                    *slot = Some(kept);
                    return Ok(response);
                }
                Err(e) if request.method != http::Method::GET => return Err(e),
                Err(_) => {}
            }
        }
        let mut fresh = self.open().await?;
        let result = fresh.http.send(request).await;
        match &result {
            Ok(_) => *slot = Some(fresh),
            Err(_) => self.forget_target(),
        }
        result
    }

    /// A new port-forward to the JobManager and an HTTP/1 connection over it.
    async fn open(&self) -> Result<ForwardedConnection, RestError> {
        let (pod, port) = self.target().await?;
        let describe = format!("port-forward to pod {pod}:{port}");
        let mut forwarder = self.pods.portforward(&pod, &[port]).await.map_err(|e| {
            self.forget_target();
            forward_error(&describe, &e)
        })?;
        let Some(stream) = forwarder.take_stream(port) else {
            forwarder.abort();
            return Err(RestError::Unreachable(format!(
                "{describe}: no stream for port {port}"
            )));
        };
        match Http1Connection::open(stream, &format!("localhost:{port}"), "", &describe).await {
            Ok(http) => Ok(ForwardedConnection { http, forwarder }),
            Err(e) => {
                forwarder.abort();
                self.forget_target();
                Err(e)
            }
        }
    }

    /// The pod and port to forward to, found once.
    async fn target(&self) -> Result<(String, u16), RestError> {
        if let Some(found) = self.cached_target() {
            return Ok(found);
        }
        let found = find_jobmanager(&self.pods, &self.cluster_id, &self.namespace).await?;
        if let Ok(mut cache) = self.target.lock() {
            *cache = Some(found.clone());
        }
        Ok(found)
    }

    fn cached_target(&self) -> Option<(String, u16)> {
        self.target.lock().ok().and_then(|cache| cache.clone())
    }

    fn forget_target(&self) {
        if let Ok(mut cache) = self.target.lock() {
            *cache = None;
        }
    }
}

/// The JobManager pod of `cluster_id` to talk to and its REST port, picked
/// as `kubectl port-forward svc/<id>-rest` would: the one place that choice
/// is made, for REST calls over a port-forward and for
/// `kubectl flink port-forward`. No pod at all is
/// [`RestError::ClusterNotFound`]; pods but none Ready is
/// [`RestError::NotReady`]; both carry a whole line naming the fix.
pub async fn find_jobmanager(
    pods: &Api<Pod>,
    cluster_id: &str,
    namespace: &str,
) -> Result<(String, u16), RestError> {
    let selector = labels::selector::jobmanager(cluster_id);
    let list = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| {
            forward_error(
                &format!("cannot list the JobManager pods ({selector}) in namespace {namespace}"),
                &e,
            )
        })?;
    if list.items.is_empty() {
        return Err(RestError::ClusterNotFound(format!(
            "Flink cluster {cluster_id} has no JobManager pod in namespace {namespace}: list clusters with `kubectl flink get`"
        )));
    }
    choose_target(&list.items).ok_or_else(|| {
        RestError::NotReady(format!(
            "no JobManager pod of {cluster_id} is Ready yet: retry once `kubectl flink get {cluster_id} -n {namespace}` shows it ready, or see `kubectl get pods -l {} -n {namespace}`",
            labels::selector::jobmanager(cluster_id)
        ))
    })
}

/// The first Ready, not deleting pod (by name, for a stable choice) and its
/// REST container port.
fn choose_target(pods: &[Pod]) -> Option<(String, u16)> {
    let mut ready: Vec<&Pod> = pods.iter().filter(|p| is_ready(p)).collect();
    ready.sort_by_key(|p| p.metadata.name.clone());
    let pod = ready.first()?;
    Some((pod.metadata.name.clone()?, rest_port(pod)))
}

fn is_ready(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|conditions| {
                conditions
                    .iter()
                    .any(|c| c.type_ == "Ready" && c.status == "True")
            })
}

/// The container port named `rest`, else Flink's default 8081.
fn rest_port(pod: &Pod) -> u16 {
    pod.spec
        .iter()
        .flat_map(|spec| &spec.containers)
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(labels::REST_PORT_NAME))
        .and_then(|p| u16::try_from(p.container_port).ok())
        .unwrap_or(DEFAULT_REST_PORT)
}

/// A kube error as a REST error: RBAC denials are [`RestError::Forbidden`].
fn forward_error(what: &str, error: &kube::Error) -> RestError {
    match error {
        kube::Error::Api(status) if status.code == 403 => {
            RestError::Forbidden(format!("{what}: {}", status.message))
        }
        other => RestError::from_kube(other, |other| {
            RestError::Unreachable(format!("{what}: {other}"))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, ready: bool, ports: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "flink-main-container", "ports": ports}]},
            "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}
        }))
        .unwrap()
    }

    #[test]
    fn the_first_ready_pod_and_its_rest_port_are_chosen() {
        let pods = [
            pod(
                "c-aaa",
                false,
                json!([{"name": "rest", "containerPort": 9999}]),
            ),
            pod(
                "c-ccc",
                true,
                json!([{"name": "rest", "containerPort": 8082}]),
            ),
            pod(
                "c-bbb",
                true,
                json!([{"name": "blob", "containerPort": 6124}, {"name": "rest", "containerPort": 8083}]),
            ),
        ];
        assert_eq!(choose_target(&pods), Some(("c-bbb".to_string(), 8083)));
    }

    #[test]
    fn without_a_rest_port_flinks_default_is_used_and_no_ready_pod_is_none() {
        assert_eq!(
            choose_target(&[pod("c-1", true, json!([]))]),
            Some(("c-1".to_string(), 8081))
        );
        assert_eq!(choose_target(&[pod("c-1", false, json!([]))]), None);
    }

    #[test]
    fn selectors_join_labels() {
        assert_eq!(
            labels::selector::jobmanager("c"),
            "app=c,component=jobmanager,type=flink-native-kubernetes"
        );
    }
}
