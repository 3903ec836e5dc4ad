//! How requests reach a JobManager: the three routes behind `--via` and
//! `--rest-url`, one enum so the client stays oblivious to the route.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::direct::DirectHttp;
use super::error::RestError;
use super::exchange::{RestRequest, RestResponse};
use super::forward::PodForward;
use super::proxy::ServiceProxy;

/// A route to one cluster's REST API.
#[derive(Clone)]
pub enum Transport {
    /// The API server's services proxy; when the API server forbids it
    /// (403) and a fallback is set, port-forward instead, from then on.
    Proxy {
        proxy: ServiceProxy,
        fallback: Option<PodForward>,
        forbidden: Arc<AtomicBool>,
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
            forbidden: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Only the services proxy, never port-forward (`--via proxy` users may
    /// want exactly what they asked for; tests want to know the route).
    pub fn services_proxy_only(client: kube::Client, namespace: &str, cluster_id: &str) -> Self {
        Transport::Proxy {
            proxy: ServiceProxy::new(client, namespace, cluster_id),
            fallback: None,
            forbidden: Arc::new(AtomicBool::new(false)),
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
                forbidden,
            } => match fallback {
                Some(forward) if forbidden.load(Ordering::Relaxed) => forward.describe(),
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
                forbidden,
            } => {
                if let Some(forward) = fallback
                    && forbidden.load(Ordering::Relaxed)
                {
                    return forward.send(request).await;
                }
                match (proxy.send(request).await, fallback) {
                    (Err(RestError::Forbidden(proxy_denied)), Some(forward)) => {
                        forbidden.store(true, Ordering::Relaxed);
                        forward.send(request).await.map_err(|e| match e {
                            RestError::Forbidden(forward_denied) => RestError::Forbidden(format!(
                                "{proxy_denied}; and {forward_denied}"
                            )),
                            other => other,
                        })
                    }
                    (result, _) => result,
                }
            }
            Transport::Forward(forward) => forward.send(request).await,
            Transport::Direct(direct) => direct.send(request).await,
        }
    }
}
