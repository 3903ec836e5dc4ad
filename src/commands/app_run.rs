//! `kubectl flink app run`: an application cluster, as
//! `flink run --target kubernetes-application` creates it.

use super::deploy::{self, DeployOptions, Environment};
use crate::cli::GlobalArgs;
use crate::cli::app::AppRunArgs;
use crate::cli::program::{misplaced_flag, misplaced_flag_message};
use crate::error::{Error, Result};
use crate::flink::program::{self, Program};
use crate::flink::spec::DeploymentMode;

/// The job `app run` was asked to run, its jar URI checked.
pub fn program(args: &AppRunArgs) -> Result<Program> {
    if let Some(flag) = misplaced_flag(&["app", "run"], &args.args, args.args_escaped) {
        return Err(Error::Usage(misplaced_flag_message(&flag)));
    }
    if let Some(warning) = program::check_jar_uri(&args.jar).map_err(Error::Usage)? {
        crate::output::style::print_warning(&warning);
    }
    Ok(Program {
        jar_uri: args.jar.clone(),
        claim_mode: args.program.claim_mode_name(),
        entry_class: args.program.class.clone(),
        parallelism: args.program.parallelism,
        args: args.args.clone(),
        savepoint_path: args.program.from_savepoint.clone(),
        allow_non_restored_state: args.program.allow_non_restored_state,
        detached: args.detached,
    })
}

/// Everything `app run` needs before talking to a cluster (used by the
/// binary and by the parity tests, so both take the same path).
pub fn complete(
    global: &GlobalArgs,
    args: &AppRunArgs,
    env: &Environment,
) -> Result<DeployOptions> {
    let mut options = deploy::complete(
        global,
        &args.flink,
        DeploymentMode::Application,
        args.cluster_id.clone(),
        Some(program(args)?),
        args.dry_run,
        env,
    )?;
    options.wait = args.wait.wait;
    options.timeout = args.wait.timeout;
    Ok(options)
}

/// Run `kubectl flink app run`.
pub fn run(global: &GlobalArgs, args: AppRunArgs) -> Result<()> {
    deploy::run(complete(global, &args, &Environment::from_process())?)
}
