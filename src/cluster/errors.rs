//! Turning API server failures into one-line messages that say what to do.

use crate::error::Error;

/// The HTTP status of a kube error, when the server answered.
pub fn status_code(error: &kube::Error) -> Option<u16> {
    match error {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

/// The server's own message (its HTTP status when the body said nothing),
/// or what went wrong on the way to it.
pub fn reason(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if status.message.trim().is_empty() => {
            // kube's placeholder for a body that was not a Status says nothing.
            let reason = if status.reason.trim().is_empty()
                || status.reason == "Failed to parse error data"
            {
                http::StatusCode::from_u16(status.code)
                    .ok()
                    .and_then(|code| code.canonical_reason())
                    .unwrap_or("no reason given")
                    .to_string()
            } else {
                status.reason.clone()
            };
            format!("HTTP {} {reason}", status.code)
        }
        kube::Error::Api(status) => status.message.clone(),
        other => transport_reason(other),
    }
}

/// The API server kubectl-flink talks to, recorded once when connecting,
/// so that connection failures anywhere can name it as kubectl does.
static API_SERVER: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Record the API server's URL for error messages (first call wins: a
/// process talks to one API server).
pub fn record_api_server(url: &str) {
    let _ = API_SERVER.set(url.trim_end_matches('/').to_string());
}

/// `the Kubernetes API server <url>`, or without the URL when unknown.
pub fn api_server() -> String {
    match API_SERVER.get() {
        Some(url) => format!("the Kubernetes API server {url}"),
        None => "the Kubernetes API server".to_string(),
    }
}

/// Why a request never got an answer, in kubectl's terms: which
/// certificate check failed, or that the connection was refused or timed out.
pub fn transport_reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut innermost = error.to_string();
    while let Some(error) = current {
        innermost = error.to_string();
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return tls_reason(tls);
        }
        let Some(io) = error.downcast_ref::<std::io::Error>() else {
            current = error.source();
            continue;
        };
        match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                return "connection refused: is the server running, and is the kubeconfig's server address right?".into();
            }
            std::io::ErrorKind::TimedOut => {
                return "the connection timed out: check the server address and your network"
                    .into();
            }
            // An io::Error hides what it wraps from `source()`.
            _ => {
                current = match io.get_ref() {
                    Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                    None => error.source(),
                }
            }
        }
    }
    // The innermost message says most (kube wraps it in "ServiceError: …").
    innermost
}

fn tls_reason(error: &rustls::Error) -> String {
    use rustls::CertificateError as Cert;
    let rustls::Error::InvalidCertificate(cert) = error else {
        return format!("TLS handshake failed: {error}");
    };
    let ca = "fix certificate-authority(-data) of the cluster in the kubeconfig";
    match cert {
        Cert::UnknownIssuer | Cert::BadSignature => format!(
            "x509: certificate signed by unknown authority (the server's certificate is not signed by the kubeconfig's CA): {ca}"
        ),
        Cert::NotValidForNameContext { expected, presented } => format!(
            "x509: certificate is valid for {}, not {}: use one of those names in the server address, or set tls-server-name in the kubeconfig",
            presented.join(", "),
            expected.to_str()
        ),
        Cert::NotValidForName => "x509: the certificate is not valid for the server's name: use a name it is valid for, or set tls-server-name in the kubeconfig".into(),
        Cert::Expired | Cert::ExpiredContext { .. } => {
            "x509: the server's certificate has expired: renew it (check also this machine's clock)".into()
        }
        Cert::NotValidYet | Cert::NotValidYetContext { .. } => {
            "x509: the server's certificate is not valid yet: check this machine's clock".into()
        }
        other => format!("x509: the server's certificate was refused ({other:?}): {ca}"),
    }
}

/// A failed API call, kept typed so a verb can decide on the status (e.g.
/// `rbac-setup` words a 403 differently) before it becomes a message.
#[derive(Debug)]
pub struct ApiCallError {
    /// What was attempted, e.g. "apply Role flink".
    pub what: String,
    pub namespace: String,
    pub source: kube::Error,
}

impl ApiCallError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        status_code(&self.source)
    }
}

impl From<ApiCallError> for Error {
    fn from(error: ApiCallError) -> Error {
        api_failure(&error.what, &error.namespace, &error.source)
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
            "cannot reach {} to {what}: {}",
            api_server(),
            reason(error)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_error_body_still_gives_a_reason() {
        let status = kube::core::Status::failure("", "Failed to parse error data").with_code(404);
        assert_eq!(
            reason(&kube::Error::Api(status.boxed())),
            "HTTP 404 Not Found"
        );
    }
}
