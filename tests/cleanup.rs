//! `cleanup`: a cluster and the HA ConfigMaps Flink leaves behind, with
//! `--dry-run`, `--yes` and `-o name`, on the imitation API server and on the
//! real control plane.

mod common;

use common::imitation::*;
use common::real::Cluster;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_removes_the_ha_config_maps_flink_leaves_behind() {
    let server = server().await;
    let home = Scratch::new("cleanup");
    let ha = [
        "-Dhigh-availability.type=kubernetes",
        "-Dhigh-availability.storageDir=s3://bucket/ha",
    ];
    assert_eq!(start(&server, &home, "ha1", &ha).status.code(), Some(0));
    for name in [
        "ha1-cluster-config-map",
        "ha1-00000000000000000000000000000001-config-map",
    ] {
        server
            .create(
                "v1",
                "configmaps",
                Some("default"),
                serde_json::json!({"metadata": {"name": name, "labels": {"type": "flink-native-kubernetes", "app": "ha1", "configmap-type": "high-availability"}}}),
            )
            .expect("an HA ConfigMap as the JobManager makes it");
    }
    let listed = flink(&server, &home, &["cleanup", "ha1", "--dry-run=client"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    let listing = stdout(&listed);
    assert!(
        listing.starts_with("deployment.apps/ha1 deleted (dry run)\n"),
        "kubectl's spelling, Deployment first: {listing}"
    );
    assert!(
        listing.contains("configmap/ha1-cluster-config-map deleted (dry run)"),
        "{listing}"
    );
    assert!(
        !leftovers(&server, "ha1").is_empty(),
        "a dry run deletes nothing"
    );

    let unconfirmed = flink(&server, &home, &["cleanup", "ha1"]);
    assert_eq!(
        unconfirmed.status.code(),
        Some(2),
        "without a terminal, --yes is required"
    );
    assert!(
        stderr(&unconfirmed).contains("add --yes"),
        "{}",
        stderr(&unconfirmed)
    );

    let out = flink(&server, &home, &["cleanup", "ha1", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("remove s3://bucket/ha/ha1"),
        "{}",
        stderr(&out)
    );
    assert!(
        leftovers(&server, "ha1").is_empty(),
        "{:?}",
        leftovers(&server, "ha1")
    );

    assert!(
        stdout(&out).contains("configmap/ha1-cluster-config-map deleted\n"),
        "{}",
        stdout(&out)
    );
    let again = flink(&server, &home, &["cleanup", "ha1", "--yes", "-o", "name"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(stdout(&again), "", "nothing to name");
    assert!(
        stderr(&again).contains("Nothing of Flink cluster ha1 is left"),
        "{}",
        stderr(&again)
    );
    let json = flink(&server, &home, &["cleanup", "ha1", "-o", "json"]);
    assert_eq!(json.status.code(), Some(2), "-o json does not apply");
}

#[test]
fn cleanup_removes_the_cluster_and_its_ha_config_maps() {
    let Some(k) = Cluster::new("cleanup") else {
        return;
    };
    let ha = [
        "-Dhigh-availability.type=kubernetes",
        "-Dhigh-availability.storageDir=file:///tmp/ha",
    ];
    assert_eq!(k.start("h1", &ha).status.code(), Some(0));
    // The ConfigMaps Flink's JobManager keeps for HA, as it labels them.
    k.apply(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: h1-cluster-config-map\n  labels: {app: h1, type: flink-native-kubernetes, configmap-type: high-availability}\n",
    );
    let out = k.flink(&["cleanup", "h1", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("configmap/h1-cluster-config-map deleted"),
        "{}",
        stdout(&out)
    );
    assert_eq!(k.until_gone("h1"), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphans_are_what_clusters_without_a_deployment_left() {
    let server = server().await;
    let home = Scratch::new("orphans");
    assert_eq!(start(&server, &home, "alive", &[]).status.code(), Some(0));
    let labelled = |app: &str, extra: serde_json::Value| {
        let mut labels = serde_json::json!({"type": "flink-native-kubernetes", "app": app});
        if let (Some(labels), Some(extra)) = (labels.as_object_mut(), extra.as_object()) {
            labels.extend(extra.clone());
        }
        labels
    };
    let ha = serde_json::json!({"configmap-type": "high-availability"});
    for (app, name) in [
        ("gone", "gone-cluster-config-map"),
        ("alive", "alive-cluster-config-map"),
    ] {
        server
            .create(
                "v1",
                "configmaps",
                Some("default"),
                serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": name, "labels": labelled(app, ha.clone())}}),
            )
            .expect("an HA ConfigMap");
    }
    server
        .create(
            "v1",
            "pods",
            Some("default"),
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "gone-taskmanager-1-1",
                             "labels": labelled("gone", serde_json::json!({"component": "taskmanager"}))},
                "spec": {"containers": [{"name": "flink-main-container", "image": "flink:2.3.0"}]}}),
        )
        .expect("a TaskManager pod");

    let out = flink(
        &server,
        &home,
        &["cleanup", "--orphans", "--dry-run=client"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "configmap/gone-cluster-config-map deleted (dry run)\npod/gone-taskmanager-1-1 deleted (dry run)\n"
    );
    let out = flink(&server, &home, &["cleanup", "--orphans"]);
    assert_eq!(out.status.code(), Some(2), "no terminal: --yes is required");
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    let out = flink(
        &server,
        &home,
        &["cleanup", "--orphans", "-A", "--yes", "-o", "name"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "configmap/gone-cluster-config-map\npod/gone-taskmanager-1-1\n"
    );
    assert!(
        server
            .object(
                "v1",
                "configmaps",
                Some("default"),
                "gone-cluster-config-map"
            )
            .is_none()
    );
    assert!(
        server
            .object(
                "v1",
                "configmaps",
                Some("default"),
                "alive-cluster-config-map"
            )
            .is_some()
    );
    let out = flink(&server, &home, &["cleanup", "--orphans"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("No HA ConfigMaps or TaskManager pods"),
        "{}",
        stderr(&out)
    );
    let out = flink(&server, &home, &["cleanup", "alive", "--orphans"]);
    assert_eq!(out.status.code(), Some(2));
}
