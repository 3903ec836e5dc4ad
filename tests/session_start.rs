//! `session start`: options and dry runs checked without a cluster; the
//! objects created on our imitation API server (their order, owners and
//! concurrency, rollback when any request fails, `--attached`, Ctrl-C during
//! `--wait`); and on the real control plane (real garbage collection,
//! admission, scheduler and messages).

mod common;

use common::imitation::*;
use common::real::Cluster;
use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant};
use test_apiserver::Fault;

/// `session start --dry-run=client --flink-conf-dir <stock>` plus `extra`, no cluster.
fn dry_run(home: &Scratch, extra: &[&str]) -> std::process::Output {
    let conf = golden_conf();
    let mut args = vec![
        "session",
        "start",
        "--dry-run=client",
        "--flink-conf-dir",
        &conf,
    ];
    args.extend_from_slice(extra);
    run(home.path(), &args)
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

#[test]
fn dynamic_option_without_value_names_the_fix() {
    let home = Scratch::new("d-no-value");
    assert_usage_error(
        &dry_run(&home, &["c1", "-Dkubernetes.hostnetwork.enabled"]),
        &["-Dkubernetes.hostnetwork.enabled=true"],
    );
    // `-D=x` (clap reads the value "x") and `-D =x` say what is missing.
    assert_usage_error(
        &dry_run(&home, &["c1", "-D=x"]),
        &["a key and a value", "-Dtaskmanager.numberOfTaskSlots=4"],
    );
    assert_usage_error(&dry_run(&home, &["c1", "-D", "=x"]), &["no key before '='"]);
}

#[test]
fn invalid_and_too_long_cluster_ids_are_rejected_before_anything_else() {
    let home = Scratch::new("bad-id");
    assert_usage_error(
        &dry_run(&home, &["My_Cluster"]),
        &["My_Cluster", "lowercase"],
    );
    let long = "a".repeat(46);
    assert_usage_error(&dry_run(&home, &[&long]), &["46 characters", "45"]);
    assert_usage_error(
        &dry_run(&home, &["one", "-Dkubernetes.cluster-id=two"]),
        &["two cluster ids"],
    );
}

#[test]
fn unknown_exposed_type_lists_the_allowed_ones() {
    let home = Scratch::new("exposed");
    assert_usage_error(
        &dry_run(
            &home,
            &["c1", "-Dkubernetes.rest-service.exposed.type=Ingress"],
        ),
        &[
            "kubernetes.rest-service.exposed.type",
            "ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP",
        ],
    );
}

#[test]
fn malformed_memory_size_names_the_option() {
    let home = Scratch::new("memory");
    assert_usage_error(
        &dry_run(
            &home,
            &["c1", "-Djobmanager.memory.process.size=1.5 parsecs"],
        ),
        &["jobmanager.memory.process.size", "1600m"],
    );
}

#[test]
fn unreadable_conf_dir_and_broken_yaml_are_clear() {
    let home = Scratch::new("conf");
    let out = run(
        home.path(),
        &[
            "session",
            "start",
            "c1",
            "--dry-run",
            "--flink-conf-dir",
            "/no/such/conf",
        ],
    );
    assert_usage_error(&out, &["/no/such/conf", "--flink-conf-dir"]);

    let broken = home.write("conf/config.yaml", "jobmanager:\n  memory: 1\n bad: [\n");
    let dir = broken.parent().expect("conf dir").display().to_string();
    let out = run(
        home.path(),
        &[
            "session",
            "start",
            "c1",
            "--dry-run",
            "--flink-conf-dir",
            &dir,
        ],
    );
    assert_usage_error(&out, &["config.yaml:3:2:"]);
}

#[test]
fn pod_templates_must_exist_and_be_pods() {
    let home = Scratch::new("template");
    let out = dry_run(
        &home,
        &[
            "c1",
            "-Dkubernetes.pod-template-file.jobmanager=/no/template.yaml",
        ],
    );
    assert_usage_error(&out, &["/no/template.yaml"]);
    let deployment = home.write(
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
    );
    let option = format!(
        "-Dkubernetes.pod-template-file.default={}",
        deployment.display()
    );
    assert_usage_error(
        &dry_run(&home, &["c1", &option]),
        &["is a Deployment, not a Pod"],
    );
}

#[test]
fn unknown_kubernetes_options_warn_with_a_suggestion() {
    let home = Scratch::new("typo");
    let out = dry_run(&home, &["c1", "-Dkubernetes.jobmanager.replica=2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did you mean kubernetes.jobmanager.replicas?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_conf_dir_uses_built_in_defaults_that_log_to_the_console() {
    let home = Scratch::new("builtin");
    let out = run(
        home.path(),
        &["session", "start", "c1", "--dry-run", "-o", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let items = json_items(&out);
    let configmap = item(&items, "ConfigMap", "flink-config-c1");
    let data = configmap["data"].as_object().expect("data");
    let mut keys: Vec<&String> = data.keys().collect();
    keys.sort();
    assert_eq!(keys, ["config.yaml", "log4j-console.properties"]);
    assert_eq!(
        shipped_config(&items, "c1")["jobmanager.memory.process.size"],
        "1600m"
    );
}

#[test]
fn namespace_follows_kubectl_and_is_written_into_the_configuration() {
    let home = Scratch::new("ns");
    home.write(
        ".kube/config",
        "apiVersion: v1\nkind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c, user: u, namespace: team-a}\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {token: t}\n",
    );
    let items = json_items(&dry_run(&home, &["c1", "-o", "json"]));
    let conf = shipped_config(&items, "c1");
    assert_eq!(conf["kubernetes.namespace"], "team-a");
    assert_eq!(conf["jobmanager.rpc.address"], "c1.team-a");

    let items = json_items(&dry_run(&home, &["c1", "-o", "json", "-n", "other"]));
    assert_eq!(
        shipped_config(&items, "c1")["kubernetes.namespace"],
        "other"
    );

    let items = json_items(&dry_run(
        &home,
        &["c1", "-o", "json", "-Dkubernetes.namespace=flinkns"],
    ));
    assert_eq!(
        shipped_config(&items, "c1")["jobmanager.rpc.address"],
        "c1.flinkns"
    );
    // Every object names its namespace, so `| kubectl apply -f -` puts it
    // where config.yaml says, not in the context's namespace.
    for item in &items {
        assert_eq!(item["metadata"]["namespace"], "flinkns", "{item}");
    }
    let yaml = stdout(&dry_run(&home, &["c1", "-o", "yaml", "-n", "other"]));
    assert_eq!(
        yaml.matches("\n    namespace: other\n").count(),
        4,
        "{yaml}"
    );

    assert_usage_error(
        &dry_run(&home, &["c1", "-n", "a", "-Dkubernetes.namespace=b"]),
        &["two namespaces"],
    );
}

#[test]
fn a_missing_cluster_id_is_generated_and_printed() {
    let home = Scratch::new("gen");
    let out = dry_run(&home, &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let id = err
        .split_whitespace()
        .find(|w| w.starts_with("flink-cluster-"))
        .unwrap_or_else(|| panic!("no generated id in: {err}"));
    assert_eq!(id.len(), 45);
    let items = json_items(&out);
    item(&items, "Deployment", id);
}

#[test]
fn dry_run_yaml_is_the_same_list_as_json_in_creation_order() {
    let home = Scratch::new("yaml");
    let out = dry_run(&home, &["c1", "-o", "yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let list: serde_json::Value = serde_saphyr::from_str(&text).expect("one YAML document");
    assert_eq!(list["kind"], "List", "{text}");
    assert_eq!(
        list["items"],
        serde_json::Value::Array(json_items(&dry_run(&home, &["c1", "-o", "json"])))
    );
    let docs = list["items"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<&str> = docs
        .iter()
        .map(|d| d["kind"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(kinds, ["Deployment", "Service", "Service", "ConfigMap"]);
    assert_eq!(
        text.matches("# metadata.ownerReferences is set at creation")
            .count(),
        3
    );
    assert!(
        docs.iter()
            .all(|d| d["metadata"]["ownerReferences"].is_null())
    );
}

#[test]
fn dry_run_json_is_a_list_and_explains_owner_references_on_stderr() {
    let home = Scratch::new("json");
    let out = dry_run(&home, &["c1", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let items = json_items(&out);
    assert_eq!(items.len(), 4);
    assert!(stderr(&out).contains("ownerReferences"));
}

#[test]
fn a_dry_run_survives_a_broken_kubeconfig() {
    let home = Scratch::new("broken-kubeconfig");
    let conf = golden_conf();
    let dry_run_with = |kubeconfig: &std::path::Path| {
        command(home.path())
            .env("KUBECONFIG", kubeconfig)
            .args([
                "session",
                "start",
                "c1",
                "--dry-run",
                "-o",
                "json",
                "--flink-conf-dir",
                &conf,
            ])
            .output()
            .expect("run")
    };
    let out = dry_run_with(&home.write("broken.yaml", "this: [is not a kubeconfig"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning")).collect();
    assert_eq!(warnings.len(), 1, "{}", stderr(&out));
    assert!(
        warnings[0].contains("the dry run uses namespace default"),
        "{}",
        stderr(&out)
    );
    let out = dry_run_with(&home.path().join("missing.yaml"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "a dry run needs no cluster: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("missing.yaml, which does not exist"),
        "the namespace default is explained: {}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_start_creates_the_rendered_objects_owned_by_the_deployment() {
    let server = server().await;
    let home = Scratch::new("deploy-ok");
    let out = start(&server, &home, "c1", &[]);
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
    let out = start(&server, &home, "c2", &[]);
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
    assert_eq!(start(&server, &home, "c3", &[]).status.code(), Some(0));
    let before = server
        .object("apps/v1", "deployments", Some("default"), "c3")
        .expect("deployment");
    let out = start(&server, &home, "c3", &[]);
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
    let out = start(&server, &home, "c4", &[]);
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
    let out = start(&server, &home, "c5", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("not allowed to create Deployment c5 in namespace default"),
        "{err}"
    );
    assert!(
        err.contains("kubectl flink rbac-setup -n default --grant-user"),
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
        "c6",
        &[
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
async fn session_start_attached_opens_the_console() {
    let server = server().await;
    let home = Scratch::new("attached");
    let conf = golden_conf();
    let out = with_stdin(
        &server,
        &home,
        &[
            "session",
            "start",
            "att1",
            "--flink-conf-dir",
            &conf,
            "--attached",
        ],
        "help\nquit\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Flink session cluster att1 created"));
    assert!(
        stderr(&out).contains("Available commands:"),
        "{}",
        stderr(&out)
    );
    assert!(
        !leftovers(&server, "att1").is_empty(),
        "quit keeps the cluster"
    );

    let out = with_stdin(
        &server,
        &home,
        &[
            "session",
            "start",
            "att2",
            "--flink-conf-dir",
            &conf,
            "-Dexecution.attached=true",
        ],
        "stop\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Flink session cluster att2 stopped"),
        "{}",
        stdout(&out)
    );
    assert!(leftovers(&server, "att2").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_over_an_earlier_clusters_ha_data_warns() {
    let server = server().await;
    let home = Scratch::new("ha-leftover");
    server
        .create(
            "v1",
            "configmaps",
            Some("default"),
            serde_json::json!({"metadata": {"name": "ha2-cluster-config-map", "labels": {
                "type": "flink-native-kubernetes", "app": "ha2", "configmap-type": "high-availability"}}}),
        )
        .expect("an HA ConfigMap left by an earlier cluster");
    let ha = [
        "-Dhigh-availability.type=kubernetes",
        "-Dhigh-availability.storageDir=s3://bucket/ha",
    ];
    let out = start(&server, &home, "ha2", &ha);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 HA ConfigMaps of an earlier cluster ha2")
            && stderr(&out).contains("kubectl flink cleanup ha2 -n default"),
        "{}",
        stderr(&out)
    );
    let out = start(&server, &home, "fresh", &ha);
    assert!(
        !stderr(&out).contains("earlier cluster"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_wait_says_what_it_left() {
    let server = server().await;
    let home = Scratch::new("ctrl-c-wait");
    let conf = golden_conf();
    let kubeconfig = server.kubeconfig_path().display().to_string();
    // No JobManager answers behind the pod: --wait would run until its timeout.
    let child = command(home.path())
        .args([
            "--kubeconfig",
            &kubeconfig,
            "session",
            "start",
            "cc1",
            "--flink-conf-dir",
            &conf,
            "--wait",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    while server
        .object("apps/v1", "deployments", Some("default"), "cc1")
        .is_none()
    {
        assert!(Instant::now() < deadline, "the cluster was never created");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let interrupt = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupt.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "interrupted: Flink cluster cc1 was created in namespace default and keeps starting"
        ) && err.contains("kubectl flink session wait cc1 -n default"),
        "{err}"
    );
    assert!(
        !leftovers(&server, "cc1").is_empty(),
        "nothing is rolled back after creation succeeded"
    );
}

#[test]
fn session_start_creates_owned_objects_and_stop_lets_the_garbage_collector_remove_them() {
    let Some(k) = Cluster::new("start-stop") else {
        return;
    };
    let out = k.start("c1", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let deployment = k.get("deployment/c1");
    let uid = deployment["metadata"]["uid"].as_str().expect("uid");
    for name in ["service/c1-rest", "service/c1", "configmap/flink-config-c1"] {
        let object = k.get(name);
        let owner = &object["metadata"]["ownerReferences"][0];
        assert_eq!(owner["uid"], uid, "{name} is owned by the Deployment");
        assert_eq!(owner["controller"], true);
    }
    // The real controllers made a ReplicaSet and a JobManager pod, and kwok runs it.
    let pods = k.get("pods");
    assert!(
        pods["items"].as_array().is_some_and(|p| p
            .iter()
            .any(|p| p["metadata"]["labels"]["component"] == "jobmanager")),
        "{pods}"
    );

    // No Flink answers behind the pod (and the real API server refuses to
    // proxy to loopback pod IPs): stop falls back to deleting the Deployment,
    // and the real garbage collector removes what it owned.
    let out = k.flink(&[
        "session",
        "stop",
        "c1",
        "--grace-period",
        "1s",
        "--timeout",
        "90s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "Flink session cluster c1 stopped in namespace {}",
            k.namespace
        )),
        "{}",
        stdout(&out)
    );
    assert_eq!(k.until_gone("c1"), Vec::<String>::new());
}

#[test]
fn an_existing_cluster_is_left_alone() {
    let Some(k) = Cluster::new("existing") else {
        return;
    };
    assert_eq!(k.start("c1", &[]).status.code(), Some(0));
    let before = k.get("deployment/c1")["metadata"]["uid"].clone();
    let out = k.start("c1", &["-Dtaskmanager.numberOfTaskSlots=8"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        k.get("deployment/c1")["metadata"]["uid"],
        before,
        "not replaced"
    );
    assert!(
        !k.get("configmap/flink-config-c1")["data"]["config.yaml"]
            .as_str()
            .unwrap_or_default()
            .contains("numberOfTaskSlots: 8"),
        "the first cluster's configuration is kept"
    );
}

#[test]
fn an_object_the_real_api_server_refuses_rolls_the_whole_cluster_back() {
    let Some(k) = Cluster::new("rollback") else {
        return;
    };
    // Real admission: a quota that admits no ConfigMap refuses flink-config-<id>.
    k.apply(
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: no-configmaps}\nspec: {hard: {configmaps: \"1\"}}\n",
    );
    // kube-root-ca.crt already uses the one ConfigMap the quota allows.
    let deadline = Instant::now() + Duration::from_secs(30);
    while k.get("resourcequota/no-configmaps")["status"]["used"]["configmaps"] != "1" {
        assert!(
            Instant::now() < deadline,
            "the quota controller counts ConfigMaps"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = k.start("q1", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("exceeded quota"),
        "the real message: {message}"
    );
    assert_eq!(
        k.until_gone("q1"),
        Vec::<String>::new(),
        "nothing is left half-made"
    );
}

#[test]
fn an_unschedulable_jobmanager_is_diagnosed_from_the_real_schedulers_events() {
    let Some(k) = Cluster::new("unschedulable") else {
        return;
    };
    let out = k.start(
        "u1",
        &[
            "-Dkubernetes.jobmanager.node-selector=disktype:none",
            "--wait",
            "--timeout",
            "120s",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Unschedulable")
            && err.contains("node(s) didn't match Pod's node affinity/selector"),
        "{err}"
    );
    assert!(
        err.contains(&format!("--kubeconfig {}", k.kubeconfig)),
        "the suggested commands reach the same cluster: {err}"
    );
    // Left for inspection, as the message says.
    assert!(!k.objects_of("u1").is_empty());
}
