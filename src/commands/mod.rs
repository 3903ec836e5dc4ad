//! One module per verb: each turns clap's arguments into plain options
//! (`complete`), checks them, and runs.

pub mod app_run;
pub mod attach;
pub mod cleanup;
pub mod deploy;
pub mod get;
pub mod jobs;
pub mod port_forward;
pub mod rbac_setup;
pub mod session_start;
pub mod stop;
pub mod target;
pub mod version;
pub mod wait;

use crate::cli::{Cli, Command, app::AppCommand, session::SessionCommand};
use crate::error::Result;
use crate::flink::spec::DeploymentMode;

/// Run the command the user asked for.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Session(session) => match session.command {
            SessionCommand::Start(args) => session_start::run(&cli.global, args),
            SessionCommand::Stop(args) => stop::run(&cli.global, args, DeploymentMode::Session),
            SessionCommand::Attach(args) => attach::run(&cli.global, args),
            SessionCommand::Wait(args) => wait::run(&cli.global, args, DeploymentMode::Session),
            SessionCommand::Run(args) => jobs::run(&cli.global, args),
            SessionCommand::List(args) => jobs::list(&cli.global, args, jobs::ClusterKind::Session),
            SessionCommand::Cancel(args) => {
                jobs::cancel(&cli.global, args, jobs::ClusterKind::Session)
            }
            SessionCommand::Savepoint(args) => {
                jobs::savepoint(&cli.global, args, jobs::ClusterKind::Session)
            }
        },
        Command::App(app) => match app.command {
            AppCommand::Run(args) => app_run::run(&cli.global, args),
            AppCommand::Wait(args) => wait::run(&cli.global, args, DeploymentMode::Application),
            AppCommand::Stop(args) => stop::run(&cli.global, args, DeploymentMode::Application),
            AppCommand::List(args) => jobs::list(&cli.global, args, jobs::ClusterKind::Application),
            AppCommand::Cancel(args) => {
                jobs::cancel(&cli.global, args, jobs::ClusterKind::Application)
            }
            AppCommand::Savepoint(args) => {
                jobs::savepoint(&cli.global, args, jobs::ClusterKind::Application)
            }
        },
        Command::Get(args) => get::run(&cli.global, args),
        Command::Cleanup(args) => cleanup::run(&cli.global, args),
        Command::PortForward(args) => port_forward::run(&cli.global, args),
        Command::RbacSetup(args) => rbac_setup::run(&cli.global, args),
        Command::Version => version::run(&cli.global),
    }
}

/// Run async cluster work on a small runtime created only for commands that
/// talk to a cluster (dry runs and `--help` never start one).
pub fn block_on<F>(future: F) -> Result<()>
where
    F: std::future::Future<Output = Result<()>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::error::Error::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(future)
}
