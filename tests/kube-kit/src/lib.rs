//! The real Kubernetes control plane for kubectl-flink's tests, on loopback.
//!
//! [`ControlPlane::shared`] builds (first run only, from the Go module proxy, cached under
//! `~/.cache/kubectl-flink-test/kube/<version>/bin`) and starts etcd, kube-apiserver,
//! kube-controller-manager, kube-scheduler and kwok on 127.0.0.1, and returns once the cluster
//! is ready. [`require_control_plane`] is the suite's skip-or-fail policy around it.

pub mod build;
mod control_plane;
pub mod flink_pods;
pub mod oidc;
mod pki;
mod process;
mod tempdir;

pub use build::{ETCD_VERSION, KUBERNETES_VERSION, KWOK_VERSION};
pub use control_plane::{
    ControlPlane, KWOK_GROUP, KWOK_NODE_ANNOTATION, Options, POD_CIDR, SERVICE_CIDR, append_log,
    client_from, cri_log,
};
pub use flink_pods::{FlinkPods, FlinkPodsOptions, PodProcess};
pub use oidc::OidcIssuer;

/// True when running under CI (`CI=true`), where a missing control plane is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// For tests: the shared control plane; `None` with a loud printed reason when it cannot be
/// built or started outside CI; panics when `CI=true` (a test needing it must fail there, not
/// silently skip).
pub fn require_control_plane() -> Option<&'static ControlPlane> {
    match ControlPlane::shared() {
        Ok(cp) => Some(cp),
        Err(reason) => {
            if in_ci() {
                panic!(
                    "the Kubernetes control plane is required when CI=true but is unavailable: {reason}"
                );
            }
            // Past the test harness's capture, so the skip shows.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!! SKIPPING: the real Kubernetes control plane is unavailable: {reason} (CI=true makes this a failure)\n"
            );
            None
        }
    }
}
