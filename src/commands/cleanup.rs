//! `kubectl flink cleanup`: everything a cluster left behind, including the
//! HA ConfigMaps that `kubectl delete deployment` and Flink's own `stop` keep.

use super::block_on;
use super::target;
use crate::cli::GlobalArgs;
use crate::cli::cleanup::CleanupArgs;
use crate::cluster::changes::{Action, Change, ObjectRef};
use crate::cluster::cleanup;
use crate::error::{Error, Result};
use crate::output::{changes, style};
use std::io::{BufRead, IsTerminal, Write};

/// Run `kubectl flink cleanup`.
pub fn run(global: &GlobalArgs, args: CleanupArgs) -> Result<()> {
    changes::check_format("cleanup", global.output).map_err(Error::Usage)?;
    let options = target::complete(global, &args.target)?;
    block_on(async {
        let target = target::connect(options).await?;
        let client = &target.connection.client;
        let (namespace, id) = (&target.namespace, &target.cluster_id);
        let leftovers = cleanup::find(client, namespace, id).await?;
        if leftovers.is_empty() {
            style::print_note(&format!(
                "Nothing of Flink cluster {id} is left in namespace {namespace}."
            ));
            return Ok(());
        }
        let objects = leftovers.all();
        let deleted = |objects: &[ObjectRef]| -> Vec<Change> {
            objects
                .iter()
                .map(|object| Change {
                    object: object.clone(),
                    action: Action::Deleted,
                })
                .collect()
        };
        if args.dry_run.is_some() {
            return print(&changes::render(&deleted(&objects), global.output, true));
        }
        if !args.yes {
            confirm(id, namespace, &objects)?;
        }
        if leftovers.deployment.is_some() {
            cleanup::remove_deployment(client, namespace, id, args.timeout).await?;
        }
        let unowned: Vec<ObjectRef> = leftovers
            .unowned
            .iter()
            .chain(&leftovers.high_availability)
            .cloned()
            .collect();
        cleanup::remove_objects(client, namespace, &unowned).await?;
        print(&changes::render(&deleted(&objects), global.output, false))?;
        if let Some(dir) = &leftovers.ha_storage_dir {
            style::print_note(&format!(
                "HA data outside Kubernetes is not touched: remove {dir}/{id} (and the job result store there) yourself if you no longer need it."
            ));
        }
        Ok(())
    })
}

/// Ask on a terminal; without one, `--yes` is required. Declining is the
/// user's choice, not a failure: it ends quietly with exit code 1.
fn confirm(id: &str, namespace: &str, objects: &[ObjectRef]) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "cleanup deletes {} objects of {id} in namespace {namespace}: add --yes to confirm (or --dry-run=client to list them)",
            objects.len()
        )));
    }
    eprintln!("This deletes from namespace {namespace}:");
    for object in objects {
        eprintln!("  {object}");
    }
    eprint!("Continue? [y/N] ");
    let _ = std::io::stderr().flush();
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

fn print(text: &str) -> Result<()> {
    crate::output::write_stdout(text)
        .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}
