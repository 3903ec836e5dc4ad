//! How a test server is configured: TLS, RBAC enforcement and the timing of the
//! simulated control plane (all delays default to zero so tests never wait for nothing).

use std::time::Duration;

/// Options for [`crate::ApiServer::start`].
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Serve HTTPS with a generated CA, written into the kubeconfig.
    pub tls: bool,
    /// With `tls`: serve a certificate that expired (valid 2020-01-01 to 2021-01-01).
    pub tls_expired: bool,
    /// Deny requests that the stored RBAC objects do not allow (403), like a real cluster.
    /// When false every authenticated request is allowed, but access reviews are still
    /// answered from RBAC.
    pub rbac_enforced: bool,
    /// How long a pod stays Pending before it is Running and Ready.
    pub pod_ready_delay: Duration,
    /// How long a deleted pod stays Terminating before it is gone (graceful termination).
    pub pod_termination_delay: Duration,
    /// How long a LoadBalancer Service waits for its ingress address.
    pub lb_ingress_delay: Duration,
    /// The ingress IP LoadBalancer Services get; None means they never get one.
    pub lb_ingress_ip: Option<String>,
    /// Name of the single simulated Node.
    pub node_name: String,
    /// Addresses of that Node as `(type, address)`, e.g. `("InternalIP", "10.0.0.10")`.
    pub node_addresses: Vec<(String, String)>,
    /// Port to listen on (0 picks a free one).
    pub port: u16,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            tls: false,
            tls_expired: false,
            rbac_enforced: false,
            pod_ready_delay: Duration::ZERO,
            pod_termination_delay: Duration::ZERO,
            lb_ingress_delay: Duration::ZERO,
            lb_ingress_ip: Some("192.0.2.100".into()),
            node_name: "test-node".into(),
            node_addresses: vec![
                ("InternalIP".into(), "10.0.0.10".into()),
                ("ExternalIP".into(), "203.0.113.10".into()),
                ("Hostname".into(), "test-node".into()),
            ],
            port: 0,
        }
    }
}

/// A failure a test can force on pods, with the status and Events a kubelet or the
/// scheduler would report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodFailure {
    /// The image cannot be pulled: Pending, container waiting in `ImagePullBackOff`.
    ImagePullBackOff,
    /// The container keeps exiting: waiting in `CrashLoopBackOff`, restarts counting.
    CrashLoopBackOff,
    /// No node fits: Pending, `PodScheduled=False` with reason `Unschedulable`.
    Unschedulable,
    /// The container was OOM-killed: last state terminated with reason `OOMKilled`.
    OomKilled,
}
