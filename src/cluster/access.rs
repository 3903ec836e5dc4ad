//! How to reach a new cluster's web UI and REST API from where the user
//! sits, for each way the REST Service can be exposed (reference §4.5) —
//! never an in-cluster DNS name that a laptop cannot resolve.

use crate::flink::spec::{ClusterSpec, ExposedType};
use k8s_openapi::api::core::v1::{Node, Service};
use kube::api::{Api, ListParams};

/// Where the web UI is, or how to get to it.
#[derive(Debug, Clone, PartialEq)]
pub enum WebAccess {
    /// A URL reachable from outside (NodePort or LoadBalancer).
    Url(String),
    /// A command that makes it reachable on localhost.
    PortForward { command: String, url: String },
    /// Not known yet (LoadBalancer without ingress, no node address).
    Pending(String),
}

impl WebAccess {
    /// One line for humans.
    pub fn describe(&self) -> String {
        match self {
            WebAccess::Url(url) => format!("Web UI: {url}"),
            WebAccess::PortForward { command, url } => {
                format!("Web UI: run `{command}`, then open {url}")
            }
            WebAccess::Pending(why) => format!("Web UI: {why}"),
        }
    }

    /// The URL when there is one.
    pub fn url(&self) -> Option<&str> {
        match self {
            WebAccess::Url(url) | WebAccess::PortForward { url, .. } => Some(url),
            WebAccess::Pending(_) => None,
        }
    }
}

/// Work out the access for the created REST Service.
pub async fn web_access(
    connection: &super::client::Connection,
    spec: &ClusterSpec,
    rest: Option<&Service>,
) -> WebAccess {
    let scheme = "http";
    let service = crate::render::services::rest_service_name(&spec.cluster_id);
    let port_forward = || WebAccess::PortForward {
        command: connection.suggest.flink(&format!(
            "port-forward {} -n {}",
            spec.cluster_id, spec.namespace
        )),
        url: format!("{scheme}://localhost:8081"),
    };
    match spec.exposed_type {
        ExposedType::ClusterIP | ExposedType::HeadlessClusterIP => port_forward(),
        ExposedType::LoadBalancer => {
            let ingress = rest
                .and_then(|s| s.status.as_ref())
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .and_then(|i| i.first())
                .and_then(|i| i.ip.clone().or_else(|| i.hostname.clone()));
            match ingress {
                Some(host) => WebAccess::Url(format!("{scheme}://{host}:{}", spec.rest_port)),
                None => WebAccess::Pending(format!(
                    "the load balancer has no address yet; see `kubectl get service {service} -n {}` (or use --wait)",
                    spec.namespace
                )),
            }
        }
        ExposedType::NodePort => {
            let node_port = rest
                .and_then(|s| s.spec.as_ref())
                .and_then(|s| s.ports.as_ref())
                .and_then(|ports| {
                    ports
                        .iter()
                        .find(|p| p.name.as_deref() == Some(crate::render::labels::REST_PORT_NAME))
                })
                .and_then(|p| p.node_port);
            let Some(node_port) = node_port else {
                return port_forward();
            };
            match node_address(&connection.client, &spec.node_port_address_type).await {
                Some(address) => WebAccess::Url(format!("{scheme}://{address}:{node_port}")),
                None => WebAccess::Pending(format!(
                    "node port {node_port} on any node with an {} address (listing nodes was not possible)",
                    spec.node_port_address_type
                )),
            }
        }
    }
}

/// An address of the wanted type of the first schedulable node.
async fn node_address(client: &kube::Client, address_type: &str) -> Option<String> {
    let nodes: Api<Node> = Api::all(client.clone());
    let list = nodes.list(&ListParams::default()).await.ok()?;
    list.items
        .iter()
        .filter(|n| {
            !n.spec
                .as_ref()
                .and_then(|s| s.unschedulable)
                .unwrap_or(false)
        })
        .flat_map(|n| {
            n.status
                .as_ref()
                .and_then(|s| s.addresses.clone())
                .unwrap_or_default()
        })
        .find(|a| a.type_ == address_type)
        .map(|a| a.address)
}

/// Poll the REST Service until the load balancer has an address, up to `timeout`.
pub async fn wait_for_load_balancer(
    connection: &super::client::Connection,
    spec: &ClusterSpec,
    timeout: std::time::Duration,
) -> WebAccess {
    let services: Api<Service> = Api::namespaced(connection.client.clone(), &spec.namespace);
    let name = crate::render::services::rest_service_name(&spec.cluster_id);
    let deadline = std::time::Instant::now() + timeout;
    let last = super::wait::poll(
        deadline,
        std::time::Duration::from_millis(250),
        async || -> Result<Option<WebAccess>, std::convert::Infallible> {
            let service = services.get_opt(&name).await.ok().flatten();
            let access = web_access(connection, spec, service.as_ref()).await;
            let settled = !matches!(access, WebAccess::Pending(_));
            // Past the deadline the pending access is the answer.
            Ok((settled || std::time::Instant::now() >= deadline).then_some(access))
        },
    )
    .await;
    match last {
        Ok(Some(access)) => access,
        _ => WebAccess::Pending(format!(
            "the load balancer of {name} has no address yet: see `kubectl get service {name} -n {}`",
            spec.namespace
        )),
    }
}
