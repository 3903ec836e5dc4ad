//! The REST job verbs against real JobManagers of 1.18, 1.20 and 2.3 (2.3
//! through Kubernetes is `tests/jobs.rs`): upload and run, list, savepoint
//! (NATIVE), stop with a savepoint, a run restoring from it in a claim mode,
//! and cancel, each release's JobManager from its own PyPI distribution. The
//! verbs read the running release from the JobManager's `/config` and speak
//! its REST dialect (`src/rest/dialect.rs`): the claim mode is `restoreMode`
//! to 1.18, `claimMode` to 1.20 and 2.3, which a strict JobManager refuses
//! otherwise. One JobManager at a time (2 cores), each stopped when its test
//! ends.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::{Scratch, command, stderr, stdout};
use flink_kit::jobjar::{STREAMING_JOB_CLASS, STREAMING_JOB_NAME, streaming_job_jar};
use flink_kit::jobmanager::StandaloneSession;
use flink_kit::rest::RestClient;
use serde_json::Value;

const JOB_TIMEOUT: Duration = Duration::from_secs(90);

/// JobManagers take turns: at most one per release test at a time.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn kubectl_flink(home: &Path, args: &[&str]) -> Output {
    command(home)
        .args(args)
        .output()
        .expect("run kubectl-flink")
}

fn succeed(home: &Path, args: &[&str]) -> String {
    let output = kubectl_flink(home, args);
    assert!(
        output.status.success(),
        "kubectl-flink {args:?} failed ({:?}):\n{}",
        output.status.code(),
        stderr(&output)
    );
    stdout(&output)
}

fn wait_tasks_running(client: &RestClient, job: &str) {
    client
        .wait_for_job_state(job, "RUNNING", JOB_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = std::time::Instant::now() + JOB_TIMEOUT;
    loop {
        let (_, body) = client
            .get(&format!("/jobs/{job}"))
            .unwrap_or_else(|e| panic!("{e}"));
        let details: Value = serde_json::from_str(&body).unwrap_or_default();
        let vertices = details["vertices"].as_array().cloned().unwrap_or_default();
        if !vertices.is_empty() && vertices.iter().all(|v| v["status"] == "RUNNING") {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "tasks of {job} never all ran: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Where a job restored its state from (its checkpoints' `latest.restored`),
/// once Flink has restored it.
fn restored_from(client: &RestClient, job: &str) -> String {
    let deadline = std::time::Instant::now() + JOB_TIMEOUT;
    loop {
        let (_, body) = client
            .get(&format!("/jobs/{job}/checkpoints"))
            .unwrap_or_else(|e| panic!("{e}"));
        let value: Value = serde_json::from_str(&body).unwrap_or_default();
        if let Some(path) = value["latest"]["restored"]["external_path"].as_str() {
            return path.to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job {job} never reported a restore: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The whole job lifecycle over `--rest-url` against one release's JobManager.
fn job_verbs_work_against(release: &str) {
    let Some(flink_home) = flink_kit::require_flink_release(release) else {
        return;
    };
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let session = StandaloneSession::start(&flink_home)
        .unwrap_or_else(|e| panic!("a Flink {release} session starts: {e}"));
    let jar = streaming_job_jar(&flink_home)
        .unwrap_or_else(|e| panic!("the job jar builds against {release}: {e}"));
    let client = RestClient::new(session.rest_addr());
    let (_, overview) = client.get("/overview").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        overview.contains(&format!("\"flink-version\":\"{release}\"")),
        "{overview}"
    );
    let home = Scratch::new(&format!("jobs-{release}"));
    let url = session.rest_url();
    let jar = jar.display().to_string();
    let base = ["--rest-url", url.as_str()];

    let run = succeed(
        home.path(),
        &[
            &["session", "run", "c1", "-c", STREAMING_JOB_CLASS][..],
            &base,
            &[&jar, "--some-arg", "x"],
        ]
        .concat(),
    );
    let job = run.trim().to_string();
    assert_eq!(job.len(), 32, "not a job id: {run:?}");
    wait_tasks_running(&client, &job);

    let table = succeed(
        home.path(),
        &[&["session", "list", "c1"][..], &base].concat(),
    );
    let line = table
        .lines()
        .find(|l| l.starts_with(&job))
        .unwrap_or_else(|| panic!("{job} not listed:\n{table}"));
    assert!(
        line.contains(STREAMING_JOB_NAME) && line.contains("   RUNNING   "),
        "{line}"
    );

    let dir = home.path().join("savepoints");
    let target = format!("file://{}", dir.display());
    let savepoint = kubectl_flink(
        home.path(),
        &[
            &[
                "session",
                "savepoint",
                "c1",
                &job,
                &target,
                "--format",
                "native",
                "-v",
            ][..],
            &base,
        ]
        .concat(),
    );
    assert!(savepoint.status.success(), "{}", stderr(&savepoint));
    assert!(
        stderr(&savepoint).contains(&format!("The JobManager runs Flink {release}.")),
        "the release is read from the JobManager:\n{}",
        stderr(&savepoint)
    );
    flink_kit::jobmanager::assert_savepoint_on_disk(stdout(&savepoint).trim(), &dir);
    wait_tasks_running(&client, &job);

    let printed = succeed(
        home.path(),
        &[&["session", "savepoint", "c1", &job, "--stop"][..], &base].concat(),
    );
    let stopped_at = printed.trim().to_string();
    flink_kit::jobmanager::assert_savepoint_on_disk(&stopped_at, session.savepoint_dir());
    client
        .wait_for_job_state(&job, "FINISHED", JOB_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));

    // Restoring in a claim mode: the field the release names it by.
    let again = succeed(
        home.path(),
        &[
            &["session", "run", "c1", "-p", "1", "-s", &stopped_at][..],
            &["--claim-mode", "NO_CLAIM"],
            &base,
            &[&jar],
        ]
        .concat(),
    );
    let second = again.trim().to_string();
    client
        .wait_for_job_state(&second, "RUNNING", JOB_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    let restored = restored_from(&client, &second);
    assert!(
        restored.contains(stopped_at.trim_start_matches("file:")),
        "job {second} restored from {restored:?}, not {stopped_at}"
    );
    succeed(
        home.path(),
        &[&["session", "cancel", "c1", &second][..], &base].concat(),
    );
    client
        .wait_for_job_state(&second, "CANCELED", JOB_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn job_verbs_work_against_a_flink_1_18_jobmanager() {
    job_verbs_work_against("1.18.1");
}

#[test]
fn job_verbs_work_against_a_flink_1_20_jobmanager() {
    job_verbs_work_against("1.20.5");
}

#[test]
fn job_verbs_work_against_a_flink_2_3_jobmanager() {
    job_verbs_work_against("2.3.0");
}
