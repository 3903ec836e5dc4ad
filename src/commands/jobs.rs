//! The job verbs: `kubectl flink {session,app} {list,cancel,savepoint}` and
//! `kubectl flink session run`. Each completes its flags into plain options
//! (pure, tested), checks them, then talks to the JobManager through
//! [`crate::rest`]. Only machine output goes to stdout (ids, paths, tables);
//! progress and notes go to stderr.

mod progress;
mod table;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use super::block_on;
use super::target::{self, TargetOptions};
use crate::cli::jobs::{
    JobCancelArgs, JobListArgs, JobRunArgs, JobSavepointArgs, RestRouteArgs, SavepointFormatArg,
    Via,
};
use crate::cli::program::{misplaced_flag, misplaced_flag_message};
use crate::cli::target::TargetArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::config::loader::parse_dynamic_option;
use crate::config::options::CLUSTER_ID;
use crate::error::{Error, Result};
use crate::output::{one_line, style, write_stdout};
use crate::rest::{
    FlinkRest, JobOverview, RestError, RunJarRequest, SavepointFormat, SavepointRequest,
    StopRequest, Transport,
};

/// Which command family a job verb belongs to, for the hints in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterKind {
    Session,
    Application,
}

impl ClusterKind {
    fn command(self) -> &'static str {
        match self {
            ClusterKind::Session => "session",
            ClusterKind::Application => "app",
        }
    }
}

/// How REST calls travel, from `--via` and `--rest-url`.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Through Kubernetes; None is the default (proxy, port-forward if forbidden).
    Kubernetes(Option<Via>),
    /// Straight to this URL; no Kubernetes connection at all.
    Url(String),
}

/// The cluster a job verb acts on and how to reach it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobTarget {
    pub target: TargetOptions,
    pub route: Route,
    pub kind: ClusterKind,
    /// `-v`: say on stderr which route requests take.
    pub verbose: bool,
}

impl JobTarget {
    fn cluster_id(&self) -> &str {
        &self.target.cluster_id
    }

    /// The REST client for this target (connects to Kubernetes unless a URL was given).
    async fn connect(&self) -> Result<FlinkRest> {
        let transport = match &self.route {
            Route::Url(url) => Transport::direct(url).map_err(Error::Usage)?,
            Route::Kubernetes(via) => {
                let cluster = target::connect(self.target.clone()).await?;
                let client = cluster.connection.rest_client;
                let (ns, id) = (&cluster.namespace, &cluster.cluster_id);
                match via {
                    None => Transport::services_proxy(client, ns, id),
                    Some(Via::Proxy) => Transport::services_proxy_only(client, ns, id),
                    Some(Via::Forward) => Transport::port_forward(client, ns, id),
                }
            }
        };
        let rest = FlinkRest::new(transport);
        if self.verbose {
            style::print_note(&format!("Talking to {}.", rest.describe()));
        }
        Ok(rest)
    }

    /// The client for uploading a large jar: on the default route a
    /// port-forward (it streams with live progress and avoids the API
    /// server's proxy limits); the route the user chose otherwise.
    async fn connect_for_large_upload(&self) -> Result<FlinkRest> {
        if self.route != Route::Kubernetes(None) {
            return self.connect().await;
        }
        let forced = JobTarget {
            route: Route::Kubernetes(Some(Via::Forward)),
            ..self.clone()
        };
        forced.connect().await
    }

    /// A REST failure as one line naming the fix.
    fn failure(&self, error: RestError) -> Error {
        let cluster = self.cluster_id();
        let list = format!("kubectl flink {} list {cluster}", self.kind.command());
        let message = match error {
            RestError::JobNotFound(job) => {
                format!("job {job} was not found in cluster {cluster}: list jobs with `{list}`")
            }
            // Already a whole line naming `kubectl flink get`.
            RestError::ClusterNotFound(line) => format!("{line}, or pick the namespace with -n"),
            // Already a whole line naming `--wait`: another route would not help.
            RestError::NotReady(line) => line,
            RestError::ApiServerUnreachable(line) => line,
            RestError::Unreachable(detail) | RestError::ProxyUnavailable(detail) => {
                // Suggest only the routes not tried yet.
                let next = match &self.route {
                    Route::Kubernetes(None) => {
                        format!(
                            "check that it runs with `kubectl flink get {cluster}`, or try --via forward or --rest-url"
                        )
                    }
                    Route::Kubernetes(Some(_)) => format!(
                        "check that it runs with `kubectl flink get {cluster}`, or port-forward yourself and pass --rest-url"
                    ),
                    Route::Url(url) => format!(
                        "check that {url} is the JobManager's REST address (is your port-forward still running?)"
                    ),
                };
                format!("cannot reach the JobManager of cluster {cluster}: {detail}: {next}")
            }
            RestError::Forbidden(detail) => format!(
                "not allowed to reach the JobManager of cluster {cluster}: {detail}: ask for services/proxy or pods/portforward access, or port-forward yourself and pass --rest-url"
            ),
            RestError::Flink { status, message } => {
                format!("cluster {cluster} refused the request (HTTP {status}): {message}")
            }
            RestError::SavepointFailed { reason } => {
                format!(
                    "the savepoint failed in cluster {cluster}: {reason}: check that the job is RUNNING with `{list}` and the target directory is writable by Flink, then retry"
                )
            }
            RestError::TimedOut(detail) => format!("{detail}: wait longer with --timeout"),
            RestError::BadResponse(detail) => format!(
                "cluster {cluster} gave an answer kubectl-flink does not understand: {detail}: is it Flink 2.x?"
            ),
        };
        Error::Failed(one_line(&message))
    }
}

/// The target and the verb's own positionals. When the cluster id comes
/// from `--cluster-id` or `-Dkubernetes.cluster-id`, a first positional is
/// the verb's (a job id, a jar), not a second cluster id.
fn complete_target(
    global: &GlobalArgs,
    args: &TargetArgs,
    route: &RestRouteArgs,
    kind: ClusterKind,
    positionals: Vec<Option<String>>,
) -> Result<(JobTarget, Vec<String>)> {
    let mut args = args.clone();
    let named_elsewhere = args.cluster_id.is_some()
        || args
            .dynamic
            .iter()
            .any(|raw| parse_dynamic_option(raw).is_ok_and(|(key, _)| key == CLUSTER_ID.key));
    let mut own: Vec<String> = positionals.into_iter().flatten().collect();
    if named_elsewhere && let Some(first) = args.id.take() {
        own.insert(0, first);
    }
    let target = target::complete(global, &args)?;
    let route = match &route.rest_url {
        Some(url) => {
            Transport::direct(url).map_err(Error::Usage)?;
            Route::Url(url.clone())
        }
        None => Route::Kubernetes(route.via),
    };
    let verbose = global.verbose > 0;
    Ok((
        JobTarget {
            target,
            route,
            kind,
            verbose,
        },
        own,
    ))
}

/// A job id as Flink prints it: 32 hex digits (`job/<id>` from `-o name` too).
pub fn parse_job_id(text: &str, target: &JobTarget) -> Result<String> {
    let id = text.strip_prefix("job/").unwrap_or(text);
    if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(id.to_ascii_lowercase())
    } else {
        Err(Error::Usage(format!(
            "'{text}' is not a Flink job id (32 hex digits): list jobs with `kubectl flink {} list {}`",
            target.kind.command(),
            target.cluster_id()
        )))
    }
}

fn require_job(job: Option<&String>, target: &JobTarget) -> Result<String> {
    match job {
        Some(text) => parse_job_id(text, target),
        None => Err(Error::Usage(format!(
            "no job id given: pass it after the cluster id (list jobs with `kubectl flink {} list {}`)",
            target.kind.command(),
            target.cluster_id()
        ))),
    }
}

fn print(text: &str) -> Result<()> {
    write_stdout(text).map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}

fn to_yaml(value: &serde_json::Value) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Failed(format!("cannot print YAML: {e}")))
}

fn to_json(value: &serde_json::Value) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::Failed(format!("cannot print JSON: {e}")))
}

// ---------------------------------------------------------------- list

/// `list`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct ListOptions {
    pub target: JobTarget,
    pub all: bool,
    pub output: OutputFormat,
}

/// Flags to list options; `list` takes no positional besides the cluster.
pub fn complete_list(
    global: &GlobalArgs,
    args: &JobListArgs,
    kind: ClusterKind,
) -> Result<ListOptions> {
    let (target, extra) = complete_target(global, &args.target, &args.route, kind, vec![])?;
    if let Some(unexpected) = extra.first() {
        return Err(Error::Usage(format!(
            "unexpected argument '{unexpected}': list takes only the cluster id"
        )));
    }
    Ok(ListOptions {
        target,
        all: args.all,
        output: global.output.unwrap_or(OutputFormat::Table),
    })
}

/// `kubectl flink {session,app} list`
pub fn list(global: &GlobalArgs, args: JobListArgs, kind: ClusterKind) -> Result<()> {
    let options = complete_list(global, &args, kind)?;
    block_on(run_list(options))
}

async fn run_list(options: ListOptions) -> Result<()> {
    let rest = options.target.connect().await?;
    let jobs = rest
        .jobs_overview()
        .await
        .map_err(|e| options.target.failure(e))?;
    let jobs = select_jobs(jobs, options.all);
    let cluster = options.target.cluster_id();
    if jobs.is_empty() && matches!(options.output, OutputFormat::Table | OutputFormat::Wide) {
        let what = if options.all {
            "jobs"
        } else {
            "running or scheduled jobs"
        };
        style::print_note(&format!("No {what} in cluster {cluster}."));
        return Ok(());
    }
    let text = match options.output {
        OutputFormat::Table | OutputFormat::Wide => {
            let zone = jiff::tz::TimeZone::system();
            table::render(&jobs, options.output == OutputFormat::Wide, &zone)
        }
        OutputFormat::Name => jobs.iter().map(|j| format!("job/{}\n", j.id)).collect(),
        OutputFormat::Json => to_json(&jobs_document(&jobs))?,
        OutputFormat::Yaml => to_yaml(&jobs_document(&jobs))?,
    };
    print(&text)
}

/// Running and scheduled jobs (all with `all`), oldest first.
pub fn select_jobs(jobs: Vec<JobOverview>, all: bool) -> Vec<JobOverview> {
    let mut jobs: Vec<JobOverview> = jobs
        .into_iter()
        .filter(|j| all || !j.state.is_globally_terminal())
        .collect();
    jobs.sort_by(|a, b| {
        a.start_time
            .cmp(&b.start_time)
            .then_with(|| a.id.cmp(&b.id))
    });
    jobs
}

/// `-o json|yaml`: the jobs exactly as Flink's `/jobs/overview` shows them.
fn jobs_document(jobs: &[JobOverview]) -> serde_json::Value {
    json!({ "jobs": jobs.iter().map(|j| j.raw.clone()).collect::<Vec<_>>() })
}

// ---------------------------------------------------------------- cancel

/// `cancel`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct CancelOptions {
    pub target: JobTarget,
    pub job_id: String,
    pub output: Option<OutputFormat>,
}

/// Flags to cancel options; the job id is checked before anything is sent.
pub fn complete_cancel(
    global: &GlobalArgs,
    args: &JobCancelArgs,
    kind: ClusterKind,
) -> Result<CancelOptions> {
    let (target, extra) = complete_target(
        global,
        &args.target,
        &args.route,
        kind,
        vec![args.job.clone()],
    )?;
    if let Some(unexpected) = extra.get(1) {
        return Err(Error::Usage(format!(
            "unexpected argument '{unexpected}': cancel takes the cluster id and one job id"
        )));
    }
    let job_id = require_job(extra.first(), &target)?;
    Ok(CancelOptions {
        target,
        job_id,
        output: global.output,
    })
}

/// `kubectl flink {session,app} cancel`
pub fn cancel(global: &GlobalArgs, args: JobCancelArgs, kind: ClusterKind) -> Result<()> {
    let options = complete_cancel(global, &args, kind)?;
    block_on(run_cancel(options))
}

async fn run_cancel(options: CancelOptions) -> Result<()> {
    let rest = options.target.connect().await?;
    rest.cancel_job(&options.job_id)
        .await
        .map_err(|e| options.target.failure(e))?;
    style::print_note(&format!(
        "Cancelled job {} in cluster {}.",
        options.job_id,
        options.target.cluster_id()
    ));
    if options.output == Some(OutputFormat::Name) {
        print(&format!("job/{}\n", options.job_id))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- savepoint

/// `savepoint`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct SavepointOptions {
    pub target: JobTarget,
    pub job_id: String,
    pub directory: Option<String>,
    pub stop: bool,
    pub drain: bool,
    pub format: SavepointFormat,
    pub timeout: Duration,
    pub output: Option<OutputFormat>,
}

/// Flags to savepoint options: cluster, job, optional directory.
pub fn complete_savepoint(
    global: &GlobalArgs,
    args: &JobSavepointArgs,
    kind: ClusterKind,
) -> Result<SavepointOptions> {
    let (target, extra) = complete_target(
        global,
        &args.target,
        &args.route,
        kind,
        vec![args.job.clone(), args.dir.clone()],
    )?;
    if let Some(unexpected) = extra.get(2) {
        return Err(Error::Usage(format!(
            "unexpected argument '{unexpected}': savepoint takes the cluster id, a job id and an optional directory"
        )));
    }
    let job_id = require_job(extra.first(), &target)?;
    Ok(SavepointOptions {
        target,
        job_id,
        directory: extra.get(1).cloned(),
        stop: args.stop,
        drain: args.drain,
        format: match args.format {
            SavepointFormatArg::Canonical => SavepointFormat::Canonical,
            SavepointFormatArg::Native => SavepointFormat::Native,
        },
        timeout: args.timeout,
        output: global.output,
    })
}

/// `kubectl flink {session,app} savepoint`
pub fn savepoint(global: &GlobalArgs, args: JobSavepointArgs, kind: ClusterKind) -> Result<()> {
    let options = complete_savepoint(global, &args, kind)?;
    block_on(run_savepoint(options))
}

async fn run_savepoint(options: SavepointOptions) -> Result<()> {
    let rest = options.target.connect().await?;
    let job = &options.job_id;
    let format = options.format.flink_name();
    let trigger = if options.stop {
        let verb = if options.drain {
            "Draining"
        } else {
            "Suspending"
        };
        style::print_note(&format!("{verb} job {job} with a {format} savepoint."));
        let request = StopRequest::new(options.directory.clone(), options.drain, options.format);
        rest.stop_with_savepoint(job, &request).await
    } else {
        style::print_note(&format!("Triggering a {format} savepoint of job {job}."));
        let request = SavepointRequest::new(options.directory.clone(), options.format);
        rest.trigger_savepoint(job, &request).await
    }
    .map_err(|e| options.target.failure(e))?;
    let waiting = rest.await_savepoint(job, &trigger, options.timeout);
    let location = match progress::with_spinner("Waiting for the savepoint", true, waiting).await {
        Ok(location) => location,
        Err(RestError::JobNotFound(_)) => {
            return Err(not_running(&rest, &options.target, job).await);
        }
        Err(other) => return Err(options.target.failure(other)),
    };
    let done = if options.stop {
        format!("Savepoint completed; job {job} stopped.")
    } else {
        "Savepoint completed. Resume from it with `kubectl flink session run … -s <path>` or `kubectl flink app run … -s <path>`.".to_string()
    };
    style::print_note(&done);
    let document = || json!({"jobId": job, "location": location, "stopped": options.stop});
    let text = match options.output {
        Some(OutputFormat::Json) => to_json(&document())?,
        Some(OutputFormat::Yaml) => to_yaml(&document())?,
        _ => format!("{location}\n"),
    };
    print(&text)
}

/// Why Flink did not find a job for a savepoint: it may exist but have
/// ended (Flink reports both the same way), which deserves its own message.
async fn not_running(rest: &FlinkRest, target: &JobTarget, job: &str) -> Error {
    let ended = rest
        .jobs_overview()
        .await
        .ok()
        .and_then(|jobs| jobs.into_iter().find(|j| j.id == job));
    match ended {
        Some(found) => Error::Failed(format!(
            "job {job} is {} in cluster {}: only running jobs can take savepoints",
            found.state.as_str(),
            target.cluster_id()
        )),
        None => target.failure(RestError::JobNotFound(job.to_string())),
    }
}

// ---------------------------------------------------------------- run

/// `session run`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    pub target: JobTarget,
    pub jar: PathBuf,
    pub request: RunJarRequest,
    pub output: Option<OutputFormat>,
}

/// Flags to run options: a local `.jar` and the body of Flink's run request.
pub fn complete_run(global: &GlobalArgs, args: &JobRunArgs) -> Result<RunOptions> {
    let only_a_jar = args.jar.is_none()
        && args.target.cluster_id.is_none()
        && !args
            .target
            .dynamic
            .iter()
            .any(|raw| parse_dynamic_option(raw).is_ok_and(|(key, _)| key == CLUSTER_ID.key))
        && args
            .target
            .id
            .as_deref()
            .is_some_and(|id| id.ends_with(".jar"));
    if only_a_jar {
        return Err(Error::Usage(format!(
            "the cluster id is missing: `kubectl flink session run CLUSTER_ID {}` (see `kubectl flink get` for the clusters in a namespace)",
            args.target.id.as_deref().unwrap_or_default()
        )));
    }
    let (target, mut extra) = complete_target(
        global,
        &args.target,
        &args.route,
        ClusterKind::Session,
        vec![args.jar.clone()],
    )?;
    if extra.is_empty() {
        return Err(Error::Usage(
            "no jar given: pass the local jar file after the cluster id, e.g. `kubectl flink session run my-session ./job.jar`".into(),
        ));
    }
    let jar = PathBuf::from(extra.remove(0));
    if jar.extension().and_then(|e| e.to_str()) != Some("jar") {
        return Err(Error::Usage(format!(
            "{} is not a .jar file: Flink accepts only jars (for jars in the image use `kubectl flink app run local:///…`)",
            jar.display()
        )));
    }
    // Arguments the cluster-id shift moved out of the jar slot stay in order.
    let mut program_args = extra;
    program_args.extend(args.args.iter().cloned());
    if let Some(flag) = misplaced_flag(&["session", "run"], &program_args, args.args_escaped) {
        return Err(Error::Usage(misplaced_flag_message(&flag)));
    }
    Ok(RunOptions {
        target,
        jar,
        request: RunJarRequest {
            entry_class: args.program.class.clone(),
            program_args_list: program_args,
            parallelism: args.program.parallelism,
            savepoint_path: args.program.from_savepoint.clone(),
            allow_non_restored_state: args.program.allow_non_restored_state,
            claim_mode: args.program.claim_mode_name(),
        },
        output: global.output,
    })
}

/// `kubectl flink session run`
pub fn run(global: &GlobalArgs, args: JobRunArgs) -> Result<()> {
    let options = complete_run(global, &args)?;
    block_on(run_jar(options))
}

async fn run_jar(options: RunOptions) -> Result<()> {
    let path = &options.jar;
    let bytes = tokio::fs::read(path).await.map_err(|e| {
        Error::Usage(format!(
            "cannot read jar {}: {e}: check the path",
            path.display()
        ))
    })?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("job.jar")
        .to_string();
    let rest = options.target.connect().await?;
    let cluster = options.target.cluster_id();
    let label = format!(
        "Uploading {file_name} ({}) to cluster {cluster}",
        progress::human_size(bytes.len())
    );
    style::print_note(&format!("{label}."));
    let large = bytes.len() >= progress::LARGE_UPLOAD_BYTES;
    let uploader = if large {
        options.target.connect_for_large_upload().await?
    } else {
        rest.clone()
    };
    let sent = crate::rest::UploadProgress::default();
    let upload = uploader.upload_jar_counted(&file_name, &bytes, sent.clone());
    let uploaded = progress::with_byte_progress(&label, bytes.len(), &sent, large, upload).await;
    let jar_id = match uploaded {
        // A port-forward we chose ourselves may be forbidden or fail to open:
        // the services proxy route still works (uploads are not applied twice:
        // a failed upload leaves no jar behind).
        Err(
            RestError::Forbidden(_) | RestError::Unreachable(_) | RestError::ClusterNotFound(_),
        ) if large && options.target.route == Route::Kubernetes(None) => {
            rest.upload_jar(&file_name, &bytes).await
        }
        other => other,
    }
    .map_err(|e| upload_failure(&options.target, e))?;
    style::print_note(&format!("Running {file_name}."));
    let submitted = rest.run_jar(&jar_id, &options.request).await;
    // Like `flink run`, leave nothing behind, whether the job started or not.
    if let Err(e) = rest.delete_jar(&jar_id).await {
        style::print_warning(&one_line(&format!(
            "the uploaded jar {jar_id} stays on the JobManager of cluster {cluster} until the session stops: deleting it failed: {e}"
        )));
    }
    let job_id = submitted.map_err(|e| options.target.failure(e))?;
    style::print_note(&format!("Job {job_id} was submitted to cluster {cluster}."));
    let document = || json!({"jobId": job_id, "jarId": jar_id});
    let text = match options.output {
        Some(OutputFormat::Json) => to_json(&document())?,
        Some(OutputFormat::Yaml) => to_yaml(&document())?,
        Some(OutputFormat::Name) => format!("job/{job_id}\n"),
        _ => format!("{job_id}\n"),
    };
    print(&text)
}

/// Upload failures with the fix for the one Flink limit users hit.
fn upload_failure(target: &JobTarget, error: RestError) -> Error {
    match error {
        RestError::Flink { status: 413, .. } => Error::Failed(format!(
            "the jar is larger than cluster {} accepts: start the session with a larger -Drest.server.max-content-length (default 104857600 bytes)",
            target.cluster_id()
        )),
        other => target.failure(other),
    }
}

#[cfg(test)]
mod tests {
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
        let options = complete_savepoint(&global, &args, ClusterKind::Session).unwrap();
        assert_eq!(options.target.cluster_id(), "c1");
        assert_eq!(options.job_id, JOB);
        assert_eq!(options.directory.as_deref(), Some("s3://sp"));
        assert!(options.stop && options.drain);
        assert_eq!(options.format, SavepointFormat::Native);
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
        let options = complete_cancel(&global, &args, ClusterKind::Session).unwrap();
        assert_eq!(
            (options.target.cluster_id(), options.job_id.as_str()),
            ("c1", JOB)
        );
    }

    #[test]
    fn bad_or_missing_job_ids_are_usage_errors_naming_list() {
        let (global, SessionCommand::Cancel(args)) = parse(&["session", "cancel", "c1", "nope"])
        else {
            panic!("not cancel");
        };
        let error = complete_cancel(&global, &args, ClusterKind::Application).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error.to_string().contains("kubectl flink app list c1"),
            "{error}"
        );
        let (global, SessionCommand::Cancel(args)) = parse(&["session", "cancel", "c1"]) else {
            panic!("not cancel");
        };
        assert!(
            complete_cancel(&global, &args, ClusterKind::Session)
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
        let options = complete_run(&global, &args).unwrap();
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
        let options = complete_run(&global, &args).unwrap();
        assert_eq!(options.target.cluster_id(), "c1");
        assert_eq!(options.jar, PathBuf::from("job.jar"));
        assert_eq!(options.request.program_args_list, ["in", "out"]);
    }

    #[test]
    fn run_refuses_non_jars_and_https_urls() {
        let (global, SessionCommand::Run(args)) = parse(&["session", "run", "c1", "notes.txt"])
        else {
            panic!("not run");
        };
        assert_eq!(complete_run(&global, &args).unwrap_err().exit_code(), 2);
        let (global, SessionCommand::Run(args)) =
            parse(&["session", "run", "c1", "--rest-url", "https://x", "a.jar"])
        else {
            panic!("not run");
        };
        assert!(
            complete_run(&global, &args)
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
        let target = complete_list(&global, &args, ClusterKind::Session)
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
        let not_ready = "no JobManager pod of c1 is Ready yet: wait with `kubectl flink session start … --wait`";
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
            let target = complete_list(&global, &args, ClusterKind::Session)
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
        let target = complete_list(&global, &args, ClusterKind::Session)
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
        let Err(error) = complete_run(&global, &args) else {
            panic!("a jar alone is refused");
        };
        assert_eq!(error.exit_code(), 2);
        assert!(
            error.to_string().starts_with("the cluster id is missing"),
            "{error}"
        );
    }
}
