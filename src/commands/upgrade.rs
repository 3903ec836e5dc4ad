//! `upgrade`: change a running cluster without losing its state — stop the
//! job with a savepoint (or take its latest checkpoint), record the savepoint
//! and the previous spec, redeploy with the changes restoring from it, and
//! wait until the job runs; if it does not, redeploy the previous spec from
//! the same savepoint. The new spec is rendered from the configuration the
//! cluster runs with (its ConfigMap), through the same path as `app run`.
//!
//! Whatever fails, or whenever Ctrl-C comes, the cluster is left upgraded,
//! unchanged (a savepoint taken named and recorded), rolled back, or gone
//! with its savepoint and previous spec recorded and the error naming the
//! `cleanup` and `resume --from` that bring it back — never with both
//! specs' objects, a Deployment without its objects, or the old cluster's
//! HA data beside the new one (the fault matrix, `tests/faults.rs`, checks
//! every request). Ctrl-C: see [`Interrupt`].

use super::history::{Progress, Recorded, Running, now, remove_cluster, stop_jobs};
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
use futures::FutureExt;
use std::cell::RefCell;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
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

            // From here on Ctrl-C is listened for and answered where it leaves a clear way
            // back (see [`Interrupt`]).
            let mut interrupt = Interrupt::listen();
            let savepoints = self
                .take_state(&target, &rest, mode, &mut interrupt, output)
                .await?;
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
            history::append(&target, entry.clone())
                .await
                .map_err(|e| not_recorded(&target, &e.to_string(), &savepoints))?;
            if interrupt.fired() {
                return Err(interrupted_before_removal(
                    &target,
                    mode,
                    &savepoints,
                    !self.from_latest_checkpoint,
                ));
            }
            let steps = Steps {
                options: &self,
                plan: &plan,
                savepoints: &savepoints,
                output,
            };
            let next = plan.next(&self.changes, plan.restore(&savepoints));
            let failure = match steps.replace(next, &mut interrupt, "new").await {
                Replaced::Created => {
                    if interrupt.fired() {
                        super::exit_interrupted(output, &steps.interrupted_starting("upgraded"));
                    }
                    match steps
                        .run_jobs(session_jar.as_ref(), &mut interrupt, "upgraded")
                        .await
                    {
                        Ok(jobs) => {
                            report_jobs(&jobs, output);
                            return Ok(output.show(
                                &Recorded {
                                    entry,
                                    cluster: target.cluster_id.clone(),
                                    namespace: target.namespace.clone(),
                                },
                                self.format,
                            )?);
                        }
                        Err(failure) => failure,
                    }
                }
                Replaced::NotCreated(failure) => failure,
                Replaced::NotRemoved(e) => return Err(steps.not_removed(&e)),
            };
            Err(steps.roll_back(failure, &mut interrupt).await)
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
    /// `--from-latest-checkpoint` its latest checkpoint. Ctrl-C while the
    /// jobs are stopped lets the savepoint being taken finish and stops no
    /// further job; with no savepoint taken, nothing was changed.
    async fn take_state(
        &self,
        target: &ClusterTarget,
        rest: &FlinkRest,
        mode: DeploymentMode,
        interrupt: &mut Interrupt,
        output: &Output,
    ) -> Result<Vec<Savepoint>> {
        let savepoints = if self.from_latest_checkpoint {
            latest_checkpoints(target, rest).await?
        } else {
            let progress = RefCell::new(Progress::default());
            let stopping = stop_jobs(
                target,
                rest,
                self.directory.as_deref(),
                self.timeout,
                output,
                &progress,
            );
            tokio::pin!(stopping);
            tokio::select! {
                taken = &mut stopping => taken?,
                _ = interrupt.wait() => {
                    progress.borrow_mut().halt();
                    if let Some((job, _)) = progress.borrow().stopping() {
                        output.warn(&format!(
                            "Ctrl-C: the upgrade of Flink cluster {} stops once the savepoint of job {job} is taken; nothing is removed",
                            target.cluster_id
                        ));
                    }
                    stopping.await?
                }
            }
        };
        if interrupt.fired() && savepoints.is_empty() {
            return Err(Error::Failed(format!(
                "interrupted: nothing was changed; Flink cluster {} keeps running",
                target.cluster_id
            )));
        }
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
        let file_name = super::jobs::jar_file_name(&path);
        Ok(Some(SessionJar { file_name, bytes }))
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
    /// The cluster's objects as they ran: what a rollback creates again.
    previous: Objects,
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
        // A TaskManager template the changes name is read from its file.
        let tm_template_changed = options.changes.dynamic.iter().any(|(key, _)| {
            POD_TEMPLATE_TASKMANAGER
                .all_keys()
                .any(|template| template == key)
        });
        let tm_template = data_of(pod_template_config_map_name(id))
            .and_then(|d| d.get(TASKMANAGER_TEMPLATE_FILE).cloned());
        if !tm_template_changed {
            conf.remove(POD_TEMPLATE_TASKMANAGER.key);
        }
        let mut local = local_files::read(&conf, &options.client_env, release).map_err(|e| {
            match conf.string(&POD_TEMPLATE_JOBMANAGER) {
                Some(path) => Error::Usage(format!(
                    "{e}; the cluster was started with the JobManager pod template {path}: give it again with -D{}=PATH",
                    POD_TEMPLATE_JOBMANAGER.key
                )),
                None => Error::Usage(e),
            }
        })?;
        if !tm_template_changed && running.base.is_set(&POD_TEMPLATE_TASKMANAGER) {
            local.taskmanager_pod_template = tm_template;
        }
        Ok(Plan {
            target,
            mode,
            releases,
            data,
            local,
            previous: objects.clone(),
        })
    }

    /// The new cluster: the running configuration with `changes`, restoring from `savepoint`.
    fn next(&self, changes: &Changes, savepoint: Option<&str>) -> Result<RenderedCluster> {
        self.render(self.releases.next, changes, savepoint)
    }

    /// The previous cluster, its objects as they ran (as `resume` recreates
    /// them), restoring from `savepoint`.
    fn previous(&self, savepoint: Option<&str>) -> Result<RenderedCluster> {
        let recorded = self.previous.to_cluster(savepoint).ok_or_else(|| {
            Error::Failed(format!(
                "cluster {} has no Deployment to roll back to",
                self.target.cluster_id
            ))
        })?;
        Ok(recorded?)
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

/// Ctrl-C, listened for from the first job stopped on, and answered where it
/// leaves a clear way back: while the jobs are stopped, the savepoint being
/// taken finishes, no further job is stopped, the savepoints are recorded and
/// the command ends without removing anything; once the cluster is being
/// removed, the command ends only when the next cluster's objects are all
/// created (never with neither cluster); while the new cluster starts, at once.
struct Interrupt {
    signal: Pin<Box<dyn Future<Output = std::io::Result<()>>>>,
    fired: bool,
}

impl Interrupt {
    fn listen() -> Interrupt {
        let mut interrupt = Interrupt {
            signal: Box::pin(tokio::signal::ctrl_c()),
            fired: false,
        };
        // Polling once installs the handler: Ctrl-C no longer ends the process by itself.
        interrupt.fired();
        interrupt
    }

    /// Whether Ctrl-C was pressed (so far).
    fn fired(&mut self) -> bool {
        if !self.fired
            && let Some(result) = self.signal.as_mut().now_or_never()
        {
            self.fired = result.is_ok();
            self.signal = Box::pin(std::future::pending());
        }
        self.fired
    }

    /// Until Ctrl-C is pressed (at once if it was).
    async fn wait(&mut self) {
        if self.fired {
            return;
        }
        if self.signal.as_mut().await.is_ok() {
            self.fired = true;
            return;
        }
        // No handler could be installed: Ctrl-C ends the process by itself.
        self.signal = Box::pin(std::future::pending());
        std::future::pending::<()>().await;
    }
}

/// How replacing a cluster (removing it, creating the next) came out.
enum Replaced {
    Created,
    /// The cluster was not removed (wholly), so nothing was created.
    NotRemoved(Error),
    /// The cluster was removed, but the next one could not be created (what
    /// was of it is removed again).
    NotCreated(Error),
}

/// The steps of an upgrade once its savepoints are recorded.
struct Steps<'a> {
    options: &'a UpgradeOptions,
    plan: &'a Plan<'a>,
    savepoints: &'a [Savepoint],
    output: &'a Output,
}

impl Steps<'_> {
    /// Remove the cluster, then create `next` (`which`: new or previous);
    /// Ctrl-C meanwhile is answered only once both are done.
    async fn replace(
        &self,
        next: Result<RenderedCluster>,
        interrupt: &mut Interrupt,
        which: &str,
    ) -> Replaced {
        let target = self.plan.target;
        let work = async {
            let cluster = match next {
                Ok(cluster) => cluster,
                Err(e) => return Replaced::NotRemoved(e),
            };
            if let Err(e) = remove_cluster(target, self.options.timeout).await {
                return Replaced::NotRemoved(e);
            }
            match crate::cluster::deploy::create_ignoring_interrupts(
                &target.connection,
                &target.namespace,
                &cluster,
            )
            .await
            {
                Ok(_) => Replaced::Created,
                Err(e) => Replaced::NotCreated(e.into()),
            }
        };
        tokio::pin!(work);
        tokio::select! {
            replaced = &mut work => replaced,
            _ = interrupt.wait() => {
                self.output.warn(&format!(
                    "Ctrl-C: the upgrade of Flink cluster {} ends once the {which} cluster's objects are created (ending now would leave neither cluster)",
                    target.cluster_id
                ));
                work.await
            }
        }
    }

    /// Wait until the cluster just created runs its jobs (a session's new
    /// jar resubmitted first); Ctrl-C ends the command, the cluster starting
    /// (`what`: upgraded or rolled back).
    async fn run_jobs(
        &self,
        session_jar: Option<&SessionJar>,
        interrupt: &mut Interrupt,
        what: &str,
    ) -> Result<Vec<Restored>> {
        let waiting = self.wait_for_jobs(session_jar);
        tokio::pin!(waiting);
        tokio::select! {
            jobs = &mut waiting => jobs,
            _ = interrupt.wait() => super::exit_interrupted(self.output, &self.interrupted_starting(what)),
        }
    }

    /// The jobs of the cluster just created, and what they restored, once
    /// they run with every task.
    async fn wait_for_jobs(&self, session_jar: Option<&SessionJar>) -> Result<Vec<Restored>> {
        let (target, output, timeout) = (self.plan.target, self.output, self.options.timeout);
        let rest = target.rest();
        let deadline = Instant::now() + timeout;
        super::wait::until_ready(target, DeploymentMode::Session, &rest, timeout, output).await?;
        let mut jobs = Vec::new();
        let job_id = if self.plan.mode == DeploymentMode::Session {
            let (Some(jar), [savepoint]) = (session_jar, self.savepoints) else {
                if session_jar.is_some() {
                    // Checked before: the job ended by itself before it was stopped.
                    output.warn(&format!(
                        "the job of session {} ended before its savepoint was taken, so --jar was not run: submit it with `session run`",
                        target.cluster_id
                    ));
                }
                suggest_resubmitting(target, self.savepoints, output);
                return Ok(jobs);
            };
            Some(self.options.resubmit(&rest, jar, savepoint, output).await?)
        } else {
            None
        };
        let left = deadline.saturating_duration_since(Instant::now());
        jobs.push(until_all_tasks_run(target, &rest, job_id.as_deref(), left).await?);
        Ok(jobs)
    }

    /// The upgrade failed after the cluster was removed: remove what it
    /// created and redeploy the previous spec from the same savepoint. The
    /// error to report either way.
    async fn roll_back(&self, failure: Error, interrupt: &mut Interrupt) -> Error {
        let (plan, savepoints) = (self.plan, self.savepoints);
        let target = plan.target;
        let id = &target.cluster_id;
        let reason = one_line(&failure.to_string());
        let from = self.from().map_or_else(
            || "without a savepoint".to_string(),
            |p| format!("from savepoint {p}"),
        );
        self.output.warn(&format!(
            "the upgraded cluster {id} did not run its job: {reason}; rolling back to the previous spec {from}"
        ));
        let previous = plan.previous(plan.restore(savepoints));
        match self.replace(previous, interrupt, "previous").await {
            Replaced::Created => {}
            Replaced::NotRemoved(e) | Replaced::NotCreated(e) => {
                return Error::Failed(format!(
                    "the upgrade of Flink cluster {id} failed ({reason}), and so did the rollback ({}): {}",
                    one_line(&e.to_string()),
                    self.way_back()
                ));
            }
        }
        // Recorded once the previous spec is created again.
        let entry = Entry {
            time: now(),
            action: "rollback".into(),
            mode: plan.mode.word().into(),
            image: None,
            savepoints: savepoints.to_vec(),
            objects: None,
        };
        let unrecorded = match history::append(target, entry).await {
            Ok(()) => String::new(),
            Err(e) => format!(
                " (recording the rollback in its history failed: {})",
                one_line(&e.to_string())
            ),
        };
        if interrupt.fired() {
            super::exit_interrupted(self.output, &self.interrupted_starting("rolled back"));
        }
        match self.run_jobs(None, interrupt, "rolled back").await {
            Ok(jobs) => {
                report_jobs(&jobs, self.output);
                match plan.mode {
                    DeploymentMode::Application => Error::Failed(format!(
                        "the upgrade of Flink cluster {id} failed ({reason}); it was rolled back: the previous spec runs again, {from}{unrecorded}"
                    )),
                    DeploymentMode::Session => Error::Failed(format!(
                        "the upgrade of Flink cluster {id} failed ({reason}); it was rolled back: the previous session spec runs again, without its jobs (Flink keeps no copy of their jars): resubmit each from its savepoint ({}){unrecorded}",
                        savepoint_list(savepoints)
                    )),
                }
            }
            Err(e) => Error::Failed(format!(
                "the upgrade of Flink cluster {id} failed ({reason}); it was rolled back to the previous spec {from}, which did not run its job either ({}){unrecorded}: see `{}`; the savepoints are kept ({})",
                one_line(&e.to_string()),
                self.status_command(),
                savepoint_list(savepoints)
            )),
        }
    }

    /// The cluster could not be removed: how to finish by hand.
    fn not_removed(&self, error: &Error) -> Error {
        Error::Failed(format!(
            "the upgrade of Flink cluster {} stopped while removing the cluster ({}): {}",
            self.plan.target.cluster_id,
            one_line(&error.to_string()),
            self.way_back()
        ))
    }

    /// Ctrl-C once a cluster was created: it is starting.
    fn interrupted_starting(&self, what: &str) -> String {
        let target = self.plan.target;
        let restoring = match (self.plan.mode, self.from()) {
            (DeploymentMode::Application, Some(p)) => format!(", restoring from savepoint {p}"),
            _ => String::new(),
        };
        format!(
            "interrupted: Flink cluster {} is {what}: its objects are created and it is starting{restoring} (not waited for): see `{}`; the savepoints are kept ({}); should its job not run, remove it with `{}` and bring the previous spec back with `{}`",
            target.cluster_id,
            self.status_command(),
            savepoint_list(self.savepoints),
            self.cleanup_command(),
            self.resume_command()
        )
    }

    /// The savepoints, and the commands that bring the previous spec back.
    fn way_back(&self) -> String {
        format!(
            "the savepoints and the previous spec are kept in its history ({}); remove what is left with `{}`, then bring the previous spec back with `{}`",
            savepoint_list(self.savepoints),
            self.cleanup_command(),
            self.resume_command()
        )
    }

    /// The first savepoint: what an application restores from.
    fn from(&self) -> Option<&str> {
        self.savepoints.first().map(|s| s.path.as_str())
    }

    fn status_command(&self) -> String {
        let target = self.plan.target;
        let (id, ns) = (&target.cluster_id, &target.namespace);
        target
            .connection
            .suggest
            .flink(&format!("status {id} -n {ns}"))
    }

    fn cleanup_command(&self) -> String {
        let target = self.plan.target;
        let (id, ns) = (&target.cluster_id, &target.namespace);
        target
            .connection
            .suggest
            .flink(&format!("cleanup {id} -n {ns} --yes"))
    }

    fn resume_command(&self) -> String {
        resume_command(self.plan.target, self.savepoints)
    }
}

/// `resume` from the first savepoint.
fn resume_command(target: &ClusterTarget, savepoints: &[Savepoint]) -> String {
    let (id, ns) = (&target.cluster_id, &target.namespace);
    let from = savepoints
        .first()
        .map(|s| format!(" --from {}", s.path))
        .unwrap_or_default();
    target
        .connection
        .suggest
        .flink(&format!("resume {id} -n {ns}{from}"))
}

/// The history could not be written: nothing was removed; what the jobs
/// stopped left.
fn not_recorded(target: &ClusterTarget, error: &str, savepoints: &[Savepoint]) -> Error {
    let stopped = if savepoints.is_empty() {
        String::new()
    } else {
        format!(
            ", but the jobs already stopped stay stopped: restart them from their savepoints ({})",
            savepoint_list(savepoints)
        )
    };
    Error::Failed(format!(
        "cannot record the upgrade of Flink cluster {}: {}: nothing was removed{stopped}",
        target.cluster_id,
        one_line(error)
    ))
}

/// Ctrl-C before anything was removed, the savepoints recorded: how to
/// start the jobs again, when they were `stopped` (else they keep running).
fn interrupted_before_removal(
    target: &ClusterTarget,
    mode: DeploymentMode,
    savepoints: &[Savepoint],
    stopped: bool,
) -> Error {
    let (id, ns) = (&target.cluster_id, &target.namespace);
    if !stopped {
        return Error::Failed(format!(
            "interrupted: the upgrade of Flink cluster {id} stopped before removing anything; its jobs keep running (their latest checkpoints are recorded in its history: {})",
            savepoint_list(savepoints)
        ));
    }
    let again = match mode {
        DeploymentMode::Application => format!(
            "an application cluster ends with its job: once it is gone, bring it back with `{}`",
            resume_command(target, savepoints)
        ),
        DeploymentMode::Session => savepoints
            .iter()
            .map(|s| {
                format!(
                    "run job {} again with `{}`",
                    s.job_id,
                    target
                        .connection
                        .suggest
                        .flink(&format!("session run {id} -n {ns} <jar> -s {}", s.path))
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    Error::Failed(format!(
        "interrupted: the upgrade of Flink cluster {id} stopped before removing anything; its jobs were stopped with savepoints, recorded in its history ({}): {again}",
        savepoint_list(savepoints)
    ))
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
