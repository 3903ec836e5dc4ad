//! `kubectl flink cleanup`: everything a cluster left behind, including the
//! HA ConfigMaps that `kubectl delete deployment` and Flink's own `stop` keep.

use super::block_on;
use super::target;
use crate::cli::GlobalArgs;
use crate::cli::cleanup::CleanupArgs;
use crate::cluster::cleanup;
use crate::error::{Error, Result};
use crate::output::style;
use std::io::{BufRead, IsTerminal, Write};

/// Run `kubectl flink cleanup`.
pub fn run(global: &GlobalArgs, args: CleanupArgs) -> Result<()> {
    let options = target::complete(global, &args.target)?;
    block_on(async {
        let target = target::connect(options).await?;
        let client = &target.connection.client;
        let (namespace, id) = (&target.namespace, &target.cluster_id);
        let leftovers = cleanup::find(client, namespace, id).await?;
        if leftovers.is_empty() {
            return print(&format!(
                "Nothing of Flink cluster {id} is left in namespace {namespace}.\n"
            ));
        }
        let listing: String = leftovers.all().iter().map(|o| format!("{o}\n")).collect();
        if args.dry_run.is_some() {
            return print(&listing);
        }
        if !args.yes && !confirm(id, namespace, &leftovers.all())? {
            return Err(Error::Failed("nothing was deleted".into()));
        }
        cleanup::remove(client, namespace, id, &leftovers, args.timeout).await?;
        if let Some(dir) = &leftovers.ha_storage_dir {
            style::print_note(&format!(
                "HA data outside Kubernetes is not touched: remove {dir}/{id} (and the job result store there) yourself if you no longer need it."
            ));
        }
        print(&format!(
            "{listing}Flink cluster {id} cleaned up in namespace {namespace}.\n"
        ))
    })
}

/// Ask on a terminal; without one, `--yes` is required.
fn confirm(id: &str, namespace: &str, objects: &[String]) -> Result<bool> {
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
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn print(text: &str) -> Result<()> {
    crate::output::write_stdout(text)
        .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}
