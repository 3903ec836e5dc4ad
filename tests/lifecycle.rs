//! A cluster's life after creation, on the test API server: `--wait`,
//! `get`, `session stop`, `session attach` — with a real Flink JobManager
//! behind the JobManager pod where Flink's REST API matters.

mod common;

use common::*;
use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use test_apiserver::{ApiServer, PodFailure, ServerOptions};

async fn server() -> ApiServer {
    ApiServer::start(ServerOptions::default())
        .await
        .expect("test API server")
}

fn flink(server: &ApiServer, home: &Scratch, args: &[&str]) -> Output {
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let mut argv = vec!["--kubeconfig", kubeconfig.as_str()];
    argv.extend_from_slice(args);
    run(home.path(), &argv)
}

fn start(server: &ApiServer, home: &Scratch, id: &str, extra: &[&str]) -> Output {
    let conf = golden_conf();
    let mut args = vec!["session", "start", id, "--flink-conf-dir", conf.as_str()];
    args.extend_from_slice(extra);
    flink(server, home, &args)
}

fn with_stdin(server: &ApiServer, home: &Scratch, args: &[&str], input: &str) -> Output {
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
fn leftovers(server: &ApiServer, id: &str) -> Vec<String> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_deletes_the_deployment_when_flink_cannot_be_reached() {
    let server = server().await;
    let home = Scratch::new("stop-fallback");
    assert_eq!(start(&server, &home, "s1", &[]).status.code(), Some(0));
    let out = flink(
        &server,
        &home,
        &[
            "session",
            "stop",
            "s1",
            "--grace-period",
            "1s",
            "--timeout",
            "60s",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Flink session cluster s1 stopped in namespace default."));
    assert!(
        stderr(&out).contains("deleted the Deployment instead"),
        "{}",
        stderr(&out)
    );
    assert!(
        leftovers(&server, "s1").is_empty(),
        "stop waits until all is gone: {:?}",
        leftovers(&server, "s1")
    );

    let out = flink(&server, &home, &["session", "stop", "s1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Flink cluster s1 not found in namespace default"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_reads_commands_from_stdin_and_stop_removes_the_cluster() {
    let server = server().await;
    let home = Scratch::new("attach");
    assert_eq!(start(&server, &home, "a1", &[]).status.code(), Some(0));

    let out = with_stdin(
        &server,
        &home,
        &["session", "attach", "a1"],
        "help\nbogus\nquit\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Available commands:") && err.contains("Unknown command 'bogus'"),
        "{err}"
    );
    assert!(
        !leftovers(&server, "a1").is_empty(),
        "quit keeps the cluster"
    );

    let out = with_stdin(&server, &home, &["session", "attach", "a1"], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "end of input detaches: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("Detached"));

    let out = with_stdin(&server, &home, &["session", "attach", "a1"], "stop\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        leftovers(&server, "a1").is_empty(),
        "{:?}",
        leftovers(&server, "a1")
    );

    let out = with_stdin(&server, &home, &["session", "attach", "a1"], "");
    assert_eq!(
        out.status.code(),
        Some(1),
        "attaching to a missing cluster fails"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_fails_fast_with_the_pods_events_when_the_image_cannot_be_pulled() {
    let server = server().await;
    server.fail_pod(
        "default",
        "app=w1,component=jobmanager",
        PodFailure::ImagePullBackOff,
    );
    let home = Scratch::new("wait-fail");
    let began = Instant::now();
    let out = start(
        &server,
        &home,
        "w1",
        &[
            "--wait",
            "--timeout",
            "2m",
            "-Dkubernetes.container.image.ref=no/such:image",
        ],
    );
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "fails fast, not at the timeout"
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot start (ImagePullBackOff"), "{err}");
    assert!(
        err.contains("warning: pod w1-"),
        "the pod's events are shown: {err}"
    );
    assert!(
        err.lines()
            .last()
            .unwrap_or_default()
            .starts_with("error: "),
        "{err}"
    );
}

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
            &["-Dkubernetes.rest-service.exposed.type=NodePort"]
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
async fn a_real_jobmanager_is_waited_for_listed_and_stopped_gracefully() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let mut jobmanager = tokio::task::spawn_blocking(move || {
        flink_kit::jobmanager::StandaloneSession::start(&flink_home)
    })
    .await
    .expect("join")
    .expect("a standalone Flink JobManager");
    let server = server().await;
    server.attach_backend(
        "default",
        "app=real,component=jobmanager",
        8081,
        jobmanager.rest_addr(),
    );
    let home = Scratch::new("real");

    let out = start(&server, &home, "real", &["--wait", "--timeout", "60s"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = flink(&server, &home, &["get", "real", "-o", "json"]);
    let cluster: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(cluster["runningJobs"], 0, "{cluster}");
    assert_eq!(cluster["flinkVersion"], "2.3.0");

    let out = flink(
        &server,
        &home,
        &[
            "session",
            "stop",
            "real",
            "--grace-period",
            "1s",
            "--timeout",
            "60s",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("deleted the Deployment instead"),
        "Flink took the graceful shutdown: {}",
        stderr(&out)
    );
    assert!(leftovers(&server, "real").is_empty());
    let exited = tokio::task::spawn_blocking(move || {
        jobmanager.wait_jobmanager_exit(Duration::from_secs(30))
    })
    .await
    .expect("join");
    assert!(exited.is_some(), "DELETE /cluster shut the JobManager down");
}

/// A one-shot HTTP server answering every request with `body`.
fn http_backend(body: &'static str) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind backend");
    let addr = listener.local_addr().expect("backend address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buffer);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    addr
}

/// `kubectl flink port-forward ID --port 0` running, and its local address.
async fn spawn_port_forward(
    server: &ApiServer,
    home: &Scratch,
    id: &str,
) -> (std::process::Child, String) {
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let mut child = command(home.path())
        .args([
            "--kubeconfig",
            &kubeconfig,
            "port-forward",
            id,
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn port-forward");
    let stdout_pipe = child.stdout.take().expect("stdout");
    let reading = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout_pipe), &mut line)
            .map(|_| line)
    });
    let Ok(read) = tokio::time::timeout(Duration::from_secs(30), reading).await else {
        let _ = child.kill();
        panic!("port-forward printed nothing within 30s");
    };
    let line = read.expect("join").expect("first line");
    let local = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no local address in {line:?}"))
        .to_string();
    (child, local)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_forward_says_why_a_connection_failed() {
    let server = server().await;
    let home = Scratch::new("port-forward-refused");
    assert_eq!(start(&server, &home, "pf2", &[]).status.code(), Some(0));
    // The pod is Ready but nothing listens on its REST port.
    let (mut child, local) = spawn_port_forward(&server, &home, "pf2").await;
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&local).expect("connect");
        let _ = stream.write_all(b"GET /overview HTTP/1.1\r\nHost: localhost\r\n\r\n");
        let mut answer = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stream, &mut answer);
    })
    .await
    .expect("join");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let _ = child.kill();
    let output = child.wait_with_output().expect("wait");
    let err = stderr(&output);
    assert!(
        err.lines()
            .any(|l| l.contains("connection to pod pf2-") && l.contains("failed:")),
        "one line per failed connection, with the reason: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_forward_serves_the_jobmanager_on_a_local_port() {
    let server = server().await;
    let backend = http_backend("{\"flink-version\":\"2.3.0\"}");
    server.attach_backend("default", "app=pf1,component=jobmanager", 8081, backend);
    let home = Scratch::new("port-forward");
    let out = start(&server, &home, "pf1", &[]);
    assert!(
        stdout(&out).contains("kubectl flink port-forward pf1 -n default"),
        "{}",
        stdout(&out)
    );

    let (mut child, local) = spawn_port_forward(&server, &home, "pf1").await;
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream =
            std::net::TcpStream::connect(&local).expect("connect to the forwarded port");
        stream
            .write_all(b"GET /overview HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .expect("request");
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).expect("response");
        answer
    })
    .await
    .expect("join");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("2.3.0"),
        "{answer}"
    );

    let out = flink(&server, &home, &["port-forward", "nope", "--port", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no JobManager pod"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_run_waits_until_the_job_runs_and_lists_it() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let application = tokio::task::spawn_blocking(move || {
        let jar = flink_kit::jobjar::streaming_job_jar(&flink_home)?;
        flink_kit::jobmanager::StandaloneApplication::start(
            &flink_home,
            &jar,
            flink_kit::jobjar::STREAMING_JOB_CLASS,
            &[],
        )
    })
    .await
    .expect("join")
    .expect("a standalone application cluster");
    let server = server().await;
    server.attach_backend(
        "default",
        "app=appw,component=jobmanager",
        8081,
        application.rest_addr(),
    );
    let home = Scratch::new("app-wait");
    let conf = golden_conf();
    let out = flink(
        &server,
        &home,
        &[
            "app",
            "run",
            "--cluster-id",
            "appw",
            "--flink-conf-dir",
            &conf,
            "--wait",
            "--timeout",
            "90s",
            "local:///opt/flink/usrlib/job.jar",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Flink application cluster appw created"),
        "{}",
        stdout(&out)
    );
    let out = flink(&server, &home, &["app", "list", "appw", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("RUNNING"), "{}", stdout(&out));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_placed_by_the_conf_dir_is_found_again_by_get_and_stop() {
    let server = server().await;
    server
        .create(
            "v1",
            "namespaces",
            None,
            serde_json::json!({"metadata": {"name": "flinkns"}}),
        )
        .expect("namespace");
    let home = Scratch::new("conf-namespace");
    let stock = std::fs::read_to_string(flink_kit::golden::conf_dir().join("config.yaml"))
        .expect("stock config");
    let conf = home.write(
        "conf/config.yaml",
        &format!("{stock}\nkubernetes.namespace: flinkns\n"),
    );
    let conf_dir = conf.parent().expect("conf dir").display().to_string();
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let with_conf = |args: &[&str]| {
        command(home.path())
            .env("FLINK_CONF_DIR", &conf_dir)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(args)
            .output()
            .expect("run")
    };
    let out = with_conf(&["session", "start", "placed"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("in namespace flinkns"),
        "{}",
        stdout(&out)
    );
    let out = with_conf(&["get", "-o", "name"]);
    assert_eq!(
        stdout(&out),
        "deployment.apps/placed\n",
        "get looks there too: {}",
        stderr(&out)
    );
    let out = with_conf(&[
        "session",
        "stop",
        "placed",
        "--grace-period",
        "1s",
        "--timeout",
        "60",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stop looks where start created: {}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("stopped in namespace flinkns"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_fails_fast_when_the_jobmanager_keeps_crashing() {
    let server = server().await;
    server.fail_pod(
        "default",
        "app=crash,component=jobmanager",
        PodFailure::CrashLoopBackOff,
    );
    let home = Scratch::new("wait-crash");
    let began = Instant::now();
    let out = start(&server, &home, "crash", &["--wait", "--timeout", "2m"]);
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "fails fast, not at the timeout"
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot start (CrashLoopBackOff"), "{err}");
    assert!(
        err.contains("kubectl flink cleanup crash"),
        "names how to remove it: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_applied_from_a_dry_run_is_stopped_completely() {
    let server = server().await;
    let home = Scratch::new("stop-applied");
    let conf = golden_conf();
    let out = flink(
        &server,
        &home,
        &[
            "session",
            "start",
            "dr1",
            "--flink-conf-dir",
            &conf,
            "--dry-run=client",
            "-o",
            "yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // `kubectl apply -f -` creates the objects without owner references.
    let mut apply = std::process::Command::new("kubectl")
        .args([
            "--kubeconfig",
            &server.kubeconfig_path().display().to_string(),
            "apply",
            "-f",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl (CI=true requires it)");
    apply
        .stdin
        .take()
        .expect("stdin")
        .write_all(&out.stdout)
        .expect("write the objects");
    let applied = apply.wait_with_output().expect("kubectl apply");
    assert!(applied.status.success(), "{}", stderr(&applied));
    assert!(
        leftovers(&server, "dr1").len() >= 4,
        "{:?}",
        leftovers(&server, "dr1")
    );

    let out = flink(
        &server,
        &home,
        &[
            "session",
            "stop",
            "dr1",
            "--grace-period",
            "1s",
            "--timeout",
            "60s",
            "-o",
            "name",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        leftovers(&server, "dr1").is_empty(),
        "stop finds the cluster's objects by label and name, not only by owner: {:?}",
        leftovers(&server, "dr1")
    );
    let names = stdout(&out);
    for object in [
        "deployment.apps/dr1",
        "service/dr1-rest",
        "configmap/flink-config-dr1",
    ] {
        assert!(names.lines().any(|l| l == object), "{object} in {names}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_stop_stops_an_application_cluster_and_names_its_mode() {
    let server = server().await;
    let home = Scratch::new("app-stop");
    let conf = golden_conf();
    let out = flink(
        &server,
        &home,
        &[
            "app",
            "run",
            "--cluster-id",
            "ap1",
            "--flink-conf-dir",
            &conf,
            "local:///opt/flink/usrlib/job.jar",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = flink(
        &server,
        &home,
        &[
            "app",
            "stop",
            "ap1",
            "--grace-period",
            "1s",
            "--timeout",
            "60s",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Flink application cluster ap1 stopped"),
        "{}",
        stdout(&out)
    );
    assert!(
        leftovers(&server, "ap1").is_empty(),
        "{:?}",
        leftovers(&server, "ap1")
    );
    let out = flink(&server, &home, &["app", "stop", "ap1", "-o", "json"]);
    assert_eq!(out.status.code(), Some(2), "-o json does not apply to stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_wait_shows_progress_and_says_how_to_wait_again() {
    let server = server().await;
    let home = Scratch::new("session-wait");
    assert_eq!(start(&server, &home, "w1", &[]).status.code(), Some(0));
    // No JobManager answers behind this pod: the wait runs out.
    let out = flink(
        &server,
        &home,
        &["session", "wait", "w1", "--timeout", "2s"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("… Flink cluster w1: JobManager running")),
        "one progress line per change on a pipe: {err}"
    );
    let kubeconfig = server.kubeconfig_path().display().to_string();
    assert!(
        err.contains("it exists and keeps starting")
            && err.contains(&format!(
                "wait again with `kubectl flink session wait w1 -n default --kubeconfig {kubeconfig}`"
            )),
        "the suggested command talks to the same cluster: {err}"
    );
    let out = flink(&server, &home, &["session", "wait", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Flink cluster nosuch not found in namespace default"),
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
