//! `kubectl flink session start`: a session cluster, as `kubernetes-session.sh` creates it.

use super::Verb;
use super::deploy::{self, DeployOptions};
use crate::cli::GlobalArgs;
use crate::cli::session::SessionStartArgs;
use crate::environment::Environment;
use crate::error::Result;
use crate::flink::spec::DeploymentMode;
use crate::output::Output;

/// `session start`, completed: the rendered cluster and how to deploy it.
#[derive(Debug)]
pub struct StartOptions(pub DeployOptions);

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

impl Verb for StartOptions {
    type Args = SessionStartArgs;

    fn complete(global: &GlobalArgs, args: SessionStartArgs, env: &Environment) -> Result<Self> {
        complete(global, &args, env).map(StartOptions)
    }

    fn validate(&self) -> Result<()> {
        self.0.validate()
    }

    fn run(self, output: &Output) -> Result<()> {
        self.0.run(output)
    }
}
