//! Getting started, for real: on the real Kubernetes control plane (kube-kit), with Flink's own
//! pods running as local processes (kube-kit's `FlinkPods` plays the kubelet), the README's
//! session and application flows end to end. The JobManager talks to the real API server with
//! its pod's service-account token and creates its TaskManager pods itself, with exactly the
//! rights `rbac-setup` granted. One test function: two Flink clusters at a time would not fit on
//! the 2-core machine.

mod common;

use common::real::{Cluster, flink_pods_with_job_jar, ok_with_pods};
use common::*;
use kube_kit::{FlinkPods, PodProcess};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// Waits (bounded) until `pred` holds for the pods the harness runs.
fn until_pods(
    pods: &FlinkPods,
    what: &str,
    timeout: Duration,
    pred: impl Fn(&[PodProcess]) -> bool,
) -> Vec<PodProcess> {
    let deadline = Instant::now() + timeout;
    loop {
        let now = pods.pods();
        if pred(&now) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "{what} within {timeout:?}: {now:#?}\njournal: {:#?}\n{}",
            pods.journal(),
            pods.log_tails(40)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn live(p: &PodProcess, cluster: &str, component: &str) -> bool {
    p.cluster_id == cluster && p.component == component && p.exit.is_none() && !p.deleted
}

/// The job's one task is RUNNING on a TaskManager (REST of the JobManager process, directly).
fn until_task_running(pods: &FlinkPods, jobmanager: &PodProcess, job: &str) -> Value {
    let rest = flink_kit::rest::RestClient::new((jobmanager.address, 8081).into());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok((200, body)) = rest.get(&format!("/jobs/{job}")) {
            let job = flink_kit::rest::json(&body);
            if job["state"] == "RUNNING" && job["vertices"][0]["status"] == "RUNNING" {
                return job;
            }
        }
        assert!(
            Instant::now() < deadline,
            "job {job} not RUNNING on a TaskManager within 120 s\n{}",
            pods.log_tails(40)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A TaskManager pod of `id`, checked to be the JobManager's own: owned by its Deployment and
/// created by a client that is not kubectl-flink's or kube-kit's.
fn assert_taskmanager_pod_made_by_the_jobmanager(k: &Cluster, id: &str) -> String {
    let pods = k.get("pods");
    let tm = pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| {
            p["metadata"]["labels"]["app"] == id
                && p["metadata"]["labels"]["component"] == "taskmanager"
        })
        .unwrap_or_else(|| panic!("no TaskManager pod of {id}: {pods}"))
        .clone();
    let name = tm["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // kubectl hides managedFields unless asked: who wrote the pod.
    let out =
        k.cp.kubectl()
            .args([
                "get",
                "pod",
                &name,
                "-n",
                &k.namespace,
                "-o",
                "json",
                "--show-managed-fields",
            ])
            .output()
            .expect("kubectl get pod");
    let tm: Value = serde_json::from_slice(&out.stdout).expect("the TaskManager pod");
    let owner = &tm["metadata"]["ownerReferences"][0];
    assert_eq!(owner["kind"], "Deployment", "{tm}");
    assert_eq!(owner["name"], id, "{tm}");
    assert_eq!(tm["spec"]["serviceAccountName"], "flink", "{tm}");
    let managers: Vec<&str> = tm["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["operation"] == "Update" && m["subresource"].is_null())
        .filter_map(|m| m["manager"].as_str())
        .collect();
    eprintln!("TaskManager pod {name} written by {managers:?}");
    // Flink's Kubernetes client (fabric8) names itself `flink` as field manager; kubectl-flink
    // and kube-kit never do.
    assert!(
        managers.contains(&"flink"),
        "the TaskManager pod was created by Flink's Kubernetes client: {managers:?}"
    );
    name
}

#[test]
fn getting_started_session_then_application_with_flinks_own_pods() {
    let Some(k) = Cluster::new("getting-started") else {
        return;
    };
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let started = Instant::now();
    let (pods, jar, jar_name) = flink_pods_with_job_jar(&k, &flink_home);
    let savepoints = k.home.path().join("savepoints");
    let savepoint_dir = format!("file://{}", savepoints.display());
    let conf = golden_conf();
    let small = [
        "-Dkubernetes.service-account=flink",
        "-Djobmanager.memory.process.size=1g",
        "-Dtaskmanager.memory.process.size=1g",
        "-Dtaskmanager.numberOfTaskSlots=1",
        "-Dparallelism.default=1",
        "-Dkubernetes.jobmanager.cpu=0.2",
        "-Dkubernetes.taskmanager.cpu=0.2",
    ];

    // 1. rbac-setup: the service account the JobManager runs as.
    let out = k.flink(&["rbac-setup"]);
    ok_with_pods(&out, "rbac-setup", &pods);

    // 2. A session cluster: the JobManager process starts and the REST API answers through
    //    the real API server's port-forward.
    let sp = format!("-Dexecution.checkpointing.savepoint-dir={savepoint_dir}");
    let mut args = vec![
        "session",
        "start",
        "s1",
        "--flink-conf-dir",
        &conf,
        "--wait",
        "--timeout",
        "4m",
        &sp,
    ];
    args.extend_from_slice(&small);
    let out = k.flink(&args);
    ok_with_pods(&out, "session start --wait", &pods);
    let t_session = started.elapsed();
    let now = until_pods(
        &pods,
        "the session JobManager runs",
        Duration::from_secs(10),
        |p| p.iter().any(|p| live(p, "s1", "jobmanager")),
    );
    let jobmanager = now
        .iter()
        .find(|p| live(p, "s1", "jobmanager"))
        .expect("the JobManager")
        .clone();
    assert_eq!(jobmanager.service_account, "flink");

    // `kubectl logs` of the JobManager pod is its process's output (kwok serves the CRI file).
    let logs =
        k.cp.kubectl()
            .args(["logs", "-n", &k.namespace, &jobmanager.name])
            .output()
            .expect("kubectl logs");
    assert!(
        stdout(&logs).contains("KubernetesSessionClusterEntrypoint"),
        "kubectl logs: {} {}",
        stdout(&logs),
        stderr(&logs)
    );

    // 3. session run: the JobManager asks the real API server for a TaskManager pod, the
    //    harness runs it, and the job's task runs there.
    let jar_arg = jar.display().to_string();
    let out = k.flink(&[
        "session",
        "run",
        "s1",
        &jar_arg,
        "-c",
        flink_kit::jobjar::STREAMING_JOB_CLASS,
    ]);
    ok_with_pods(&out, "session run", &pods);
    let job = stdout(&out).trim().to_string();
    assert_eq!(job.len(), 32, "a job id: {job}");
    until_task_running(&pods, &jobmanager, &job);
    let t_running = started.elapsed();
    let tm_pod = assert_taskmanager_pod_made_by_the_jobmanager(&k, "s1");
    let now = pods.pods();
    assert!(
        now.iter()
            .any(|p| p.name == tm_pod && live(p, "s1", "taskmanager")),
        "the TaskManager pod {tm_pod} runs as a process: {now:#?}"
    );
    let rest = flink_kit::rest::RestClient::new((jobmanager.address, 8081).into());
    let (_, body) = rest.get("/taskmanagers").expect("GET /taskmanagers");
    assert!(
        body.contains(&tm_pod),
        "the TaskManager registered under its pod name: {body}"
    );

    // 4. session list, savepoint, stop.
    let out = k.flink(&["session", "list", "s1"]);
    ok_with_pods(&out, "session list", &pods);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with(&job) && l.contains("RUNNING")),
        "{}",
        stdout(&out)
    );
    let out = k.flink(&["session", "savepoint", "s1", &job]);
    ok_with_pods(&out, "session savepoint", &pods);
    let location = stdout(&out).trim().to_string();
    let path = location.trim_start_matches("file:");
    assert!(
        Path::new(path).join("_metadata").is_file(),
        "a savepoint on disk at {location}"
    );
    let out = k.flink(&["session", "stop", "s1", "--timeout", "2m"]);
    ok_with_pods(&out, "session stop", &pods);
    assert_eq!(
        k.until_gone_within("s1", Duration::from_secs(90)),
        Vec::<String>::new(),
        "nothing of the session cluster is left"
    );
    until_pods(
        &pods,
        "every process of s1 ended",
        Duration::from_secs(30),
        |p| {
            p.iter()
                .filter(|p| p.cluster_id == "s1")
                .all(|p| p.exit.is_some() || p.deleted)
        },
    );
    let t_session_done = started.elapsed();

    // 5. Application mode: the job jar is in the "image" (`/opt/flink/usrlib`).
    let image_jar = format!("local:///opt/flink/usrlib/{jar_name}");
    let mut args = vec![
        "app",
        "run",
        "--cluster-id",
        "a1",
        "--flink-conf-dir",
        &conf,
        "--wait",
        "--timeout",
        "4m",
        &sp,
        "-c",
        flink_kit::jobjar::STREAMING_JOB_CLASS,
    ];
    args.extend_from_slice(&small);
    args.push(&image_jar);
    let out = k.flink(&args);
    ok_with_pods(&out, "app run --wait", &pods);
    let now = until_pods(
        &pods,
        "the application JobManager runs",
        Duration::from_secs(10),
        |p| p.iter().any(|p| live(p, "a1", "jobmanager")),
    );
    let app_jm = now
        .iter()
        .find(|p| live(p, "a1", "jobmanager"))
        .expect("the JobManager")
        .clone();
    let out = k.flink(&["app", "list", "a1", "-o", "json"]);
    ok_with_pods(&out, "app list", &pods);
    let listed: Value = serde_json::from_slice(&out.stdout).expect("app list -o json");
    let app_job = listed["items"][0]["jid"]
        .as_str()
        .unwrap_or_else(|| panic!("a job in {listed}"))
        .to_string();
    until_task_running(&pods, &app_jm, &app_job);
    assert_taskmanager_pod_made_by_the_jobmanager(&k, "a1");
    let t_app_running = started.elapsed();
    let out = k.flink(&["app", "savepoint", "a1", &app_job, "--stop"]);
    ok_with_pods(&out, "app savepoint --stop", &pods);
    let location = stdout(&out).trim().to_string();
    assert!(
        Path::new(location.trim_start_matches("file:"))
            .join("_metadata")
            .is_file(),
        "a savepoint on disk at {location}"
    );
    // Flink's application mode: the job finished, the JobManager deletes its own Deployment.
    assert_eq!(
        k.until_gone_within("a1", Duration::from_secs(120)),
        Vec::<String>::new(),
        "the application cluster went away by itself\njournal: {:#?}\n{}",
        pods.journal(),
        pods.log_tails(30)
    );
    until_pods(
        &pods,
        "every process of a1 ended",
        Duration::from_secs(30),
        |p| {
            p.iter()
                .filter(|p| p.cluster_id == "a1")
                .all(|p| p.exit.is_some() || p.deleted)
        },
    );
    eprintln!(
        "TIMING session ready {t_session:.1?}, job running {t_running:.1?}, session gone {t_session_done:.1?}, app running {t_app_running:.1?}, all done {:.1?}",
        started.elapsed()
    );
}
