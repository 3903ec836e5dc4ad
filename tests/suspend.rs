//! `suspend`, `resume` and `history` on the imitation API server relaying
//! to a real Flink JobManager: the job stops with a savepoint that exists on
//! disk, the cluster goes and its history stays, resume recreates it and
//! names the savepoint to run the job from; and the mistakes users make.

mod common;

use common::imitation::*;
use common::*;
use std::time::{Duration, Instant};

/// A session `id` relayed to a real JobManager, running the streaming job until it has
/// checkpointed (so a savepoint can be taken); the job's id.
async fn running_job(
    id: &str,
    home: &Scratch,
) -> Option<(
    flink_kit::jobmanager::StandaloneSession,
    test_apiserver::ApiServer,
    String,
)> {
    let (jobmanager, jar, server) = relayed_session(id).await?;
    assert_eq!(
        start(&server, home, id, &["--wait", "--timeout", "60s"])
            .status
            .code(),
        Some(0)
    );
    let out = flink(
        &server,
        home,
        &[
            "session",
            "run",
            id,
            &jar,
            "-c",
            flink_kit::jobjar::STREAMING_JOB_CLASS,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let job = stdout(&out).trim().to_string();
    // A completed checkpoint means every task runs: a savepoint can be taken.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let out = flink(&server, home, &["status", id, "-o", "json"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if report["jobs"][0]["checkpoints"]["completed"]
            .as_u64()
            .unwrap_or(0)
            >= 1
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the job never checkpointed: {report}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Some((jobmanager, server, job))
}

/// The savepoint `suspend` printed for `job`, checked to be on disk.
fn savepoint_on_disk(text: &str, job: &str) -> String {
    let path = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("savepoint of job {job} (")))
        .and_then(|rest| rest.split("): ").nth(1))
        .unwrap_or_else(|| panic!("no savepoint line for {job} in {text}"))
        .to_string();
    let on_disk = path.strip_prefix("file:").unwrap_or(&path);
    assert!(
        std::path::Path::new(on_disk).exists(),
        "{path} is not on disk"
    );
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_session_keeps_its_savepoints_and_comes_back() {
    let home = Scratch::new("suspend");
    let Some((jobmanager, server, job)) = running_job("sr", &home).await else {
        return;
    };
    // HA data as a JobManager with HA keeps it: a resumed cluster would recover from it
    // instead of the savepoint, so a suspend removes it with the cluster.
    server
        .create(
            "v1",
            "configmaps",
            Some("default"),
            serde_json::json!({"metadata": {"name": "sr-cluster-config-map", "labels": {
                "type": "flink-native-kubernetes", "app": "sr",
                "configmap-type": "high-availability"}}}),
        )
        .expect("an HA ConfigMap");

    let dir = home.path().join("savepoints");
    let out = flink(
        &server,
        &home,
        &[
            "suspend",
            "sr",
            "--directory",
            &format!("file://{}", dir.display()),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Flink session cluster sr suspended"),
        "{text}"
    );
    let path = savepoint_on_disk(&text, &job);
    assert!(
        leftovers(&server, "sr").is_empty(),
        "{:?}",
        leftovers(&server, "sr")
    );
    assert!(
        server
            .object(
                "v1",
                "configmaps",
                Some("default"),
                "kubectl-flink-history-sr"
            )
            .is_some()
    );

    let out = flink(&server, &home, &["history", "sr", "-o", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(list["items"][0]["action"], "suspend", "{list}");
    assert_eq!(list["items"][0]["savepoints"][0]["path"], path.as_str());

    let out = flink(&server, &home, &["resume", "sr"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("-s {path}")),
        "{}",
        stderr(&out)
    );
    assert!(
        server
            .object("apps/v1", "deployments", Some("default"), "sr")
            .is_some()
    );
    let out = flink(&server, &home, &["resume", "sr"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is running"), "{}", stderr(&out));
    let out = flink(&server, &home, &["history", "sr"]);
    assert_eq!(stdout(&out).lines().count(), 3, "{}", stdout(&out));
    drop(jobmanager);
}

/// The stop-with-savepoint reaches Flink but its answer is lost on the way back: suspend asks
/// the real JobManager about the operation by the trigger id it chose, and completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_whose_answer_was_lost_is_asked_about_and_the_suspend_completes() {
    let home = Scratch::new("suspend-lost");
    let Some((jobmanager, server, job)) = running_job("sl", &home).await else {
        return;
    };
    server.inject(test_apiserver::Fault::lose_reply(
        "POST",
        &format!("/api/v1/namespaces/default/services/sl-rest:rest/proxy/jobs/{job}/stop"),
        1,
    ));
    let dir = home.path().join("savepoints");
    let out = flink(
        &server,
        &home,
        &[
            "suspend",
            "sl",
            "--directory",
            &format!("file://{}", dir.display()),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lost = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/stop"))
        .map(|r| r.status)
        .collect::<Vec<_>>();
    assert_eq!(lost, vec![0], "the stop was sent once and its answer lost");
    let text = stdout(&out);
    let path = savepoint_on_disk(&text, &job);
    assert!(
        leftovers(&server, "sl").is_empty(),
        "{:?}",
        leftovers(&server, "sl")
    );
    let out = flink(&server, &home, &["history", "sl", "-o", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(list["items"][0]["savepoints"][0]["path"], path.as_str());
    drop(jobmanager);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_without_a_recorded_suspend_names_history() {
    let server = server().await;
    let home = Scratch::new("resume-none");
    let out = flink(&server, &home, &["resume", "never"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no suspend of Flink cluster never"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("kubectl flink history never"),
        "{}",
        stderr(&out)
    );
    let out = flink(&server, &home, &["history", "never"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("No suspends or resumes recorded."),
        "{}",
        stderr(&out)
    );
}
