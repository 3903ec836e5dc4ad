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
    pub savepoint_format: SavepointFormat,
    pub timeout: Duration,
    pub format: Option<Format>,
}

/// Flags to savepoint options: cluster, job, optional directory.
pub fn complete_savepoint(
    global: &GlobalArgs,
    args: &JobSavepointArgs,
    mode: DeploymentMode,
    env: &Environment,
) -> Result<SavepointOptions> {
    let (target, extra) = complete_target(
        global,
        &args.target,
        &args.route,
        mode,
        vec![args.job.clone(), args.dir.clone()],
        env,
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
        savepoint_format: match args.format {
            SavepointFormatArg::Canonical => SavepointFormat::Canonical,
            SavepointFormatArg::Native => SavepointFormat::Native,
        },
        timeout: args.timeout,
        format: global.format(),
    })
}

/// A completed savepoint, as `savepoint` reports it: its path.
struct Savepoint<'a> {
    job_id: &'a str,
    location: String,
    stopped: bool,
}

impl Printable for Savepoint<'_> {
    const FORMATS: &'static [Format] = &[Format::Json, Format::Yaml];

    fn text(&self, _wide: bool) -> String {
        format!("{}\n", self.location)
    }

    fn document(&self) -> Value {
        json!({"jobId": self.job_id, "location": self.location, "stopped": self.stopped})
    }
}

impl Verb for SavepointOptions {
    type Args = (JobSavepointArgs, DeploymentMode);

    fn complete(global: &GlobalArgs, (args, mode): Self::Args, env: &Environment) -> Result<Self> {
        complete_savepoint(global, &args, mode, env)
    }

    fn validate(&self) -> Result<()> {
        let verb = format!("{} savepoint", self.target.mode.command_group());
        printer::check::<Savepoint>(&verb, self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.target.warnings());
        block_on(run_savepoint(self, output))
    }
}

async fn run_savepoint(options: SavepointOptions, output: &Output) -> Result<()> {
    let rest = options.target.connect(output).await?;
    let job = &options.job_id;
    let dialect = rest
        .dialect()
        .await
        .map_err(|e| options.target.failure(e))?;
    if options.target.verbose {
        output.note(&format!("The JobManager runs {}.", dialect.describe()));
    }
    let format = options.savepoint_format.flink_name();
    let trigger = if options.stop {
        let verb = if options.drain {
            "Draining"
        } else {
            "Suspending"
        };
        output.note(&format!("{verb} job {job} with a {format} savepoint."));
        match StopRequest::new(
            options.directory.clone(),
            options.drain,
            options.savepoint_format,
            &dialect,
        ) {
            Ok(request) => rest.stop_with_savepoint(job, &request).await,
            Err(e) => Err(e),
        }
    } else {
        output.note(&format!("Triggering a {format} savepoint of job {job}."));
        match SavepointRequest::new(
            options.directory.clone(),
            options.savepoint_format,
            &dialect,
        ) {
            Ok(request) => rest.trigger_savepoint(job, &request).await,
            Err(e) => Err(e),
        }
    }
    .map_err(|e| options.target.failure(e))?;
    let waiting = rest.await_savepoint(job, &trigger, options.timeout);
    let location =
        match progress::with_spinner("Waiting for the savepoint", Some(output), waiting).await {
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
    output.note(&done);
    let savepoint = Savepoint {
        job_id: job,
        location,
        stopped: options.stop,
    };
    Ok(output.show(&savepoint, options.format)?)
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
