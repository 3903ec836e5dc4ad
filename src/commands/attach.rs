//! The attached console of a session cluster, as in Flink's
//! `kubernetes-session.sh -Dexecution.attached=true`: `help`, `stop`
//! (graceful shutdown, then wait until the cluster is gone) and `quit`;
//! end of input (Ctrl-D) detaches. Commands come from stdin, so
//! `echo stop | kubectl flink session attach ID` works in scripts.

use super::target::{self, ClusterTarget, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::session::SessionAttachArgs;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::spec::DeploymentMode;
use crate::output::Output;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

const HELP: &str = "Available commands:\nhelp - show these commands\nstop - stop the Flink cluster\nquit - quit attach mode (the cluster keeps running)";

/// How long `stop` in the console waits for the cluster to be gone.
const STOP_TIMEOUT: Duration = Duration::from_secs(300);
/// How long the JobManager gets to remove its own Deployment.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// `session attach`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachOptions {
    pub target: TargetOptions,
    /// stdin is a terminal: show a prompt.
    pub interactive: bool,
}

impl Verb for AttachOptions {
    type Args = SessionAttachArgs;

    fn complete(global: &GlobalArgs, args: SessionAttachArgs, env: &Environment) -> Result<Self> {
        if global.output.is_some() {
            return Err(Error::Usage(
                "-o does not apply to session attach: it is an interactive console".into(),
            ));
        }
        Ok(AttachOptions {
            target: target::complete(global, &args.target, env)?,
            interactive: env.terminal.stdin,
        })
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
            let deployment = crate::cluster::inventory::require_cluster(&target).await?;
            let mode = crate::cluster::inventory::cluster_mode(&deployment);
            console(&target, mode, self.interactive, output).await
        })
    }
}

/// Read console commands from stdin until `stop`, `quit` or end of input.
pub async fn console(
    target: &ClusterTarget,
    mode: DeploymentMode,
    interactive: bool,
    output: &Output,
) -> Result<()> {
    output.err_text(&format!(
        "Attached to Flink {} cluster {} in namespace {}. Type help for commands; quit or Ctrl-D detaches.\n",
        mode.word(),
        target.cluster_id,
        target.namespace
    ));
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    loop {
        if interactive {
            output.err_text("flink> ");
        }
        let line = lines
            .next_line()
            .await
            .map_err(|e| Error::Failed(format!("cannot read commands from stdin: {e}")))?;
        let Some(line) = line else {
            output.err_text(&format!(
                "Detached; the cluster keeps running. Re-attach with `{}`.\n",
                target.connection.suggest.flink(&format!(
                    "session attach {} -n {}",
                    target.cluster_id, target.namespace
                ))
            ));
            return Ok(());
        };
        match line.trim() {
            "" => {}
            "help" => output.err_text(&format!("{HELP}\n")),
            "quit" => {
                output.err_text("Detached; the cluster keeps running.\n");
                return Ok(());
            }
            "stop" => {
                return super::stop::stop_cluster(target, STOP_GRACE, STOP_TIMEOUT, None, output)
                    .await;
            }
            other => output.err_text(&format!(
                "Unknown command '{other}'. Showing help:\n{HELP}\n"
            )),
        }
    }
}
