use super::*;
use crate::cli::{Cli, Command, session::SessionCommand};
use crate::rest::{JobState, TaskCounts};
use clap::Parser;

fn parse(args: &[&str]) -> (GlobalArgs, SessionCommand) {
    let cli = Cli::try_parse_from(std::iter::once("kubectl-flink").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{e}"));
    let Command::Session(session) = cli.command else {
        panic!("not a session command");
    };
    (cli.global, session.command)
}

const JOB: &str = "b4ae9ea72c0fbafde9211f010c27c866";

#[test]
fn savepoint_takes_cluster_job_and_directory() {
    let (global, SessionCommand::Savepoint(args)) = parse(&[
        "session",
        "savepoint",
        "c1",
        JOB,
        "s3://sp",
        "--stop",
        "--drain",
        "--format",
        "native",
        "--timeout",
        "5m",
    ]) else {
        panic!("not savepoint");
    };
    let options = complete_savepoint(
        &global,
        &args,
        DeploymentMode::Session,
        &Environment::default(),
    )
    .unwrap();
    assert_eq!(options.target.cluster_id(), "c1");
    assert_eq!(options.job_id, JOB);
    assert_eq!(options.directory.as_deref(), Some("s3://sp"));
    assert!(options.stop && options.drain);
    assert_eq!(options.savepoint_format, SavepointFormat::Native);
    assert_eq!(options.timeout, Duration::from_secs(300));
    assert_eq!(options.target.route, Route::Kubernetes(None));
}

#[test]
fn a_cluster_id_from_flink_options_leaves_the_positionals_to_the_verb() {
    let (global, SessionCommand::Cancel(args)) = parse(&[
        "session",
        "cancel",
        "-Dkubernetes.cluster-id=c1",
        &format!("job/{JOB}"),
    ]) else {
        panic!("not cancel");
    };
    let options = complete_cancel(
        &global,
        &args,
        DeploymentMode::Session,
        &Environment::default(),
    )
    .unwrap();
    assert_eq!(
        (options.target.cluster_id(), options.job_id.as_str()),
        ("c1", JOB)
    );
}

#[test]
fn bad_or_missing_job_ids_are_usage_errors_naming_list() {
    let (global, SessionCommand::Cancel(args)) = parse(&["session", "cancel", "c1", "nope"]) else {
        panic!("not cancel");
    };
    let error = complete_cancel(
        &global,
        &args,
        DeploymentMode::Application,
        &Environment::default(),
    )
    .unwrap_err();
    assert_eq!(error.exit_code(), 2);
    assert!(
        error.to_string().contains("kubectl flink app list c1"),
        "{error}"
    );
    let (global, SessionCommand::Cancel(args)) = parse(&["session", "cancel", "c1"]) else {
        panic!("not cancel");
    };
    assert!(
        complete_cancel(
            &global,
            &args,
            DeploymentMode::Session,
            &Environment::default()
        )
        .unwrap_err()
        .to_string()
        .contains("no job id")
    );
}

#[test]
fn run_keeps_program_arguments_and_job_options() {
    let (global, SessionCommand::Run(args)) = parse(&[
        "session",
        "run",
        "c1",
        "--rest-url",
        "http://localhost:8081",
        "-c",
        "com.example.Job",
        "-p",
        "2",
        "-s",
        "file:///sp/1",
        "--allow-non-restored-state",
        "--claim-mode",
        "NO_CLAIM",
        "./job.jar",
        "--input",
        "-x",
    ]) else {
        panic!("not run");
    };
    let options = complete_run(&global, &args, &Environment::default()).unwrap();
    assert_eq!(options.jar, PathBuf::from("./job.jar"));
    assert_eq!(
        options.target.route,
        Route::Url("http://localhost:8081".into())
    );
    assert_eq!(
        options.request,
        RunJarRequest {
            entry_class: Some("com.example.Job".into()),
            program_args_list: vec!["--input".into(), "-x".into()],
            parallelism: Some(2),
            savepoint_path: Some("file:///sp/1".into()),
            allow_non_restored_state: true,
            claim_mode: Some("NO_CLAIM".into()),
        }
    );
}

#[test]
fn run_with_a_flink_style_cluster_id_takes_the_first_positional_as_the_jar() {
    let (global, SessionCommand::Run(args)) = parse(&[
        "session",
        "run",
        "-Dkubernetes.cluster-id=c1",
        "job.jar",
        "in",
        "out",
    ]) else {
        panic!("not run");
    };
    let options = complete_run(&global, &args, &Environment::default()).unwrap();
    assert_eq!(options.target.cluster_id(), "c1");
    assert_eq!(options.jar, PathBuf::from("job.jar"));
    assert_eq!(options.request.program_args_list, ["in", "out"]);
}

#[test]
fn run_refuses_non_jars_and_https_urls() {
    let (global, SessionCommand::Run(args)) = parse(&["session", "run", "c1", "notes.txt"]) else {
        panic!("not run");
    };
    assert_eq!(
        complete_run(&global, &args, &Environment::default())
            .unwrap_err()
            .exit_code(),
        2
    );
    let (global, SessionCommand::Run(args)) =
        parse(&["session", "run", "c1", "--rest-url", "https://x", "a.jar"])
    else {
        panic!("not run");
    };
    assert!(
        complete_run(&global, &args, &Environment::default())
            .unwrap_err()
            .to_string()
            .contains("https")
    );
}

#[test]
fn list_shows_live_jobs_oldest_first_unless_all() {
    let job = |id: &str, state: &str, start: i64| JobOverview {
        id: id.into(),
        name: "n".into(),
        state: JobState(state.into()),
        start_time: start,
        end_time: -1,
        duration: 0,
        tasks: TaskCounts::default(),
        raw: json!({"jid": id}),
    };
    let jobs = vec![
        job("c", "RUNNING", 3),
        job("a", "CANCELED", 1),
        job("b", "INITIALIZING", 2),
    ];
    let ids = |jobs: Vec<JobOverview>| jobs.into_iter().map(|j| j.id).collect::<Vec<_>>();
    assert_eq!(ids(select_jobs(jobs.clone(), false)), ["b", "c"]);
    assert_eq!(ids(select_jobs(jobs, true)), ["a", "b", "c"]);
}

#[test]
fn rest_failures_become_one_line_with_a_fix() {
    let (global, SessionCommand::List(args)) = parse(&["session", "list", "c1"]) else {
        panic!("not list");
    };
    let target = complete_list(
        &global,
        &args,
        DeploymentMode::Session,
        &Environment::default(),
    )
    .unwrap()
    .target;
    let error = target.failure(RestError::JobNotFound(JOB.into()));
    assert_eq!(
        error.to_string(),
        format!(
            "job {JOB} was not found in cluster c1: list jobs with `kubectl flink session list c1`"
        )
    );
    assert_eq!(error.exit_code(), 1);
    let error = target.failure(RestError::Unreachable("refused\nsecond line".into()));
    assert!(!error.to_string().contains('\n'));
    // Lines that already name their fix are not wrapped in another one.
    let not_ready =
        "no JobManager pod of c1 is Ready yet: wait with `kubectl flink session start … --wait`";
    assert_eq!(
        target
            .failure(RestError::NotReady(not_ready.into()))
            .to_string(),
        not_ready
    );
    let missing = "Flink cluster c1 has no JobManager pod in namespace ns: list clusters with `kubectl flink get`";
    assert_eq!(
        target
            .failure(RestError::ClusterNotFound(missing.into()))
            .to_string(),
        format!("{missing}, or pick the namespace with -n")
    );
}

#[test]
fn unreachable_suggests_only_the_routes_not_tried() {
    let suggestion = |argv: &[&str]| {
        let (global, SessionCommand::List(args)) = parse(argv) else {
            panic!("not list");
        };
        let target = complete_list(
            &global,
            &args,
            DeploymentMode::Session,
            &Environment::default(),
        )
        .unwrap()
        .target;
        target
            .failure(RestError::Unreachable("refused".into()))
            .to_string()
    };
    assert!(suggestion(&["session", "list", "c1"]).contains("try --via forward or --rest-url"));
    let forward = suggestion(&["session", "list", "c1", "--via", "forward"]);
    assert!(!forward.contains("--via forward"), "{forward}");
    let url = suggestion(&[
        "session",
        "list",
        "c1",
        "--rest-url",
        "http://localhost:8081",
    ]);
    assert!(
        !url.contains("--rest-url")
            && !url.contains("--via")
            && url.contains("http://localhost:8081"),
        "{url}"
    );
    // The API server down is not blamed on the JobManager.
    let (global, SessionCommand::List(args)) = parse(&["session", "list", "c1"]) else {
        panic!("not list");
    };
    let target = complete_list(
        &global,
        &args,
        DeploymentMode::Session,
        &Environment::default(),
    )
    .unwrap()
    .target;
    let down = "cannot reach the Kubernetes API server https://127.0.0.1:1: connection refused";
    assert_eq!(
        target
            .failure(RestError::ApiServerUnreachable(down.into()))
            .to_string(),
        down
    );
}

#[test]
fn run_with_only_a_jar_says_the_cluster_id_is_missing() {
    let (global, SessionCommand::Run(args)) = parse(&["session", "run", "./job.jar"]) else {
        panic!("not run");
    };
    let Err(error) = complete_run(&global, &args, &Environment::default()) else {
        panic!("a jar alone is refused");
    };
    assert_eq!(error.exit_code(), 2);
    assert!(
        error.to_string().starts_with("the cluster id is missing"),
        "{error}"
    );
}
