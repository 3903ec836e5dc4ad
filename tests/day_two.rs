//! Day two, for real: `status`, `logs -f` and `report` of a session cluster on the real
//! Kubernetes control plane (kube-kit), its JobManager and TaskManagers Flink's own processes
//! (`FlinkPods`). `logs -f` picks up the TaskManager the JobManager creates during the follow
//! and says when it goes; a TaskManager pod deleted under a running job puts the job's root cause
//! in `status`; `report` bundles the pods' logs and Flink's exceptions. One test function: one
//! Flink cluster at a time fits the 2-core machine.

mod common;

use common::real::{Cluster, ok_with_pods};
use common::*;
use kube_kit::{FlinkPods, FlinkPodsOptions, PodProcess};
use serde_json::Value;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn live(p: &PodProcess, component: &str) -> bool {
    p.cluster_id == "d2" && p.component == component && p.exit.is_none() && !p.deleted
}

/// Waits (bounded) until `pred` holds for `status d2 -o json`; that report.
fn until_status(k: &Cluster, what: &str, pods: &FlinkPods, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let out = k.flink(&["status", "d2", "-o", "json"]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if pred(&report) {
            return report;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {report}\n{}\n{}",
            stderr(&out),
            pods.log_tails(30)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn status_logs_and_report_of_a_real_session_whose_taskmanager_dies() {
    let Some(k) = Cluster::new("day-two") else {
        return;
    };
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let jar = flink_kit::jobjar::streaming_job_jar(&flink_home).expect("the job jar");
    let pods = FlinkPods::run_with(k.cp, &k.namespace, &flink_home, FlinkPodsOptions::default())
        .expect("FlinkPods");
    let conf = golden_conf();
    ok_with_pods(&k.flink(&["rbac-setup"]), "rbac-setup", &pods);
    let out = k.flink(&[
        "session",
        "start",
        "d2",
        "--flink-conf-dir",
        &conf,
        "--wait",
        "--timeout",
        "4m",
        "-Dkubernetes.service-account=flink",
        "-Djobmanager.memory.process.size=1g",
        "-Dtaskmanager.memory.process.size=1g",
        "-Dtaskmanager.numberOfTaskSlots=1",
        "-Dkubernetes.jobmanager.cpu=0.2",
        "-Dkubernetes.taskmanager.cpu=0.2",
        "-Dheartbeat.timeout=15000",
    ]);
    ok_with_pods(&out, "session start", &pods);
    let jobmanager = k.until_jobmanager_ready("d2");

    // `logs -f` from before the job: the TaskManager comes during the follow.
    let follow_out = k.home.path().join("follow.out");
    let follow_err = k.home.path().join("follow.err");
    let mut follow = command(k.home.path())
        .args(["--kubeconfig", &k.kubeconfig, "logs", "d2", "-f"])
        .stdout(Stdio::from(
            std::fs::File::create(&follow_out).expect("follow.out"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(&follow_err).expect("follow.err"),
        ))
        .spawn()
        .expect("logs -f");

    let jar_arg = jar.display().to_string();
    let out = k.flink(&[
        "session",
        "run",
        "d2",
        &jar_arg,
        "-c",
        flink_kit::jobjar::STREAMING_JOB_CLASS,
    ]);
    ok_with_pods(&out, "session run", &pods);
    let job = stdout(&out).trim().to_string();
    let report = until_status(&k, "the job running and checkpointed", &pods, |r| {
        r["jobs"][0]["state"] == "RUNNING"
            && r["jobs"][0]["checkpoints"]["completed"]
                .as_u64()
                .unwrap_or(0)
                >= 1
    });
    assert_eq!(report["jobs"][0]["id"], job.as_str(), "{report}");
    assert_eq!(report["jobs"][0]["lastException"], Value::Null, "{report}");
    let taskmanager = pods
        .pods()
        .into_iter()
        .find(|p| live(p, "taskmanager"))
        .expect("a TaskManager process")
        .name;
    assert!(
        report["taskmanagers"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t["name"] == taskmanager.as_str()),
        "status lists the TaskManager pod: {report}"
    );

    // The TaskManager dies under the running job: the root cause is in `status`.
    let killed =
        k.cp.kubectl()
            .args([
                "delete",
                "pod",
                &taskmanager,
                "-n",
                &k.namespace,
                "--wait=false",
            ])
            .output()
            .expect("kubectl delete pod");
    assert!(killed.status.success(), "{}", stderr(&killed));
    let report = until_status(&k, "the TaskManager's loss as the root cause", &pods, |r| {
        r["jobs"][0]["lastException"].is_string()
    });
    let cause = report["jobs"][0]["lastException"]
        .as_str()
        .unwrap_or_default();
    // Flink's own root cause of a TaskManager pod deleted under it.
    assert!(
        cause.contains("The TaskExecutor is shutting down"),
        "the root cause is the TaskManager's end: {cause}"
    );
    let text = k.flink(&["status", "d2"]);
    ok_with_pods(&text, "status", &pods);
    assert!(
        stdout(&text).contains("The TaskExecutor is shutting down"),
        "{}",
        stdout(&text)
    );

    // `report`: the pods' logs and Flink's exceptions, in one bundle.
    let file = k.home.path().join("d2.tar.gz");
    let out = k.flink(&["report", "d2", "--file", &file.display().to_string()]);
    ok_with_pods(&out, "report", &pods);
    let listing = std::process::Command::new("tar")
        .args(["tzf", &file.display().to_string()])
        .output()
        .expect("tar");
    let listing = stdout(&listing);
    for expected in [
        format!("flink-report-d2/logs/{jobmanager}.log"),
        format!("flink-report-d2/rest/jobs/{job}/exceptions.json"),
        "flink-report-d2/objects/deployment-d2.json".to_string(),
    ] {
        assert!(listing.contains(&expected), "{expected} in {listing}");
    }

    // The follow saw the JobManager, the TaskManager's lines, and when it went.
    std::thread::sleep(Duration::from_secs(3));
    let _ = follow.kill();
    let _ = follow.wait();
    let out = std::fs::read_to_string(&follow_out).unwrap_or_default();
    let err = std::fs::read_to_string(&follow_err).unwrap_or_default();
    assert!(
        out.lines()
            .any(|l| l.starts_with(&format!("[{jobmanager}] "))),
        "JobManager lines: {err}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with(&format!("[{taskmanager}] "))),
        "TaskManager lines in the follow: {err}"
    );
    assert!(err.contains(&format!("[{taskmanager}] following")), "{err}");
    assert!(err.contains(&format!("[{taskmanager}] ended")), "{err}");

    ok_with_pods(
        &k.flink(&["session", "stop", "d2", "--timeout", "2m"]),
        "session stop",
        &pods,
    );
}
