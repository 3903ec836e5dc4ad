//! `upgrade`: change a running cluster without losing its state — stop the
//! job with a savepoint (or take its latest checkpoint), record the savepoint
//! and the previous spec, redeploy with the changes restoring from it, and
//! wait until the job runs; if it does not, redeploy the previous spec from
//! the same savepoint. The new spec is rendered from the configuration the
//! cluster runs with (its ConfigMap), through the same path as `app run`.

use super::history::{Recorded, Running, now, remove_cluster, stop_jobs_with_savepoints};
use super::target::{self, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::upgrade::UpgradeArgs;
use crate::cluster::client::ClusterTarget;
use crate::cluster::history::{self, Entry, Objects, Savepoint};
use crate::config::loader::parse_dynamic_option;
use crate::config::options::{POD_TEMPLATE_JOBMANAGER, POD_TEMPLATE_TASKMANAGER};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::local_files::{self, ClientEnvironment, LocalFiles};
use crate::flink::program;
use crate::flink::redeploy::{self, Changes};
use crate::flink::release_choice;
use crate::flink::spec::{self, ClusterRequest, DeploymentMode};
use crate::flink::version::FlinkVersion;
use crate::output::objects::{self, Objects as Printed};
use crate::output::{Format, Output, one_line, printer};
use crate::render::configmaps::{flink_config_map_name, pod_template_config_map_name};
use crate::render::pod::TASKMANAGER_TEMPLATE_FILE;
use crate::render::{self, RenderedCluster};
use crate::rest::{FlinkRest, RunJarRequest};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// `upgrade`, completed.
#[derive(Debug, Clone)]
pub struct UpgradeOptions {
    pub target: TargetOptions,
    pub changes: Changes,
    /// Session: the new jar's entry class.
    pub entry_class: Option<String>,
    pub from_latest_checkpoint: bool,
    pub directory: Option<String>,
    pub flink_version: Option<String>,
    pub timeout: Duration,
    pub dry_run: bool,
    pub format: Option<Format>,
    pub client_env: ClientEnvironment,
}

/// Where the savepoint's path goes, in a dry run.
const SAVEPOINT_PLACEHOLDER: &str = "<savepoint>";

impl Verb for UpgradeOptions {
    type Args = UpgradeArgs;

    fn complete(global: &GlobalArgs, args: UpgradeArgs, env: &Environment) -> Result<Self> {
        let dynamic = args
            .target
            .flink
            .dynamic
            .iter()
            .map(|raw| parse_dynamic_option(raw))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(UpgradeOptions {
            target: target::complete(global, &args.target, env)?,
            changes: Changes {
                image: args.image,
                dynamic,
                jar: args.jar,
                parallelism: args.parallelism,
                allow_non_restored_state: args.allow_non_restored_state,
            },
            entry_class: args.class,
            from_latest_checkpoint: args.from_latest_checkpoint,
            directory: args.directory,
            flink_version: args.flink_version,
            timeout: args.timeout,
            dry_run: args.dry_run.is_some(),
            format: global.format(),
            client_env: env.client.clone(),
        })
    }

    fn validate(&self) -> Result<()> {
        if self.from_latest_checkpoint && self.directory.is_some() {
            return Err(Error::Usage(
                "--directory is where savepoints go, and --from-latest-checkpoint takes none: keep one".into(),
            ));
        }
        if self.dry_run {
            return printer::check::<Printed>("upgrade --dry-run", self.format)
                .map_err(Error::Usage);
        }
        printer::check::<Recorded>("upgrade", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
            let Running {
                mode,
                image: old_image,
                objects,
            } = Running::read(&target).await?;
            let rest = target.rest();
            let releases = self.releases(&rest, old_image.as_deref(), output).await?;
            // Everything is rendered and checked before anything changes.
            let plan = Plan::new(&self, &target, mode, releases, &objects)?;
            let placeholder =
                (mode == DeploymentMode::Application).then_some(SAVEPOINT_PLACEHOLDER);
            let next = plan.next(&self.changes, placeholder)?;
            if self.dry_run {
                let printed =
                    Printed::in_namespace(objects::cluster_documents(&next), &target.namespace);
                return Ok(output.show(&printed, self.format)?);
            }
            plan.previous(placeholder)?;
            let session_jar = self.session_jar(mode, output)?;
            if session_jar.is_some() {
                one_running_job(&target, &rest).await?;
            }

            let savepoints = self.take_state(&target, &rest, mode, output).await?;
            let new_image = self.changes.image_ref().or(old_image);
            let entry = Entry {
                time: now(),
                action: "upgrade".into(),
                mode: mode.word().into(),
                image: new_image,
                savepoints: savepoints.clone(),
                objects: Some(objects),
            };
            // Recorded before removing: the savepoints and the previous spec are never lost.
            history::append(&target, entry.clone()).await?;
            on_interrupt_keep(&target, &savepoints, output);
            remove_cluster(&target, self.timeout).await?;
            let restore = savepoints.first().map(|s| s.path.as_str());
            let upgraded = async {
                let cluster = plan.next(&self.changes, plan.restore(&savepoints))?;
                self.deploy(&plan, &cluster, &savepoints, session_jar.as_ref(), output)
                    .await
            }
            .await;
            match upgraded {
                Ok(jobs) => {
                    report_jobs(&jobs, output);
                    Ok(output.show(
                        &Recorded {
                            entry,
                            cluster: target.cluster_id.clone(),
                            namespace: target.namespace.clone(),
                        },
                        self.format,
                    )?)
                }
                Err(failure) => Err(self
                    .roll_back(&plan, &savepoints, restore, failure, output)
                    .await),
            }
        })
    }
}

/// A session job's new jar, read before anything changes.
struct SessionJar {
    file_name: String,
    bytes: Vec<u8>,
}

/// A job the upgraded cluster runs, and the state it restored.
struct Restored {
    job_id: String,
    from: Option<String>,
}

impl UpgradeOptions {
    /// The releases of the previous spec — the running JobManager's, else the
    /// old image's tag, else the default — and of the new one:
    /// `--flink-version`, else the new image's tag, else the previous one.
    async fn releases(
        &self,
        rest: &FlinkRest,
        old_image: Option<&str>,
        output: &Output,
    ) -> Result<Releases> {
        // The release the JobManager reports (`/config`, which the REST
        // dialect reads and keeps for the savepoints that follow).
        let reported = match rest.dialect().await {
            Ok(dialect) => dialect.release,
            Err(crate::rest::RestError::Unsupported(why)) => {
                return Err(Error::Failed(format!(
                    "cluster {}: {why}: nothing was changed",
                    self.target.cluster_id
                )));
            }
            Err(_) => None,
        };
        let previous = match reported {
            Some(release) => {
                release.traits().map_err(|e| {
                    Error::Failed(format!(
                        "cluster {} runs Flink {release}, which kubectl-flink cannot render ({e}): nothing was changed",
                        self.target.cluster_id
                    ))
                })?;
                release
            }
            None => {
                release_choice::choose(None, old_image, None)
                    .map_err(Error::Usage)?
                    .version
            }
        };
        let new_image = self.changes.image_ref();
        let tagged = new_image
            .as_deref()
            .and_then(release_choice::release_in_image);
        let next = if self.flink_version.is_some() || tagged.is_some() {
            let choice =
                release_choice::choose(self.flink_version.as_deref(), new_image.as_deref(), None)
                    .map_err(Error::Usage)?;
            output.warn_all(choice.warning.as_slice());
            choice.version
        } else {
            previous
        };
        Ok(Releases { next, previous })
    }

    /// The state to carry over: each job's savepoint, or with
    /// `--from-latest-checkpoint` its latest checkpoint.
    async fn take_state(
        &self,
        target: &ClusterTarget,
        rest: &FlinkRest,
        mode: DeploymentMode,
        output: &Output,
    ) -> Result<Vec<Savepoint>> {
        let savepoints = if self.from_latest_checkpoint {
            latest_checkpoints(target, rest).await?
        } else {
            stop_jobs_with_savepoints(
                target,
                rest,
                self.directory.as_deref(),
                self.timeout,
                output,
            )
            .await?
        };
        if mode == DeploymentMode::Application && savepoints.is_empty() {
            return Err(Error::Failed(format!(
                "no job of application cluster {} is running, so there is no state to carry over: nothing was changed (start it again with `app run`)",
                target.cluster_id
            )));
        }
        Ok(savepoints)
    }

    /// Session: the new jar, read now (Flink keeps no copy of a session
    /// job's jar, so without one the jobs are not resubmitted).
    fn session_jar(&self, mode: DeploymentMode, output: &Output) -> Result<Option<SessionJar>> {
        let Some(jar) = &self.changes.jar else {
            return Ok(None);
        };
        if mode == DeploymentMode::Application {
            if let Some(warning) = program::check_jar_uri(jar).map_err(Error::Usage)? {
                output.warn(&warning);
            }
            return Ok(None);
        }
        let path = PathBuf::from(jar);
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::Usage(format!(
                "cannot read jar {jar}: {e}: a session job's new jar is a local file"
            ))
        })?;
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("job.jar")
            .to_string();
        Ok(Some(SessionJar { file_name, bytes }))
    }

    /// Create `cluster` and wait until its jobs run with every task; the
    /// jobs and what they restored.
    async fn deploy(
        &self,
        plan: &Plan<'_>,
        cluster: &RenderedCluster,
        savepoints: &[Savepoint],
        session_jar: Option<&SessionJar>,
        output: &Output,
    ) -> Result<Vec<Restored>> {
        let target = plan.target;
        crate::cluster::deploy::create(&target.connection, &target.namespace, cluster).await?;
        let rest = target.rest();
        let deadline = Instant::now() + self.timeout;
        super::wait::until_ready(target, DeploymentMode::Session, &rest, self.timeout, output)
            .await?;
        let left = deadline.saturating_duration_since(Instant::now());
        let mut jobs = Vec::new();
        if plan.mode == DeploymentMode::Session {
            let (Some(jar), [savepoint]) = (session_jar, savepoints) else {
                suggest_resubmitting(target, savepoints, output);
                return Ok(jobs);
            };
            let job_id = self.resubmit(&rest, jar, savepoint, output).await?;
            let left = deadline.saturating_duration_since(Instant::now());
            jobs.push(until_all_tasks_run(target, &rest, Some(&job_id), left).await?);
        } else {
            jobs.push(until_all_tasks_run(target, &rest, None, left).await?);
        }
        Ok(jobs)
    }

    /// Session: run the new jar from the job's savepoint.
    async fn resubmit(
        &self,
        rest: &FlinkRest,
        jar: &SessionJar,
        savepoint: &Savepoint,
        output: &Output,
    ) -> Result<String> {
        let cluster = &self.target.cluster_id;
        let failed = |e: crate::rest::RestError| {
            Error::Failed(format!(
                "the new job could not be submitted to cluster {cluster}: {}",
                one_line(&e.to_string())
            ))
        };
        output.note(&format!(
            "Running {} from savepoint {}.",
            jar.file_name, savepoint.path
        ));
        let jar_id = rest
            .upload_jar(&jar.file_name, &jar.bytes)
            .await
            .map_err(failed)?;
        let request = RunJarRequest {
            entry_class: self.entry_class.clone(),
            program_args_list: Vec::new(),
            parallelism: self.changes.parallelism,
            savepoint_path: Some(savepoint.path.clone()),
            allow_non_restored_state: self.changes.allow_non_restored_state,
            claim_mode: None,
        };
        let submitted = rest.run_jar(&jar_id, &request).await;
        if let Err(e) = rest.delete_jar(&jar_id).await {
            output.warn(&one_line(&format!(
                "the uploaded jar {jar_id} stays on the JobManager of cluster {cluster} until the session stops: deleting it failed: {e}"
            )));
        }
        submitted.map_err(failed)
    }

    /// The upgrade failed after the cluster was removed: remove what it
    /// created and redeploy the previous spec from the same savepoint. The
    /// error to report either way.
    async fn roll_back(
        &self,
        plan: &Plan<'_>,
        savepoints: &[Savepoint],
        restore: Option<&str>,
        failure: Error,
        output: &Output,
    ) -> Error {
        let target = plan.target;
        let (id, ns) = (&target.cluster_id, &target.namespace);
        let reason = one_line(&failure.to_string());
        let from = restore.map_or_else(
            || "without a savepoint".to_string(),
            |p| format!("from savepoint {p}"),
        );
        output.warn(&format!(
            "the upgraded cluster {id} did not run its job: {reason}; rolling back to the previous spec {from}"
        ));
        let rolled_back = async {
            remove_cluster(target, self.timeout).await?;
            let cluster = plan.previous(plan.restore(savepoints))?;
            let jobs = self
                .deploy(plan, &cluster, savepoints, None, output)
                .await?;
            let entry = Entry {
                time: now(),
                action: "rollback".into(),
                mode: plan.mode.word().into(),
                image: None,
                savepoints: savepoints.to_vec(),
                objects: None,
            };
            history::append(target, entry).await?;
            Ok::<_, Error>(jobs)
        };
        match rolled_back.await {
            Ok(jobs) => {
                report_jobs(&jobs, output);
                match plan.mode {
                    DeploymentMode::Application => Error::Failed(format!(
                        "the upgrade of Flink cluster {id} failed ({reason}); it was rolled back: the previous spec runs again, {from}"
                    )),
                    DeploymentMode::Session => Error::Failed(format!(
                        "the upgrade of Flink cluster {id} failed ({reason}); it was rolled back: the previous session spec runs again, without its jobs (Flink keeps no copy of their jars): resubmit each from its savepoint ({})",
                        savepoint_list(savepoints)
                    )),
                }
            }
            Err(e) => Error::Failed(format!(
                "the upgrade of Flink cluster {id} failed ({reason}), and so did the rollback ({}): the savepoints are kept ({}); recreate the previous spec with `{}`",
                one_line(&e.to_string()),
                savepoint_list(savepoints),
                target.connection.suggest.flink(&format!(
                    "resume {id} -n {ns}{}",
                    restore.map(|p| format!(" --from {p}")).unwrap_or_default()
                ))
            )),
        }
    }
}

/// The releases an upgrade renders for.
#[derive(Debug, Clone, Copy)]
struct Releases {
    next: FlinkVersion,
    previous: FlinkVersion,
}

/// What an upgrade renders from: the running configuration and local files.
struct Plan<'a> {
    target: &'a ClusterTarget,
    mode: DeploymentMode,
    releases: Releases,
    data: std::collections::BTreeMap<String, String>,
    local: LocalFiles,
}

impl<'a> Plan<'a> {
    fn new(
        options: &UpgradeOptions,
        target: &'a ClusterTarget,
        mode: DeploymentMode,
        releases: Releases,
        objects: &Objects,
    ) -> Result<Self> {
        let id = &target.cluster_id;
        let data_of = |name: String| {
            objects
                .configmaps
                .iter()
                .find(|c| c.metadata.name.as_deref() == Some(name.as_str()))
                .and_then(|c| c.data.clone())
        };
        let data = data_of(flink_config_map_name(id)).ok_or_else(|| {
            Error::Failed(format!(
                "cluster {id} has no ConfigMap {}: its configuration is unknown, so it cannot be upgraded",
                flink_config_map_name(id)
            ))
        })?;
        let release = releases.previous.traits().map_err(Error::Usage)?;
        let running =
            redeploy::running_conf_dir(id, &data, release.log_file_names).map_err(Error::Failed)?;
        let mut conf = running.base.clone();
        for (key, value) in options.changes.dynamic_options() {
            conf.set_string(key, value);
        }
        // The TaskManager template travels in the cluster's own ConfigMap;
        // the JobManager's was merged into the Deployment and is read again.
        let tm_template = data_of(pod_template_config_map_name(id))
            .and_then(|d| d.get(TASKMANAGER_TEMPLATE_FILE).cloned());
        conf.remove(POD_TEMPLATE_TASKMANAGER.key);
        let mut local = local_files::read(&conf, &options.client_env).map_err(|e| {
            match conf.string(&POD_TEMPLATE_JOBMANAGER) {
                Some(path) => Error::Usage(format!(
                    "{e}; the cluster was started with the JobManager pod template {path}: give it again with -D{}=PATH",
                    POD_TEMPLATE_JOBMANAGER.key
                )),
                None => Error::Usage(e),
            }
        })?;
        if running.base.is_set(&POD_TEMPLATE_TASKMANAGER) {
            local.taskmanager_pod_template = tm_template;
        }
        Ok(Plan {
            target,
            mode,
            releases,
            data,
            local,
        })
    }

    /// The new cluster: the running configuration with `changes`, restoring from `savepoint`.
    fn next(&self, changes: &Changes, savepoint: Option<&str>) -> Result<RenderedCluster> {
        self.render(self.releases.next, changes, savepoint)
    }

    /// The previous cluster, as it ran, restoring from `savepoint`.
    fn previous(&self, savepoint: Option<&str>) -> Result<RenderedCluster> {
        self.render(self.releases.previous, &Changes::default(), savepoint)
    }

    /// What an application restores from (a session's jobs are resubmitted).
    fn restore<'s>(&self, savepoints: &'s [Savepoint]) -> Option<&'s str> {
        match self.mode {
            DeploymentMode::Application => savepoints.first().map(|s| s.path.as_str()),
            DeploymentMode::Session => None,
        }
    }

    fn render(
        &self,
        version: FlinkVersion,
        changes: &Changes,
        savepoint: Option<&str>,
    ) -> Result<RenderedCluster> {
        let (id, ns) = (&self.target.cluster_id, &self.target.namespace);
        let release = version.traits().map_err(Error::Usage)?;
        let conf_dir = redeploy::running_conf_dir(id, &self.data, release.log_file_names)
            .map_err(Error::Failed)?;
        let program = match self.mode {
            DeploymentMode::Application => Some(
                redeploy::running_program(&conf_dir.base, changes, savepoint)
                    .map_err(Error::Usage)?,
            ),
            DeploymentMode::Session => None,
        };
        let request = ClusterRequest {
            mode: self.mode,
            version,
            conf_dir,
            dynamic: changes.dynamic_options(),
            cluster_id: Some(id.clone()),
            namespace_flag: Some(ns.clone()),
            context_namespace: None,
            program,
        };
        let conf = spec::effective_configuration(&request);
        let spec = spec::resolve(&request, conf, self.local.clone())?;
        render::render(&spec).map_err(Error::Failed)
    }
}

/// Session with `--jar`: the one job the new jar replaces.
async fn one_running_job(target: &ClusterTarget, rest: &FlinkRest) -> Result<()> {
    let jobs = super::history::unfinished_jobs(target, rest).await?;
    let running: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    if running.len() == 1 {
        return Ok(());
    }
    let found = if running.is_empty() {
        "none".to_string()
    } else {
        format!("{} ({})", running.len(), running.join(", "))
    };
    Err(Error::Usage(format!(
        "--jar replaces the one job of a session, and session {} runs {found}: nothing was changed; upgrade without --jar (each job's savepoint is printed with the command that resubmits it)",
        target.cluster_id
    )))
}

/// `--from-latest-checkpoint`: each job's latest completed checkpoint, which
/// the redeployed cluster restores. The job is not stopped; its checkpoints
/// must be externalized, since Flink deletes the others when its JobManager
/// stops.
async fn latest_checkpoints(target: &ClusterTarget, rest: &FlinkRest) -> Result<Vec<Savepoint>> {
    let id = &target.cluster_id;
    let unreachable = |e: crate::rest::RestError| {
        Error::Failed(format!(
            "cannot read the checkpoints of cluster {id}: {}: nothing was changed",
            one_line(&e.to_string())
        ))
    };
    let jobs = rest.jobs_overview().await.map_err(unreachable)?;
    let mut taken = Vec::new();
    for job in jobs.iter().filter(|j| !j.state.is_globally_terminal()) {
        let config = rest
            .get_json(&format!(
                "/jobs/{}/checkpoints/config",
                crate::rest::encode_segment(&job.id)
            ))
            .await
            .map_err(unreachable)?;
        if config["externalization"]["enabled"].as_bool() != Some(true) {
            return Err(Error::Failed(format!(
                "job {}'s checkpoints are deleted when its JobManager stops (they are not externalized): nothing was changed; upgrade with a savepoint (leave out --from-latest-checkpoint), or run the job with -Dexecution.checkpointing.externalized-checkpoint-retention=RETAIN_ON_CANCELLATION",
                job.id
            )));
        }
        let health = rest.checkpoints(&job.id).await.map_err(unreachable)?;
        let path = health.last_path.ok_or_else(|| {
            Error::Failed(format!(
                "job {} has no completed checkpoint with a path (are checkpoints retained? see execution.checkpointing.externalized-checkpoint-retention): nothing was changed; upgrade with a savepoint instead (leave out --from-latest-checkpoint)",
                job.id
            ))
        })?;
        taken.push(Savepoint {
            job_id: job.id.clone(),
            job_name: job.name.clone(),
            path,
        });
    }
    Ok(taken)
}

/// Wait until the job runs with every task (`cluster::wait`), and say what
/// it restored from.
async fn until_all_tasks_run(
    target: &ClusterTarget,
    rest: &FlinkRest,
    job_id: Option<&str>,
    timeout: Duration,
) -> Result<Restored> {
    let job_id = crate::cluster::wait::until_all_tasks_run(target, rest, job_id, timeout).await?;
    let from = rest.restored_from(&job_id).await.ok().flatten();
    Ok(Restored { job_id, from })
}

fn report_jobs(jobs: &[Restored], output: &Output) {
    for job in jobs {
        match &job.from {
            Some(from) => output.note(&format!(
                "Job {} runs with every task, restored from {from}.",
                job.job_id
            )),
            None => output.note(&format!("Job {} runs with every task.", job.job_id)),
        }
    }
}

/// Session without a new jar: how to resubmit each stopped job.
fn suggest_resubmitting(target: &ClusterTarget, savepoints: &[Savepoint], output: &Output) {
    let (id, ns) = (&target.cluster_id, &target.namespace);
    for s in savepoints {
        output.note(&format!(
            "Job {} ({}) was stopped with savepoint {}: run it again with `{}`.",
            s.job_id,
            s.job_name,
            s.path,
            target
                .connection
                .suggest
                .flink(&format!("session run {id} -n {ns} <jar> -s {}", s.path))
        ));
    }
}

/// Ctrl-C once the cluster is being replaced: say where the state is and how
/// to bring the previous spec back.
fn on_interrupt_keep(target: &ClusterTarget, savepoints: &[Savepoint], output: &Output) {
    let (id, ns) = (&target.cluster_id, &target.namespace);
    let from = savepoints
        .first()
        .map(|s| format!(" --from {}", s.path))
        .unwrap_or_default();
    let message = format!(
        "interrupted: the upgrade of Flink cluster {id} stopped midway; the savepoints are kept ({}): see `{}`, and bring the previous spec back with `{}` once the cluster is gone (`{}`)",
        savepoint_list(savepoints),
        target
            .connection
            .suggest
            .flink(&format!("status {id} -n {ns}")),
        target
            .connection
            .suggest
            .flink(&format!("resume {id} -n {ns}{from}")),
        target
            .connection
            .suggest
            .flink(&format!("cleanup {id} -n {ns} --yes")),
    );
    super::exit_on_interrupt(output, message);
}

fn savepoint_list(savepoints: &[Savepoint]) -> String {
    if savepoints.is_empty() {
        return "none were taken".into();
    }
    savepoints
        .iter()
        .map(|s| format!("job {}: {}", s.job_id, s.path))
        .collect::<Vec<_>>()
        .join(", ")
}
