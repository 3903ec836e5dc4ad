//! The attached console of a session cluster, as in Flink's
//! `kubernetes-session.sh -Dexecution.attached=true`: `help`, `stop`
//! (graceful shutdown, then wait until the cluster is gone) and `quit`;
//! end of input (Ctrl-D) detaches. Commands come from stdin, so
//! `echo stop | kubectl flink session attach ID` works in scripts.

use super::block_on;
use super::target::{self, ClusterTarget};
use crate::cli::GlobalArgs;
use crate::cli::session::SessionAttachArgs;
use crate::error::{Error, Result};
use crate::flink::spec::DeploymentMode;
use std::io::IsTerminal;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

const HELP: &str = "Available commands:\nhelp - show these commands\nstop - stop the Flink cluster\nquit - quit attach mode (the cluster keeps running)";

/// How long `stop` in the console waits for the cluster to be gone.
const STOP_TIMEOUT: Duration = Duration::from_secs(300);
/// How long the JobManager gets to remove its own Deployment.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// Run `kubectl flink session attach`.
pub fn run(global: &GlobalArgs, args: SessionAttachArgs) -> Result<()> {
    let options = target::complete(global, &args.target)?;
    block_on(async {
        let target = target::connect(options).await?;
        let deployment = crate::cluster::inventory::require_cluster(&target).await?;
        console(
            &target,
            crate::cluster::inventory::cluster_mode(&deployment),
        )
        .await
    })
}

/// Read console commands until `stop`, `quit` or end of input.
pub async fn console(target: &ClusterTarget, mode: DeploymentMode) -> Result<()> {
    let interactive = std::io::stdin().is_terminal();
    eprintln!(
        "Attached to Flink {} cluster {} in namespace {}. Type help for commands; quit or Ctrl-D detaches.",
        super::deploy::mode_word(mode),
        target.cluster_id,
        target.namespace
    );
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    loop {
        if interactive {
            eprint!("flink> ");
        }
        let line = lines
            .next_line()
            .await
            .map_err(|e| Error::Failed(format!("cannot read commands from stdin: {e}")))?;
        let Some(line) = line else {
            eprintln!(
                "Detached; the cluster keeps running. Re-attach with `kubectl flink session attach {}`.",
                target.cluster_id
            );
            return Ok(());
        };
        match line.trim() {
            "" => {}
            "help" => eprintln!("{HELP}"),
            "quit" => {
                eprintln!("Detached; the cluster keeps running.");
                return Ok(());
            }
            "stop" => {
                return super::stop::stop_cluster(target, STOP_GRACE, STOP_TIMEOUT, None).await;
            }
            other => eprintln!("Unknown command '{other}'. Showing help:\n{HELP}"),
        }
    }
}
