//! `session stop` and `app stop` on the imitation API server: graceful
//! through a real Flink JobManager, deleting the Deployment when Flink cannot
//! be reached, objects applied from a dry run, a cluster placed by the conf
//! dir. (Stop with the real garbage collector: `session_start.rs`; with a real
//! JobManager on the real control plane: `jobs.rs`.)

mod common;

use common::imitation::*;
use common::*;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

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
