//! The job verbs (`session run`, `list`, `savepoint`, `cancel`) run as users
//! run them, against a real Flink 2.3.0 JobManager: straight to its REST URL,
//! through the test API server's services proxy and port-forward, and on the
//! real control plane by a port-forward through kwok.
//!
//! One standalone session is shared by every test in this binary (JVM
//! start-up dominates); tests only look at their own jobs, and a test that
//! runs a job first takes one of the session's two task slots
//! ([`task_slot`]), so concurrent tests never wait for slots another holds.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::imitation::fake_cluster_objects;
use common::real::Cluster;
use common::{Scratch, command, stderr, stdout};
use flink_kit::jobjar::{STREAMING_JOB_CLASS, STREAMING_JOB_NAME, streaming_job_jar};
use flink_kit::jobmanager::StandaloneSession;
use flink_kit::rest::RestClient;
use serde_json::{Value, json};

const JOB_TIMEOUT: Duration = Duration::from_secs(60);
const UNKNOWN_JOB: &str = "0123456789abcdef0123456789abcdef";

/// The shared session's task slots (one TaskManager with two).
const TASK_SLOTS: usize = 2;

/// One of the shared session's task slots, held until dropped: a test
/// running a job takes one first, so no more jobs run at once than the
/// session has slots (a job without a slot would wait, and its test time out).
struct TaskSlot;

static SLOTS_IN_USE: (std::sync::Mutex<usize>, std::sync::Condvar) =
    (std::sync::Mutex::new(0), std::sync::Condvar::new());

fn task_slot() -> TaskSlot {
    let (count, freed) = &SLOTS_IN_USE;
    let mut in_use = count.lock().unwrap_or_else(|p| p.into_inner());
    while *in_use >= TASK_SLOTS {
        in_use = freed.wait(in_use).unwrap_or_else(|p| p.into_inner());
    }
    *in_use += 1;
    TaskSlot
}

impl Drop for TaskSlot {
    fn drop(&mut self) {
        let (count, freed) = &SLOTS_IN_USE;
        let mut in_use = count.lock().unwrap_or_else(|p| p.into_inner());
        *in_use -= 1;
        freed.notify_one();
    }
}

/// The shared JobManager and the streaming job's jar.
struct Flink {
    session: &'static StandaloneSession,
    jar: PathBuf,
}

/// The shared Flink; None (skip) outside CI when Java or Flink is missing,
/// a panic under CI=true (flink-kit's policy).
fn flink() -> Option<&'static Flink> {
    static FLINK: OnceLock<Flink> = OnceLock::new();
    let home = flink_kit::require_flink()?;
    Some(FLINK.get_or_init(|| Flink {
        session: StandaloneSession::shared(&home).expect("a standalone Flink session starts"),
        jar: streaming_job_jar(&home).expect("the streaming job jar builds"),
    }))
}

fn kubectl_flink(home: &Path, args: &[&str]) -> Output {
    command(home)
        .args(args)
        .output()
        .expect("run kubectl-flink")
}

/// Asserts success and returns stdout.
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

/// Asserts failure with `code`, nothing on stdout, and stderr ending in one
/// `error: …` line (progress notes may come before it); returns that line.
fn fail(home: &Path, args: &[&str], code: i32) -> String {
    let output = kubectl_flink(home, args);
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "kubectl-flink {args:?}:\n{err}"
    );
    assert_eq!(stdout(&output), "", "errors print nothing on stdout");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: "),
        "the error must be the last line:\n{err}"
    );
    assert_eq!(
        err.matches("error:").count(),
        1,
        "one error line expected:\n{err}"
    );
    last.to_string()
}

fn assert_job_id(text: &str) -> String {
    let id = text.trim().to_string();
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "not a job id: {text:?}"
    );
    assert_eq!(text, format!("{id}\n"), "stdout is the job id only");
    id
}

/// The savepoint folder a printed `file:` location names, checked on disk.
fn savepoint_on_disk(printed: &str, under: &Path) -> PathBuf {
    let location = printed.trim();
    assert_eq!(
        printed.lines().count(),
        1,
        "stdout is the location only: {printed:?}"
    );
    flink_kit::jobmanager::assert_savepoint_on_disk(location, under)
}

fn job_line<'a>(table: &'a str, job: &str) -> Option<&'a str> {
    table.lines().find(|l| l.starts_with(job))
}

fn wait_state(session: &StandaloneSession, job: &str, state: &str) {
    RestClient::new(session.rest_addr())
        .wait_for_job_state(job, state, JOB_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Waits until every task of the job runs: a job is RUNNING before its
/// tasks are, and Flink refuses savepoints until they all are.
fn wait_tasks_running(session: &StandaloneSession, job: &str) {
    wait_state(session, job, "RUNNING");
    let client = RestClient::new(session.rest_addr());
    let deadline = Instant::now() + JOB_TIMEOUT;
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
            Instant::now() < deadline,
            "tasks of {job} never all ran: {body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_job_runs_is_listed_savepointed_stopped_and_cancelled_over_a_rest_url() {
    let Some(flink) = flink() else { return };
    let _slot = task_slot();
    let home = Scratch::new("jobs-url");
    let url = flink.session.rest_url();
    let jar = flink.jar.display().to_string();
    let base = ["--rest-url", url.as_str()];

    let run = kubectl_flink(
        home.path(),
        &[
            &["session", "run", "c1", "-c", STREAMING_JOB_CLASS, &jar][..],
            &base,
        ]
        .concat(),
    );
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).contains("Uploading "), "{}", stderr(&run));
    let job = assert_job_id(&stdout(&run));
    wait_tasks_running(flink.session, &job);

    // The table, the names and the JSON all show the running job.
    let table = succeed(
        home.path(),
        &[&["session", "list", "c1"][..], &base].concat(),
    );
    let header = table.lines().next().unwrap_or_default();
    assert!(header.starts_with("JOB ID   "), "{table}");
    assert!(
        header.contains("NAME") && header.ends_with("DURATION"),
        "{table}"
    );
    let line = job_line(&table, &job).unwrap_or_else(|| panic!("{job} not listed:\n{table}"));
    assert!(
        line.contains(STREAMING_JOB_NAME) && line.contains("   RUNNING   "),
        "{line}"
    );
    let names = succeed(
        home.path(),
        &[&["session", "list", "c1", "-o", "name"][..], &base].concat(),
    );
    assert!(names.lines().any(|l| l == format!("job/{job}")), "{names}");
    let listed: Value = serde_json::from_str(&succeed(
        home.path(),
        &[&["app", "list", "c1", "-o", "json"][..], &base].concat(),
    ))
    .expect("-o json is JSON");
    assert_eq!(listed["kind"], "List", "{listed}");
    let entry = listed["items"]
        .as_array()
        .and_then(|jobs| jobs.iter().find(|j| j["jid"] == job.as_str()))
        .unwrap_or_else(|| panic!("{job} not in {listed}"));
    assert_eq!(entry["state"], "RUNNING");

    // A savepoint into a directory of our choosing; the job keeps running.
    let dir = home.path().join("savepoints");
    let target = format!("file://{}", dir.display());
    let printed = succeed(
        home.path(),
        &[&["session", "savepoint", "c1", &job, &target][..], &base].concat(),
    );
    savepoint_on_disk(&printed, &dir);
    wait_tasks_running(flink.session, &job);

    // Stop with a savepoint into the cluster's default directory.
    let printed = succeed(
        home.path(),
        &[&["session", "savepoint", "c1", &job, "--stop"][..], &base].concat(),
    );
    savepoint_on_disk(&printed, flink.session.savepoint_dir());
    wait_state(flink.session, &job, "FINISHED");
    let line = fail(
        home.path(),
        &[&["session", "savepoint", "c1", &job][..], &base].concat(),
        1,
    );
    assert_eq!(
        line,
        format!(
            "error: job {job} is FINISHED in cluster c1: only running jobs can take savepoints"
        )
    );
    let live = succeed(
        home.path(),
        &[&["session", "list", "c1"][..], &base].concat(),
    );
    assert!(
        job_line(&live, &job).is_none(),
        "a finished job is not listed by default:\n{live}"
    );
    let all = succeed(
        home.path(),
        &[&["session", "list", "c1", "-a", "-o", "wide"][..], &base].concat(),
    );
    let line = job_line(&all, &job).unwrap_or_else(|| panic!("-a lists finished jobs:\n{all}"));
    assert!(line.contains("   FINISHED   "), "{line}");
    let header = all.lines().next().unwrap_or_default();
    assert!(
        header.contains("   END TIME   ") && header.ends_with("   TASKS"),
        "{all}"
    );

    // Run again, with arguments and parallelism, then cancel.
    let again = succeed(
        home.path(),
        // From the job's first argument on, everything is the job's: flags go first.
        &[
            &["session", "run", "c1", "-p", "1"][..],
            &base,
            &[&jar, "--some-arg", "x"],
        ]
        .concat(),
    );
    let second = assert_job_id(&again);
    wait_state(flink.session, &second, "RUNNING");
    let cancelled = succeed(
        home.path(),
        &[&["session", "cancel", "c1", &second][..], &base].concat(),
    );
    assert_eq!(cancelled, "", "cancel prints its note on stderr only");
    wait_state(flink.session, &second, "CANCELED");
}

#[test]
fn an_unknown_job_is_one_clear_error_line() {
    let Some(flink) = flink() else { return };
    let home = Scratch::new("jobs-unknown");
    let url = flink.session.rest_url();
    let line = fail(
        home.path(),
        &["session", "cancel", "c1", UNKNOWN_JOB, "--rest-url", &url],
        1,
    );
    assert_eq!(
        line,
        format!(
            "error: job {UNKNOWN_JOB} was not found in cluster c1: list jobs with `kubectl flink session list c1`"
        )
    );
    // Savepoints of unknown jobs are accepted by Flink and fail later: same message.
    let line = fail(
        home.path(),
        &["app", "savepoint", "c1", UNKNOWN_JOB, "--rest-url", &url],
        1,
    );
    assert_eq!(
        line,
        format!(
            "error: job {UNKNOWN_JOB} was not found in cluster c1: list jobs with `kubectl flink app list c1`"
        )
    );
}

#[test]
fn flinks_own_refusals_are_reported_in_one_line() {
    let Some(flink) = flink() else { return };
    let home = Scratch::new("jobs-refused");
    let url = flink.session.rest_url();
    let jar = flink.jar.display().to_string();
    let line = fail(
        home.path(),
        &[
            "session",
            "run",
            "c1",
            &jar,
            "-c",
            "no.such.Main",
            "--rest-url",
            &url,
        ],
        1,
    );
    assert!(
        line.contains("cluster c1 refused the request (HTTP 500)"),
        "{line}"
    );
    assert!(
        line.contains("'no.such.Main' was not found in the jar file"),
        "{line}"
    );
}

/// The names of the jars the JobManager holds (`GET /jars`).
fn uploaded_jar_names(session: &StandaloneSession) -> Vec<String> {
    let (status, body) = RestClient::new(session.rest_addr())
        .get("/jars")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 200, "GET /jars: {body}");
    flink_kit::rest::json(&body)["files"]
        .as_array()
        .unwrap_or_else(|| panic!("no files in {body}"))
        .iter()
        .filter_map(|f| f["name"].as_str().map(String::from))
        .collect()
}

#[test]
fn session_run_leaves_no_jar_behind_whether_the_job_starts_or_not() {
    let Some(flink) = flink() else { return };
    let _slot = task_slot();
    let home = Scratch::new("jobs-jar-cleanup");
    let url = flink.session.rest_url();
    // A name no other test (or test binary sharing the session) uploads.
    let name = format!("cleanup-{}.jar", std::process::id());
    let jar = home.path().join(&name);
    std::fs::copy(&flink.jar, &jar).expect("copy the job jar");
    let jar_arg = jar.display().to_string();

    // The check can see this jar: Flink lists an upload by its file name.
    let client = RestClient::new(flink.session.rest_addr());
    let (status, body) = client.upload_jar(&jar).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 200, "{body}");
    assert!(
        uploaded_jar_names(flink.session).contains(&name),
        "an upload is listed by name"
    );
    let id = flink_kit::rest::json(&body)["filename"]
        .as_str()
        .and_then(|f| f.rsplit('/').next())
        .map(String::from)
        .unwrap_or_else(|| panic!("no filename in {body}"));
    let (status, body) = client
        .delete(&format!("/jars/{id}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 200, "{body}");
    assert!(!uploaded_jar_names(flink.session).contains(&name));

    // A job that starts: its jar is gone once `session run` returns.
    let run = kubectl_flink(
        home.path(),
        &[
            "session",
            "run",
            "c1",
            "-c",
            STREAMING_JOB_CLASS,
            "--rest-url",
            &url,
            &jar_arg,
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        !stderr(&run).contains("warning:"),
        "deleting the jar succeeded quietly: {}",
        stderr(&run)
    );
    let job = assert_job_id(&stdout(&run));
    assert!(
        !uploaded_jar_names(flink.session).contains(&name),
        "the jar of a started job was left on the JobManager"
    );
    wait_state(flink.session, &job, "RUNNING");
    succeed(
        home.path(),
        &["session", "cancel", "c1", &job, "--rest-url", &url],
    );
    wait_state(flink.session, &job, "CANCELED");

    // A job Flink refuses to start: its jar is gone too, and the error stays
    // the one line it was.
    let line = fail(
        home.path(),
        &[
            "session",
            "run",
            "c1",
            "-c",
            "no.such.Main",
            "--rest-url",
            &url,
            &jar_arg,
        ],
        1,
    );
    assert!(
        line.contains("'no.such.Main' was not found in the jar file"),
        "{line}"
    );
    assert!(
        !uploaded_jar_names(flink.session).contains(&name),
        "the jar of a refused run was left on the JobManager"
    );
}

#[test]
fn usage_mistakes_and_unreachable_clusters_fail_without_flink() {
    let home = Scratch::new("jobs-usage");
    let line = fail(
        home.path(),
        &[
            "session",
            "cancel",
            "c1",
            "nope",
            "--rest-url",
            "http://127.0.0.1:9",
        ],
        2,
    );
    assert!(line.contains("'nope' is not a Flink job id"), "{line}");
    let line = fail(
        home.path(),
        &[
            "session",
            "run",
            "c1",
            "notes.txt",
            "--rest-url",
            "http://127.0.0.1:9",
        ],
        2,
    );
    assert!(line.contains("not a .jar file"), "{line}");
    let line = fail(
        home.path(),
        &["session", "list", "c1", "--rest-url", "https://127.0.0.1:9"],
        2,
    );
    assert!(line.contains("--via proxy"), "{line}");

    // Nothing listens on a port we just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let url = format!("http://127.0.0.1:{port}");
    let line = fail(
        home.path(),
        &["session", "list", "c1", "--rest-url", &url],
        1,
    );
    assert!(
        line.contains("cannot reach the JobManager of cluster c1"),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "check that {url} is the JobManager's REST address"
        )) && !line.contains("try --via forward or --rest-url"),
        "a route already tried is not suggested again: {line}"
    );
}

#[test]
fn jobs_go_through_the_services_proxy_and_a_port_forward() {
    let Some(flink) = flink() else { return };
    let _slot = task_slot();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the API server");
    let server = runtime
        .block_on(test_apiserver::ApiServer::start(Default::default()))
        .expect("the test API server starts");
    fake_cluster_objects(&server, "px");
    server.attach_backend(
        "default",
        "app=px,component=jobmanager",
        8081,
        flink.session.rest_addr(),
    );
    let home = Scratch::new("jobs-proxy");
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let base = ["--kubeconfig", kubeconfig.as_str()];
    let jar = flink.jar.display().to_string();

    // The default route is the services proxy: the upload and the run go through it.
    let run = succeed(
        home.path(),
        &[
            &["session", "run", "px", &jar, "-c", STREAMING_JOB_CLASS][..],
            &base,
        ]
        .concat(),
    );
    let job = assert_job_id(&run);
    let proxied = |suffix: &str| {
        server.requests().iter().any(|r| {
            r.path == format!("/api/v1/namespaces/default/services/px-rest:rest/proxy/{suffix}")
                && (200..300).contains(&r.status)
        })
    };
    assert!(
        proxied("jars/upload"),
        "the jar went through the services proxy"
    );
    wait_tasks_running(flink.session, &job);
    let listed = kubectl_flink(
        home.path(),
        &[
            &["session", "list", "px", "--via", "proxy", "-v"][..],
            &base,
        ]
        .concat(),
    );
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(
        stderr(&listed).contains("Talking to services proxy to default/px-rest."),
        "-v names the route: {}",
        stderr(&listed)
    );
    let table = stdout(&listed);
    assert!(
        job_line(&table, &job).is_some_and(|l| l.contains("RUNNING")),
        "{table}"
    );

    // A savepoint through a port-forward to the JobManager pod.
    server.clear_requests();
    let dir = home.path().join("savepoints");
    let target = format!("file://{}", dir.display());
    let printed = succeed(
        home.path(),
        &[
            &[
                "session",
                "savepoint",
                "px",
                &job,
                &target,
                "--via",
                "forward",
            ][..],
            &base,
        ]
        .concat(),
    );
    savepoint_on_disk(&printed, &dir);
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/default/pods/px-jm/portforward"),
        "the savepoint went through a port-forward"
    );
    let forwards = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/portforward"))
        .count();
    assert_eq!(
        forwards, 1,
        "trigger and polls share one kept-alive port-forward"
    );
    assert!(
        !proxied("jobs/overview") && !server.requests().iter().any(|r| r.path.contains("/proxy/"))
    );

    // Cancel through the proxy; an unknown job is the same one-line error as direct.
    let cancelled = succeed(
        home.path(),
        &[&["session", "cancel", "px", &job][..], &base].concat(),
    );
    assert_eq!(cancelled, "");
    wait_state(flink.session, &job, "CANCELED");
    let line = fail(
        home.path(),
        &[&["app", "cancel", "px", UNKNOWN_JOB][..], &base].concat(),
        1,
    );
    assert!(
        line.contains(&format!("job {UNKNOWN_JOB} was not found in cluster px")),
        "{line}"
    );

    // A cluster that does not exist is a clear error too.
    let line = fail(
        home.path(),
        &[&["session", "list", "nothere"][..], &base].concat(),
        1,
    );
    assert_eq!(
        line,
        "error: Flink cluster nothere has no REST service nothere-rest in namespace default: list clusters with `kubectl flink get`, or pick the namespace with -n"
    );
    let line = fail(
        home.path(),
        &[
            &["session", "list", "nothere", "--via", "forward"][..],
            &base,
        ]
        .concat(),
        1,
    );
    assert_eq!(
        line,
        "error: Flink cluster nothere has no JobManager pod in namespace default: list clusters with `kubectl flink get`, or pick the namespace with -n"
    );
}

#[test]
fn a_forbidden_services_proxy_falls_back_to_a_port_forward() {
    let Some(flink) = flink() else { return };
    let _slot = task_slot();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the API server");
    let server = runtime
        .block_on(test_apiserver::ApiServer::start(
            test_apiserver::ServerOptions {
                rbac_enforced: true,
                ..Default::default()
            },
        ))
        .expect("the test API server starts");
    fake_cluster_objects(&server, "fw");
    server.attach_backend(
        "default",
        "app=fw,component=jobmanager",
        8081,
        flink.session.rest_addr(),
    );
    // A user who may port-forward to pods but not use the services proxy.
    let rbac = "rbac.authorization.k8s.io/v1";
    server
        .create(
            rbac,
            "roles",
            Some("default"),
            json!({
            "apiVersion": rbac, "kind": "Role", "metadata": {"name": "forward-only"},
            "rules": [
                {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
                {"apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["get", "create"]}
            ]}),
        )
        .expect("create the role");
    server
        .create(rbac, "rolebindings", Some("default"), json!({
            "apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": "dev-forward-only"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "forward-only"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "dev"}]}))
        .expect("bind the role");
    let home = Scratch::new("jobs-forbidden");
    let kubeconfig = home.path().join("dev.kubeconfig");
    server
        .write_kubeconfig(&kubeconfig, "dev", Some("default"))
        .expect("a kubeconfig for dev");
    let kubeconfig = kubeconfig.display().to_string();

    let table = succeed(
        home.path(),
        &["session", "list", "fw", "-a", "--kubeconfig", &kubeconfig],
    );
    assert!(table.starts_with("JOB ID") || table.is_empty(), "{table}");
    let requests = server.requests();
    let proxy_denied = requests.iter().any(|r| {
        r.path
            .ends_with("/services/fw-rest:rest/proxy/jobs/overview")
            && r.status == 403
    });
    let forwarded = requests
        .iter()
        .any(|r| r.path == "/api/v1/namespaces/default/pods/fw-jm/portforward" && r.status == 101);
    assert!(
        proxy_denied && forwarded,
        "expected a denied proxy, then a port-forward: {requests:#?}"
    );

    let line = fail(
        home.path(),
        &[
            "session",
            "list",
            "fw",
            "--via",
            "proxy",
            "--kubeconfig",
            &kubeconfig,
        ],
        1,
    );
    assert!(
        line.contains("not allowed to reach the JobManager of cluster fw"),
        "{line}"
    );
    assert!(line.contains("--rest-url"), "{line}");
}

/// A copy of the job jar made larger than the upload threshold with an
/// incompressible entry, still a valid jar for Flink to run.
fn large_job_jar(small: &Path, dir: &Path) -> PathBuf {
    let big = dir.join("large-job.jar");
    std::fs::copy(small, &big).expect("copy the job jar");
    let mut noise = vec![0u8; 5 * 1024 * 1024];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for byte in noise.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
    std::fs::write(dir.join("noise.bin"), &noise).expect("noise");
    let status = std::process::Command::new("jar")
        .current_dir(dir)
        .args(["uf", "large-job.jar", "noise.bin"])
        .status()
        .expect("run jar");
    assert!(status.success(), "jar uf failed");
    big
}

#[test]
fn a_large_jar_is_uploaded_over_a_port_forward_on_the_default_route() {
    let Some(flink) = flink() else { return };
    let _slot = task_slot();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the API server");
    let server = runtime
        .block_on(test_apiserver::ApiServer::start(Default::default()))
        .expect("the test API server starts");
    fake_cluster_objects(&server, "big");
    server.attach_backend(
        "default",
        "app=big,component=jobmanager",
        8081,
        flink.session.rest_addr(),
    );
    let home = Scratch::new("jobs-large");
    let jar = large_job_jar(&flink.jar, home.path());
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let jar_arg = jar.display().to_string();
    let run = succeed(
        home.path(),
        &[
            "--kubeconfig",
            &kubeconfig,
            "session",
            "run",
            "big",
            &jar_arg,
            "-c",
            STREAMING_JOB_CLASS,
        ],
    );
    let job = assert_job_id(&run);
    let requests = server.requests();
    assert!(
        requests.iter().any(
            |r| r.path == "/api/v1/namespaces/default/pods/big-jm/portforward" && r.status == 101
        ),
        "the upload streamed over a port-forward"
    );
    assert!(
        !requests
            .iter()
            .any(|r| r.path.ends_with("/proxy/jars/upload")),
        "the large jar did not go through the services proxy"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.path.contains("/proxy/jars/") && r.path.ends_with("/run")),
        "running it still uses the default route"
    );
    wait_tasks_running(flink.session, &job);
    succeed(
        home.path(),
        &[
            "--kubeconfig",
            &kubeconfig,
            "session",
            "cancel",
            "big",
            &job,
        ],
    );
    wait_state(flink.session, &job, "CANCELED");
}

#[test]
fn job_verbs_reach_a_real_jobmanager_by_port_forward_when_the_proxy_has_no_endpoints() {
    let Some(k) = Cluster::new("jobs") else {
        return;
    };
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    // A JobManager of its own: `session stop` shuts it down.
    let session =
        flink_kit::jobmanager::StandaloneSession::start(&flink_home).expect("a Flink JobManager");
    let jar = flink_kit::jobjar::streaming_job_jar(&flink_home).expect("the job jar");
    assert_eq!(k.start("s1", &[]).status.code(), Some(0));
    let pod = k.until_jobmanager_ready("s1");
    // kwok forwards the JobManager pod's REST port to the real JobManager.
    k.cp.forward_pod_ports(&k.namespace, &pod, &[(8081, session.rest_addr())])
        .expect("a kwok PortForward");

    // The real API server's services proxy finds no endpoints for loopback
    // pods (it answers "no endpoints available", or "services … not found"
    // while it has no Endpoints object — as where the API server cannot
    // reach the pod network): the default route falls back to a
    // port-forward through the kubelet.
    let out = k.flink(&["session", "wait", "s1", "--timeout", "60s"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = k.flink(&[
        "session",
        "run",
        "s1",
        &jar.display().to_string(),
        "-c",
        flink_kit::jobjar::STREAMING_JOB_CLASS,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let job = stdout(&out).trim().to_string();
    assert_eq!(job.len(), 32, "a job id: {job}");
    wait_tasks_running(&session, &job);
    let out = k.flink(&["session", "list", "s1", "-v"]);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with(&job) && l.contains("RUNNING")),
        "{} {}",
        stdout(&out),
        stderr(&out)
    );
    let dir = k.home.path().join("savepoints");
    let out = k.flink(&[
        "session",
        "savepoint",
        "s1",
        &job,
        &format!("file://{}", dir.display()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    flink_kit::jobmanager::assert_savepoint_on_disk(stdout(&out).trim(), &dir);
    let out = k.flink(&["session", "cancel", "s1", &job]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Flink shuts down on DELETE /cluster; this standalone JobManager cannot
    // delete its Deployment, so kubectl-flink does, and the real garbage
    // collector removes the rest.
    let out = k.flink(&[
        "session",
        "stop",
        "s1",
        "--grace-period",
        "5s",
        "--timeout",
        "90s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Flink shut down but left its Deployment"),
        "the graceful path was taken: {}",
        stderr(&out)
    );
    assert_eq!(k.until_gone("s1"), Vec::<String>::new());
}
