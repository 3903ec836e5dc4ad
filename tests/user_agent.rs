//! Every request kubectl-flink makes names it: `kubectl-flink/v<version>
//! (<os>/<arch>)`, as the real API server's own audit log records it (the
//! Flink REST side is a unit test in `src/rest/client.rs`).

mod common;

use common::*;
use kube_kit::ControlPlane;
use serde_json::Value;
use std::time::{Duration, Instant};

/// What kubectl-flink must send, with Go's platform names as kubectl's own.
fn expected() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("kubectl-flink/v{} ({os}/{arch})", env!("CARGO_PKG_VERSION"))
}

/// A private control plane whose API server writes an audit log.
fn audited(scratch: &Scratch) -> Option<(ControlPlane, std::path::PathBuf)> {
    if let Err(reason) = kube_kit::build::ensure_binaries() {
        if kube_kit::in_ci() {
            panic!("the Kubernetes control plane is required when CI=true: {reason}");
        }
        eprintln!("\n!!! SKIPPING: the real Kubernetes control plane is unavailable: {reason}\n");
        return None;
    }
    let audit = scratch.path().join("audit.log");
    let policy = scratch.write(
        "audit-policy.yaml",
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n",
    );
    let cp = ControlPlane::start_with(kube_kit::Options {
        apiserver_args: vec![
            format!("--audit-policy-file={}", policy.display()),
            format!("--audit-log-path={}", audit.display()),
        ],
        ..Default::default()
    })
    .expect("an audited control plane");
    Some((cp, audit))
}

/// The admin's completed requests in the audit log.
fn admin_events(audit: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(audit)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|e| e["user"]["username"] == "kube-kit-admin" && e["stage"] == "ResponseComplete")
        .collect()
}

#[test]
fn the_api_server_audit_log_names_kubectl_flink_on_every_request() {
    let scratch = Scratch::new("user-agent");
    let Some((cp, audit)) = audited(&scratch) else {
        return;
    };
    let namespace = cp.create_namespace("agent").expect("namespace");
    let kubeconfig = cp
        .write_admin_kubeconfig(&namespace)
        .expect("kubeconfig")
        .display()
        .to_string();
    let conf = golden_conf();
    let flink = |args: &[&str]| {
        let mut argv = vec!["--kubeconfig", kubeconfig.as_str()];
        argv.extend_from_slice(args);
        let out = run(scratch.path(), &argv);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    };
    flink(&["rbac-setup"]);
    flink(&["session", "start", "agent", "--flink-conf-dir", &conf]);
    flink(&["get"]);
    // REST through the API server: the services proxy (which the real API
    // server refuses for loopback pod addresses), then port-forward, then
    // deleting the Deployment.
    flink(&["session", "stop", "agent", "--timeout", "90s"]);

    let agent = expected();
    let ours = |events: &[Value]| {
        events
            .iter()
            .filter(|e| {
                e["userAgent"]
                    .as_str()
                    .is_some_and(|a| !a.starts_with("kubectl/"))
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    // The audit log is written asynchronously: wait for the last request.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut events = ours(&admin_events(&audit));
    while Instant::now() < deadline
        && !events
            .iter()
            .any(|e| e["verb"] == "delete" && e["objectRef"]["resource"] == "deployments")
    {
        std::thread::sleep(Duration::from_millis(250));
        events = ours(&admin_events(&audit));
    }
    for event in &events {
        assert_eq!(
            event["userAgent"], agent,
            "{} {}",
            event["verb"], event["requestURI"]
        );
    }
    let did = |verb: &str, resource: &str, subresource: Option<&str>| {
        events.iter().any(|e| {
            e["verb"] == verb
                && e["objectRef"]["resource"] == resource
                && e["objectRef"]["subresource"].as_str() == subresource
        })
    };
    assert!(
        did("patch", "roles", None),
        "rbac-setup's requests: {events:#?}"
    );
    assert!(
        did("create", "deployments", None),
        "session start's requests"
    );
    assert!(did("list", "deployments", None), "get's requests");
    assert!(
        did("delete", "services", Some("proxy"))
            || did("create", "pods", Some("portforward"))
            || did("get", "pods", Some("portforward")),
        "stop's REST call through the API server: {:#?}",
        events
            .iter()
            .map(|e| format!("{} {}", e["verb"], e["requestURI"]))
            .collect::<Vec<_>>()
    );
    assert!(did("delete", "deployments", None), "stop's requests");
}
