//! `upgrade`: the new spec is the running cluster's own configuration with only the asked
//! changes (its dry run equals `app run`/`session start` given the same options plus the
//! changes, on the imitation API server); on the real control plane with Flink's own pods, an
//! upgrade restores the job's state from its savepoint and a broken one rolls back by itself to a
//! running job; and the mistakes users make.

mod common;

use common::imitation::*;
use common::real::Cluster;
use common::*;
use kube_kit::{FlinkPods, PodProcess};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

/// Options a team would start an application with: image, program, parallelism, resources.
const APP_OPTIONS: &[&str] = &[
    "-Dkubernetes.container.image.ref=apache/flink:2.3.0-scala_2.12-java17",
    "-Dtaskmanager.numberOfTaskSlots=2",
    "-Djobmanager.memory.process.size=1200m",
    "-Dkubernetes.jobmanager.annotations=team:data",
    "-c",
    "com.example.Etl",
];

fn app_run(server: &test_apiserver::ApiServer, home: &Scratch, id: &str, extra: &[&str]) -> Output {
    let conf = golden_conf();
    let mut args = vec!["app", "run", "--cluster-id", id, "--flink-conf-dir", &conf];
    args.extend_from_slice(APP_OPTIONS);
    args.extend_from_slice(&["-p", "4"]);
    args.extend_from_slice(extra);
    args.extend_from_slice(&["local:///opt/flink/usrlib/etl.jar", "--date", "2026-11-27"]);
    flink(server, home, &args)
}

fn ok(out: &Output) -> &Output {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_renders_the_running_configuration_with_only_the_asked_changes() {
    let server = server().await;
    let home = Scratch::new("upgrade-render");
    ok(&app_run(&server, &home, "etl", &[]));

    // Nothing changed: the objects `app run` makes, restoring from the savepoint.
    let unchanged = json_items(ok(&flink(
        &server,
        &home,
        &["upgrade", "etl", "--dry-run", "-o", "json"],
    )));
    let expected = json_items(ok(&app_run(
        &server,
        &home,
        "etl",
        &["-s", "<savepoint>", "--dry-run", "-o", "json"],
    )));
    assert_eq!(unchanged, expected);

    // Changes: exactly those of `app run` with the same changes.
    let changed = json_items(ok(&flink(
        &server,
        &home,
        &[
            "upgrade",
            "etl",
            "--dry-run",
            "-o",
            "json",
            "--image",
            "registry.example.com/etl:2.3.0-2",
            "--flink-version",
            "2.3",
            "-Dtaskmanager.numberOfTaskSlots=3",
            "-Djobmanager.memory.process.size=2g",
            "-p",
            "8",
            "--jar",
            "local:///opt/flink/usrlib/etl-2.jar",
        ],
    )));
    let conf = golden_conf();
    let mut args = vec![
        "app",
        "run",
        "--cluster-id",
        "etl",
        "--flink-conf-dir",
        &conf,
    ];
    args.extend_from_slice(APP_OPTIONS);
    args.extend_from_slice(&[
        "-Dkubernetes.container.image.ref=registry.example.com/etl:2.3.0-2",
        "--flink-version",
        "2.3",
        "-Dtaskmanager.numberOfTaskSlots=3",
        "-Djobmanager.memory.process.size=2g",
        "-p",
        "8",
        "-s",
        "<savepoint>",
        "--dry-run",
        "-o",
        "json",
        "local:///opt/flink/usrlib/etl-2.jar",
        "--date",
        "2026-11-27",
    ]);
    let expected = json_items(ok(&flink(&server, &home, &args)));
    assert_eq!(changed, expected);
    let config = shipped_config(&changed, "etl");
    assert_eq!(config["taskmanager.numberOfTaskSlots"], "3", "{config}");
    assert_eq!(config["parallelism.default"], 8, "{config}");

    // A session cluster with pod templates: the same, without a program. The TaskManager's
    // template comes from the cluster's own ConfigMap (its file is gone), the JobManager's is
    // read again.
    let templates = flink_kit::golden::golden_root().join("templates");
    let tm_template = home.write(
        "tm-template.yaml",
        &std::fs::read_to_string(templates.join("taskmanager-pod-template.yaml"))
            .expect("the TaskManager template"),
    );
    let jm = format!(
        "-Dkubernetes.pod-template-file.jobmanager={}",
        templates.join("jobmanager-pod-template.yaml").display()
    );
    let tm = format!(
        "-Dkubernetes.pod-template-file.taskmanager={}",
        tm_template.display()
    );
    ok(&start(
        &server,
        &home,
        "s",
        &["-Dtaskmanager.numberOfTaskSlots=2", &jm, &tm],
    ));
    std::fs::remove_file(&tm_template).expect("remove the TaskManager template");
    let changed = json_items(ok(&flink(
        &server,
        &home,
        &[
            "upgrade",
            "s",
            "--dry-run",
            "-o",
            "json",
            "-Dtaskmanager.numberOfTaskSlots=6",
        ],
    )));
    home.write(
        "tm-template.yaml",
        &std::fs::read_to_string(templates.join("taskmanager-pod-template.yaml"))
            .expect("the TaskManager template"),
    );
    let expected = json_items(ok(&start(
        &server,
        &home,
        "s",
        &[
            "-Dtaskmanager.numberOfTaskSlots=2",
            &jm,
            &tm,
            "-Dtaskmanager.numberOfTaskSlots=6",
            "--dry-run",
            "-o",
            "json",
        ],
    )));
    assert_eq!(changed, expected);
    assert!(
        changed
            .iter()
            .any(|i| i["metadata"]["name"] == "pod-template-s"),
        "the TaskManager template travels in its ConfigMap"
    );
    // A new TaskManager template given as a change is read from its file.
    let new_tm = home.write(
        "tm-template-2.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    template: second\n",
    );
    let new_tm = format!(
        "-Dkubernetes.pod-template-file.taskmanager={}",
        new_tm.display()
    );
    let changed = json_items(ok(&flink(
        &server,
        &home,
        &["upgrade", "s", "--dry-run", "-o", "json", &new_tm],
    )));
    let shipped = changed
        .iter()
        .find(|i| i["metadata"]["name"] == "pod-template-s")
        .map(|i| i["data"].to_string())
        .unwrap_or_default();
    assert!(
        shipped.contains("second"),
        "the new template ships: {shipped}"
    );

    // A dry run changes nothing: the two creations' POSTs, nothing else written.
    let writes: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| matches!(r.method.as_str(), "PATCH" | "PUT" | "DELETE"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(writes, Vec::<String>::new(), "a dry run writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_mistakes_fail_in_one_line_and_change_nothing() {
    let server = server().await;
    let home = Scratch::new("upgrade-mistakes");
    let out = flink(&server, &home, &["upgrade", "nope"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
    assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", stderr(&out));

    assert_usage_error(
        &flink(
            &server,
            &home,
            &[
                "upgrade",
                "x",
                "--from-latest-checkpoint",
                "--directory",
                "s3://sp",
            ],
        ),
        &["--directory", "--from-latest-checkpoint"],
    );
    assert_usage_error(
        &flink(&server, &home, &["upgrade", "x", "-o", "wide"]),
        &["upgrade"],
    );

    ok(&app_run(&server, &home, "etl", &[]));
    let before = leftovers(&server, "etl");
    // A jar the cluster cannot fetch, and a -D the renderer refuses: refused before any savepoint.
    for bad in [
        vec!["upgrade", "etl", "--jar", "./etl-2.jar"],
        vec!["upgrade", "etl", "-Djobmanager.memory.process.size=lots"],
        vec!["upgrade", "etl", "--flink-version", "0.9"],
    ] {
        let out = flink(&server, &home, &bad);
        assert_ne!(out.status.code(), Some(0), "{bad:?}: {}", stdout(&out));
        assert_eq!(
            stderr(&out)
                .trim()
                .lines()
                .filter(|l| l.starts_with("error:"))
                .count(),
            1,
            "{bad:?}: {}",
            stderr(&out)
        );
        assert_eq!(leftovers(&server, "etl"), before, "{bad:?} changed nothing");
    }
    let writes: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| matches!(r.method.as_str(), "PATCH" | "PUT" | "DELETE"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        writes,
        Vec::<String>::new(),
        "a refused upgrade writes nothing"
    );
}

fn live(p: &PodProcess, cluster: &str, component: &str) -> bool {
    p.cluster_id == cluster && p.component == component && p.exit.is_none() && !p.deleted
}

/// The job of `id`, RUNNING with every task, read from its JobManager process directly.
fn until_job_runs(pods: &FlinkPods, id: &str, timeout: Duration) -> (PodProcess, String) {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(jm) = pods.pods().into_iter().find(|p| live(p, id, "jobmanager")) {
            let rest = flink_kit::rest::RestClient::new((jm.address, 8081).into());
            if let Ok((200, body)) = rest.get("/jobs/overview") {
                let overview = flink_kit::rest::json(&body);
                let running = overview["jobs"].as_array().into_iter().flatten().find(|j| {
                    j["state"] == "RUNNING" && j["tasks"]["running"] == j["tasks"]["total"]
                });
                if let Some(job) = running {
                    let job = job["jid"].as_str().unwrap_or_default().to_string();
                    return (jm, job);
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no running job of {id} within {timeout:?}\n{}",
            pods.log_tails(40)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Waits (bounded) until the job has completed a checkpoint: it has state to carry over.
fn until_checkpointed(jm: &PodProcess, job: &str) {
    let rest = flink_kit::rest::RestClient::new((jm.address, 8081).into());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok((200, body)) = rest.get(&format!("/jobs/{job}/checkpoints"))
            && flink_kit::rest::json(&body)["counts"]["completed"]
                .as_u64()
                .unwrap_or(0)
                >= 1
        {
            return;
        }
        assert!(Instant::now() < deadline, "job {job} never checkpointed");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The savepoint or checkpoint the job restored its state from (for this job, its source's
/// position in the number sequence).
fn restored_from(jm: &PodProcess, job: &str) -> Option<String> {
    let rest = flink_kit::rest::RestClient::new((jm.address, 8081).into());
    let (_, body) = rest.get(&format!("/jobs/{job}/checkpoints")).ok()?;
    flink_kit::rest::json(&body)["latest"]["restored"]["external_path"]
        .as_str()
        .map(str::to_string)
}

fn savepoint_in(stderr_text: &str, job: &str) -> String {
    stderr_text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("Savepoint of job {job}: ")))
        .unwrap_or_else(|| panic!("no savepoint of {job} in {stderr_text}"))
        .trim()
        .to_string()
}

#[test]
fn an_upgrade_keeps_the_jobs_state_and_a_broken_one_rolls_back_by_itself() {
    let Some(k) = Cluster::new("upgrade") else {
        return;
    };
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let (pods, _, jar_name) = common::real::flink_pods_with_job_jar(&k, &flink_home);
    let report = |out: &Output| {
        format!(
            "stdout: {}\nstderr: {}\n{}",
            stdout(out),
            stderr(out),
            pods.log_tails(30)
        )
    };
    let savepoints = k.home.path().join("savepoints");
    let savepoint_dir = format!(
        "-Dexecution.checkpointing.savepoint-dir=file://{}",
        savepoints.display()
    );
    let conf = golden_conf();
    let image_jar = format!("local:///opt/flink/usrlib/{jar_name}");
    let out = k.flink(&["rbac-setup"]);
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    let out = k.flink(&[
        "app",
        "run",
        "--cluster-id",
        "up",
        "--flink-conf-dir",
        &conf,
        "--wait",
        "--timeout",
        "4m",
        &savepoint_dir,
        "-Dkubernetes.service-account=flink",
        "-Djobmanager.memory.process.size=1g",
        "-Dtaskmanager.memory.process.size=1g",
        "-Dtaskmanager.numberOfTaskSlots=1",
        "-Dkubernetes.jobmanager.cpu=0.2",
        "-Dkubernetes.taskmanager.cpu=0.2",
        "-c",
        flink_kit::jobjar::STREAMING_JOB_CLASS,
        &image_jar,
    ]);
    assert_eq!(out.status.code(), Some(0), "app run: {}", report(&out));
    let (jm, job) = until_job_runs(&pods, "up", Duration::from_secs(120));
    until_checkpointed(&jm, &job);

    // 1. A change of an option: the job's state comes back from the savepoint.
    let started = Instant::now();
    let out = k.flink(&[
        "upgrade",
        "up",
        "-Dtaskmanager.numberOfTaskSlots=2",
        "--timeout",
        "3m",
    ]);
    assert_eq!(out.status.code(), Some(0), "upgrade: {}", report(&out));
    let t_upgrade = started.elapsed();
    let log = stderr(&out);
    let savepoint = savepoint_in(&log, &job);
    assert!(
        Path::new(savepoint.trim_start_matches("file:"))
            .join("_metadata")
            .is_file(),
        "the savepoint {savepoint} is on disk"
    );
    assert!(
        stdout(&out).contains("Flink application cluster up upgraded"),
        "{}",
        report(&out)
    );
    assert!(stdout(&out).contains(&savepoint), "{}", report(&out));
    let (jm2, job2) = until_job_runs(&pods, "up", Duration::from_secs(60));
    assert_ne!(jm2.name, jm.name, "a new JobManager pod");
    assert_eq!(
        restored_from(&jm2, &job2).map(|p| p.trim_end_matches('/').to_string()),
        Some(savepoint.trim_end_matches('/').to_string()),
        "the upgraded job restored its state from the savepoint"
    );
    assert!(
        log.contains(&format!("restored from {savepoint}")),
        "{}",
        report(&out)
    );
    let rest = flink_kit::rest::RestClient::new((jm2.address, 8081).into());
    let (_, config) = rest
        .get("/jobmanager/config")
        .expect("GET /jobmanager/config");
    let config = flink_kit::rest::json(&config);
    assert!(
        config
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["key"] == "taskmanager.numberOfTaskSlots" && e["value"] == "2"),
        "the new option is in effect: {config}"
    );

    // 2. A broken change (a jar the image does not have): rolled back by itself, from the
    //    same savepoint, to a running job.
    until_checkpointed(&jm2, &job2);
    let started = Instant::now();
    let out = k.flink(&[
        "upgrade",
        "up",
        "--jar",
        "local:///opt/flink/usrlib/missing.jar",
        "--timeout",
        "75s",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "broken upgrade: {}",
        report(&out)
    );
    eprintln!(
        "TIMING upgrade {t_upgrade:.1?}, broken upgrade with its rollback {:.1?} (75 s of it waiting)",
        started.elapsed()
    );
    let log = stderr(&out);
    let second = savepoint_in(&log, &job2);
    let error = log
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    assert!(
        error.contains("rolled back") && error.contains(&second),
        "{}",
        report(&out)
    );
    let (jm3, job3) = until_job_runs(&pods, "up", Duration::from_secs(60));
    assert_eq!(
        restored_from(&jm3, &job3).map(|p| p.trim_end_matches('/').to_string()),
        Some(second.trim_end_matches('/').to_string()),
        "the rolled-back job restored from the second savepoint"
    );
    let (_, config) = rest_config(&jm3);
    assert!(
        config.contains(&jar_name) && !config.contains("missing.jar"),
        "the previous jar runs again: {config}"
    );

    // 3. The history has both upgrades and the rollback, with their savepoints.
    let out = k.flink(&["history", "up", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    let history: Value = serde_json::from_slice(&out.stdout).expect("history JSON");
    let actions: Vec<&str> = history["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["upgrade", "upgrade", "rollback"], "{history}");
    assert!(history.to_string().contains(&second), "{history}");

    // 4. suspend and resume: the resumed job restores from the suspend's savepoint.
    let out = k.flink(&["suspend", "up"]);
    assert_eq!(out.status.code(), Some(0), "suspend: {}", report(&out));
    let third = savepoint_in(&stderr(&out), &job3);
    // Everything but the history is gone.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let left: Vec<String> = k
            .objects_of("up")
            .into_iter()
            .filter(|o| o != "ConfigMap/kubectl-flink-history-up")
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "suspend left {left:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
    let out = k.flink(&["resume", "up", "--wait", "--timeout", "3m"]);
    assert_eq!(out.status.code(), Some(0), "resume: {}", report(&out));
    let (jm4, job4) = until_job_runs(&pods, "up", Duration::from_secs(60));
    assert_eq!(
        restored_from(&jm4, &job4).map(|p| p.trim_end_matches('/').to_string()),
        Some(third.trim_end_matches('/').to_string()),
        "the resumed job restored from the suspend's savepoint"
    );

    let out = k.flink(&["app", "stop", "up"]);
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
}

fn rest_config(jm: &PodProcess) -> (u16, String) {
    flink_kit::rest::RestClient::new((jm.address, 8081).into())
        .get("/jobmanager/config")
        .expect("GET /jobmanager/config")
}

/// Waits (bounded) until `status` shows a completed checkpoint of the session's job.
fn until_session_checkpointed(server: &test_apiserver::ApiServer, home: &Scratch, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let out = flink(server, home, &["status", id, "-o", "json"]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let completed = report["jobs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|j| j["state"] == "RUNNING")
            .any(|j| j["checkpoints"]["completed"].as_u64().unwrap_or(0) >= 1);
        if completed {
            return;
        }
        assert!(Instant::now() < deadline, "never checkpointed: {report}");
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_upgrade_resubmits_its_job_from_the_savepoint_with_the_new_jar() {
    let Some((jobmanager, jar, server)) = relayed_session("su").await else {
        return;
    };
    let home = Scratch::new("upgrade-session");
    ok(&start(
        &server,
        &home,
        "su",
        &["--wait", "--timeout", "60s"],
    ));
    let class = flink_kit::jobjar::STREAMING_JOB_CLASS;
    let out = ok(&flink(
        &server,
        &home,
        &["session", "run", "su", &jar, "-c", class],
    ))
    .clone();
    let job = stdout(&out).trim().to_string();
    until_session_checkpointed(&server, &home, "su");
    let dir = format!("file://{}", home.path().join("savepoints").display());

    let out = flink(
        &server,
        &home,
        &[
            "upgrade",
            "su",
            "--jar",
            &jar,
            "-c",
            class,
            "--directory",
            &dir,
            "-Dtaskmanager.numberOfTaskSlots=2",
            "--timeout",
            "2m",
        ],
    );
    ok(&out);
    let log = stderr(&out);
    let savepoint = savepoint_in(&log, &job);
    let new_job = log
        .lines()
        .find_map(|l| {
            l.strip_prefix("Job ")?
                .split_once(" runs with every task, restored from ")
        })
        .map(|(id, from)| (id.to_string(), from.trim_end_matches('.').to_string()))
        .unwrap_or_else(|| panic!("no restored job in {log}"));
    assert_eq!(new_job.1, savepoint, "{log}");
    let rest = flink_kit::rest::RestClient::new(jobmanager.rest_addr());
    let (_, body) = rest
        .get(&format!("/jobs/{}/checkpoints", new_job.0))
        .expect("checkpoints");
    assert_eq!(
        flink_kit::rest::json(&body)["latest"]["restored"]["external_path"],
        savepoint.as_str(),
        "the resubmitted job restored from the savepoint"
    );
    // The redeployed session carries the change.
    let stored = server
        .object("v1", "configmaps", Some("default"), "flink-config-su")
        .expect("the new ConfigMap");
    let config = flink_kit::golden::flatten_flink_config(
        stored["data"]["config.yaml"].as_str().unwrap_or_default(),
    );
    assert_eq!(config["taskmanager.numberOfTaskSlots"], "2", "{config}");

    // Without a jar: the job is stopped with a savepoint, which is printed with the command
    // that resubmits it.
    let out = ok(&flink(
        &server,
        &home,
        &["upgrade", "su", "--directory", &dir, "--timeout", "2m"],
    ))
    .clone();
    let log = stderr(&out);
    let second = savepoint_in(&log, &new_job.0);
    assert!(log.contains(&format!("-s {second}")), "{log}");
    drop(jobmanager);
}
