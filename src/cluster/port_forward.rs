//! `kubectl port-forward` for a Flink cluster: a local port that reaches the
//! JobManager's REST port, one port-forward per accepted connection (so a
//! browser's many connections are isolated from each other's failures), the
//! pod picked as `kubectl port-forward svc/<id>-rest` would (a Ready
//! JobManager and its `rest` container port).

use super::errors::{ClusterError, ClusterResult as Result};
use crate::rest::{RestError, find_jobmanager};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

/// Bytes buffered per direction of a forwarded connection.
const COPY_BUFFER: usize = 64 * 1024;

/// The JobManager pod and REST port to forward to, chosen as every REST
/// call over a port-forward chooses them ([`find_jobmanager`]).
pub async fn find_target(
    pods: &Api<Pod>,
    cluster_id: &str,
    namespace: &str,
) -> Result<(String, u16)> {
    find_jobmanager(pods, cluster_id, namespace)
        .await
        .map_err(|e| target_failure(e, namespace))
}

/// A failed pod lookup as one line naming the fix: missing and not-Ready
/// clusters already say what to do; a refused list names `rbac-setup`.
fn target_failure(error: RestError, namespace: &str) -> ClusterError {
    let line = match error {
        RestError::Forbidden(detail) => format!(
            "{detail}: an admin can grant what kubectl-flink needs with `kubectl flink rbac-setup -n {namespace} --grant-user <you>` (check with `kubectl auth can-i --list -n {namespace}`)"
        ),
        RestError::Unreachable(detail) => {
            format!("{detail}: check the cluster with `kubectl cluster-info`")
        }
        other => other.to_string(),
    };
    ClusterError::Failed(crate::output::one_line(&line))
}

/// Accept connections on `listener` until Ctrl-C, forwarding each to the
/// JobManager. `ready` is called once with the bound address, `failed` with
/// each connection that failed (this layer prints nothing).
pub async fn serve(
    client: kube::Client,
    namespace: &str,
    cluster_id: &str,
    listener: TcpListener,
    ready: impl FnOnce(SocketAddr, &str, u16),
    failed: impl Fn(ClusterError) + Clone + Send + 'static,
) -> Result<()> {
    let pods: Api<Pod> = Api::namespaced(client, namespace);
    let (pod, port) = find_target(&pods, cluster_id, namespace).await?;
    let local = listener
        .local_addr()
        .map_err(|e| ClusterError::Failed(format!("cannot read the local address: {e}")))?;
    ready(local, &pod, port);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (connection, _) = accepted
                    .map_err(|e| ClusterError::Failed(format!("cannot accept a connection on {local}: {e}")))?;
                let pods = pods.clone();
                let (cluster_id, namespace) = (cluster_id.to_string(), namespace.to_string());
                let failed = failed.clone();
                tokio::spawn(async move {
                    if let Err(e) = forward_one(&pods, &cluster_id, &namespace, connection).await {
                        failed(e);
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
    let mut forwarder = pods.portforward(&pod, &[port]).await.map_err(|e| {
        ClusterError::Failed(format!("port-forward to pod {pod}:{port} failed: {e}"))
    })?;
    let Some(mut upstream) = forwarder.take_stream(port) else {
        forwarder.abort();
        return Err(ClusterError::Failed(format!(
            "port-forward to pod {pod}:{port} gave no stream"
        )));
    };
    let error = forwarder.take_error(port);
    // Larger buffers than tokio's 8 KiB default: fewer wakeups per MiB
    // through the port-forward's websocket frames.
    let copied = tokio::io::copy_bidirectional_with_sizes(
        &mut local,
        &mut upstream,
        COPY_BUFFER,
        COPY_BUFFER,
    )
    .await;
    drop(upstream);
    // The pod side reports on its error stream why a connection failed
    // (e.g. nothing listens on the port yet): say it instead of going quiet.
    let reported = match error {
        Some(error) => tokio::time::timeout(std::time::Duration::from_millis(500), error)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    forwarder.abort();
    if let Some(reason) = reported.filter(|r| !r.trim().is_empty()) {
        return Err(ClusterError::Failed(crate::output::one_line(&format!(
            "connection to pod {pod}:{port} failed: {reason}: is the JobManager up? (see `kubectl flink get {cluster_id} -n {namespace}`)"
        ))));
    }
    copied
        .map(drop)
        .map_err(|e| ClusterError::Failed(format!("connection to pod {pod}:{port} ended: {e}")))
}
