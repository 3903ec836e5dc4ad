//! Turning API server failures into one-line messages that say what to do.

use crate::error::Error;

/// The HTTP status of a kube error, when the server answered.
pub fn status_code(error: &kube::Error) -> Option<u16> {
    match error {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

/// The server's own message, or the transport failure.
pub fn reason(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => status.message.clone(),
        other => other.to_string(),
    }
}

/// A failed call on `what` across all namespaces (`get -A`).
pub fn api_failure_cluster_wide(what: &str, error: &kube::Error) -> Error {
    match status_code(error) {
        Some(403) => Error::Failed(format!(
            "not allowed to {what} in all namespaces: {}: drop -A to look in one namespace, or ask an admin for cluster-wide read access",
            reason(error)
        )),
        _ => api_failure(what, "all namespaces", error),
    }
}

/// A failed API call on `what` (e.g. "create Deployment my-cluster"), with
/// the usual remedies for permission and connection problems.
pub fn api_failure(what: &str, namespace: &str, error: &kube::Error) -> Error {
    match status_code(error) {
        Some(403) => Error::Failed(format!(
            "not allowed to {what} in namespace {namespace}: {}: an admin can grant what kubectl-flink needs with `kubectl flink rbac-setup -n {namespace} --user <you>` (check with `kubectl auth can-i --list -n {namespace}`)",
            reason(error)
        )),
        Some(_) => Error::Failed(format!(
            "cannot {what} in namespace {namespace}: {}",
            reason(error)
        )),
        None => Error::Failed(format!(
            "cannot reach the Kubernetes API server to {what}: {}: check the cluster with `kubectl cluster-info`",
            reason(error)
        )),
    }
}
