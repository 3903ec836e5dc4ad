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
