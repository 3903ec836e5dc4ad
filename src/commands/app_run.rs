//! `kubectl flink app run`: an application cluster, as
//! `flink run --target kubernetes-application` creates it.

use super::Verb;
use super::deploy::{self, DeployOptions};
use crate::cli::GlobalArgs;
use crate::cli::app::AppRunArgs;
use crate::cli::program::{misplaced_flag, misplaced_flag_message};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::program::{self, Program};
use crate::flink::spec::DeploymentMode;
use crate::output::Output;

/// `app run`, completed: the rendered cluster and how to deploy it.
#[derive(Debug)]
pub struct AppRunOptions(pub DeployOptions);

/// The job `app run` was asked to run, its jar URI checked (and a warning
/// about it, if any).
pub fn program(args: &AppRunArgs) -> Result<(Program, Option<String>)> {
    if let Some(flag) = misplaced_flag(&["app", "run"], &args.args, args.args_escaped) {
        return Err(Error::Usage(misplaced_flag_message(&flag)));
    }
    let warning = program::check_jar_uri(&args.jar).map_err(Error::Usage)?;
    let program = Program {
        jar_uri: args.jar.clone(),
        claim_mode: args.program.claim_mode_name(),
        entry_class: args.program.class.clone(),
        parallelism: args.program.parallelism,
        args: args.args.clone(),
        savepoint_path: args.program.from_savepoint.clone(),
        allow_non_restored_state: args.program.allow_non_restored_state,
        detached: args.detached,
    };
    Ok((program, warning))
}

/// Everything `app run` needs before talking to a cluster (used by the
/// binary and by the parity tests, so both take the same path).
pub fn complete(
    global: &GlobalArgs,
    args: &AppRunArgs,
    env: &Environment,
) -> Result<DeployOptions> {
    let (program, warning) = program(args)?;
    let mut options = deploy::complete(
        global,
        &args.flink,
        DeploymentMode::Application,
        args.cluster_id.clone(),
        Some(program),
        args.dry_run,
        env,
    )?;
    options.warnings.extend(warning);
    options.wait = args.wait.wait;
    options.timeout = args.wait.timeout;
    Ok(options)
}

impl Verb for AppRunOptions {
    type Args = AppRunArgs;

    fn complete(global: &GlobalArgs, args: AppRunArgs, env: &Environment) -> Result<Self> {
        complete(global, &args, env).map(AppRunOptions)
    }

    fn validate(&self) -> Result<()> {
        self.0.validate()
    }

    fn run(self, output: &Output) -> Result<()> {
        self.0.run(output)
    }
}
