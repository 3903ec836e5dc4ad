//! The cluster layer's errors, typed: what failed and why, each with the
//! one-line message that says what to do. Whether an error is the user's
//! (exit 2) or the work's (exit 1) is decided once, where commands turn a
//! [`ClusterError`] into their error (`crate::error`).

/// What went wrong talking to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The kubeconfig or connection settings are wrong; nothing was sent.
    #[error("{0}")]
    Config(String),
    /// An API call failed.
    #[error(transparent)]
    Api(#[from] ApiCallError),
    /// The cluster did something else than expected (a pod crashed, a
    /// port-forward broke, a wait ran out), with the line that says what now.
    #[error("{0}")]
    Failed(String),
}

/// Results of the cluster layer.
pub type ClusterResult<T> = Result<T, ClusterError>;

impl ClusterError {
    /// A failure that asking again may not repeat: no answer, or the server
    /// saying it is busy or failing (429, 5xx). Waits ask again until their
    /// deadline; a refusal (403, 404, 409) fails at once.
    pub fn is_transient(&self) -> bool {
        matches!(self, ClusterError::Api(e) if e.status.is_none_or(|s| s == 429 || s >= 500))
    }
}

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
        kube::Error::Auth(auth) => auth_reason(auth),
        other => transport_reason(other),
    }
}

/// Why authentication failed (exec plugins and OIDC are run by
/// [`super::credentials`], whose errors say what to do themselves; this is
/// what kube still runs, e.g. a gcp provider's `cmd-path`), never with what
/// a command printed on stdout (its credentials).
fn auth_reason(error: &kube::client::AuthError) -> String {
    use kube::client::AuthError;
    match error {
        AuthError::AuthExecStart(io) => {
            format!("cannot run the kubeconfig's credential command: {io}")
        }
        AuthError::AuthExecRun { out, .. } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let said = stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("nothing");
            format!(
                "the kubeconfig's credential command failed ({}); it said on stderr: {}",
                out.status,
                crate::output::one_line(said)
            )
        }
        other => format!("authentication failed: {other}"),
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

/// The proxy requests to the API server go through, if any (recorded
/// when connecting, like the API server).
static PROXY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Record the proxy in use, so that a connection failure names it.
pub fn record_proxy(url: &str) {
    let _ = PROXY.set(url.to_string());
}

/// `the Kubernetes API server <url>` (and `through the proxy <url>`), or
/// without the URL when unknown.
pub fn api_server() -> String {
    let server = match API_SERVER.get() {
        Some(url) => format!("the Kubernetes API server {url}"),
        None => "the Kubernetes API server".to_string(),
    };
    match PROXY.get() {
        Some(proxy) => format!("{server} through the proxy {proxy}"),
        None => server,
    }
}

/// Why a request never got an answer, in kubectl's terms: which
/// certificate check failed, or that the connection was refused or timed out.
pub fn transport_reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut innermost = error.to_string();
    while let Some(error) = current {
        innermost = error.to_string();
        if let Some(credential) = error.downcast_ref::<super::credentials::CredentialError>() {
            return credential.to_string();
        }
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return tls_reason(tls);
        }
        let Some(io) = error.downcast_ref::<std::io::Error>() else {
            current = error.source();
            continue;
        };
        match io.kind() {
            std::io::ErrorKind::ConnectionRefused if PROXY.get().is_some() => {
                return "connection refused: is the proxy running, and are proxy-url in the kubeconfig (or HTTPS_PROXY) right?".into();
            }
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
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCallError {
    /// What was attempted, e.g. "apply Role flink".
    pub what: String,
    /// Where; None for a call across all namespaces (`get -A`).
    pub namespace: Option<String>,
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// The server's message, or why there was no answer.
    pub reason: String,
}

impl ApiCallError {
    /// `error` of an attempt to `what` in `namespace`.
    pub fn new(what: &str, namespace: Option<&str>, error: &kube::Error) -> ApiCallError {
        ApiCallError {
            what: what.to_string(),
            namespace: namespace.map(str::to_string),
            status: status_code(error),
            reason: reason(error),
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
}

/// The one line, with the usual remedies for permission and connection problems.
impl std::fmt::Display for ApiCallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (what, reason) = (&self.what, &self.reason);
        match (self.status, &self.namespace) {
            (Some(403), Some(namespace)) => write!(
                f,
                "not allowed to {what} in namespace {namespace}: {reason}: an admin can grant what kubectl-flink needs with `kubectl flink rbac-setup -n {namespace} --grant-user <you>` (check with `kubectl auth can-i --list -n {namespace}`)"
            ),
            (Some(403), None) => write!(
                f,
                "not allowed to {what} in all namespaces: {reason}: drop -A to look in one namespace, or ask an admin for cluster-wide read access"
            ),
            (Some(_), namespace) => write!(
                f,
                "cannot {what} in {}: {reason}",
                namespace
                    .as_ref()
                    .map_or("all namespaces".to_string(), |ns| format!("namespace {ns}"))
            ),
            (None, _) => write!(f, "cannot reach {} to {what}: {reason}", api_server()),
        }
    }
}

impl std::error::Error for ApiCallError {}

/// A failed call on `what` across all namespaces (`get -A`).
pub fn api_failure_cluster_wide(what: &str, error: &kube::Error) -> ClusterError {
    ClusterError::Api(ApiCallError::new(what, None, error))
}

/// A failed API call on `what` (e.g. "create Deployment my-cluster") in `namespace`.
pub fn api_failure(what: &str, namespace: &str, error: &kube::Error) -> ClusterError {
    ClusterError::Api(ApiCallError::new(what, Some(namespace), error))
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
