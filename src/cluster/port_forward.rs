//! `kubectl port-forward` for a Flink cluster: a local port that reaches the
//! JobManager's REST port, one port-forward per accepted connection (so a
//! browser's many connections are isolated from each other's failures), the
//! pod picked as `kubectl port-forward svc/<id>-rest` would (a Ready
//! JobManager and its `rest` container port).

use crate::error::{Error, Result};
use crate::render::labels;
use crate::rest::{choose_target, label_selector};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

/// The JobManager pod and REST port to forward to.
pub async fn find_target(
    pods: &Api<Pod>,
    cluster_id: &str,
    namespace: &str,
) -> Result<(String, u16)> {
    let selector = label_selector(&labels::jobmanager_selector(cluster_id));
    let list = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| super::errors::api_failure("list the JobManager pods", namespace, &e))?;
    if list.items.is_empty() {
        return Err(Error::Failed(format!(
            "Flink cluster {cluster_id} has no JobManager pod in namespace {namespace}: list clusters with `kubectl flink get`"
        )));
    }
    choose_target(&list.items).ok_or_else(|| {
        Error::Failed(format!(
            "no JobManager pod of {cluster_id} is Ready yet: wait with `kubectl flink session start … --wait`, or see `kubectl get pods -l app={cluster_id} -n {namespace}`"
        ))
    })
}

/// Accept connections on `listener` until Ctrl-C, forwarding each to the
/// JobManager. `ready` is called once with the bound address.
pub async fn serve(
    client: kube::Client,
    namespace: &str,
    cluster_id: &str,
    listener: TcpListener,
    ready: impl FnOnce(SocketAddr, &str, u16),
) -> Result<()> {
    let pods: Api<Pod> = Api::namespaced(client, namespace);
    let (pod, port) = find_target(&pods, cluster_id, namespace).await?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Failed(format!("cannot read the local address: {e}")))?;
    ready(local, &pod, port);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (connection, _) = accepted
                    .map_err(|e| Error::Failed(format!("cannot accept a connection on {local}: {e}")))?;
                let pods = pods.clone();
                let (cluster_id, namespace) = (cluster_id.to_string(), namespace.to_string());
                tokio::spawn(async move {
                    if let Err(e) = forward_one(&pods, &cluster_id, &namespace, connection).await {
                        crate::output::style::print_warning(&e.to_string());
                    }
                });
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// Forward one local connection; the pod is looked up again each time, so
/// a restarted JobManager is found.
async fn forward_one(
    pods: &Api<Pod>,
    cluster_id: &str,
    namespace: &str,
    mut local: TcpStream,
) -> Result<()> {
    let (pod, port) = find_target(pods, cluster_id, namespace).await?;
    let mut forwarder = pods
        .portforward(&pod, &[port])
        .await
        .map_err(|e| Error::Failed(format!("port-forward to pod {pod}:{port} failed: {e}")))?;
    let Some(mut upstream) = forwarder.take_stream(port) else {
        forwarder.abort();
        return Err(Error::Failed(format!(
            "port-forward to pod {pod}:{port} gave no stream"
        )));
    };
    let copied = tokio::io::copy_bidirectional(&mut local, &mut upstream).await;
    drop(upstream);
    forwarder.abort();
    copied
        .map(drop)
        .map_err(|e| Error::Failed(format!("connection to pod {pod}:{port} ended: {e}")))
}
