//! `kubectl flink session start`: a session cluster, as `kubernetes-session.sh` creates it.

use super::deploy::{self, Environment};
use crate::cli::GlobalArgs;
use crate::cli::session::SessionStartArgs;
use crate::error::Result;
use crate::flink::spec::DeploymentMode;

/// Run `kubectl flink session start`.
pub fn run(global: &GlobalArgs, args: SessionStartArgs) -> Result<()> {
    let mut options = deploy::complete(
        global,
        &args.flink,
        DeploymentMode::Session,
        args.id.or(args.cluster_id),
        None,
        args.dry_run,
        &Environment::from_process(),
    )?;
    options.wait = args.wait.wait;
    options.timeout = args.wait.timeout;
    options.attached = args.attached;
    deploy::run(options)
}
