//! The API server's services proxy: Flink's REST API reached at
//! `/api/v1/namespaces/{ns}/services/{id}-rest:rest/proxy/{path}` with the
//! user's kubeconfig credentials — no port to open, works from anywhere
//! `kubectl` works.

use kube::client::Body;
use serde_json::Value;

use super::error::RestError;
use super::exchange::{RestRequest, RestResponse};
use crate::render::services::rest_service_name;

/// Name of the REST port of the `<id>-rest` Service.
use crate::render::labels::REST_PORT_NAME;

/// A services-proxy route to one cluster's REST Service.
#[derive(Clone)]
pub struct ServiceProxy {
    client: kube::Client,
    namespace: String,
    cluster_id: String,
    service: String,
}

impl ServiceProxy {
    /// A route to the REST Service of `cluster_id` in `namespace`.
    pub fn new(client: kube::Client, namespace: &str, cluster_id: &str) -> Self {
        Self {
            client,
            namespace: namespace.to_string(),
            cluster_id: cluster_id.to_string(),
            service: rest_service_name(cluster_id),
        }
    }

    /// The route, for messages.
    pub fn describe(&self) -> String {
        format!("services proxy to {}/{}", self.namespace, self.service)
    }

    /// Sends one request through the API server.
    pub async fn send(&self, request: &RestRequest) -> Result<RestResponse, RestError> {
        let uri = proxy_path(&self.namespace, &self.service, &request.path);
        let http_request: http::Request<Body> = request
            .to_http(&uri, None)
            .map_err(RestError::Unreachable)?;
        let response = self.client.send(http_request).await.map_err(|e| {
            RestError::from_kube(&e, |e| {
                RestError::Unreachable(format!("{}: {e}", self.describe()))
            })
        })?;
        // The proxy route buffers the body: it has all been sent once the
        // answer arrives.
        if let (Some(progress), Some((_, bytes))) = (&request.progress, &request.body) {
            progress.add(bytes.len() as u64);
        }
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect_bytes()
            .await
            .map_err(|e| RestError::Unreachable(format!("{}: {e}", self.describe())))?;
        if let Some(message) = kubernetes_status_message(&body).filter(|_| status >= 400) {
            return Err(self.api_server_error(status, &message));
        }
        Ok(RestResponse { status, body })
    }

    /// An error the API server (not Flink) answered, as a REST error.
    fn api_server_error(&self, status: u16, message: &str) -> RestError {
        let what = self.describe();
        match status {
            403 => RestError::Forbidden(format!("{what}: {message}")),
            404 => RestError::ClusterNotFound(format!(
                "Flink cluster {} has no REST service {} in namespace {}: list clusters with `kubectl flink get`",
                self.cluster_id, self.service, self.namespace
            )),
            502 | 503 => RestError::ProxyUnavailable(format!("{what}: {message}")),
            _ => RestError::Unreachable(format!("{what}: {message}")),
        }
    }
}

/// The API server path proxying `flink_path` to the Service's `rest` port.
pub fn proxy_path(namespace: &str, service: &str, flink_path: &str) -> String {
    let flink_path = flink_path.strip_prefix('/').unwrap_or(flink_path);
    format!("/api/v1/namespaces/{namespace}/services/{service}:{REST_PORT_NAME}/proxy/{flink_path}")
}

/// The message of a Kubernetes `Status` body: an answer from the API server
/// itself (RBAC, missing Service, no endpoints), not one relayed from Flink,
/// which answers errors as `{"errors": [...]}`.
pub fn kubernetes_status_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    (value.get("kind")? == "Status").then(|| {
        value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_paths_go_under_the_rest_port_of_the_service() {
        assert_eq!(
            proxy_path("ns", "c-rest", "/jobs/x?mode=cancel"),
            "/api/v1/namespaces/ns/services/c-rest:rest/proxy/jobs/x?mode=cancel"
        );
    }

    #[test]
    fn only_kubernetes_status_bodies_are_api_server_errors() {
        let status = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"services \"c-rest\" is forbidden","reason":"Forbidden","code":403}"#;
        assert_eq!(
            kubernetes_status_message(status).as_deref(),
            Some("services \"c-rest\" is forbidden")
        );
        assert_eq!(
            kubernetes_status_message(br#"{"errors":["Job could not be found."]}"#),
            None
        );
        assert_eq!(
            kubernetes_status_message(b"Error: 'dial tcp: refused'"),
            None
        );
    }
}
