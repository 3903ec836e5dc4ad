//! `report`: one .tar.gz with the cluster's objects, events, logs and
//! versions — and none of the secrets planted in its configuration, its
//! environment, its logs or a Secret of the namespace.

mod common;

use common::imitation::*;
use common::*;
use std::time::{Duration, Instant};

const PLANTED: [&str; 3] = ["hunter2-s3-key", "wJalrXUtnFEMI-env", "c3VwZXJzZWNyZXQ="];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_has_the_objects_logs_and_versions_and_no_secret() {
    let server = server().await;
    let home = Scratch::new("report");
    let out = start(
        &server,
        &home,
        "rp",
        &[
            "-Ds3.secret-key=hunter2-s3-key",
            "-Dcontainerized.master.env.AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-env",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    server
        .create(
            "v1",
            "secrets",
            Some("default"),
            serde_json::json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "rp-credentials", "labels": {"type": "flink-native-kubernetes", "app": "rp"}},
                "data": {"password": "c3VwZXJzZWNyZXQ="}}),
        )
        .expect("a Secret");
    let deadline = Instant::now() + Duration::from_secs(20);
    let jm = loop {
        let found = server
            .list("v1", "pods", Some("default"))
            .into_iter()
            .find(|p| p["metadata"]["labels"]["app"] == "rp");
        if let Some(pod) = found {
            break pod["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
        assert!(Instant::now() < deadline, "no JobManager pod");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    server.pod_logs(
        "default",
        &jm,
        None,
        "INFO Loading configuration property: s3.secret-key, hunter2-s3-key\nINFO Starting the JobManager\n",
    );
    let file = home.path().join("bundle.tar.gz");
    let out = flink(
        &server,
        &home,
        &["report", "rp", "--file", &file.display().to_string()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), file.display().to_string());

    let unpacked = home.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).expect("dir");
    let untar = std::process::Command::new("tar")
        .args([
            "xzf",
            &file.display().to_string(),
            "-C",
            &unpacked.display().to_string(),
        ])
        .output()
        .expect("tar");
    assert!(untar.status.success(), "{}", stderr(&untar));
    let root = unpacked.join("flink-report-rp");
    for expected in [
        "versions.json",
        "README.txt",
        "events.json",
        "objects/deployment-rp.json",
        "objects/configmap-flink-config-rp.json",
        "rest/overview.json",
        &format!("logs/{jm}.log"),
    ] {
        assert!(
            root.join(expected).is_file(),
            "{expected} missing in the bundle"
        );
    }
    let log = std::fs::read_to_string(root.join(format!("logs/{jm}.log"))).expect("log");
    assert!(log.contains("Starting the JobManager"), "{log}");
    let versions: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("versions.json")).expect("versions"),
    )
    .expect("json");
    assert_eq!(versions["pluginVersion"], env!("CARGO_PKG_VERSION"));
    assert!(versions["kubernetesVersion"].is_string(), "{versions}");
    let mut everything = String::new();
    for entry in walk(&root) {
        everything.push_str(&std::fs::read_to_string(&entry).unwrap_or_default());
    }
    for secret in PLANTED {
        assert!(!everything.contains(secret), "{secret} reached the bundle");
    }
    assert!(!everything.contains("rp-credentials"), "a Secret was read");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
