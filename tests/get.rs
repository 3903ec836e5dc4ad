//! `get`: the table, `-o json|yaml|name`, `-A` and missing names, on the
//! imitation API server and on the real control plane.

mod common;

use common::imitation::*;
use common::real::Cluster;
use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_lists_clusters_by_their_labels() {
    let server = server().await;
    let home = Scratch::new("get");
    assert_eq!(start(&server, &home, "g1", &[]).status.code(), Some(0));
    assert_eq!(
        start(
            &server,
            &home,
            "g2",
            &[
                "-Dkubernetes.rest-service.exposed.type=NodePort",
                "--flink-version",
                "1.20"
            ]
        )
        .status
        .code(),
        Some(0)
    );

    let out = flink(&server, &home, &["get"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    let header = table.lines().next().unwrap_or_default();
    for column in [
        "NAME",
        "MODE",
        "FLINK",
        "JOBMANAGER READY",
        "TASKMANAGERS",
        "RUNNING JOBS",
        "REST",
        "AGE",
    ] {
        assert!(header.contains(column), "{header}");
    }
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("g2 ") && l.contains("NodePort")),
        "{table}"
    );
    // The release each cluster runs (here from its image: no JobManager answers).
    for (id, release) in [("g1 ", " 2.3.0 "), ("g2 ", " 1.20.5 ")] {
        assert!(
            table
                .lines()
                .any(|l| l.starts_with(id) && l.contains(release)),
            "{id}runs{release}:\n{table}"
        );
    }

    // One name: the cluster itself, as `kubectl get NAME -o json` prints one object.
    let out = flink(&server, &home, &["get", "g1", "-o", "json"]);
    let cluster: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(cluster["name"], "g1");
    assert_eq!(cluster["mode"], "session");
    assert_eq!(cluster["jobmanagersReady"], 1);
    assert!(
        cluster["restError"].as_str().is_some_and(|r| !r.is_empty()),
        "why RUNNING JOBS is unknown: {cluster}"
    );
    // Several names, or none: a List, the same in JSON and YAML.
    let out = flink(&server, &home, &["get", "g1", "g2", "-o", "yaml"]);
    let text = stdout(&out);
    assert!(
        text.contains("apiVersion: v1") && text.contains("kind: List") && text.contains("name: g2"),
        "{text}"
    );
    let out = flink(&server, &home, &["get", "g1", "-v"]);
    assert!(
        stderr(&out).contains("g1: running jobs unknown:"),
        "-v explains the ?: {}",
        stderr(&out)
    );
    let out = flink(&server, &home, &["get", "g1", "nope", "-o", "name"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a missing name fails the command"
    );
    assert_eq!(
        stdout(&out),
        "deployment.apps/g1\n",
        "after printing what was found"
    );
    assert!(stderr(&out).contains("nope not found"), "{}", stderr(&out));

    let out = flink(&server, &home, &["get", "-o", "name"]);
    assert_eq!(stdout(&out), "deployment.apps/g1\ndeployment.apps/g2\n");
    let out = flink(&server, &home, &["get", "-A"]);
    assert!(stdout(&out).starts_with("NAMESPACE"), "{}", stdout(&out));
    let out = flink(&server, &home, &["get", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Flink cluster nope not found"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_survives_a_broken_config_yaml_it_does_not_need() {
    let server = server().await;
    let home = Scratch::new("get-broken-conf");
    let conf = home.write("conf/config.yaml", "this: [is not yaml\n");
    let out = command(home.path())
        .env("FLINK_CONF_DIR", conf.parent().expect("conf dir"))
        .args([
            "--kubeconfig",
            &server.kubeconfig_path().display().to_string(),
            "get",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("it is ignored here"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn get_lists_clusters_in_one_namespace_and_in_all() {
    let Some(k) = Cluster::new("get") else {
        return;
    };
    assert_eq!(k.start("g1", &[]).status.code(), Some(0));
    assert_eq!(
        k.start("g2", &["-Dkubernetes.rest-service.exposed.type=NodePort"])
            .status
            .code(),
        Some(0)
    );
    let out = k.flink(&["get", "-o", "name"]);
    assert_eq!(
        stdout(&out),
        "deployment.apps/g1\ndeployment.apps/g2\n",
        "{}",
        stderr(&out)
    );
    let out = k.flink(&["get", "g2", "-o", "json"]);
    let g2: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(g2["restServiceType"], "NodePort");
    assert_eq!(g2["mode"], "session");
    let out = k.flink(&["get", "-A"]);
    let table = stdout(&out);
    assert!(table.starts_with("NAMESPACE"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&k.namespace) && l.contains(" g1 ")),
        "{table}"
    );
}

/// Clusters of the oldest and newest releases side by side on the real control plane: each
/// is created as its release's client creates it (1.12's `java` command line and per-component
/// container, a LoadBalancer by default before 1.15), and `get`, `status` and `stop` read each
/// by its own release's names — and `stop` leaves nothing of any.
#[test]
fn clusters_of_every_release_line_are_read_and_stopped_by_their_own_names() {
    let Some(k) = Cluster::new("get-releases") else {
        return;
    };
    let cases = [
        ("r112", "1.12.5", "application", "LoadBalancer"),
        ("r114", "1.14.6", "session", "LoadBalancer"),
        ("r116", "1.16.3", "session", "ClusterIP"),
        ("r23", "2.3.0", "application", "ClusterIP"),
    ];
    for (id, release, mode, _) in cases {
        let conf = flink_kit::golden::release_dir(release)
            .join("conf")
            .display()
            .to_string();
        let line = &release[..release.rfind('.').unwrap_or(release.len())];
        let mut args = vec!["--flink-conf-dir", &conf, "--flink-version", line];
        if mode == "session" {
            args.splice(0..0, ["session", "start", id]);
        } else {
            args.splice(0..0, ["app", "run", "--cluster-id", id]);
            args.push("local:///opt/flink/usrlib/job.jar");
        }
        let out = k.flink(&args);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
    }
    let out = k.flink(&["get", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list: Value = serde_json::from_slice(&out.stdout).expect("json");
    for (id, release, mode, rest) in cases {
        let cluster = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == id)
            .unwrap_or_else(|| panic!("{id} not listed: {list}"));
        assert_eq!(cluster["mode"], mode, "{cluster}");
        assert_eq!(cluster["flinkVersion"], release, "{cluster}");
        assert_eq!(cluster["restServiceType"], rest, "{cluster}");

        k.until_jobmanager_ready(id);
        let out = k.flink(&["status", id, "-o", "json"]);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        let status: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(status["mode"], mode, "{status}");
        assert!(
            status["image"]
                .as_str()
                .is_some_and(|i| i.starts_with(&format!("apache/flink:{release}-scala_"))),
            "{status}"
        );
        assert_eq!(status["jobmanagers"][0]["ready"], true, "{status}");
    }
    let deployment = k.get("deployment/r112");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["name"], "flink-job-manager", "{container}");

    for (id, _, mode, _) in cases {
        let verb = if mode == "session" { "session" } else { "app" };
        let out = k.flink(&[verb, "stop", id, "--grace-period", "1s", "--timeout", "1m"]);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        let left = k.until_gone_within(id, std::time::Duration::from_secs(60));
        assert!(left.is_empty(), "{id} left {left:?}");
    }
}
