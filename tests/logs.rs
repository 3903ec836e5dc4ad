//! `logs`: the JobManager's and TaskManagers' logs with each line prefixed
//! by its pod, `--tail` and `--taskmanagers`, and `-f` picking up a
//! TaskManager that starts while following and saying when it goes away —
//! on the imitation API server, which serves `pods/log` with the text a
//! test sets.

mod common;

use common::imitation::*;
use common::*;
use serde_json::json;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn jobmanager_pod(server: &test_apiserver::ApiServer, id: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = server
            .list("v1", "pods", Some("default"))
            .into_iter()
            .find(|p| {
                p["metadata"]["labels"]["app"] == id
                    && p["metadata"]["labels"]["component"] == "jobmanager"
            });
        if let Some(pod) = found {
            return pod["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
        assert!(Instant::now() < deadline, "no JobManager pod of {id}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn taskmanager(server: &test_apiserver::ApiServer, id: &str, name: &str) {
    server
        .create(
            "v1",
            "pods",
            Some("default"),
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": name, "labels": {"type": "flink-native-kubernetes", "app": id, "component": "taskmanager"}},
                   "spec": {"containers": [{"name": "flink-main-container", "image": "flink:2.3.0"}]}}),
        )
        .expect("create a TaskManager pod");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_line_names_its_pod_and_the_flags_choose_which() {
    let server = server().await;
    let home = Scratch::new("logs");
    assert_eq!(start(&server, &home, "lg", &[]).status.code(), Some(0));
    let jm = jobmanager_pod(&server, "lg");
    server.pod_logs("default", &jm, None, "jm one\njm two\n");
    taskmanager(&server, "lg", "lg-taskmanager-1-1");
    server.pod_logs("default", "lg-taskmanager-1-1", None, "tm one\n");

    let out = flink(&server, &home, &["logs", "lg"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("[{jm}] jm one\n[{jm}] jm two\n[lg-taskmanager-1-1] tm one\n")
    );
    let out = flink(
        &server,
        &home,
        &["logs", "lg", "--jobmanager", "--tail", "1"],
    );
    assert_eq!(stdout(&out), format!("[{jm}] jm two\n"), "{}", stderr(&out));
    let out = flink(&server, &home, &["logs", "lg", "--taskmanagers"]);
    assert_eq!(stdout(&out), "[lg-taskmanager-1-1] tm one\n");
    let out = flink(&server, &home, &["logs", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Flink cluster nosuch not found"),
        "{}",
        stderr(&out)
    );
    let out = flink(&server, &home, &["logs", "lg", "--tail", "-3"]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_picks_up_a_new_taskmanager_and_says_when_it_goes_away() {
    let server = server().await;
    let home = Scratch::new("logs-follow");
    assert_eq!(start(&server, &home, "fl", &[]).status.code(), Some(0));
    let jm = jobmanager_pod(&server, "fl");
    server.pod_logs("default", &jm, None, "started\n");
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let mut child = command(home.path())
        .args(["--kubeconfig", &kubeconfig, "logs", "fl", "-f"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run logs -f");
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.append_pod_logs("default", &jm, None, "a job was submitted\n");
    taskmanager(&server, "fl", "fl-taskmanager-1-1");
    server.pod_logs("default", "fl-taskmanager-1-1", None, "tm registered\n");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let deleted = std::process::Command::new("kubectl")
        .args([
            "--kubeconfig",
            &kubeconfig,
            "delete",
            "pod",
            "fl-taskmanager-1-1",
            "--wait=false",
        ])
        .output()
        .expect("kubectl (CI=true requires it)");
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = child.kill();
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    let _ = child.wait();
    assert!(out.contains(&format!("[{jm}] started\n")), "{out}");
    assert!(
        out.contains(&format!("[{jm}] a job was submitted\n")),
        "{out}"
    );
    assert!(
        out.contains("[fl-taskmanager-1-1] tm registered\n"),
        "{out}\n{err}"
    );
    assert!(err.contains("[fl-taskmanager-1-1] following"), "{err}");
    assert!(err.contains("[fl-taskmanager-1-1] ended"), "{err}");
}
