//! Our imitation API server (`tests/apiserver`): one per test, with the binary
//! run against its kubeconfig and a look at what it stores.

use super::*;
use serde_json::json;
use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use test_apiserver::{ApiServer, RecordedRequest, ServerOptions};

/// A fresh imitation API server with default options.
pub async fn server() -> ApiServer {
    ApiServer::start(ServerOptions::default())
        .await
        .expect("test API server")
}

/// `kubectl-flink --kubeconfig <server's> args…`
pub fn flink(server: &ApiServer, home: &Scratch, args: &[&str]) -> Output {
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let mut argv = vec!["--kubeconfig", kubeconfig.as_str()];
    argv.extend_from_slice(args);
    run(home.path(), &argv)
}

/// `session start ID --flink-conf-dir <stock>` plus `extra`.
pub fn start(server: &ApiServer, home: &Scratch, id: &str, extra: &[&str]) -> Output {
    let conf = golden_conf();
    let mut args = vec!["session", "start", id, "--flink-conf-dir", conf.as_str()];
    args.extend_from_slice(extra);
    flink(server, home, &args)
}

/// [`flink`] with `input` on its stdin.
pub fn with_stdin(server: &ApiServer, home: &Scratch, args: &[&str], input: &str) -> Output {
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let mut child = command(home.path())
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Everything of cluster `id` still stored (Deployment, ReplicaSets, pods, Services, ConfigMaps).
pub fn leftovers(server: &ApiServer, id: &str) -> Vec<String> {
    let mine =
        |o: &serde_json::Value| o["metadata"]["labels"]["app"] == id || o["metadata"]["name"] == id;
    [
        ("apps/v1", "deployments"),
        ("apps/v1", "replicasets"),
        ("v1", "pods"),
        ("v1", "services"),
        ("v1", "configmaps"),
    ]
    .iter()
    .flat_map(|(v, plural)| {
        server
            .list(v, plural, Some("default"))
            .into_iter()
            .map(move |o| (plural, o))
    })
    .filter(|(_, o)| mine(o))
    .map(|(plural, o)| format!("{plural}/{}", o["metadata"]["name"].as_str().unwrap_or("?")))
    .collect()
}

/// The POST requests the server received, in order.
pub fn posts(server: &ApiServer) -> Vec<RecordedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

/// The pod and Service a native session would have, for the test API server
/// to relay to the real JobManager.
pub fn fake_cluster_objects(server: &test_apiserver::ApiServer, id: &str) {
    let labels = json!({"type": "flink-native-kubernetes", "app": id, "component": "jobmanager"});
    server
        .create(
            "v1",
            "services",
            Some("default"),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": format!("{id}-rest")},
                   "spec": {"selector": labels, "ports": [{"name": "rest", "port": 8081, "targetPort": "rest"}]}}),
        )
        .expect("create the rest service");
    server
        .create(
            "v1",
            "pods",
            Some("default"),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("{id}-jm"), "labels": labels},
                   "spec": {"containers": [{"name": "flink-main-container", "image": "flink:2.3.0",
                            "ports": [{"name": "rest", "containerPort": 8081}]}]}}),
        )
        .expect("create the jobmanager pod");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pod = server.object("v1", "pods", Some("default"), &format!("{id}-jm"));
        let ready = pod.as_ref().is_some_and(|p| {
            p["status"]["conditions"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        });
        if ready {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the pod never became Ready: {pod:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A real standalone Flink session (its own) and the streaming job's jar,
/// with an imitation API server relaying cluster `id`'s services proxy to it;
/// None (skip) outside CI without Java or Flink.
pub async fn relayed_session(
    id: &str,
) -> Option<(flink_kit::jobmanager::StandaloneSession, String, ApiServer)> {
    let flink_home = flink_kit::require_flink()?;
    let jar_home = flink_home.clone();
    let (jobmanager, jar) = tokio::task::spawn_blocking(move || {
        (
            flink_kit::jobmanager::StandaloneSession::start(&flink_home),
            flink_kit::jobjar::streaming_job_jar(&jar_home),
        )
    })
    .await
    .expect("join");
    let jobmanager = jobmanager.expect("a standalone Flink JobManager");
    let jar = jar.expect("the job jar").display().to_string();
    let server = server().await;
    server.attach_backend(
        "default",
        &format!("app={id},component=jobmanager"),
        8081,
        jobmanager.rest_addr(),
    );
    Some((jobmanager, jar, server))
}
