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

/// `cleanup`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanupOptions {
    pub target: TargetOptions,
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
        Ok(CleanupOptions {
            target: target::complete(global, &args.target, env)?,
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
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
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
                self.confirm(id, namespace, &objects, output)?;
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
    /// Ask on a terminal; without one, `--yes` is required. Declining is
    /// the user's choice, not a failure: it ends quietly with exit code 1.
    fn confirm(
        &self,
        id: &str,
        namespace: &str,
        objects: &[ObjectRef],
        output: &Output,
    ) -> Result<()> {
        if !self.interactive {
            return Err(Error::Usage(format!(
                "cleanup deletes {} objects of {id} in namespace {namespace}: add --yes to confirm (or --dry-run=client to list them)",
                objects.len()
            )));
        }
        let mut question = format!("This deletes from namespace {namespace}:\n");
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
