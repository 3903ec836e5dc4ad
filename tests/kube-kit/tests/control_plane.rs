//! The real control plane does what real Kubernetes does: controllers, garbage collection,
//! RBAC, admission, scheduling, and kubelet streams through kwok.

use std::net::SocketAddr;
use std::process::Output;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod, ResourceQuota};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube_kit::{ControlPlane, require_control_plane};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_secs(90);

/// Polls `probe` every 200 ms until it returns `Some`, panicking with `what` after TIMEOUT.
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn from_json<T: k8s_openapi::serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("valid object")
}

fn pod(name: &str, labels: serde_json::Value, extra_spec: serde_json::Value) -> Pod {
    let mut spec = json!({
        "containers": [{
            "name": "main",
            "image": "registry.invalid/never-pulled:1",
            "ports": [{ "containerPort": 8081 }],
        }],
    });
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra_spec.as_object()) {
        spec.extend(extra.clone());
    }
    from_json(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": { "name": name, "labels": labels },
        "spec": spec,
    }))
}

fn kubectl(cp: &ControlPlane, kubeconfig: &std::path::Path, args: &[&str]) -> Output {
    let _ = cp;
    std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs")
}

fn is_ready(pod: &Pod) -> bool {
    pod.status.as_ref().is_some_and(|s| {
        s.phase.as_deref() == Some("Running")
            && s.conditions
                .as_ref()
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_gets_ready_pods_and_deleting_it_collects_them() {
    let Some(cp) = require_control_plane() else {
        return;
    };
    let ns = cp.create_namespace("deploy").unwrap();
    let client = cp.client().await.unwrap();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let replica_sets: Api<ReplicaSet> = Api::namespaced(client.clone(), &ns);
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let deployment: Deployment = from_json(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": "web" },
        "spec": {
            "replicas": 2,
            "selector": { "matchLabels": { "app": "web" } },
            "template": {
                "metadata": { "labels": { "app": "web" } },
                "spec": { "containers": [{ "name": "main", "image": "registry.invalid/web:1" }] },
            },
        },
    }));
    let created = deployments
        .create(&PostParams::default(), &deployment)
        .await
        .unwrap();
    let uid = created.metadata.uid.unwrap();

    eventually("2 ready replicas", || async {
        let d = deployments.get("web").await.ok()?;
        (d.status?.ready_replicas == Some(2)).then_some(())
    })
    .await;
    let rs_list = replica_sets
        .list(&ListParams::default().labels("app=web"))
        .await
        .unwrap();
    assert_eq!(rs_list.items.len(), 1);
    let owner = &rs_list.items[0].metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
        ("Deployment", "web", uid.as_str())
    );
    let pod_list = pods
        .list(&ListParams::default().labels("app=web"))
        .await
        .unwrap();
    assert_eq!(pod_list.items.len(), 2);
    for p in &pod_list.items {
        assert!(is_ready(p), "{:?}", p.status);
        let node = p.spec.as_ref().unwrap().node_name.clone().unwrap();
        assert!(cp.nodes().contains(&node), "scheduled on {node}");
        let status = p.status.as_ref().unwrap();
        assert_eq!(status.host_ip.as_deref(), Some("127.0.0.1"));
        assert!(
            status.pod_ip.as_deref().unwrap().starts_with("127.128."),
            "{:?}",
            status.pod_ip
        );
        assert_eq!(
            p.metadata.owner_references.as_ref().unwrap()[0].kind,
            "ReplicaSet"
        );
    }

    deployments
        .delete("web", &DeleteParams::background())
        .await
        .unwrap();
    eventually(
        "the garbage collector to remove the ReplicaSet and pods",
        || async {
            let rs = replica_sets
                .list(&ListParams::default().labels("app=web"))
                .await
                .ok()?;
            let p = pods
                .list(&ListParams::default().labels("app=web"))
                .await
                .ok()?;
            (rs.items.is_empty() && p.items.is_empty()).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unprivileged_user_is_forbidden_until_a_role_binding_allows_it() {
    let Some(cp) = require_control_plane() else {
        return;
    };
    let ns = cp.create_namespace("rbac").unwrap();
    let kubeconfig = cp.write_kubeconfig("alice", &ns).unwrap();

    // The real 403, through kubectl and through kube-rs.
    let out = kubectl(cp, &kubeconfig, &["get", "pods"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\""
        )),
        "{stderr}"
    );
    let alice = kube_kit::client_from(&kubeconfig).await.unwrap();
    let err = Api::<Pod>::namespaced(alice.clone(), &ns)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 403),
        "{err:?}"
    );

    let admin = cp.client().await.unwrap();
    let review = |ns: String| {
        let admin = admin.clone();
        async move {
            let sar: SubjectAccessReview = SubjectAccessReview {
                spec: SubjectAccessReviewSpec {
                    user: Some("alice".into()),
                    resource_attributes: Some(ResourceAttributes {
                        namespace: Some(ns),
                        verb: Some("list".into()),
                        resource: Some("pods".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            };
            Api::<SubjectAccessReview>::all(admin)
                .create(&PostParams::default(), &sar)
                .await
                .unwrap()
                .status
                .unwrap()
        }
    };
    let denied = review(ns.clone()).await;
    assert!(!denied.allowed, "{denied:?}");

    let role: Role = from_json(json!({
        "metadata": { "name": "pod-reader" },
        "rules": [{ "apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"] }],
    }));
    Api::<Role>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &role)
        .await
        .unwrap();
    let binding: RoleBinding = from_json(json!({
        "metadata": { "name": "alice-reads-pods" },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader" },
        "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice" }],
    }));
    Api::<RoleBinding>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();

    eventually("the SubjectAccessReview to allow alice", || async {
        review(ns.clone()).await.allowed.then_some(())
    })
    .await;
    eventually("kubectl get pods to succeed for alice", || async {
        kubectl(cp, &kubeconfig, &["get", "pods"])
            .status
            .success()
            .then_some(())
    })
    .await;
    // Still nothing beyond the Role.
    let out = kubectl(cp, &kubeconfig, &["get", "configmaps"]);
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_account_token_authenticates_as_the_service_account() {
    let Some(cp) = require_control_plane() else {
        return;
    };
    let ns = cp.create_namespace("satoken").unwrap();
    let kubeconfig = cp.write_service_account_kubeconfig(&ns, "robot").unwrap();
    let out = kubectl(
        cp,
        &kubeconfig,
        &[
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("system:serviceaccount:{ns}:robot")
    );
    let out = kubectl(cp, &kubeconfig, &["get", "pods"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("forbidden"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_quota_rejects_an_object_with_the_real_message() {
    let Some(cp) = require_control_plane() else {
        return;
    };
    let ns = cp.create_namespace("quota").unwrap();
    let client = cp.client().await.unwrap();
    let quota: ResourceQuota = from_json(json!({
        "metadata": { "name": "one-pod" },
        "spec": { "hard": { "pods": "1" } },
    }));
    let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), &ns);
    quotas.create(&PostParams::default(), &quota).await.unwrap();
    // Admission refuses everything until the quota controller has computed the usage.
    eventually("the quota's status", || async {
        let q = quotas.get("one-pod").await.ok()?;
        q.status?.used.map(|_| ())
    })
    .await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    pods.create(&PostParams::default(), &pod("first", json!({}), json!({})))
        .await
        .unwrap();
    let err = pods
        .create(&PostParams::default(), &pod("second", json!({}), json!({})))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert_eq!(status.code, 403);
    assert_eq!(
        status.message,
        "pods \"second\" is forbidden: exceeded quota: one-pod, requested: pods=1, used: pods=1, limited: pods=1"
    );
    // Other kinds are not limited by it.
    let cm: ConfigMap = from_json(json!({ "metadata": { "name": "fine" } }));
    Api::<ConfigMap>::namespaced(client, &ns)
        .create(&PostParams::default(), &cm)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_matching_no_node_stays_pending_with_the_schedulers_event() {
    let Some(cp) = require_control_plane() else {
        return;
    };
    let ns = cp.create_namespace("unsched").unwrap();
    let client = cp.client().await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    pods.create(
        &PostParams::default(),
        &pod(
            "nowhere",
            json!({}),
            json!({ "nodeSelector": { "kube-kit.test/no-such-label": "x" } }),
        ),
    )
    .await
    .unwrap();
    let events: Api<Event> = Api::namespaced(client.clone(), &ns);
    let event = eventually("a FailedScheduling event", || async {
        let list = events
            .list(&ListParams::default().fields("involvedObject.name=nowhere"))
            .await
            .ok()?;
        list.items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("FailedScheduling"))
    })
    .await;
    let message = event.message.clone().unwrap_or_default();
    let nodes = cp.nodes().len();
    assert!(
        message.starts_with(&format!(
            "0/{nodes} nodes are available: {nodes} node(s) didn't match Pod's node affinity/selector."
        )),
        "{message}"
    );
    // The scheduler records through events.k8s.io/v1: reportingComponent, not source.
    assert_eq!(
        event.reporting_component.as_deref(),
        Some("default-scheduler"),
        "{event:?}"
    );
    // The scheduler's status patch and its event race: wait for the condition.
    let scheduled = eventually("the PodScheduled=False condition", || async {
        let status = pods.get("nowhere").await.ok()?.status?;
        assert_eq!(status.phase.as_deref(), Some("Pending"));
        status
            .conditions?
            .into_iter()
            .find(|c| c.type_ == "PodScheduled")
    })
    .await;
    assert_eq!(
        (scheduled.status.as_str(), scheduled.reason.as_deref()),
        ("False", Some("Unschedulable"))
    );
}

/// A local TCP server answering every line with `pong: <line>`.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 256];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let reply = format!("pong: {}", String::from_utf8_lossy(&buf[..n]));
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    addr
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_port_forward_and_logs_go_through_the_api_server_to_kwok() {
    let Some(cp) = require_control_plane() else {
        return;
    };
    let ns = cp.create_namespace("stream").unwrap();
    let client = cp.client().await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    pods.create(
        &PostParams::default(),
        &pod("jm", json!({ "app": "jm" }), json!({})),
    )
    .await
    .unwrap();
    eventually("pod jm Ready", || async {
        is_ready(&pods.get("jm").await.ok()?).then_some(())
    })
    .await;

    // port-forward: kubectl → kube-apiserver (pods/portforward) → kwok's kubelet API → here.
    let backend = echo_server().await;
    cp.forward_pod_ports(&ns, "jm", &[(8081, backend)]).unwrap();
    let kubeconfig = cp.write_admin_kubeconfig(&ns).unwrap();
    let local = free_port();
    let mut forward = tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["port-forward", "pod/jm", &format!("{local}:8081")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let reply = eventually("a reply through kubectl port-forward", || async {
        let mut stream = TcpStream::connect(("127.0.0.1", local)).await.ok()?;
        stream.write_all(b"ping").await.ok()?;
        // kubectl keeps the local connection open after the backend closes: read the reply.
        let mut buf = vec![0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        (n > 0).then(|| String::from_utf8_lossy(&buf[..n]).into_owned())
    })
    .await;
    assert_eq!(reply, "pong: ping");
    let _ = forward.kill().await;

    // logs: kubectl → kube-apiserver (pods/log) → kwok, which serves the file.
    let log_file = cp
        .write_pod_log(&ns, "jm", "first line\nsecond line\n")
        .unwrap();
    let logs = eventually("kubectl logs to return the file", || async {
        let out = kubectl(cp, &kubeconfig, &["logs", "jm"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.success() && !text.is_empty()).then_some(text)
    })
    .await;
    assert_eq!(logs, "first line\nsecond line\n");
    // The kubelet's options work on it: --tail, and appended lines.
    kube_kit::append_log(&log_file, "third line\n").unwrap();
    let out = kubectl(cp, &kubeconfig, &["logs", "jm", "--tail=2"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "second line\nthird line\n"
    );
    // kube-rs' log API too.
    let text = pods.logs("jm", &Default::default()).await.unwrap();
    assert_eq!(text, "first line\nsecond line\nthird line\n");
}

#[test]
fn a_namespace_port_forward_reaches_every_pod_of_the_namespace() {
    let Some(cp) = require_control_plane() else {
        return;
    };
    let ns = cp.create_namespace("cpf").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let backend = echo_server().await;
        cp.forward_namespace_port(&ns, 9000, backend).unwrap();
        let client = cp.client().await.unwrap();
        let pods: Api<Pod> = Api::namespaced(client, &ns);
        pods.create(&PostParams::default(), &pod("any", json!({}), json!({})))
            .await
            .unwrap();
        eventually("pod any Ready", || async {
            is_ready(&pods.get("any").await.ok()?).then_some(())
        })
        .await;
        // Through kube-rs' own port-forward (WebSocket) instead of kubectl.
        let reply = eventually("a reply through kube-rs portforward", || async {
            let mut pf = pods.portforward("any", &[9000]).await.ok()?;
            let mut stream = pf.take_stream(9000)?;
            stream.write_all(b"hi").await.ok()?;
            let mut buf = vec![0u8; 64];
            let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
                .await
                .ok()?
                .ok()?;
            (n > 0).then(|| String::from_utf8_lossy(&buf[..n]).into_owned())
        })
        .await;
        assert_eq!(reply, "pong: hi");
    });
}

/// Processes whose command line mentions `needle` (the control plane's folder is in every
/// component's flags).
fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
        if cmdline.contains(needle) {
            found.push(cmdline);
        }
    }
    found
}

#[test]
fn dropping_a_control_plane_kills_its_processes_and_removes_its_folder() {
    // Builds (or fails in CI) like every other test; then a private control plane.
    if require_control_plane().is_none() {
        return;
    }
    let cp = ControlPlane::start().unwrap();
    let root = cp.root_dir().to_path_buf();
    let needle = root.display().to_string();
    let port: u16 = cp.server_url().rsplit(':').next().unwrap().parse().unwrap();
    assert!(processes_mentioning(&needle).len() >= 5);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(cp);
    assert!(!root.exists(), "{} is left behind", root.display());
    let left = processes_mentioning(&needle);
    assert!(left.is_empty(), "still running: {left:?}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn a_client_certificate_carries_its_user_and_groups() {
    let Some(cp) = require_control_plane() else {
        return;
    };
    let ns = cp.create_namespace("whoami").unwrap();
    let kubeconfig = cp
        .write_kubeconfig_with_groups("bob", &["flink-operators", "auditors"], &ns)
        .unwrap();
    let out = kubectl(cp, &kubeconfig, &["auth", "whoami", "-o", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let info = &review["status"]["userInfo"];
    assert_eq!(info["username"], "bob");
    let groups: Vec<&str> = info["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g.as_str())
        .collect();
    assert_eq!(
        groups,
        ["flink-operators", "auditors", "system:authenticated"]
    );
    assert!(
        cp.write_kubeconfig_with_groups("eve", &["a", "b", "c"], &ns)
            .is_err()
    );
}
