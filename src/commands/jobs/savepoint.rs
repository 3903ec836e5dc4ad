//! `kubectl flink {session,app} savepoint` (and stop with a savepoint).

use super::*;

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

pub(super) async fn run_savepoint(options: SavepointOptions) -> Result<()> {
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
pub(super) async fn not_running(rest: &FlinkRest, target: &JobTarget, job: &str) -> Error {
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
