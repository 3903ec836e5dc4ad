//! Creating clusters on an API server (the project's test API server,
//! spoken to over real HTTP by the real binary): the objects, their order
//! and owners, and what happens when creation fails half-way.

mod common;

use common::*;
use std::time::Duration;
use test_apiserver::{ApiServer, Fault, ServerOptions};

async fn server() -> ApiServer {
    ApiServer::start(ServerOptions::default())
        .await
        .expect("test API server")
}

fn start(server: &ApiServer, home: &Scratch, args: &[&str]) -> std::process::Output {
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let conf = golden_conf();
    let mut argv = vec![
        "--kubeconfig",
        &kubeconfig,
        "session",
        "start",
        "--flink-conf-dir",
        &conf,
    ];
    argv.extend_from_slice(args);
    run(home.path(), &argv)
}

fn dry_run_items(home: &Scratch, args: &[&str]) -> Vec<serde_json::Value> {
    let conf = golden_conf();
    let mut argv = vec![
        "session",
        "start",
        "--dry-run",
        "-o",
        "json",
        "-n",
        "default",
        "--flink-conf-dir",
        &conf,
    ];
    argv.extend_from_slice(args);
    json_items(&run(home.path(), &argv))
}

fn posts(server: &ApiServer) -> Vec<test_apiserver::RecordedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_start_creates_the_rendered_objects_owned_by_the_deployment() {
    let server = server().await;
    let home = Scratch::new("deploy-ok");
    let out = start(&server, &home, &["c1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Flink session cluster c1 created in namespace default."));
    assert!(
        stdout(&out).contains("kubectl flink port-forward c1 -n default"),
        "{}",
        stdout(&out)
    );

    let deployment = server
        .object("apps/v1", "deployments", Some("default"), "c1")
        .expect("deployment");
    let uid = deployment["metadata"]["uid"]
        .as_str()
        .expect("uid")
        .to_string();
    for item in dry_run_items(&home, &["c1"]) {
        let (kind, name) = (
            item["kind"].as_str().unwrap_or(""),
            item["metadata"]["name"].as_str().unwrap_or(""),
        );
        let plural = match kind {
            "Deployment" => continue,
            "Service" => "services",
            _ => "configmaps",
        };
        let stored = server
            .object("v1", plural, Some("default"), name)
            .unwrap_or_else(|| panic!("{kind} {name} missing"));
        let owners = &stored["metadata"]["ownerReferences"];
        assert_eq!(
            owners[0]["uid"],
            uid.as_str(),
            "{kind} {name} owned by the Deployment"
        );
        assert_eq!(owners[0]["controller"], true);
        assert_eq!(
            stored["metadata"]["labels"], item["metadata"]["labels"],
            "{kind} {name}"
        );
    }
    let sent = posts(&server);
    let spec_sent = &sent[0].body.as_ref().expect("deployment body")["spec"];
    let spec_rendered = &dry_run_items(&home, &["c1"])[0]["spec"];
    assert_eq!(
        spec_sent, spec_rendered,
        "the Deployment sent is the Deployment rendered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creation_is_two_round_trips_with_the_owned_objects_in_parallel() {
    let server = server().await;
    for path in [
        "/api/v1/namespaces/default/services",
        "/api/v1/namespaces/default/configmaps",
    ] {
        server.inject(Fault::delay("POST", path, 1, Duration::from_millis(300)).always());
    }
    let home = Scratch::new("deploy-parallel");
    let out = start(&server, &home, &["c2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = server.requests();
    let lines: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        lines[0], "POST /apis/apps/v1/namespaces/default/deployments",
        "{lines:?}"
    );
    assert_eq!(
        requests.len(),
        4,
        "no pre-checks, no extra calls: {lines:?}"
    );
    let owned = &requests[1..];
    assert!(
        owned.iter().all(|r| r.started >= requests[0].ended),
        "owned objects wait for the Deployment's uid"
    );
    assert_eq!(
        test_apiserver::max_concurrency(owned),
        3,
        "the three owned objects are created concurrently"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_cluster_is_reported_and_left_alone() {
    let server = server().await;
    let home = Scratch::new("deploy-exists");
    assert_eq!(start(&server, &home, &["c3"]).status.code(), Some(0));
    let before = server
        .object("apps/v1", "deployments", Some("default"), "c3")
        .expect("deployment");
    let out = start(&server, &home, &["c3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Flink cluster c3 already exists in namespace default"),
        "{}",
        stderr(&out)
    );
    let after = server
        .object("apps/v1", "deployments", Some("default"), "c3")
        .expect("still there");
    assert_eq!(
        before["metadata"]["uid"], after["metadata"]["uid"],
        "Flink's client would have deleted it; we must not"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_owned_object_rolls_the_whole_cluster_back() {
    let server = server().await;
    server.inject(Fault::status(
        "POST",
        "/api/v1/namespaces/default/services",
        2,
        500,
    ));
    let home = Scratch::new("deploy-rollback");
    let out = start(&server, &home, &["c4"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("creating Flink cluster c4 failed")
            && err.contains("removed the half-created cluster c4"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<String> = ["services", "configmaps", "pods"]
            .iter()
            .flat_map(|plural| server.list("v1", plural, Some("default")))
            .chain(server.list("apps/v1", "deployments", Some("default")))
            .chain(server.list("apps/v1", "replicasets", Some("default")))
            .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
            .filter(|n| n.contains("c4"))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "left behind: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_creation_says_which_right_is_missing() {
    let server = server().await;
    server.inject(Fault::status(
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        1,
        403,
    ));
    let home = Scratch::new("deploy-403");
    let out = start(&server, &home, &["c5"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("not allowed to create Deployment c5 in namespace default"),
        "{err}"
    );
    assert!(
        err.contains("kubectl flink rbac-setup -n default --user"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_port_clusters_print_a_reachable_url() {
    let server = server().await;
    let home = Scratch::new("deploy-nodeport");
    let out = start(
        &server,
        &home,
        &[
            "c6",
            "-Dkubernetes.rest-service.exposed.type=NodePort",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json summary");
    let service = server
        .object("v1", "services", Some("default"), "c6-rest")
        .expect("rest service");
    let node_port = service["spec"]["ports"][0]["nodePort"]
        .as_i64()
        .expect("node port");
    let url = summary["webUrl"].as_str().expect("url");
    assert!(url.ends_with(&format!(":{node_port}")), "{url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_flags_after_the_jar_are_refused_before_anything_is_created() {
    let server = server().await;
    let home = Scratch::new("deploy-misplaced");
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let out = run(
        home.path(),
        &[
            "--kubeconfig",
            &kubeconfig,
            "app",
            "run",
            "--cluster-id",
            "x",
            "local:///opt/flink/usrlib/job.jar",
            "--input",
            "a",
            "--dry-run=client",
            "-o",
            "yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("--dry-run comes after the jar") && message.contains("put -- before"),
        "{message}"
    );
    assert!(
        posts(&server).is_empty(),
        "nothing may be created: {:?}",
        posts(&server)
    );

    let out = run(
        home.path(),
        &[
            "--kubeconfig",
            &kubeconfig,
            "session",
            "run",
            "s1",
            "./job.jar",
            "--input",
            "a",
            "-n",
            "flink",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("-n comes after the jar"),
        "{}",
        stderr(&out)
    );

    // With `--`, the same words are the job's on purpose.
    let out = run(
        home.path(),
        &[
            "app",
            "run",
            "--cluster-id",
            "x",
            "--dry-run=client",
            "-o",
            "yaml",
            "local:///opt/flink/usrlib/job.jar",
            "--",
            "--dry-run=client",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("- --dry-run=client"),
        "{}",
        stdout(&out)
    );
    assert!(server.requests().is_empty());
}
