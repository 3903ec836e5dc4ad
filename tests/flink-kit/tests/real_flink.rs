//! The REST flows the product relies on, run against real Flink 2.3.0 clusters.
//!
//! Each `SHAPE` line printed (see `--nocapture`) is a raw response recorded in README.md.

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use flink_kit::jobjar::{STREAMING_JOB_CLASS, STREAMING_JOB_NAME, streaming_job_jar};
use flink_kit::jobmanager::{StandaloneApplication, StandaloneSession};
use flink_kit::oracle::run_flink_cli;
use flink_kit::rest::{RestClient, json};
use serde_json::{Value, json};

const JOB_TIMEOUT: Duration = Duration::from_secs(60);
const UNKNOWN_JOB: &str = "0123456789abcdef0123456789abcdef";

fn show(label: &str, reply: &(u16, String)) {
    println!("SHAPE {label}: {} {}", reply.0, reply.1);
}

/// Polls `probe` every 200 ms until it yields a value, failing after `timeout`.
fn poll<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        thread::sleep(Duration::from_millis(200));
    }
}

/// Polls a savepoint trigger until it is no longer in progress; returns the final body.
fn await_savepoint(client: &RestClient, job_id: &str, trigger: &str) -> Value {
    let path = format!("/jobs/{job_id}/savepoints/{trigger}");
    let mut shown_in_progress = false;
    poll("savepoint completion", JOB_TIMEOUT, || {
        let reply = client.get(&path).unwrap();
        let body = json(&reply.1);
        if body["status"]["id"] == "IN_PROGRESS" {
            if !shown_in_progress {
                show("savepoint status (in progress)", &reply);
                shown_in_progress = true;
            }
            return None;
        }
        show("savepoint status (done)", &reply);
        assert_eq!(reply.0, 200);
        Some(body)
    })
}

/// The savepoint folder a `file:` location names, checked to exist with its `_metadata`.
fn savepoint_on_disk(location: &str, under: &Path) -> PathBuf {
    let path = PathBuf::from(location.trim_start_matches("file:"));
    assert!(
        path.starts_with(under),
        "{location} is not under {}",
        under.display()
    );
    assert!(
        path.join("_metadata").is_file(),
        "no _metadata in {}",
        path.display()
    );
    path
}

fn job_state(client: &RestClient, job_id: &str) -> String {
    let reply = client.get(&format!("/jobs/{job_id}/status")).unwrap();
    json(&reply.1)["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn run_job(client: &RestClient, jar_id: &str) -> String {
    let reply = client
        .post(
            &format!("/jars/{jar_id}/run"),
            &json!({"entryClass": STREAMING_JOB_CLASS}),
        )
        .unwrap();
    show("run jar", &reply);
    assert_eq!(reply.0, 200, "{}", reply.1);
    let job_id = json(&reply.1)["jobid"].as_str().unwrap().to_string();
    client
        .wait_for_job_state(&job_id, "RUNNING", JOB_TIMEOUT)
        .unwrap();
    job_id
}

#[test]
fn a_session_cluster_runs_savepoints_stops_and_cancels_jobs_over_rest() {
    let Some(home) = flink_kit::require_flink() else {
        return;
    };
    let jar = streaming_job_jar(&home).unwrap();
    let mut session = StandaloneSession::start(&home).unwrap();
    let client = RestClient::new(session.rest_addr());

    let reply = client.get("/overview").unwrap();
    show("overview", &reply);
    let overview = json(&reply.1);
    assert_eq!(
        (
            overview["taskmanagers"].as_u64(),
            overview["slots-total"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(overview["flink-version"], "2.3.0");

    // Uploads: a non-jar is refused, a jar gets an id.
    let reply = client
        .upload("/jars/upload", "notes.txt", "text/plain", b"hello")
        .unwrap();
    show("upload non-jar", &reply);
    assert_eq!(reply.0, 400);
    assert!(
        reply.1.contains("Only Jar files are allowed."),
        "{}",
        reply.1
    );
    let reply = client.upload_jar(&jar).unwrap();
    show("upload jar", &reply);
    assert_eq!(reply.0, 200);
    let upload = json(&reply.1);
    assert_eq!(upload["status"], "success");
    let jar_id = upload["filename"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let jar_name = jar.file_name().unwrap().to_str().unwrap();
    assert!(jar_id.ends_with(&format!("_{jar_name}")), "{jar_id}");
    show("list jars", &client.get("/jars").unwrap());

    // Run, and see it in the overview `flink list` uses.
    let job_id = run_job(&client, &jar_id);
    let reply = client.get("/jobs/overview").unwrap();
    show("jobs overview", &reply);
    let jobs = json(&reply.1);
    let listed = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["jid"] == job_id.as_str())
        .unwrap();
    assert_eq!(listed["name"], STREAMING_JOB_NAME);
    assert_eq!(listed["end-time"], -1);
    show("jobs", &client.get("/jobs").unwrap());
    show(
        "job status",
        &client.get(&format!("/jobs/{job_id}/status")).unwrap(),
    );

    // Errors for an unknown job.
    let reply = client.get(&format!("/jobs/{UNKNOWN_JOB}")).unwrap();
    show("unknown job details", &reply);
    assert_eq!(reply.0, 404);
    assert!(json(&reply.1)["errors"].is_array());
    let reply = client
        .patch(&format!("/jobs/{UNKNOWN_JOB}?mode=cancel"))
        .unwrap();
    show("cancel unknown job", &reply);
    assert_eq!(reply.0, 404);
    let reply = client
        .post(
            &format!("/jobs/{UNKNOWN_JOB}/savepoints"),
            &json!({"cancel-job": false}),
        )
        .unwrap();
    show("savepoint unknown job", &reply);
    // Accepted, and fails asynchronously. Fetching the result also matters for shutdown: a
    // JobManager delays `DELETE /cluster` until every async operation result was fetched once
    // (or `rest.async.store-duration`, 5 min, passed).
    assert_eq!(reply.0, 202);
    let trigger = json(&reply.1)["request-id"].as_str().unwrap().to_string();
    let failed = await_savepoint(&client, UNKNOWN_JOB, &trigger);
    assert_eq!(failed["status"]["id"], "COMPLETED");
    assert!(
        failed["operation"]["failure-cause"]["stack-trace"]
            .as_str()
            .unwrap()
            .contains(UNKNOWN_JOB)
    );
    let reply = client
        .get(&format!("/jobs/{job_id}/savepoints/{UNKNOWN_JOB}"))
        .unwrap();
    show("unknown savepoint trigger", &reply);
    assert_eq!(reply.0, 404);

    // Other error shapes the product's REST client must handle.
    let reply = client.get("/no/such/path").unwrap();
    show("unknown path", &reply);
    assert_eq!(reply.0, 404);
    let reply = client.get("/v1/overview").unwrap();
    assert_eq!(reply.0, 200, "the /v1 prefix must be accepted");
    let reply = client.get(&format!("/jobs/{UNKNOWN_JOB}/status")).unwrap();
    show("unknown job status", &reply);
    assert_eq!(
        reply.0, 500,
        "unlike /jobs/<id>, /status answers an unknown job with 500"
    );
    let reply = client
        .post(&format!("/jobs/{UNKNOWN_JOB}/stop"), &json!({}))
        .unwrap();
    show("stop unknown job", &reply);
    assert_eq!(
        reply.0, 202,
        "stop of an unknown job is accepted and fails asynchronously"
    );
    let trigger = json(&reply.1)["request-id"].as_str().unwrap().to_string();
    let failed = await_savepoint(&client, UNKNOWN_JOB, &trigger);
    assert!(failed["operation"]["failure-cause"]["class"].is_string());
    let reply = client.post("/jars/no-such.jar/run", &json!({})).unwrap();
    show("run unknown jar", &reply);
    assert_eq!(reply.0, 500);
    let reply = client
        .post(
            &format!("/jars/{jar_id}/run"),
            &json!({"entryClass": "no.such.Main"}),
        )
        .unwrap();
    show("run with unknown entry class", &reply);
    assert_eq!(reply.0, 500);
    let reply = client
        .upload(
            "/jars/upload",
            "broken.jar",
            "application/x-java-archive",
            b"not a zip",
        )
        .unwrap();
    show("upload broken .jar", &reply);
    let broken_id = json(&reply.1)["filename"]
        .as_str()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let reply = client
        .post(&format!("/jars/{broken_id}/run"), &json!({}))
        .unwrap();
    show("run broken jar", &reply);
    assert_eq!(reply.0, 500);
    let reply = client.delete(&format!("/jars/{broken_id}")).unwrap();
    show("delete jar", &reply);
    assert_eq!(reply.0, 200);

    // Flink's own CLI sees the job as running.
    let list = run_flink_cli(
        &home,
        session.conf_dir(),
        &["list", "-m", &session.rest_addr().to_string()],
    );
    println!(
        "SHAPE flink list: exit {} in {:?}, peak RSS {:?} KiB\n{}",
        list.exit_code, list.wall, list.peak_rss_kib, list.stdout
    );
    assert_eq!(list.exit_code, 0, "{}", list.stderr);
    assert!(
        list.stdout
            .contains(&format!(" : {job_id} : {STREAMING_JOB_NAME} (RUNNING)")),
        "{}",
        list.stdout
    );

    // Savepoint into an explicit directory; the job keeps running.
    let target = session.root_dir().join("explicit-savepoints");
    let reply = client
        .post(
            &format!("/jobs/{job_id}/savepoints"),
            &json!({"target-directory": target, "cancel-job": false}),
        )
        .unwrap();
    show("trigger savepoint", &reply);
    assert_eq!(reply.0, 202);
    let trigger = json(&reply.1)["request-id"].as_str().unwrap().to_string();
    let done = await_savepoint(&client, &job_id, &trigger);
    assert_eq!(done["status"]["id"], "COMPLETED");
    savepoint_on_disk(done["operation"]["location"].as_str().unwrap(), &target);
    assert_eq!(job_state(&client, &job_id), "RUNNING");

    // Stop with a savepoint into the cluster's default directory.
    let reply = client
        .post(&format!("/jobs/{job_id}/stop"), &json!({"drain": false}))
        .unwrap();
    show("stop with savepoint", &reply);
    assert_eq!(reply.0, 202);
    let trigger = json(&reply.1)["request-id"].as_str().unwrap().to_string();
    let done = await_savepoint(&client, &job_id, &trigger);
    savepoint_on_disk(
        done["operation"]["location"].as_str().unwrap(),
        session.savepoint_dir(),
    );
    poll("stopped job to finish", JOB_TIMEOUT, || {
        (job_state(&client, &job_id) == "FINISHED").then_some(())
    });

    // Run again and cancel.
    let job_id = run_job(&client, &jar_id);
    let reply = client
        .patch(&format!("/jobs/{job_id}?mode=cancel"))
        .unwrap();
    show("cancel job", &reply);
    assert_eq!(reply.0, 202);
    poll("cancelled job", JOB_TIMEOUT, || {
        (job_state(&client, &job_id) == "CANCELED").then_some(())
    });
    show(
        "jobs overview (after stop and cancel)",
        &client.get("/jobs/overview").unwrap(),
    );
    let reply = client
        .patch(&format!("/jobs/{job_id}?mode=cancel"))
        .unwrap();
    show("cancel a cancelled job", &reply);
    assert_eq!(reply.0, 202, "cancelling a terminal job is accepted");
    let reply = client
        .post(
            &format!("/jobs/{job_id}/savepoints"),
            &json!({"cancel-job": false}),
        )
        .unwrap();
    show("savepoint a cancelled job", &reply);
    assert_eq!(reply.0, 202);
    let trigger = json(&reply.1)["request-id"].as_str().unwrap().to_string();
    let failed = await_savepoint(&client, &job_id, &trigger);
    assert!(failed["operation"]["failure-cause"]["class"].is_string());

    // Shut the cluster down over REST.
    let reply = client.delete("/cluster").unwrap();
    show("delete cluster", &reply);
    assert_eq!(reply.0, 200);
    assert!(
        session
            .wait_jobmanager_exit(Duration::from_secs(60))
            .is_some(),
        "JobManager still running after DELETE /cluster"
    );
}

#[test]
fn an_application_cluster_runs_its_job() {
    let Some(home) = flink_kit::require_flink() else {
        return;
    };
    let jar = streaming_job_jar(&home).unwrap();
    let mut app = StandaloneApplication::start(&home, &jar, STREAMING_JOB_CLASS, &[]).unwrap();
    let client = RestClient::new(app.rest_addr());
    let job_id = poll("the application's job", JOB_TIMEOUT, || {
        let body = json(&client.get("/jobs/overview").unwrap().1);
        body["jobs"][0]["jid"].as_str().map(str::to_string)
    });
    client
        .wait_for_job_state(&job_id, "RUNNING", JOB_TIMEOUT)
        .unwrap();
    let reply = client.get("/jobs/overview").unwrap();
    show("application jobs overview", &reply);
    assert_eq!(json(&reply.1)["jobs"][0]["name"], STREAMING_JOB_NAME);
    show(
        "application job details",
        &client.get(&format!("/jobs/{job_id}")).unwrap(),
    );
    show(
        "applications overview",
        &client.get("/applications/overview").unwrap(),
    );
    let reply = client.upload_jar(&jar).unwrap();
    show("application upload jar", &reply);

    let reply = client.delete("/cluster").unwrap();
    show("application delete cluster", &reply);
    assert_eq!(reply.0, 200);
    assert!(
        app.wait_jobmanager_exit(Duration::from_secs(60)).is_some(),
        "JobManager still running after DELETE /cluster"
    );
}
