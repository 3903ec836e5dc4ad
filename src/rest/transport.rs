//! How requests reach a JobManager: the three routes behind `--via` and
//! `--rest-url`, one enum so the client stays oblivious to the route.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::direct::DirectHttp;
use super::error::RestError;
use super::exchange::{RestRequest, RestResponse};
use super::forward::PodForward;
use super::proxy::ServiceProxy;

/// How long a GET through the services proxy may take before the
/// port-forward is tried (Flink answers its GETs in milliseconds).
const PROXY_GET_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// A route to one cluster's REST API.
#[derive(Clone)]
pub enum Transport {
    /// The API server's services proxy; when the API server forbids it
    /// (403) or cannot reach the JobManager through it (no endpoints, a pod
    /// network it cannot reach) and a fallback is set, port-forward
    /// instead, from the first answer it gives on.
    Proxy {
        proxy: ServiceProxy,
        fallback: Option<PodForward>,
        use_forward: Arc<AtomicBool>,
    },
    /// Port-forward to a Ready JobManager pod.
    Forward(PodForward),
    /// Plain HTTP to a URL the user gave.
    Direct(DirectHttp),
}

impl Transport {
    /// The default route: services proxy, falling back to port-forward when
    /// the proxy is not allowed.
    pub fn services_proxy(client: kube::Client, namespace: &str, cluster_id: &str) -> Self {
        Transport::Proxy {
            proxy: ServiceProxy::new(client.clone(), namespace, cluster_id),
            fallback: Some(PodForward::new(client, namespace, cluster_id)),
            use_forward: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Only the services proxy, never port-forward (`--via proxy` users may
    /// want exactly what they asked for; tests want to know the route).
    pub fn services_proxy_only(client: kube::Client, namespace: &str, cluster_id: &str) -> Self {
        Transport::Proxy {
            proxy: ServiceProxy::new(client, namespace, cluster_id),
            fallback: None,
            use_forward: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Port-forward to the JobManager pod.
    pub fn port_forward(client: kube::Client, namespace: &str, cluster_id: &str) -> Self {
        Transport::Forward(PodForward::new(client, namespace, cluster_id))
    }

    /// Plain HTTP to `url` (`http://host:port[/base]`); the error is a
    /// one-line usage message.
    pub fn direct(url: &str) -> Result<Self, String> {
        DirectHttp::parse(url).map(Transport::Direct)
    }

    /// Where requests go, for messages.
    pub fn describe(&self) -> String {
        match self {
            Transport::Proxy {
                proxy,
                fallback,
                use_forward,
            } => match fallback {
                Some(forward) if use_forward.load(Ordering::Relaxed) => forward.describe(),
                _ => proxy.describe(),
            },
            Transport::Forward(forward) => forward.describe(),
            Transport::Direct(direct) => direct.describe(),
        }
    }

    /// Sends one request and returns Flink's answer, whatever its status.
    pub async fn send(&self, request: &RestRequest) -> Result<RestResponse, RestError> {
        match self {
            Transport::Proxy {
                proxy,
                fallback,
                use_forward,
            } => {
                if let Some(forward) = fallback
                    && use_forward.load(Ordering::Relaxed)
                {
                    return forward.send(request).await;
                }
                // A GET (small, safe to repeat) the proxy does not answer
                // in time means the API server cannot reach the pod: try
                // the port-forward, which goes through the kubelet.
                let sent = match fallback {
                    Some(_) if request.method == http::Method::GET => {
                        tokio::time::timeout(PROXY_GET_PATIENCE, proxy.send(request))
                            .await
                            .unwrap_or_else(|_| {
                                Err(RestError::ProxyUnavailable(format!(
                                    "{}: no answer within {}s",
                                    proxy.describe(),
                                    PROXY_GET_PATIENCE.as_secs()
                                )))
                            })
                    }
                    _ => proxy.send(request).await,
                };
                match (sent, fallback) {
                    (Err(RestError::Forbidden(proxy_denied)), Some(forward)) => {
                        use_forward.store(true, Ordering::Relaxed);
                        forward.send(request).await.map_err(|e| match e {
                            RestError::Forbidden(forward_denied) => RestError::Forbidden(format!(
                                "{proxy_denied}; and {forward_denied}"
                            )),
                            other => other,
                        })
                    }
                    // The proxy cannot reach the JobManager, or the API
                    // server has no Endpoints for the Service (it answers
                    // "services … not found" then, although it exists).
                    (
                        Err(
                            proxy_failed @ (RestError::ProxyUnavailable(_)
                            | RestError::ClusterNotFound(_)),
                        ),
                        Some(forward),
                    ) => {
                        let result = forward.send(request).await;
                        // Stay on the port-forward once it got an answer;
                        // while no pod is Ready, keep trying the proxy too.
                        match result {
                            Ok(answer) => {
                                use_forward.store(true, Ordering::Relaxed);
                                Ok(answer)
                            }
                            Err(RestError::Forbidden(_) | RestError::ClusterNotFound(_)) => {
                                Err(proxy_failed)
                            }
                            Err(other) => Err(other),
                        }
                    }
                    (result, _) => result,
                }
            }
            Transport::Forward(forward) => forward.send(request).await,
            Transport::Direct(direct) => direct.send(request).await,
        }
    }
}
