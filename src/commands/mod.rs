//! One module per verb, each the same way (kubectl's): an options struct
//! built from the flags and the environment by [`Verb::complete`] (no I/O
//! beyond reading local files), checked by [`Verb::validate`], and run by
//! [`Verb::run`] with the output streams passed in — so a verb runs the same
//! in the binary and in a test.

pub mod app_run;
pub mod attach;
pub mod cleanup;
pub mod complete;
pub mod completion;
pub mod deploy;
pub mod doctor;
pub mod get;
pub mod history;
pub mod jobs;
pub mod logs;
pub mod port_forward;
pub mod rbac_setup;
pub mod report;
pub mod session_start;
pub mod status;
pub mod stop;
pub mod target;
pub mod upgrade;
pub mod version;
pub mod wait;

use crate::cli::{Cli, Command, GlobalArgs, app::AppCommand, session::SessionCommand};
use crate::environment::Environment;
use crate::error::Result;
use crate::flink::spec::DeploymentMode;
use crate::output::Output;

/// A verb: complete, validate, run.
pub trait Verb: Sized {
    /// The verb's own flags (with the command group where it matters).
    type Args;

    /// The options from the flags and the environment.
    fn complete(global: &GlobalArgs, args: Self::Args, env: &Environment) -> Result<Self>;

    /// Checks that need the whole of the options, before anything is sent.
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// Do the work, writing to `output`.
    fn run(self, output: &Output) -> Result<()>;
}

/// Complete, validate and run verb `V`.
pub fn execute<V: Verb>(
    global: &GlobalArgs,
    args: V::Args,
    env: &Environment,
    output: &Output,
) -> Result<()> {
    let verb = V::complete(global, args, env)?;
    verb.validate()?;
    verb.run(output)
}

/// Run the command the user asked for.
pub fn run(cli: Cli, env: &Environment, output: &Output) -> Result<()> {
    use DeploymentMode::{Application, Session};
    use jobs::{CancelOptions, ListOptions, RunOptions, SavepointOptions};
    let global = &cli.global;
    match cli.command {
        Command::Session(session) => match session.command {
            SessionCommand::Start(args) => {
                execute::<session_start::StartOptions>(global, args, env, output)
            }
            SessionCommand::Stop(args) => {
                execute::<stop::StopOptions>(global, (args, Session), env, output)
            }
            SessionCommand::Attach(args) => {
                execute::<attach::AttachOptions>(global, args, env, output)
            }
            SessionCommand::Wait(args) => {
                execute::<wait::WaitOptions>(global, (args, Session), env, output)
            }
            SessionCommand::Run(args) => execute::<RunOptions>(global, args, env, output),
            SessionCommand::List(args) => {
                execute::<ListOptions>(global, (args, Session), env, output)
            }
            SessionCommand::Cancel(args) => {
                execute::<CancelOptions>(global, (args, Session), env, output)
            }
            SessionCommand::Savepoint(args) => {
                execute::<SavepointOptions>(global, (args, Session), env, output)
            }
        },
        Command::App(app) => match app.command {
            AppCommand::Run(args) => execute::<app_run::AppRunOptions>(global, args, env, output),
            AppCommand::Wait(args) => {
                execute::<wait::WaitOptions>(global, (args, Application), env, output)
            }
            AppCommand::Stop(args) => {
                execute::<stop::StopOptions>(global, (args, Application), env, output)
            }
            AppCommand::List(args) => {
                execute::<ListOptions>(global, (args, Application), env, output)
            }
            AppCommand::Cancel(args) => {
                execute::<CancelOptions>(global, (args, Application), env, output)
            }
            AppCommand::Savepoint(args) => {
                execute::<SavepointOptions>(global, (args, Application), env, output)
            }
        },
        Command::Get(args) => execute::<get::GetOptions>(global, args, env, output),
        Command::Status(args) => execute::<status::StatusOptions>(global, args, env, output),
        Command::Logs(args) => execute::<logs::LogsOptions>(global, args, env, output),
        Command::Doctor(args) => execute::<doctor::DoctorOptions>(global, args, env, output),
        Command::Report(args) => execute::<report::ReportOptions>(global, args, env, output),
        Command::Suspend(args) => execute::<history::SuspendOptions>(global, args, env, output),
        Command::Resume(args) => execute::<history::ResumeOptions>(global, args, env, output),
        Command::History(args) => execute::<history::HistoryOptions>(global, args, env, output),
        Command::Upgrade(args) => execute::<upgrade::UpgradeOptions>(global, args, env, output),
        Command::Cleanup(args) => execute::<cleanup::CleanupOptions>(global, args, env, output),
        Command::PortForward(args) => {
            execute::<port_forward::PortForwardOptions>(global, args, env, output)
        }
        Command::RbacSetup(args) => {
            execute::<rbac_setup::RbacSetupOptions>(global, args, env, output)
        }
        Command::Version(args) => execute::<version::VersionOptions>(global, args, env, output),
        Command::Completion(args) => {
            execute::<completion::CompletionOptions>(global, args, env, output)
        }
    }
}

/// From now on, Ctrl-C ends the command with exit 130 after saying what it
/// leaves (`message`); for steps past the point where rolling back is
/// possible. Call inside the runtime.
pub fn exit_on_interrupt(output: &Output, message: String) {
    let output = output.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            exit_interrupted(&output, &message);
        }
    });
}

/// End the command after Ctrl-C, with exit 130, saying what it leaves.
pub fn exit_interrupted(output: &Output, message: &str) -> ! {
    output.err_text("\n");
    output.warn(message);
    std::process::exit(130);
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

/// [`block_on`] for work that gives a value; None when no runtime starts.
pub fn block_on_value<F: std::future::Future>(future: F) -> Option<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    Some(runtime.block_on(future))
}

#[cfg(test)]
mod tests;
