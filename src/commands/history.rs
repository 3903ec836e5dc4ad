//! `suspend`, `resume` and `history`: a cluster stopped with savepoints and
//! brought back from them, recorded in a ConfigMap of kubectl-flink's own
//! (`kubectl-flink-history-<id>`), with nothing installed in the cluster.

use super::target::{self, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::history::{HistoryArgs, ResumeArgs, SuspendArgs};
use crate::cluster::client::ClusterTarget;
use crate::cluster::history::{self, Entry, Savepoint};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::spec::DeploymentMode;
use crate::output::table::Table;
use crate::output::{Format, Output, Printable, printer};
use serde_json::Value;
use std::time::Duration;

mod suspend;
pub(super) use suspend::{Progress, stop_jobs, unfinished_jobs};

/// `suspend`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspendOptions {
    pub target: TargetOptions,
    pub directory: Option<String>,
    pub timeout: Duration,
    pub format: Option<Format>,
}

/// `resume`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeOptions {
    pub target: TargetOptions,
    /// None: the savepoint of the last suspend.
    pub from: Option<String>,
    pub wait: bool,
    pub timeout: Duration,
    pub format: Option<Format>,
}

/// `history`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryOptions {
    pub target: TargetOptions,
    pub format: Option<Format>,
}

/// An entry as the verbs report it.
pub(super) struct Recorded {
    pub entry: Entry,
    pub cluster: String,
    pub namespace: String,
}

impl Printable for Recorded {
    const FORMATS: &'static [Format] = &[Format::Json, Format::Yaml];

    fn text(&self, _wide: bool) -> String {
        let mut text = match self.entry.action.as_str() {
            "suspend" => format!(
                "Flink {} cluster {} suspended in namespace {}; resume it with `kubectl flink resume {} -n {}`.\n",
                self.entry.mode, self.cluster, self.namespace, self.cluster, self.namespace
            ),
            "upgrade" => format!(
                "Flink {} cluster {} upgraded in namespace {}.\n",
                self.entry.mode, self.cluster, self.namespace
            ),
            _ => format!(
                "Flink {} cluster {} resumed in namespace {}.\n",
                self.entry.mode, self.cluster, self.namespace
            ),
        };
        for savepoint in &self.entry.savepoints {
            text.push_str(&format!(
                "savepoint of job {} ({}): {}\n",
                savepoint.job_id, savepoint.job_name, savepoint.path
            ));
        }
        text
    }

    fn document(&self) -> Value {
        let mut entry = self.entry.clone();
        entry.objects = None;
        serde_json::to_value(entry).unwrap_or_default()
    }
}

/// The whole history.
struct Entries(Vec<Entry>);

impl Printable for Entries {
    const FORMATS: &'static [Format] = &[Format::Table, Format::Json, Format::Yaml];

    fn text(&self, _wide: bool) -> String {
        let mut table = Table::new(&["time", "action", "mode", "image", "savepoints"]);
        for e in &self.0 {
            let savepoints: Vec<&str> = e.savepoints.iter().map(|s| s.path.as_str()).collect();
            table.row(vec![
                e.time.clone(),
                e.action.clone(),
                e.mode.clone(),
                e.image.clone().unwrap_or_default(),
                if savepoints.is_empty() {
                    "<none>".into()
                } else {
                    savepoints.join(",")
                },
            ]);
        }
        table.render()
    }

    fn document(&self) -> Value {
        printer::list(
            self.0
                .iter()
                .map(|e| {
                    let mut e = e.clone();
                    e.objects = None;
                    serde_json::to_value(e).unwrap_or_default()
                })
                .collect(),
        )
    }

    fn empty(&self) -> Option<String> {
        self.0
            .is_empty()
            .then(|| "No suspends or resumes recorded.".to_string())
    }
}

/// A running cluster as suspend and upgrade find it, read before anything
/// changes: its mode, image and objects.
pub(super) struct Running {
    pub mode: DeploymentMode,
    pub image: Option<String>,
    pub objects: history::Objects,
}

impl Running {
    pub(super) async fn read(target: &ClusterTarget) -> Result<Running> {
        let deployment = crate::cluster::inventory::require_cluster(target).await?;
        Ok(Running {
            mode: crate::cluster::inventory::cluster_mode(&deployment),
            image: crate::cluster::inventory::main_container(&deployment)
                .and_then(|c| c.image.clone()),
            objects: history::snapshot(target, &deployment).await?,
        })
    }
}

/// Remove the cluster: its Deployment (waiting until it is gone, with what
/// it owns) and what it does not own (HA ConfigMaps), so that the next
/// cluster of the same id starts from a savepoint, not from HA data.
pub(super) async fn remove_cluster(target: &ClusterTarget, timeout: Duration) -> Result<()> {
    let client = &target.connection.client;
    crate::cluster::cleanup::remove_deployment(
        client,
        &target.namespace,
        &target.cluster_id,
        timeout,
    )
    .await?;
    crate::cluster::cleanup::remove_unowned_and_ha(client, &target.namespace, &target.cluster_id)
        .await?;
    Ok(())
}

pub(super) fn now() -> String {
    k8s_openapi::jiff::Timestamp::now().to_string()
}

impl Verb for SuspendOptions {
    type Args = SuspendArgs;

    fn complete(global: &GlobalArgs, args: SuspendArgs, env: &Environment) -> Result<Self> {
        Ok(SuspendOptions {
            target: target::complete(global, &args.target, env)?,
            directory: args.directory,
            timeout: args.timeout,
            format: global.format(),
        })
    }

    fn validate(&self) -> Result<()> {
        printer::check::<Recorded>("suspend", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(suspend::run(&self, output))
    }
}

impl Verb for ResumeOptions {
    type Args = ResumeArgs;

    fn complete(global: &GlobalArgs, args: ResumeArgs, env: &Environment) -> Result<Self> {
        Ok(ResumeOptions {
            target: target::complete(global, &args.target, env)?,
            from: (args.from != "latest").then_some(args.from),
            wait: args.wait.wait,
            timeout: args.wait.timeout,
            format: global.format(),
        })
    }

    fn validate(&self) -> Result<()> {
        printer::check::<Recorded>("resume", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
            let (ns, id) = (&target.namespace, &target.cluster_id);
            let suggest = &target.connection.suggest;
            let entries = history::read(&target).await?;
            let Some(suspended) = entries
                .iter()
                .rev()
                // A suspend's objects, or those an upgrade replaced.
                .find(|e| e.objects.is_some())
            else {
                return Err(Error::Failed(format!(
                    "no suspend of Flink cluster {id} is recorded in namespace {ns}: nothing to resume (see `{}`)",
                    suggest.flink(&format!("history {id} -n {ns}"))
                )));
            };
            if crate::cluster::inventory::require_cluster(&target)
                .await
                .is_ok()
            {
                return Err(Error::Failed(format!(
                    "Flink cluster {id} is running in namespace {ns}: suspend it first (`{}`)",
                    suggest.flink(&format!("suspend {id} -n {ns}"))
                )));
            }
            let (cluster, savepoint, application) = restore_plan(suspended, self.from.as_deref())
                .ok_or_else(|| {
                    Error::Failed(format!(
                        "the last suspend of {id} recorded no Deployment: nothing to recreate"
                    ))
                })??;
            crate::cluster::deploy::create(&target.connection, ns, &cluster).await?;
            let entry = resume_entry(suspended, savepoint.as_deref(), application);
            // A cluster running without its resume recorded is half a resume: undone.
            if let Err(e) = history::append(&target, entry.clone()).await {
                let undo =
                    crate::cluster::deploy::rollback(&target.connection.client, ns, id).await;
                return Err(Error::Failed(format!(
                    "cannot record the resume of Flink cluster {id}: {}; {undo}",
                    crate::output::one_line(&e.to_string())
                )));
            }
            if !application {
                for s in &suspended.savepoints {
                    output.note(&format!(
                        "Job {} ({}) was stopped with savepoint {}: run it again with `{}`.",
                        s.job_id,
                        s.job_name,
                        s.path,
                        suggest.flink(&format!("session run {id} -n {ns} <jar> -s {}", s.path))
                    ));
                }
            }
            if self.wait {
                let mode = if application {
                    DeploymentMode::Application
                } else {
                    DeploymentMode::Session
                };
                super::wait::until_ready(&target, mode, &target.rest(), self.timeout, output)
                    .await?;
            }
            Ok(output.show(
                &Recorded {
                    entry,
                    cluster: id.clone(),
                    namespace: ns.clone(),
                },
                self.format,
            )?)
        })
    }
}

/// What resume creates from the last suspend: the cluster (an application
/// restoring from `from`, else the suspend's savepoint), the savepoint used,
/// and whether it is an application cluster.
fn restore_plan(
    suspended: &Entry,
    from: Option<&str>,
) -> Option<Result<(crate::render::RenderedCluster, Option<String>, bool)>> {
    let application = suspended.mode == DeploymentMode::Application.word();
    let savepoint = match (from, application) {
        (Some(path), _) => Some(path.to_string()),
        (None, true) => suspended.savepoints.first().map(|s| s.path.clone()),
        (None, false) => None,
    };
    let restore = if application {
        savepoint.as_deref()
    } else {
        None
    };
    let cluster = suspended.objects.as_ref()?.to_cluster(restore)?;
    Some(
        cluster
            .map(|cluster| (cluster, savepoint, application))
            .map_err(Error::from),
    )
}

/// The history entry of a resume.
fn resume_entry(suspended: &Entry, savepoint: Option<&str>, application: bool) -> Entry {
    let first = suspended.savepoints.first();
    Entry {
        time: now(),
        action: "resume".into(),
        mode: suspended.mode.clone(),
        // The image of what is recreated (an upgrade's entry names its new image).
        image: suspended
            .objects
            .as_ref()
            .and_then(|o| o.deployment.as_ref())
            .and_then(crate::cluster::inventory::main_container)
            .and_then(|c| c.image.clone())
            .or_else(|| suspended.image.clone()),
        savepoints: match savepoint {
            Some(path) if application => vec![Savepoint {
                job_id: first.map(|s| s.job_id.clone()).unwrap_or_default(),
                job_name: first.map(|s| s.job_name.clone()).unwrap_or_default(),
                path: path.to_string(),
            }],
            _ => Vec::new(),
        },
        objects: None,
    }
}

impl Verb for HistoryOptions {
    type Args = HistoryArgs;

    fn complete(global: &GlobalArgs, args: HistoryArgs, env: &Environment) -> Result<Self> {
        Ok(HistoryOptions {
            target: target::complete(global, &args.target, env)?,
            format: global.format(),
        })
    }

    fn validate(&self) -> Result<()> {
        printer::check::<Entries>("history", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
            let entries = history::read(&target).await?;
            Ok(output.show(&Entries(entries), self.format)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::history::Objects;

    #[test]
    fn a_resume_of_an_upgrade_records_the_image_it_recreates() {
        let deployment = serde_json::from_value(serde_json::json!({"spec": {
            "selector": {},
            "template": {"spec": {"containers": [
                {"name": "flink-main-container", "image": "apache/flink:2.2.1-scala_2.12"}
            ]}},
        }}))
        .unwrap();
        let upgrade = Entry {
            time: now(),
            action: "upgrade".into(),
            mode: "application".into(),
            image: Some("apache/flink:2.3.0-scala_2.12".into()),
            savepoints: Vec::new(),
            objects: Some(Objects {
                deployment: Some(deployment),
                ..Objects::default()
            }),
        };
        let resumed = resume_entry(&upgrade, Some("s3://sp/1"), true);
        assert_eq!(
            resumed.image.as_deref(),
            Some("apache/flink:2.2.1-scala_2.12")
        );
    }
}
