//! The REST flows the product relies on, run against real Flink 2.3.0 clusters.
//!
//! Each `SHAPE` line printed (see `--nocapture`) is a raw response; README.md records them.
//! The session test is one ordered story (upload, run, savepoint, stop, run, cancel, shut
//! down) because JVM start-up dominates and every step needs the previous one's job.

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use flink_kit::jobjar::{STREAMING_JOB_CLASS, STREAMING_JOB_NAME, streaming_job_jar};
use flink_kit::jobmanager::{StandaloneApplication, StandaloneSession};
use flink_kit::oracle::run_flink_cli;
use flink_kit::rest::{JAR_CONTENT_TYPE, RestClient, json};
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

fn request_id(reply: &(u16, String)) -> String {
    assert_eq!(reply.0, 202, "{}", reply.1);
    json(&reply.1)["request-id"].as_str().unwrap().to_string()
}

/// Polls a savepoint (or stop) trigger until it is no longer in progress; returns the final body.
/// Fetching every result also matters for shutdown: the JobManager delays `DELETE /cluster`
/// until each async operation result was fetched once (or `rest.async.store-duration` passed).
fn await_savepoint(client: &RestClient, job_id: &str, trigger: &str) -> Value {
    let path = format!("/jobs/{job_id}/savepoints/{trigger}");
    let mut shown_in_progress = false;
    poll("savepoint completion", JOB_TIMEOUT, || {
        let reply = client.get(&path).unwrap();
        assert_eq!(reply.0, 200, "{}", reply.1);
        let body = json(&reply.1);
        if body["status"]["id"] == "IN_PROGRESS" {
            if !shown_in_progress {
                show("savepoint status (in progress)", &reply);
                shown_in_progress = true;
            }
            return None;
        }
        show("savepoint status (done)", &reply);
        assert_eq!(body["status"]["id"], "COMPLETED");
        Some(body)
    })
}

/// Asserts a finished savepoint operation failed (Flink reports failures as COMPLETED too).
fn assert_failed(result: &Value, mentioning: &str) {
    let cause = &result["operation"]["failure-cause"];
    assert!(cause["class"].is_string(), "{result}");
    assert!(cause["serialized-throwable"].is_string(), "{result}");
    assert!(
        cause["stack-trace"].as_str().unwrap().contains(mentioning),
        "{result}"
    );
}

/// The savepoint folder of a completed savepoint poll, checked on disk.
fn assert_savepoint_on_disk(result: &Value, under: &Path) -> PathBuf {
    let location = result["operation"]["location"].as_str().unwrap();
    flink_kit::jobmanager::assert_savepoint_on_disk(location, under)
}

fn job_state(client: &RestClient, job_id: &str) -> String {
    let reply = client.get(&format!("/jobs/{job_id}/status")).unwrap();
    json(&reply.1)["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn await_job_state(client: &RestClient, job_id: &str, state: &str) {
    poll(state, JOB_TIMEOUT, || {
        (job_state(client, job_id) == state).then_some(())
    });
}

/// The jar id Flink derives from an upload response: the last segment of `filename`.
fn uploaded_jar_id(upload: &(u16, String)) -> String {
    let filename = json(&upload.1)["filename"].as_str().unwrap().to_string();
    filename.rsplit('/').next().unwrap().to_string()
}

fn run_job(client: &RestClient, jar_id: &str) -> String {
    let body = json!({"entryClass": STREAMING_JOB_CLASS});
    let reply = client.post(&format!("/jars/{jar_id}/run"), &body).unwrap();
    show("run jar", &reply);
    assert_eq!(reply.0, 200, "{}", reply.1);
    let run = json(&reply.1);
    let job_id = run["jobid"].as_str().unwrap().to_string();
    assert_eq!(run["applicationId"], job_id.as_str());
    client
        .wait_for_job_state(&job_id, "RUNNING", JOB_TIMEOUT)
        .unwrap();
    job_id
}

fn check_overview(client: &RestClient) {
    let reply = client.get("/overview").unwrap();
    show("overview", &reply);
    let overview = json(&reply.1);
    assert_eq!(overview["taskmanagers"], 1);
    assert_eq!(overview["slots-total"], 2);
    assert_eq!(overview["flink-version"], "2.3.0");
    assert_eq!(
        client.get("/v1/overview").unwrap().0,
        200,
        "the /v1 prefix must work"
    );
}

/// A non-jar is refused; the jar is accepted and listed; returns its jar id.
fn upload_job_jar(client: &RestClient, jar: &Path) -> String {
    let reply = client
        .upload("/jars/upload", "notes.txt", "text/plain", b"hi")
        .unwrap();
    show("upload non-jar", &reply);
    assert_eq!(reply.0, 400);
    assert!(
        reply.1.contains("Only Jar files are allowed."),
        "{}",
        reply.1
    );

    let reply = client.upload_jar(jar).unwrap();
    show("upload jar", &reply);
    assert_eq!(reply.0, 200);
    assert_eq!(json(&reply.1)["status"], "success");
    let id = uploaded_jar_id(&reply);
    let name = jar.file_name().unwrap().to_str().unwrap();
    assert!(id.ends_with(&format!("_{name}")), "{id}");

    let reply = client.get("/jars").unwrap();
    show("list jars", &reply);
    let listed = json(&reply.1);
    let entry = &listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id.as_str())
        .unwrap()["entry"];
    assert_eq!(entry[0]["name"], STREAMING_JOB_CLASS);
    id
}

fn check_job_listing(client: &RestClient, job_id: &str) {
    let reply = client.get("/jobs/overview").unwrap();
    show("jobs overview", &reply);
    let jobs = json(&reply.1);
    let listed = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["jid"] == job_id)
        .unwrap();
    assert_eq!(listed["name"], STREAMING_JOB_NAME);
    assert_eq!(listed["state"], "RUNNING");
    assert_eq!(listed["end-time"], -1);
    let reply = client.get("/jobs").unwrap();
    show("jobs", &reply);
    assert_eq!(
        json(&reply.1)["jobs"][0],
        json!({"id": job_id, "status": "RUNNING"})
    );
    let reply = client.get(&format!("/jobs/{job_id}/status")).unwrap();
    show("job status", &reply);
    assert_eq!(json(&reply.1), json!({"status": "RUNNING"}));
}

/// How Flink answers requests about jobs, jars and paths that do not exist.
fn check_error_shapes(client: &RestClient, job_id: &str, jar_id: &str) {
    let reply = client.get(&format!("/jobs/{UNKNOWN_JOB}")).unwrap();
    show("unknown job details", &reply);
    assert_eq!(reply.0, 404);
    assert!(
        json(&reply.1)["errors"][0]
            .as_str()
            .unwrap()
            .contains("NotFoundException")
    );

    let reply = client.get(&format!("/jobs/{UNKNOWN_JOB}/status")).unwrap();
    show("unknown job status", &reply);
    assert_eq!(
        reply.0, 500,
        "unlike /jobs/<id>, /status answers an unknown job with 500"
    );
    assert_eq!(json(&reply.1)["errors"][0], "Internal server error.");

    let reply = client
        .patch(&format!("/jobs/{UNKNOWN_JOB}?mode=cancel"))
        .unwrap();
    show("cancel unknown job", &reply);
    assert_eq!(reply.0, 404);
    assert!(reply.1.contains("Job could not be found."), "{}", reply.1);

    // Savepoint and stop of an unknown job are accepted and fail asynchronously.
    let reply = client
        .post(&format!("/jobs/{UNKNOWN_JOB}/savepoints"), &json!({}))
        .unwrap();
    show("savepoint unknown job", &reply);
    assert_failed(
        &await_savepoint(client, UNKNOWN_JOB, &request_id(&reply)),
        UNKNOWN_JOB,
    );
    let reply = client
        .post(&format!("/jobs/{UNKNOWN_JOB}/stop"), &json!({}))
        .unwrap();
    show("stop unknown job", &reply);
    assert_failed(
        &await_savepoint(client, UNKNOWN_JOB, &request_id(&reply)),
        UNKNOWN_JOB,
    );

    let reply = client
        .get(&format!("/jobs/{job_id}/savepoints/{UNKNOWN_JOB}"))
        .unwrap();
    show("unknown savepoint trigger", &reply);
    assert_eq!(reply.0, 404);

    let reply = client.get("/no/such/path").unwrap();
    show("unknown path", &reply);
    assert_eq!(
        (reply.0, json(&reply.1)),
        (
            404,
            json!({"errors": ["Unable to load requested file /no/such/path."]})
        )
    );

    // Running what cannot run is a 500 whose second error line carries the Java exception.
    let reply = client.post("/jars/no-such.jar/run", &json!({})).unwrap();
    show("run unknown jar", &reply);
    assert_eq!(reply.0, 500);
    assert!(
        json(&reply.1)["errors"][1]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
    let body = json!({"entryClass": "no.such.Main"});
    let reply = client.post(&format!("/jars/{jar_id}/run"), &body).unwrap();
    show("run with unknown entry class", &reply);
    assert_eq!(reply.0, 500);
    assert!(
        reply
            .1
            .contains("'no.such.Main' was not found in the jar file"),
        "{}",
        reply.1
    );

    // A `.jar` name is all the upload checks; the content is only read when run.
    let reply = client
        .upload("/jars/upload", "broken.jar", JAR_CONTENT_TYPE, b"not a zip")
        .unwrap();
    show("upload broken .jar", &reply);
    assert_eq!(reply.0, 200);
    let broken = uploaded_jar_id(&reply);
    let reply = client
        .post(&format!("/jars/{broken}/run"), &json!({}))
        .unwrap();
    show("run broken jar", &reply);
    assert_eq!(reply.0, 500);
    assert!(
        reply.1.contains("Error while opening jar file"),
        "{}",
        reply.1
    );
    let reply = client.delete(&format!("/jars/{broken}")).unwrap();
    show("delete jar", &reply);
    assert_eq!(reply, (200, "{}".to_string()));
}

/// Flink's own CLI (`flink list -m host:port`) sees the job as running.
fn check_flink_list(home: &Path, session: &StandaloneSession, job_id: &str) {
    let address = session.rest_addr().to_string();
    let list = run_flink_cli(home, session.conf_dir(), &["list", "-m", &address]);
    println!(
        "SHAPE flink list: exit {} in {:?}, peak RSS {:?} KiB\n{}",
        list.exit_code, list.wall, list.peak_rss_kib, list.stdout
    );
    assert_eq!(list.exit_code, 0, "{}", list.stderr);
    let line = format!(" : {job_id} : {STREAMING_JOB_NAME} (RUNNING)");
    assert!(list.stdout.contains(&line), "{}", list.stdout);
    assert!(list.peak_rss_kib.is_some());
}

/// A savepoint into an explicit directory leaves the job running; stop-with-savepoint
/// writes into the cluster's default directory and finishes the job.
fn savepoint_then_stop(client: &RestClient, session: &StandaloneSession, job_id: &str) {
    let target = session.root_dir().join("explicit-savepoints");
    let body = json!({"target-directory": target, "cancel-job": false});
    let reply = client
        .post(&format!("/jobs/{job_id}/savepoints"), &body)
        .unwrap();
    show("trigger savepoint", &reply);
    let done = await_savepoint(client, job_id, &request_id(&reply));
    assert_savepoint_on_disk(&done, &target);
    assert_eq!(job_state(client, job_id), "RUNNING");

    let reply = client
        .post(&format!("/jobs/{job_id}/stop"), &json!({"drain": false}))
        .unwrap();
    show("stop with savepoint", &reply);
    let done = await_savepoint(client, job_id, &request_id(&reply));
    assert_savepoint_on_disk(&done, session.savepoint_dir());
    await_job_state(client, job_id, "FINISHED");
}

fn cancel(client: &RestClient, job_id: &str) {
    let reply = client
        .patch(&format!("/jobs/{job_id}?mode=cancel"))
        .unwrap();
    show("cancel job", &reply);
    assert_eq!(reply, (202, "{}".to_string()));
    await_job_state(client, job_id, "CANCELED");
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
        .post(&format!("/jobs/{job_id}/savepoints"), &json!({}))
        .unwrap();
    show("savepoint a cancelled job", &reply);
    assert_failed(
        &await_savepoint(client, job_id, &request_id(&reply)),
        job_id,
    );
}

#[test]
fn a_session_cluster_runs_savepoints_stops_and_cancels_jobs_over_rest() {
    let Some(home) = flink_kit::require_flink() else {
        return;
    };
    let jar = streaming_job_jar(&home).unwrap();
    let started = Instant::now();
    let mut session = StandaloneSession::start(&home).unwrap();
    println!("TIMING session cluster ready: {:?}", started.elapsed());
    let client = RestClient::new(session.rest_addr());

    check_overview(&client);
    let jar_id = upload_job_jar(&client, &jar);
    let job_id = run_job(&client, &jar_id);
    check_job_listing(&client, &job_id);
    check_error_shapes(&client, &job_id, &jar_id);
    check_flink_list(&home, &session, &job_id);
    savepoint_then_stop(&client, &session, &job_id);
    let job_id = run_job(&client, &jar_id);
    cancel(&client, &job_id);

    let reply = client.delete("/cluster").unwrap();
    show("delete cluster", &reply);
    assert_eq!(reply, (200, "{}".to_string()));
    let exited = session.wait_jobmanager_exit(Duration::from_secs(60));
    assert!(
        exited.is_some_and(|s| s.success()),
        "JobManager did not exit cleanly: {exited:?}"
    );
}

#[test]
fn an_application_cluster_runs_its_job() {
    let Some(home) = flink_kit::require_flink() else {
        return;
    };
    let jar = streaming_job_jar(&home).unwrap();
    let started = Instant::now();
    let mut app = StandaloneApplication::start(&home, &jar, STREAMING_JOB_CLASS, &[]).unwrap();
    let client = RestClient::new(app.rest_addr());
    let job_id = poll("the application's job", JOB_TIMEOUT, || {
        let body = json(&client.get("/jobs/overview").unwrap().1);
        body["jobs"][0]["jid"].as_str().map(str::to_string)
    });
    client
        .wait_for_job_state(&job_id, "RUNNING", JOB_TIMEOUT)
        .unwrap();
    println!("TIMING application job RUNNING: {:?}", started.elapsed());
    let reply = client.get("/jobs/overview").unwrap();
    show("application jobs overview", &reply);
    assert_eq!(json(&reply.1)["jobs"][0]["name"], STREAMING_JOB_NAME);
    let reply = client.get(&format!("/jobs/{job_id}")).unwrap();
    show("application job details", &reply);
    let application_id = json(&reply.1)["application-id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = client.get("/applications/overview").unwrap();
    show("applications overview", &reply);
    let apps = json(&reply.1);
    assert_eq!(apps["applications"][0]["id"], application_id.as_str());
    assert_eq!(apps["applications"][0]["name"], STREAMING_JOB_CLASS);
    assert_eq!(apps["applications"][0]["jobs"], json!({"RUNNING": 1}));
    let reply = client.upload_jar(&jar).unwrap();
    show("application upload jar", &reply);
    assert_eq!(
        reply.0, 400,
        "an application cluster must refuse jar uploads"
    );

    let reply = client.delete("/cluster").unwrap();
    show("application delete cluster", &reply);
    assert_eq!(reply, (200, "{}".to_string()));
    let exited = app.wait_jobmanager_exit(Duration::from_secs(60));
    assert!(
        exited.is_some(),
        "JobManager still running after DELETE /cluster"
    );
}
