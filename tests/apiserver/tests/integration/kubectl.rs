//! The real `kubectl` against the server: apply from YAML, get, cascading deletes,
//! errors as kubectl prints them, and `get -w`.

use crate::common::{kubectl, poll, require_kubectl, server, web_manifest};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("kubectl printed no JSON ({e}): {out}"))
}

#[tokio::test]
async fn kubectl_applies_gets_and_deletes_with_each_cascade_mode() {
    if !require_kubectl() {
        return;
    }
    let server = server().await;
    let kc = server.kubeconfig_path();
    let out = kubectl(kc, &["apply", "-f", "-"], Some(&web_manifest(2)));
    assert!(out.ok, "{}", out.stderr);
    assert!(
        out.stdout.contains("deployment.apps/web created")
            && out.stdout.contains("service/web created"),
        "{}",
        out.stdout
    );

    let deploy = poll("the deployment to be available", || {
        let d = json(&kubectl(kc, &["get", "deploy", "web", "-o", "json"], None).stdout);
        (d["status"]["availableReplicas"] == 2).then_some(d)
    });
    assert_eq!(
        deploy["spec"]["strategy"]["type"], "RollingUpdate",
        "defaulted like a real server"
    );
    let pods = json(&kubectl(kc, &["get", "pods", "-l", "app=web", "-o", "json"], None).stdout);
    assert_eq!(pods["items"].as_array().unwrap().len(), 2);
    let svc = json(&kubectl(kc, &["get", "svc", "web", "-o", "json"], None).stdout);
    assert!(
        svc["spec"]["clusterIP"]
            .as_str()
            .unwrap()
            .starts_with("10.96.")
    );

    // Re-applying an unchanged manifest is a no-op; a changed one patches.
    let again = kubectl(kc, &["apply", "-f", "-"], Some(&web_manifest(2)));
    assert!(
        again.stdout.contains("deployment.apps/web unchanged"),
        "{}",
        again.stdout
    );
    let scaled = kubectl(kc, &["apply", "-f", "-"], Some(&web_manifest(3)));
    assert!(
        scaled.stdout.contains("deployment.apps/web configured"),
        "{}{}",
        scaled.stdout,
        scaled.stderr
    );
    poll("a third pod", || {
        (server.list("v1", "pods", Some("default")).len() == 3).then_some(())
    });

    // Orphan: the ReplicaSet and pods stay, without their owner reference.
    let out = kubectl(kc, &["delete", "deploy", "web", "--cascade=orphan"], None);
    assert!(out.ok, "{}", out.stderr);
    let rs = server.list("apps/v1", "replicasets", Some("default"));
    assert_eq!(rs.len(), 1, "the ReplicaSet is orphaned, not deleted");
    assert!(rs[0]["metadata"]["ownerReferences"].is_null(), "{}", rs[0]);
    assert_eq!(server.list("v1", "pods", Some("default")).len(), 3);

    // Re-applying adopts the orphans instead of creating new ones, as the controllers do.
    kubectl(kc, &["apply", "-f", "-"], Some(&web_manifest(3)));
    let new_uid = poll("the new deployment", || {
        server.object("apps/v1", "deployments", Some("default"), "web")
    })["metadata"]["uid"]
        .clone();
    poll("the orphaned ReplicaSet to be adopted", || {
        let rs = server.list("apps/v1", "replicasets", Some("default"));
        (rs.len() == 1 && rs[0]["metadata"]["ownerReferences"][0]["uid"] == new_uid).then_some(())
    });
    assert_eq!(
        server.list("v1", "pods", Some("default")).len(),
        3,
        "the adopted pods are kept"
    );

    // Foreground: kubectl waits until the pods, the ReplicaSet and the Deployment are gone.
    let out = kubectl(
        kc,
        &[
            "delete",
            "deploy",
            "web",
            "--cascade=foreground",
            "--wait=true",
        ],
        None,
    );
    assert!(out.ok, "{}", out.stderr);
    assert!(
        server.list("v1", "pods", Some("default")).is_empty(),
        "foreground deletion finished the dependents first"
    );
    assert!(
        server
            .list("apps/v1", "replicasets", Some("default"))
            .is_empty()
    );

    // Background (kubectl's default): the Deployment goes at once, its dependents after.
    kubectl(kc, &["apply", "-f", "-"], Some(&web_manifest(1)));
    poll("a pod", || {
        (!server.list("v1", "pods", Some("default")).is_empty()).then_some(())
    });
    let out = kubectl(kc, &["delete", "deploy", "web"], None);
    assert!(
        out.stdout.contains("deployment.apps \"web\" deleted"),
        "{}",
        out.stdout
    );
    poll("background collection", || {
        (server
            .list("apps/v1", "replicasets", Some("default"))
            .is_empty()
            && server.list("v1", "pods", Some("default")).is_empty())
        .then_some(())
    });
    let table = kubectl(kc, &["get", "deploy,rs,pods"], None);
    assert!(
        table.stderr.contains("No resources found"),
        "{}{}",
        table.stdout,
        table.stderr
    );
}

#[tokio::test]
async fn kubectl_reports_the_real_server_errors() {
    if !require_kubectl() {
        return;
    }
    let server = server().await;
    let kc = server.kubeconfig_path();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}\ndata: {a: b}\n";
    assert!(kubectl(kc, &["create", "-f", "-"], Some(cm)).ok);
    let dup = kubectl(kc, &["create", "-f", "-"], Some(cm));
    assert!(
        dup.stderr.contains("Error from server (AlreadyExists)")
            && dup.stderr.contains("configmaps \"conf\" already exists"),
        "{}",
        dup.stderr
    );
    let bad = kubectl(
        kc,
        &["create", "-f", "-"],
        Some("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"),
    );
    assert!(
        bad.stderr.contains(
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""
        ),
        "{}",
        bad.stderr
    );
    let missing = kubectl(kc, &["get", "cm", "nope"], None);
    assert!(
        missing
            .stderr
            .contains("Error from server (NotFound): configmaps \"nope\" not found"),
        "{}",
        missing.stderr
    );
    let in_missing_ns = kubectl(kc, &["-n", "ghost", "create", "cm", "x"], None);
    assert!(
        in_missing_ns
            .stderr
            .contains("namespaces \"ghost\" not found"),
        "{}",
        in_missing_ns.stderr
    );
    // Protobuf-encoded creates from kubectl's generators work for the simple kinds.
    assert!(kubectl(kc, &["create", "namespace", "flink"], None).ok);
    let made = kubectl(
        kc,
        &[
            "-n",
            "flink",
            "create",
            "secret",
            "generic",
            "s",
            "--from-literal=user=flink",
        ],
        None,
    );
    assert!(made.ok, "{}", made.stderr);
    assert_eq!(
        server.object("v1", "secrets", Some("flink"), "s").unwrap()["data"]["user"],
        "Zmxpbms="
    );
    assert!(
        server
            .object("v1", "serviceaccounts", Some("flink"), "default")
            .is_some(),
        "namespaces get a default service account"
    );
}

#[tokio::test]
async fn kubectl_get_watch_prints_changes_as_they_happen() {
    if !require_kubectl() {
        return;
    }
    let server = server().await;
    let mut child = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(server.kubeconfig_path())
        .args([
            "get",
            "configmaps",
            "-w",
            "--output-watch-events",
            "-o",
            "name",
            "--request-timeout=30s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wait until kubectl's watch is open (its request is in the log), then change things.
    poll("kubectl's watch request", || {
        server
            .requests()
            .iter()
            .any(|r| {
                r.path.ends_with("/configmaps")
                    && r.query.as_deref().is_some_and(|q| q.contains("watch=true"))
            })
            .then_some(())
    });
    server
        .create(
            "v1",
            "configmaps",
            Some("default"),
            serde_json::json!({"metadata": {"name": "watched"}}),
        )
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while Instant::now() < deadline
        && !seen
            .iter()
            .any(|l: &String| l.contains("configmap/watched"))
    {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen.iter().any(|l| l.contains("configmap/watched")),
        "{seen:?}"
    );
}
