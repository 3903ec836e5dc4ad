//! The fault matrix: every mutating verb, every request it makes, every way a request can fail.
//!
//! For each verb the requests are recorded once on a fault-free test API server; then, on a
//! fresh server per cell, the nth request of each `METHOD path` is failed — a 500, a 409, a
//! 403, a dropped connection, a timeout (held, then the API server's 504 `Timeout`), held
//! while the test delivers Ctrl-C (SIGINT), or (writes only) carried out with its reply lost —
//! and the stored objects afterwards must be the whole result or nothing (for deletion and the
//! idempotent `rbac-setup`, and after a lost reply: a state a second, fault-free run
//! completes), with a one-line error and a non-zero exit. `suspend` and `upgrade` talk to a
//! JobManager through the services proxy ([`flink::FakeFlink`] behind it, which also plays the
//! JobManager of a cluster `upgrade` creates again), so their Flink calls are requests of the
//! matrix too, and a savepoint taken must be in the history or in what the command printed.
//! `upgrade` must end upgraded, unchanged, rolled back to the previous spec (recorded once with
//! a new JobManager that fails the job) or gone with the `cleanup` and `resume --from` its error
//! names bringing the previous spec back — and after Ctrl-C never with neither cluster (see
//! [`Kind::Upgrade`]). The matrix is printed (`cargo test --test faults -- --nocapture`); any
//! half-made state, lost savepoint, hang, panic or unclear error fails the test.

mod common;
#[path = "faults/flink.rs"]
mod flink;
#[path = "faults/state.rs"]
mod state;

use common::*;
use state::{history_text, settle, snapshot};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_apiserver::{ApiServer, Fault, RecordedRequest, ServerOptions};

/// What a verb's complete result is.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    /// Creates a cluster, or suspends or resumes one: complete, or nothing at all (after a
    /// lost reply: or a state a second run completes).
    Create,
    /// Deletes: complete, or a state a second run completes.
    Delete,
    /// Idempotent apply: complete, or a state a second run completes.
    Apply,
    /// Replaces a cluster's spec (`upgrade`): upgraded; or unchanged (the previous cluster as
    /// it was, a savepoint taken named); or rolled back (the previous spec from the savepoint,
    /// which the error names); or resumable (the cluster gone, the savepoint recorded and the
    /// error naming the `resume --from` that brings it back, which a second run completes).
    Upgrade,
}

struct Verb {
    name: &'static str,
    kind: Kind,
    /// Cluster id (each cell has a server of its own, so ids may repeat across cells).
    id: &'static str,
    /// What exists before the verb runs.
    setup: Setup,
    args: &'static [&'static str],
}

#[derive(Clone, Copy, PartialEq)]
enum Setup {
    Nothing,
    /// A session cluster started by the binary.
    Session,
    /// A session cluster with HA, and the HA ConfigMaps its JobManager would have made.
    SessionWithHa,
    /// Such a cluster stopped without Flink (its Deployment deleted): HA ConfigMaps orphaned.
    Orphans,
    /// A session cluster whose JobManager ([`flink::FakeFlink`]) runs one job.
    SessionWithJob,
    /// That cluster suspended (its job stopped with a savepoint, recorded, the cluster gone).
    Suspended,
    /// An application cluster with HA (and the HA ConfigMaps its JobManager would have made)
    /// whose JobManager ([`flink::FakeFlink`]) runs its job, and runs it again when redeployed.
    Application,
}

/// The image `upgrade` changes to (the golden configuration's is Flink's own).
const NEW_IMAGE: &str = "registry.example.com/flink:2.3.0-fm2";

const HA: [&str; 2] = [
    "-Dhigh-availability.type=kubernetes",
    "-Dhigh-availability.storageDir=s3://bucket/ha",
];

fn verbs() -> Vec<Verb> {
    vec![
        Verb {
            name: "session start",
            kind: Kind::Create,
            id: "fm",
            setup: Setup::Nothing,
            args: &["session", "start", "fm", "--flink-conf-dir", "{conf}"],
        },
        Verb {
            name: "app run",
            kind: Kind::Create,
            id: "fm",
            setup: Setup::Nothing,
            args: &[
                "app",
                "run",
                "--cluster-id",
                "fm",
                "--flink-conf-dir",
                "{conf}",
                "local:///opt/flink/usrlib/job.jar",
            ],
        },
        Verb {
            name: "session stop",
            kind: Kind::Delete,
            id: "fm",
            setup: Setup::Session,
            args: &[
                "session",
                "stop",
                "fm",
                "--grace-period",
                "1s",
                "--timeout",
                "20s",
            ],
        },
        Verb {
            name: "cleanup",
            kind: Kind::Delete,
            id: "fm",
            setup: Setup::SessionWithHa,
            args: &["cleanup", "fm", "--yes", "--timeout", "20s"],
        },
        Verb {
            name: "cleanup --orphans",
            kind: Kind::Delete,
            id: "fm",
            setup: Setup::Orphans,
            args: &["cleanup", "--orphans", "--yes"],
        },
        Verb {
            name: "suspend",
            kind: Kind::Create,
            id: "fm",
            setup: Setup::SessionWithJob,
            args: &["suspend", "fm", "--timeout", "20s"],
        },
        Verb {
            name: "resume",
            kind: Kind::Create,
            id: "fm",
            setup: Setup::Suspended,
            args: &["resume", "fm"],
        },
        Verb {
            name: "upgrade",
            kind: Kind::Upgrade,
            id: "fm",
            setup: Setup::Application,
            args: &["upgrade", "fm", "--image", NEW_IMAGE, "--timeout", "4s"],
        },
        Verb {
            name: "upgrade session",
            kind: Kind::Upgrade,
            id: "fm",
            setup: Setup::SessionWithJob,
            args: &["upgrade", "fm", "--image", NEW_IMAGE, "--timeout", "4s"],
        },
        Verb {
            name: "upgrade session --jar",
            kind: Kind::Upgrade,
            id: "fm",
            setup: Setup::SessionWithJob,
            args: &[
                "upgrade",
                "fm",
                "--image",
                NEW_IMAGE,
                "--jar",
                "{jar}",
                "--timeout",
                "4s",
            ],
        },
        Verb {
            name: "rbac-setup",
            kind: Kind::Apply,
            id: "flink",
            setup: Setup::Nothing,
            args: &["rbac-setup", "--grant-user", "alice"],
        },
    ]
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum FaultKind {
    S500,
    S409,
    S403,
    Drop,
    Timeout,
    Sigint,
    /// The request is carried out, then its connection dropped before the reply.
    LostReply,
}

const FAULTS: [FaultKind; 7] = [
    FaultKind::S500,
    FaultKind::S409,
    FaultKind::S403,
    FaultKind::Drop,
    FaultKind::Timeout,
    FaultKind::Sigint,
    FaultKind::LostReply,
];

impl FaultKind {
    fn label(self) -> &'static str {
        match self {
            FaultKind::S500 => "500",
            FaultKind::S409 => "409",
            FaultKind::S403 => "403",
            FaultKind::Drop => "drop",
            FaultKind::Timeout => "timeout",
            FaultKind::Sigint => "SIGINT",
            FaultKind::LostReply => "lost",
        }
    }

    /// Whether the fault applies to a request: a reply can only be lost for a write.
    fn applies_to(self, target: &Target) -> bool {
        self != FaultKind::LostReply || target.method != "GET"
    }
}

/// How long a request is held while the test delivers SIGINT; the server then handles it, as
/// a real API server finishes a request it has received.
const SIGINT_STALL: Duration = Duration::from_millis(700);
/// How long a "timeout" request is held before the 504.
const TIMEOUT_HOLD: Duration = Duration::from_millis(150);
/// The longest a single run may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(40);
/// At most this many occurrences of one `METHOD path` are faulted (polls repeat).
const MAX_OCCURRENCES: usize = 2;

/// One request of a verb: `METHOD path`, and which occurrence of it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    method: String,
    path: String,
    nth: usize,
}

impl Target {
    fn label(&self) -> String {
        let path = self
            .path
            .replace("/api/v1/namespaces/default/", "v1/")
            .replace("/apis/apps/v1/namespaces/default/", "apps/")
            .replace(
                "/apis/rbac.authorization.k8s.io/v1/namespaces/default/",
                "rbac/",
            );
        if self.nth > 1 {
            format!("{} {path} #{}", self.method, self.nth)
        } else {
            format!("{} {path}", self.method)
        }
    }
}

fn start_server() -> ApiServer {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(ApiServer::start(ServerOptions::default()))
        .expect("test API server")
}

fn argv(server: &ApiServer, args: &[&str]) -> Vec<String> {
    let conf = golden_conf();
    let mut out = vec![
        "--kubeconfig".to_string(),
        server.kubeconfig_path().display().to_string(),
    ];
    let jar = job_jar();
    out.extend(
        args.iter()
            .map(|a| a.replace("{conf}", &conf).replace("{jar}", &jar)),
    );
    out
}

/// A local jar for `upgrade --jar` to upload (its bytes do not matter to the imitation
/// JobManager).
fn job_jar() -> String {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-matrix-job.jar");
    if !path.exists() {
        std::fs::write(&path, b"PK\x05\x06 fault matrix job jar").expect("write the job jar");
    }
    path.display().to_string()
}

/// What a verb runs against; the JobManager, when there is one, lives as long as it (a
/// redeployed one fails its first job when `broken`: an upgrade to roll back).
fn setup(
    server: &ApiServer,
    home: &Scratch,
    verb: &Verb,
    broken: bool,
) -> Option<flink::FakeFlink> {
    let mut args: Vec<&str> = vec!["session", "start", verb.id, "--flink-conf-dir", "{conf}"];
    match verb.setup {
        Setup::Nothing => return None,
        Setup::Session | Setup::SessionWithJob | Setup::Suspended => {}
        Setup::SessionWithHa | Setup::Orphans => args.extend(HA),
        Setup::Application => {
            args = vec![
                "app",
                "run",
                "--cluster-id",
                verb.id,
                "--flink-conf-dir",
                "{conf}",
            ];
            args.extend(HA);
            args.push("local:///opt/flink/usrlib/job.jar");
        }
    }
    let out = run(home.path(), &argv_refs(&argv(server, &args)));
    assert_eq!(out.status.code(), Some(0), "setup: {}", stderr(&out));
    if matches!(
        verb.setup,
        Setup::SessionWithHa | Setup::Orphans | Setup::Application
    ) {
        for name in [
            format!("{}-cluster-config-map", verb.id),
            format!("{}-00000000000000000000000000000001-config-map", verb.id),
        ] {
            server
                .create(
                    "v1",
                    "configmaps",
                    Some("default"),
                    serde_json::json!({"metadata": {"name": name, "labels": {
                        "type": "flink-native-kubernetes", "app": verb.id,
                        "configmap-type": "high-availability"}}}),
                )
                .expect("an HA ConfigMap as the JobManager makes it");
        }
    }
    // The simulated control plane makes the ReplicaSet and pod.
    settle(server, &[]);
    if verb.setup == Setup::Orphans {
        // Flink cannot be reached: stop deletes the Deployment and keeps the HA data.
        let stop = ["session", "stop", verb.id, "--grace-period", "1s"];
        let out = run(home.path(), &argv_refs(&argv(server, &stop)));
        assert_eq!(out.status.code(), Some(0), "setup: {}", stderr(&out));
        settle(server, &[]);
    }
    let redeployed = match (verb.setup, broken) {
        (Setup::SessionWithJob, false) if verb.args.contains(&"--jar") => {
            flink::Redeployed::SessionRunningJar
        }
        (Setup::SessionWithJob | Setup::Suspended, false) => flink::Redeployed::Session,
        (Setup::SessionWithJob, true) => flink::Redeployed::SessionFailingOnce,
        (Setup::Application, false) => flink::Redeployed::Application,
        (Setup::Application, true) => flink::Redeployed::ApplicationFailingOnce,
        _ => return None,
    };
    let jobmanager = flink::FakeFlink::with(redeployed);
    server.attach_backend(
        "default",
        &format!("app={},component=jobmanager", verb.id),
        8081,
        jobmanager.addr(),
    );
    if verb.setup == Setup::Suspended {
        let out = run(
            home.path(),
            &argv_refs(&argv(server, &["suspend", verb.id])),
        );
        assert_eq!(out.status.code(), Some(0), "setup: {}", stderr(&out));
        settle(server, &[]);
    }
    Some(jobmanager)
}

fn argv_refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

struct RunOutput {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    hung: bool,
}

fn spawn(
    home: &Scratch,
    args: &[String],
    tag: &str,
) -> (Child, std::path::PathBuf, std::path::PathBuf) {
    let out_path = home.path().join(format!("{tag}.stdout"));
    let err_path = home.path().join(format!("{tag}.stderr"));
    let child = command(home.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("run kubectl-flink");
    (child, out_path, err_path)
}

fn finish(mut child: Child, out: &Path, err: &Path) -> RunOutput {
    let deadline = Instant::now() + HANG;
    let (status, hung) = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break (Some(status), false);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break (child.wait().ok(), true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    RunOutput {
        code: status.and_then(|s| s.code()),
        stdout: std::fs::read_to_string(out).unwrap_or_default(),
        stderr: std::fs::read_to_string(err).unwrap_or_default(),
        hung,
    }
}

fn run_verb(home: &Scratch, args: &[String], tag: &str) -> RunOutput {
    let (child, out, err) = spawn(home, args, tag);
    finish(child, &out, &err)
}

fn matching(requests: &[RecordedRequest], t: &Target) -> usize {
    requests
        .iter()
        .filter(|r| r.method == t.method && test_apiserver::path_matches(&t.path, &r.path))
        .count()
}

/// A request's path with the names of pods and savepoint trigger ids (random per run) as `*`.
fn pattern(path: &str, pods: &[String]) -> String {
    let mut out = path.to_string();
    for pod in pods {
        out = out.replace(&format!("/pods/{pod}"), "/pods/*");
    }
    match out.split_once("/savepoints/") {
        Some((head, _)) => format!("{head}/savepoints/*"),
        None => out,
    }
}

/// What a fault-free run of a verb does.
struct Recording {
    /// Its requests, as distinct targets, in order.
    targets: Vec<Target>,
    /// The stored objects before and after.
    before: BTreeSet<String>,
    complete: BTreeSet<String>,
    /// The lines it writes to stderr (progress notes), as [`normalised`].
    notes: BTreeSet<String>,
    /// `upgrade`: the stored objects after a fault-free run whose new cluster fails its job,
    /// so that the previous spec is redeployed from the savepoint (empty for other verbs).
    rolled_back: BTreeSet<String>,
}

/// A stderr line with the cell's own paths (kubeconfig, home) and the names of pods (random
/// per run, as in a wait's progress `(pod NAME: Running)`) as placeholders.
fn normalised(line: &str, server: &ApiServer, home: &Scratch) -> String {
    let mut line = line
        .replace(
            &server.kubeconfig_path().display().to_string(),
            "{kubeconfig}",
        )
        .replace(&home.path().display().to_string(), "{home}");
    if let Some(at) = line.find("(pod ")
        && let Some(end) = line[at..].find(':')
    {
        line.replace_range(at + 5..at + end, "*");
    }
    line
}

/// The requests a verb makes, as distinct targets, in order.
fn enumerate(verb: &Verb) -> Recording {
    let server = start_server();
    let home = Scratch::new("faults-enumerate");
    let _jobmanager = setup(&server, &home, verb, false);
    let before = snapshot(&server);
    let pods: Vec<String> = server
        .list("v1", "pods", Some("default"))
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    server.clear_requests();
    let out = run_verb(&home, &argv(&server, verb.args), "enumerate");
    assert_eq!(
        out.code,
        Some(0),
        "{} without faults: {}",
        verb.name,
        out.stderr
    );
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut targets = Vec::new();
    for r in server.requests() {
        let path = pattern(&r.path, &pods);
        let n = seen.entry((r.method.clone(), path.clone())).or_default();
        *n += 1;
        if *n <= MAX_OCCURRENCES {
            targets.push(Target {
                method: r.method.clone(),
                path,
                nth: *n,
            });
        }
    }
    let complete = settle(&server, &[]);
    let mut notes: BTreeSet<String> = out
        .stderr
        .lines()
        .map(|l| normalised(l, &server, &home))
        .collect();
    let rolled_back = if verb.kind == Kind::Upgrade {
        let server = start_server();
        let home = Scratch::new("faults-enumerate");
        let _jobmanager = setup(&server, &home, verb, true);
        let out = run_verb(&home, &argv(&server, verb.args), "rollback");
        assert_eq!(
            out.code,
            Some(1),
            "{} whose new cluster fails: {}",
            verb.name,
            out.stderr
        );
        assert!(
            out.stderr.contains("rolled back") && out.stderr.contains(flink::SAVEPOINT),
            "{} whose new cluster fails rolls back, naming the savepoint: {}",
            verb.name,
            out.stderr
        );
        // A rollback's progress notes are those of the cells that roll back too.
        notes.extend(
            out.stderr
                .lines()
                .filter(|l| !l.starts_with("error:"))
                .map(|l| normalised(l, &server, &home)),
        );
        settle(&server, &[])
    } else {
        BTreeSet::new()
    };
    if std::env::var_os("FAULT_MATRIX_DEBUG").is_some() {
        eprintln!(
            "{}: before {before:?}\ncomplete {complete:?}\nrolled back {rolled_back:?}\nrequests {:?}",
            verb.name,
            targets.iter().map(Target::label).collect::<Vec<_>>()
        );
    }
    Recording {
        targets,
        before,
        complete,
        notes,
        rolled_back,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Exit 0, the whole result.
    Complete,
    /// Non-zero exit, nothing changed (creation rolled back, or nothing done yet).
    Nothing,
    /// Non-zero exit, the whole result anyway (the error says what is left to do).
    CompleteWithError,
    /// Non-zero exit, part done; a second run completed it (deletion, idempotent apply; for
    /// `upgrade`: the cluster gone, and the `resume --from` its error names brought the
    /// previous spec back).
    Resumed,
    /// `upgrade`: non-zero exit, the previous spec redeployed from the savepoint the error
    /// names.
    RolledBack,
    /// The fault never hit (the verb made fewer such requests this time).
    NotReached,
    /// Anything else: the reason.
    Bad(String),
}

impl Outcome {
    fn short(&self) -> String {
        match self {
            Outcome::Complete => "complete".into(),
            Outcome::Nothing => "nothing".into(),
            Outcome::CompleteWithError => "complete+err".into(),
            Outcome::Resumed => "rerun completes".into(),
            Outcome::RolledBack => "rolled back".into(),
            Outcome::NotReached => "(not reached)".into(),
            Outcome::Bad(why) => format!("BAD: {why}"),
        }
    }
}

fn inject(server: &ApiServer, t: &Target, fault: FaultKind) {
    let (m, p, n) = (t.method.as_str(), t.path.as_str(), t.nth);
    match fault {
        FaultKind::S500 => server.inject(Fault::status(m, p, n, 500)),
        FaultKind::S409 => server.inject(Fault::status(m, p, n, 409)),
        FaultKind::S403 => server.inject(Fault::status(m, p, n, 403)),
        FaultKind::Drop => server.inject(Fault::drop_connection(m, p, n)),
        FaultKind::Timeout => {
            server.inject(Fault::delay(m, p, n, TIMEOUT_HOLD));
            server.inject(Fault::status(m, p, n, 504));
        }
        FaultKind::Sigint => server.inject(Fault::delay(m, p, n, SIGINT_STALL)),
        FaultKind::LostReply => server.inject(Fault::lose_reply(m, p, n)),
    }
}

/// The error must be one line, say `error:`, and nothing may panic; the progress notes of a
/// fault-free run (`notes`) may come before it.
fn message_problem(
    out: &RunOutput,
    fault: FaultKind,
    notes: &BTreeSet<String>,
    server: &ApiServer,
    home: &Scratch,
) -> Option<String> {
    if out.stderr.contains("panicked") {
        return Some(format!("panic: {}", out.stderr.trim()));
    }
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !notes.contains(&normalised(l, server, home)))
        .collect();
    if fault == FaultKind::Sigint {
        // Ctrl-C may end the process by the signal itself (nothing to say), or with a note.
        return None;
    }
    match errors.len() {
        1 if lines.len() == 1
            || lines.iter().all(|l| {
                l.starts_with("error:") || l.starts_with("Warning:") || l.starts_with("warning:")
            }) =>
        {
            None
        }
        1 => Some(format!("more than the error line: {:?}", lines)),
        0 => Some(format!("no error line: {:?}", lines)),
        _ => Some(format!("{} error lines", errors.len())),
    }
}

fn run_cell(
    verb: &Verb,
    target: &Target,
    fault: FaultKind,
    recording: &Recording,
) -> (Outcome, String) {
    let (before, complete) = (&recording.before, &recording.complete);
    let server = start_server();
    let home = Scratch::new("faults-cell");
    let jobmanager = setup(&server, &home, verb, false);
    server.clear_requests();
    inject(&server, target, fault);
    let args = argv(&server, verb.args);
    let out = if fault == FaultKind::Sigint {
        let (child, o, e) = spawn(&home, &args, "cell");
        let deadline = Instant::now() + HANG;
        let mut child = child;
        loop {
            if matching(&server.requests(), target) >= target.nth {
                std::thread::sleep(Duration::from_millis(50));
                let _ = std::process::Command::new("kill")
                    .args(["-INT", &child.id().to_string()])
                    .status();
                break;
            }
            if matches!(child.try_wait(), Ok(Some(_))) || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let out = finish(child, &o, &e);
        // The held request is handled after the stall, whatever the client did.
        std::thread::sleep(SIGINT_STALL);
        out
    } else {
        run_verb(&home, &args, "cell")
    };
    let hit = matching(&server.requests(), target) >= target.nth;
    let line = out.stderr.trim().lines().last().unwrap_or("").to_string();
    if out.hung {
        return (Outcome::Bad(format!("hung: {}", out.stderr.trim())), line);
    }
    if out.code != Some(0)
        && let Some(problem) = message_problem(&out, fault, &recording.notes, &server, &home)
    {
        return (Outcome::Bad(problem), line);
    }
    let after = settle(&server, &[complete, before, &recording.rolled_back]);
    // Nothing lost: a savepoint the job was stopped with is recorded, or the output names it
    // (or the job, when the stop was asked for but its answer never came).
    if let Some(jobmanager) = &jobmanager
        && jobmanager.stopped()
    {
        let printed = format!("{}{}", out.stdout, out.stderr);
        if !history_text(&server, verb.id).contains(flink::SAVEPOINT)
            && !printed.contains(flink::SAVEPOINT)
            && !printed.contains(flink::JOB_ID)
        {
            return (
                Outcome::Bad(format!(
                    "job {} stopped with savepoint {}, which neither the history nor the output names",
                    flink::JOB_ID,
                    flink::SAVEPOINT
                )),
                line,
            );
        }
    }
    if verb.kind == Kind::Upgrade {
        let outcome = upgrade_outcome(verb, fault, &out, &after, recording, hit, &server, &home);
        return (outcome, line);
    }
    let outcome = match (out.code, &after) {
        (Some(0), a) if a == complete => {
            if hit {
                Outcome::Complete
            } else {
                Outcome::NotReached
            }
        }
        (Some(0), a) => Outcome::Bad(format!("exit 0 but {}", diff(a, complete))),
        (_, a) if a == before && verb.kind == Kind::Create => Outcome::Nothing,
        (_, a) if a == complete => Outcome::CompleteWithError,
        (_, a) if verb.kind == Kind::Create && fault != FaultKind::LostReply => {
            Outcome::Bad(format!("half-made: {}", diff(a, before)))
        }
        (_, a) if a == before => Outcome::Nothing,
        (_, a) => {
            // A second, fault-free run must complete what the first left.
            let again = run_verb(&home, &args, "again");
            let after = settle(&server, &[complete]);
            if &after == complete {
                Outcome::Resumed
            } else {
                Outcome::Bad(format!(
                    "left {}; a second run (exit {:?}: {}) left {}",
                    diff(a, complete),
                    again.code,
                    again.stderr.trim(),
                    diff(&after, complete)
                ))
            }
        }
    };
    let _ = std::fs::write(home.path().join("stdout"), &out.stdout);
    (outcome, line)
}

/// The stored objects without the history.
fn objects(state: &BTreeSet<String>) -> BTreeSet<String> {
    state
        .iter()
        .filter(|l| {
            !l.starts_with("history ") && !l.starts_with("configmaps/kubectl-flink-history-")
        })
        .cloned()
        .collect()
}

/// How an `upgrade` cell came out (see [`Kind::Upgrade`]); anything else is half-made.
#[allow(clippy::too_many_arguments)]
fn upgrade_outcome(
    verb: &Verb,
    fault: FaultKind,
    out: &RunOutput,
    after: &BTreeSet<String>,
    recording: &Recording,
    hit: bool,
    server: &ApiServer,
    home: &Scratch,
) -> Outcome {
    let (before, complete, rolled_back) = (
        &recording.before,
        &recording.complete,
        &recording.rolled_back,
    );
    let printed = format!("{}{}", out.stdout, out.stderr);
    let names_savepoint = printed.contains(flink::SAVEPOINT);
    // The old cluster's HA ConfigMaps go with it: a cluster created again (upgraded or rolled
    // back) restores from the savepoint, not from the old cluster's HA data.
    let recreated = objects(after) != objects(before)
        && objects(after).iter().any(|l| l.starts_with("deployments/"));
    let old_ha: Vec<&String> = before
        .iter()
        .filter(|l| l.ends_with("-config-map") && after.contains(*l))
        .collect();
    if recreated && !old_ha.is_empty() {
        return Outcome::Bad(format!(
            "the old cluster's HA ConfigMaps {old_ha:?} beside the cluster created again"
        ));
    }
    if out.code == Some(0) {
        return match after == complete {
            true if hit => Outcome::Complete,
            true => Outcome::NotReached,
            false => Outcome::Bad(format!("exit 0 but {}", diff(after, complete))),
        };
    }
    if after == complete {
        // The new spec complete: Ctrl-C once its removal had begun is answered when the new
        // cluster is created, with exit 130 naming the savepoint and that it is starting.
        if fault == FaultKind::Sigint
            && (out.code != Some(130) || !names_savepoint || !out.stderr.contains("starting"))
        {
            return Outcome::Bad(format!(
                "Ctrl-C: exit {:?} without saying the upgraded cluster is starting from the savepoint: {}",
                out.code,
                out.stderr.trim()
            ));
        }
        return Outcome::CompleteWithError;
    }
    if after == rolled_back {
        return if names_savepoint {
            Outcome::RolledBack
        } else {
            Outcome::Bad(format!(
                "rolled back without naming the savepoint: {}",
                out.stderr.trim()
            ))
        };
    }
    if objects(after) == objects(before) {
        // Unchanged; a savepoint already taken is named (checked for every cell).
        return Outcome::Nothing;
    }
    // Resumable: no Deployment (what is left of the cluster, at most, is for the `cleanup` the
    // error names), the savepoint recorded, and the error naming the `resume --from` that
    // brings the previous spec back; running those must do so.
    let gone = !objects(after).iter().any(|l| l.starts_with("deployments/"));
    let resume = format!("resume {} -n default --from {}", verb.id, flink::SAVEPOINT);
    let cleanup = format!("cleanup {} -n default --yes", verb.id);
    if gone && fault == FaultKind::Sigint {
        return Outcome::Bad(format!(
            "Ctrl-C left neither cluster: {}",
            diff(after, before)
        ));
    }
    if gone {
        let leftovers = objects(after).iter().any(|l| l.contains(verb.id));
        if !state::history_text(server, verb.id).contains(flink::SAVEPOINT)
            || !printed.contains(&resume)
            || (leftovers && !printed.contains(&cleanup))
        {
            return Outcome::Bad(format!(
                "the cluster is gone, but the savepoint is not recorded or the error does not name `{resume}` (and `{cleanup}` for what is left): {}",
                out.stderr.trim()
            ));
        }
        if printed.contains(&cleanup) {
            let cleaned = run_verb(
                home,
                &argv(server, &["cleanup", verb.id, "--yes"]),
                "cleanup",
            );
            if cleaned.code != Some(0) {
                return Outcome::Bad(format!(
                    "gone; `{cleanup}` failed: {}",
                    cleaned.stderr.trim()
                ));
            }
        }
        let args = argv(server, &["resume", verb.id, "--from", flink::SAVEPOINT]);
        let again = run_verb(home, &args, "again");
        let resumed = settle(server, &[]);
        return if again.code == Some(0) && objects(&resumed) == objects(rolled_back) {
            Outcome::Resumed
        } else {
            Outcome::Bad(format!(
                "gone; `{resume}` (exit {:?}: {}) left {} (against the rolled-back spec)",
                again.code,
                again.stderr.trim(),
                diff(&objects(&resumed), &objects(rolled_back))
            ))
        };
    }
    Outcome::Bad(format!(
        "half-made: against the previous spec {}; against the new one {}; against the rolled-back one {}",
        diff(after, before),
        diff(after, complete),
        diff(after, rolled_back)
    ))
}

fn diff(a: &BTreeSet<String>, b: &BTreeSet<String>) -> String {
    let extra: Vec<&String> = a.difference(b).collect();
    let missing: Vec<&String> = b.difference(a).collect();
    format!("extra {extra:?}, missing {missing:?}")
}

struct Row {
    verb: &'static str,
    target: String,
    fault: FaultKind,
    outcome: Outcome,
    message: String,
}

#[test]
fn every_request_of_every_mutating_verb_fails_whole_or_not_at_all() {
    let started = Instant::now();
    // `FAULT_MATRIX_VERBS=suspend,resume` runs only those rows (while working on a verb).
    let only = std::env::var("FAULT_MATRIX_VERBS").ok();
    let verbs = Arc::new(
        verbs()
            .into_iter()
            .filter(|v| {
                only.as_deref()
                    .is_none_or(|o| o.split(',').any(|n| n == v.name))
            })
            .collect::<Vec<_>>(),
    );
    let mut cells = Vec::new();
    let mut states = Vec::new();
    for (v, verb) in verbs.iter().enumerate() {
        let recording = enumerate(verb);
        assert!(
            !recording.targets.is_empty(),
            "{} made no requests",
            verb.name
        );
        for t in &recording.targets {
            for fault in FAULTS.into_iter().filter(|f| f.applies_to(t)) {
                cells.push((v, t.clone(), fault));
            }
        }
        states.push(recording);
    }
    let states = Arc::new(states);
    let queue = Arc::new(Mutex::new(
        cells.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let rows = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (queue, rows, verbs, states) =
                (queue.clone(), rows.clone(), verbs.clone(), states.clone());
            std::thread::spawn(move || {
                loop {
                    let Some((i, (v, target, fault))) = queue.lock().expect("queue").pop() else {
                        return;
                    };
                    let verb = &verbs[v];
                    let (outcome, message) = run_cell(verb, &target, fault, &states[v]);
                    rows.lock().expect("rows").push((
                        i,
                        Row {
                            verb: verb.name,
                            target: target.label(),
                            fault,
                            outcome,
                            message,
                        },
                    ));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a matrix worker");
    }
    let mut rows = std::mem::take(&mut *rows.lock().expect("rows"));
    rows.sort_by_key(|(i, _)| *i);
    let mut bad = Vec::new();
    println!("\nfault matrix: verb | request | fault -> outcome | last stderr line");
    for (_, row) in &rows {
        println!(
            "{:<13} | {:<58} | {:<7} -> {:<16} | {}",
            row.verb,
            row.target,
            row.fault.label(),
            row.outcome.short(),
            row.message
        );
        if matches!(row.outcome, Outcome::Bad(_)) {
            bad.push(format!(
                "{} | {} | {} -> {}",
                row.verb,
                row.target,
                row.fault.label(),
                row.outcome.short()
            ));
        }
    }
    let count = |o: fn(&Outcome) -> bool| rows.iter().filter(|(_, r)| o(&r.outcome)).count();
    println!(
        "\n{} cells ({} verbs) in {:.1}s: {} complete, {} nothing, {} complete+err, {} rerun completes, {} rolled back, {} not reached, {} bad",
        rows.len(),
        verbs.len(),
        started.elapsed().as_secs_f64(),
        count(|o| *o == Outcome::Complete),
        count(|o| *o == Outcome::Nothing),
        count(|o| *o == Outcome::CompleteWithError),
        count(|o| *o == Outcome::Resumed),
        count(|o| *o == Outcome::RolledBack),
        count(|o| *o == Outcome::NotReached),
        bad.len()
    );
    for verb in verbs.iter() {
        let mine: Vec<&Row> = rows
            .iter()
            .map(|(_, r)| r)
            .filter(|r| r.verb == verb.name)
            .collect();
        let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
        for r in &mine {
            let short = match &r.outcome {
                Outcome::Bad(_) => "bad".to_string(),
                o => o.short(),
            };
            *outcomes.entry(short).or_default() += 1;
        }
        let requests: BTreeSet<&String> = mine.iter().map(|r| &r.target).collect();
        println!(
            "{}: {} cells, {} requests: {:?}",
            verb.name,
            mine.len(),
            requests.len(),
            outcomes
        );
    }
    assert!(
        bad.is_empty(),
        "half-made or unclear outcomes:\n{}",
        bad.join("\n")
    );
}
