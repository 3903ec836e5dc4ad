//! A JobManager's REST API as far as `suspend` and `upgrade` use it (its release, jobs,
//! stop-with-savepoint, what a job restored from), for the fault matrix: one streaming job,
//! stopped with a savepoint when asked. The API server's services proxy relays to it, so every
//! Flink call is a request of the API server the matrix can fail; a real JobManager per cell
//! would take minutes. It tells the JobManager pods apart by the pod the proxy names
//! ([`test_apiserver::POD_HEADER`]): the first pod it answers for runs the job; a later one is a
//! redeployed cluster's JobManager, which — in an application cluster — runs the job again,
//! restored from the savepoint (or, when told to, fails it: an upgrade to roll back), and in a
//! session cluster starts empty. Listens on 127.0.0.1 only.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The job's id, its name and the savepoint its stop leaves (fixed, so that the requests of
/// every cell have the same paths; the stop's trigger id is the client's, when it sends one, as
/// Flink 1.15 on take it).
pub const JOB_ID: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
pub const JOB_NAME: &str = "fault-matrix-job";
const TRIGGER_ID: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
pub const SAVEPOINT: &str = "file:/savepoints/savepoint-a1b2c3-0123456789ab";

/// What the JobManager of a cluster redeployed after the first runs.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Redeployed {
    /// Application: the job again, restored from the savepoint.
    Application,
    /// Application: the first redeployed cluster fails the job (a broken upgrade); later
    /// ones run it.
    ApplicationFailingOnce,
    /// Session: no job.
    Session,
    /// Session: the first redeployed cluster's REST API never answers (a broken upgrade);
    /// later ones start empty.
    SessionFailingOnce,
    /// Session: empty until a jar is uploaded and run (`upgrade --jar`), then the job,
    /// restored from the savepoint.
    SessionRunningJar,
}

#[derive(Default)]
struct State {
    /// The pod of the first JobManager (the cluster the test set up).
    original: Option<String>,
    /// The stop's trigger id once the original job was stopped.
    stopped: Option<String>,
    /// The pods of the redeployed JobManagers, in the order they were first seen.
    redeployed: Vec<String>,
    /// The redeployed JobManagers a jar was run on.
    submitted: Vec<String>,
}

pub struct FakeFlink {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeFlink {
    /// A JobManager running the job; a redeployed one runs as `redeployed` says.
    pub fn with(redeployed: Redeployed) -> FakeFlink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let state = Arc::new(Mutex::new(State::default()));
        let done = Arc::new(AtomicBool::new(false));
        let (s, d) = (state.clone(), done.clone());
        let thread = std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let s = s.clone();
                        std::thread::spawn(move || serve(stream, &s, redeployed));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakeFlink {
            addr,
            state,
            done,
            thread: Some(thread),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the job was stopped (and so its savepoint taken).
    pub fn stopped(&self) -> bool {
        self.state.lock().expect("state").stopped.is_some()
    }
}

impl Drop for FakeFlink {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One request per connection (the proxy opens one per request), answered and closed.
fn serve(mut stream: TcpStream, state: &Mutex<State>, redeployed: Redeployed) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or("");
    let path = words.next().unwrap_or("").split('?').next().unwrap_or("");
    let pod = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(test_apiserver::POD_HEADER)
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    let body: serde_json::Value =
        serde_json::from_slice(buf.get(head_end..).unwrap_or_default()).unwrap_or_default();
    let (status, body) = {
        let mut state = state.lock().expect("state");
        let original = state.original.get_or_insert_with(|| pod.clone()).clone();
        if pod == original {
            answer(method, path, &body, &mut state.stopped)
        } else {
            let n = match state.redeployed.iter().position(|p| *p == pod) {
                Some(n) => n,
                None => {
                    state.redeployed.push(pod.clone());
                    state.redeployed.len() - 1
                }
            };
            match redeployed {
                Redeployed::SessionFailingOnce if n == 0 => (
                    503,
                    serde_json::json!({"errors": ["the JobManager is not up"]}).to_string(),
                ),
                Redeployed::Session | Redeployed::SessionFailingOnce => {
                    answer_redeployed(method, path, None)
                }
                Redeployed::SessionRunningJar => match answer_jar(method, path) {
                    Some(answer) => {
                        if path.ends_with("/run") {
                            state.submitted.push(pod.clone());
                        }
                        answer
                    }
                    None => {
                        let running = state.submitted.contains(&pod);
                        answer_redeployed(method, path, running.then_some("RUNNING"))
                    }
                },
                Redeployed::ApplicationFailingOnce if n == 0 => {
                    answer_redeployed(method, path, Some("FAILED"))
                }
                Redeployed::Application | Redeployed::ApplicationFailingOnce => {
                    answer_redeployed(method, path, Some("RUNNING"))
                }
            }
        }
    };
    let reply = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        if status == 200 { "OK" } else { "Error" },
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

fn answer(
    method: &str,
    path: &str,
    body: &serde_json::Value,
    trigger: &mut Option<String>,
) -> (u16, String) {
    let stop = format!("/jobs/{JOB_ID}/stop");
    let status = format!(
        "/jobs/{JOB_ID}/savepoints/{}",
        trigger.as_deref().unwrap_or("-")
    );
    let stopped = trigger.is_some();
    match (method, path) {
        ("GET", "/jobs/overview") => {
            let state = if stopped { "FINISHED" } else { "RUNNING" };
            let end = if stopped { 1_700_000_060_000i64 } else { -1 };
            let job = serde_json::json!({
                "jid": JOB_ID, "name": JOB_NAME, "state": state,
                "start-time": 1_700_000_000_000i64, "end-time": end, "duration": 60_000,
                "tasks": {"running": if stopped { 0 } else { 1 }, "finished": if stopped { 1 } else { 0 },
                          "total": 1, "pending": 0, "canceled": 0, "failed": 0, "created": 0,
                          "scheduled": 0, "deploying": 0, "canceling": 0, "reconciling": 0,
                          "initializing": 0}
            });
            (200, serde_json::json!({ "jobs": [job] }).to_string())
        }
        ("GET", "/config") => release_config(),
        ("GET", "/overview") => (
            200,
            serde_json::json!({"taskmanagers": 1, "slots-total": 1, "slots-available": 0,
                "jobs-running": if stopped { 0 } else { 1 }, "flink-version": "2.3.0"})
            .to_string(),
        ),
        ("POST", p) if p == stop && !stopped => {
            let id = body["triggerId"].as_str().unwrap_or(TRIGGER_ID).to_string();
            *trigger = Some(id.clone());
            (200, serde_json::json!({ "request-id": id }).to_string())
        }
        ("GET", p) if p == status => (
            200,
            serde_json::json!({"status": {"id": "COMPLETED"}, "operation": {"location": SAVEPOINT}})
                .to_string(),
        ),
        _ => (
            404,
            serde_json::json!({"errors": [format!("Not found: {path}")]}).to_string(),
        ),
    }
}

/// A redeployed cluster's JobManager: `job` is the state of its job (restored from the
/// savepoint), None for an empty session.
fn answer_redeployed(method: &str, path: &str, job: Option<&str>) -> (u16, String) {
    let running = job == Some("RUNNING");
    match (method, path) {
        ("GET", "/jobs/overview") => {
            let jobs: Vec<serde_json::Value> = job
                .map(|state| {
                    let ended = state != "RUNNING";
                    serde_json::json!({
                        "jid": JOB_ID, "name": JOB_NAME, "state": state,
                        "start-time": 1_700_000_100_000i64,
                        "end-time": if ended { 1_700_000_110_000i64 } else { -1 },
                        "duration": 10_000,
                        "tasks": {"running": if running { 1 } else { 0 }, "finished": 0,
                                  "total": 1, "pending": 0, "canceled": 0,
                                  "failed": if ended { 1 } else { 0 }, "created": 0,
                                  "scheduled": 0, "deploying": 0, "canceling": 0,
                                  "reconciling": 0, "initializing": 0}
                    })
                })
                .into_iter()
                .collect();
            (200, serde_json::json!({ "jobs": jobs }).to_string())
        }
        ("GET", "/config") => release_config(),
        ("GET", "/overview") => (
            200,
            serde_json::json!({"taskmanagers": 1, "slots-total": 1,
                "slots-available": if running { 0 } else { 1 },
                "jobs-running": if running { 1 } else { 0 }, "flink-version": "2.3.0"})
            .to_string(),
        ),
        ("GET", p) if job.is_some() && p == format!("/jobs/{JOB_ID}/checkpoints") => (
            200,
            serde_json::json!({"counts": {"completed": 0},
                "latest": {"restored": {"external_path": SAVEPOINT}}})
            .to_string(),
        ),
        _ => (
            404,
            serde_json::json!({"errors": [format!("Not found: {path}")]}).to_string(),
        ),
    }
}

/// The jar endpoints of a session (`upgrade --jar` resubmitting the job): the upload, the
/// run (the job, with the id every cell expects), the jar's deletion.
fn answer_jar(method: &str, path: &str) -> Option<(u16, String)> {
    const JAR: &str = "/jars/0a1b2c3d-fault-matrix_job.jar";
    match (method, path) {
        ("POST", "/jars/upload") => Some((
            200,
            serde_json::json!({"filename": "/tmp/flink-web/flink-web-upload/0a1b2c3d-fault-matrix_job.jar",
                "status": "success"})
            .to_string(),
        )),
        ("POST", p) if p == format!("{JAR}/run") => {
            Some((200, serde_json::json!({ "jobid": JOB_ID }).to_string()))
        }
        ("DELETE", JAR) => Some((200, "{}".to_string())),
        _ => None,
    }
}

/// `GET /config`: the release every imitation JobManager reports.
fn release_config() -> (u16, String) {
    (
        200,
        serde_json::json!({"flink-version": "2.3.0", "flink-revision": "fault-matrix"}).to_string(),
    )
}
