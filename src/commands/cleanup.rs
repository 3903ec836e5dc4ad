//! `kubectl flink cleanup`: everything a cluster left behind, including the
//! HA ConfigMaps that `kubectl delete deployment` and Flink's own `stop` keep.

use super::target::{self, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::cleanup::CleanupArgs;
use crate::cluster::changes::{Action, ObjectRef};
use crate::cluster::cleanup;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::output::changes::Changes;
use crate::output::{Format, Output, printer};
use std::io::BufRead;
use std::time::Duration;

/// What `cleanup` removes.
#[derive(Debug, Clone, PartialEq)]
pub enum Leftovers {
    /// Everything of one cluster.
    Cluster(TargetOptions),
    /// What clusters whose Deployment is gone left (`--orphans`).
    Orphans {
        scope: target::Scope,
        all_namespaces: bool,
    },
}

/// `cleanup`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanupOptions {
    pub what: Leftovers,
    /// `--yes`: no question asked.
    pub yes: bool,
    pub dry_run: bool,
    pub timeout: Duration,
    pub format: Option<Format>,
    /// A question can be asked: stdin is a terminal.
    pub interactive: bool,
}

impl Verb for CleanupOptions {
    type Args = CleanupArgs;

    fn complete(global: &GlobalArgs, args: CleanupArgs, env: &Environment) -> Result<Self> {
        let what = if args.orphans {
            if args.target.id.is_some() || args.target.cluster_id.is_some() {
                return Err(Error::Usage(
                    "--orphans looks at every cluster whose Deployment is gone: drop the cluster id (or drop --orphans to clean up that cluster)".into(),
                ));
            }
            Leftovers::Orphans {
                scope: target::scope(global, &args.target.flink, env)?,
                all_namespaces: args.all_namespaces,
            }
        } else {
            Leftovers::Cluster(target::complete(global, &args.target, env)?)
        };
        Ok(CleanupOptions {
            what,
            yes: args.yes,
            dry_run: args.dry_run.is_some(),
            timeout: args.timeout,
            format: global.format(),
            interactive: env.terminal.stdin,
        })
    }

    fn validate(&self) -> Result<()> {
        printer::check::<Changes>("cleanup", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        let target = match &self.what {
            Leftovers::Cluster(target) => target,
            Leftovers::Orphans {
                scope,
                all_namespaces,
            } => return self.clean_orphans(scope, *all_namespaces, output),
        };
        output.warn_all(target.warnings());
        block_on(async {
            let target = target.connect().await?;
            let client = &target.connection.client;
            let (namespace, id) = (&target.namespace, &target.cluster_id);
            let leftovers = cleanup::find(client, namespace, id).await?;
            if leftovers.is_empty() {
                output.note(&format!(
                    "Nothing of Flink cluster {id} is left in namespace {namespace}."
                ));
                return Ok(());
            }
            let objects = leftovers.all();
            if self.dry_run {
                let listed = Changes::all(&objects, Action::Deleted, true);
                return Ok(output.show(&listed, self.format)?);
            }
            if !self.yes {
                self.confirm(id, &format!("namespace {namespace}"), &objects, output)?;
            }
            if leftovers.deployment.is_some() {
                cleanup::remove_deployment(client, namespace, id, self.timeout).await?;
            }
            let unowned: Vec<ObjectRef> = leftovers
                .unowned
                .iter()
                .chain(&leftovers.high_availability)
                .cloned()
                .collect();
            cleanup::remove_objects(client, namespace, &unowned).await?;
            output.show(&Changes::all(&objects, Action::Deleted, false), self.format)?;
            if let Some(dir) = &leftovers.ha_storage_dir {
                output.note(&format!(
                    "HA data outside Kubernetes is not touched: remove {dir}/{id} (and the job result store there) yourself if you no longer need it."
                ));
            }
            Ok(())
        })
    }
}

impl CleanupOptions {
    /// `--orphans`: list what clusters without a Deployment left, then remove it.
    fn clean_orphans(&self, scope: &target::Scope, all: bool, output: &Output) -> Result<()> {
        output.warn_all(&scope.warnings);
        block_on(async {
            let (connection, namespace) = scope.connect().await?;
            let client = &connection.client;
            let found = cleanup::find_orphans(client, (!all).then_some(namespace.as_str())).await?;
            let where_ = if all {
                "any namespace".to_string()
            } else {
                format!("namespace {namespace}")
            };
            if found.is_empty() {
                output.note(&format!(
                    "No HA ConfigMaps or TaskManager pods of deleted Flink clusters in {where_}."
                ));
                return Ok(());
            }
            let every: Vec<ObjectRef> = found.values().flatten().cloned().collect();
            if !self.dry_run && !self.yes {
                self.confirm("clusters that are gone", &where_, &every, output)?;
            }
            for (ns, objects) in &found {
                if all {
                    output.note(&format!("In namespace {ns}:"));
                }
                if !self.dry_run {
                    cleanup::remove_objects(client, ns, objects).await?;
                }
                output.show(
                    &Changes::all(objects, Action::Deleted, self.dry_run),
                    self.format,
                )?;
            }
            Ok(())
        })
    }

    /// Ask (about `objects` of `id`, in `place`, e.g. "namespace x") on a terminal; without one, `--yes` is required. Declining is
    /// the user's choice, not a failure: it ends quietly with exit code 1.
    fn confirm(&self, id: &str, place: &str, objects: &[ObjectRef], output: &Output) -> Result<()> {
        if !self.interactive {
            return Err(Error::Usage(format!(
                "cleanup deletes {} objects of {id} in {}: add --yes to confirm (or --dry-run=client to list them)",
                objects.len(),
                place
            )));
        }
        let mut question = format!("This deletes from {}:\n", place);
        for object in objects {
            question.push_str(&format!("  {object}\n"));
        }
        question.push_str("Continue? [y/N] ");
        output.err_text(&question);
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| Error::Failed(format!("cannot read the answer: {e}")))?;
        if matches!(answer.trim(), "y" | "Y" | "yes") {
            Ok(())
        } else {
            Err(Error::Aborted("aborted: nothing was deleted".into()))
        }
    }
}
