//! `kubectl flink session run`: upload a local jar, run it, delete the upload.

use super::*;

/// `session run`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    pub target: JobTarget,
    pub jar: PathBuf,
    pub request: RunJarRequest,
    pub format: Option<Format>,
}

/// Flags to run options: a local `.jar` and the body of Flink's run request.
pub fn complete_run(
    global: &GlobalArgs,
    args: &JobRunArgs,
    env: &Environment,
) -> Result<RunOptions> {
    let only_a_jar = args.jar.is_none()
        && args.target.cluster_id.is_none()
        && !args
            .target
            .flink
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
        DeploymentMode::Session,
        vec![args.jar.clone()],
        env,
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
        format: global.format(),
    })
}

/// A submitted job, as `session run` reports it: its id.
struct Submitted {
    job_id: String,
    jar_id: String,
}

impl Printable for Submitted {
    const FORMATS: &'static [Format] = &[Format::Json, Format::Yaml, Format::Name];

    fn text(&self, _wide: bool) -> String {
        format!("{}\n", self.job_id)
    }

    fn document(&self) -> Value {
        json!({"jobId": self.job_id, "jarId": self.jar_id})
    }

    fn names(&self) -> Vec<String> {
        vec![job_name(&self.job_id)]
    }
}

impl Verb for RunOptions {
    type Args = JobRunArgs;

    fn complete(global: &GlobalArgs, args: JobRunArgs, env: &Environment) -> Result<Self> {
        complete_run(global, &args, env)
    }

    fn validate(&self) -> Result<()> {
        printer::check::<Submitted>("session run", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.target.warnings());
        block_on(run_jar(self, output))
    }
}

async fn run_jar(options: RunOptions, output: &Output) -> Result<()> {
    let path = &options.jar;
    let bytes = tokio::fs::read(path).await.map_err(|e| {
        Error::Usage(format!(
            "cannot read jar {}: {e}: check the path",
            path.display()
        ))
    })?;
    let file_name = jar_file_name(path);
    let rest = options.target.connect(output).await?;
    let cluster = options.target.cluster_id();
    let label = format!(
        "Uploading {file_name} ({}) to cluster {cluster}",
        progress::human_size(bytes.len())
    );
    output.note(&format!("{label}."));
    let large = bytes.len() >= progress::LARGE_UPLOAD_BYTES;
    let uploader = if large {
        options.target.connect_for_large_upload(output).await?
    } else {
        rest.clone()
    };
    let sent = crate::rest::UploadProgress::default();
    let upload = uploader.upload_jar_counted(&file_name, &bytes, sent.clone());
    let shown = large.then_some(output);
    let uploaded = progress::with_byte_progress(&label, bytes.len(), &sent, shown, upload).await;
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
    output.note(&format!("Running {file_name}."));
    let submitted = rest.run_jar(&jar_id, &options.request).await;
    // Like `flink run`, leave nothing behind, whether the job started or not.
    if let Err(e) = rest.delete_jar(&jar_id).await {
        output.warn(&one_line(&format!(
            "the uploaded jar {jar_id} stays on the JobManager of cluster {cluster} until the session stops: deleting it failed: {e}"
        )));
    }
    let job_id = submitted.map_err(|e| options.target.failure(e))?;
    output.note(&format!("Job {job_id} was submitted to cluster {cluster}."));
    Ok(output.show(&Submitted { job_id, jar_id }, options.format)?)
}

/// Upload failures with the fix for the one Flink limit users hit.
pub(super) fn upload_failure(target: &JobTarget, error: RestError) -> Error {
    match error {
        RestError::Flink { status: 413, .. } => Error::Failed(format!(
            "the jar is larger than cluster {} accepts: start the session with a larger -Drest.server.max-content-length (default 104857600 bytes)",
            target.cluster_id()
        )),
        other => target.failure(other),
    }
}

/// The name a jar is uploaded under: its file name (Flink keeps it, and the
/// web UI shows it).
pub(crate) fn jar_file_name(path: &std::path::Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("job.jar")
        .to_string()
}
