//! `kubectl flink session start`: a session cluster, as `kubernetes-session.sh` creates it.

use super::deploy::{self, DeployOptions, Environment};
use crate::cli::GlobalArgs;
use crate::cli::session::SessionStartArgs;
use crate::error::Result;
use crate::flink::spec::DeploymentMode;

/// Everything `session start` needs before talking to a cluster (used by
/// the binary and by the parity tests, so both take the same path).
pub fn complete(
    global: &GlobalArgs,
    args: &SessionStartArgs,
    env: &Environment,
) -> Result<DeployOptions> {
    let mut options = deploy::complete(
        global,
        &args.flink,
        DeploymentMode::Session,
        args.id.clone().or(args.cluster_id.clone()),
        None,
        args.dry_run,
        env,
    )?;
    options.wait = args.wait.wait;
    options.timeout = args.wait.timeout;
    options.attached = args.attached;
    Ok(options)
}

/// Run `kubectl flink session start`.
pub fn run(global: &GlobalArgs, args: SessionStartArgs) -> Result<()> {
    deploy::run(complete(global, &args, &Environment::from_process())?)
}
