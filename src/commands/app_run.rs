//! `kubectl flink app run`: an application cluster, as
//! `flink run --target kubernetes-application` creates it.

use super::deploy::{self, Environment};
use crate::cli::GlobalArgs;
use crate::cli::app::AppRunArgs;
use crate::error::{Error, Result};
use crate::flink::program::{self, Program};
use crate::flink::spec::DeploymentMode;

/// Run `kubectl flink app run`.
pub fn run(global: &GlobalArgs, args: AppRunArgs) -> Result<()> {
    program::check_jar_uri(&args.jar).map_err(Error::Usage)?;
    let wait = args.wait.clone();
    let program = Program {
        jar_uri: args.jar,
        claim_mode: args.program.claim_mode_name(),
        entry_class: args.program.class,
        parallelism: args.program.parallelism,
        args: args.args,
        savepoint_path: args.program.from_savepoint,
        allow_non_restored_state: args.program.allow_non_restored_state,
        detached: args.detached,
    };
    let mut options = deploy::complete(
        global,
        &args.flink,
        DeploymentMode::Application,
        args.cluster_id,
        Some(program),
        args.dry_run,
        &Environment::from_process(),
    )?;
    options.wait = wait.wait;
    options.timeout = wait.timeout;
    deploy::run(options)
}
