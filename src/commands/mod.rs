//! One module per verb: each turns clap's arguments into plain options
//! (`complete`), checks them, and runs.

pub mod app_run;
pub mod deploy;
pub mod session_start;
pub mod version;

use crate::cli::{Cli, Command, app::AppCommand, session::SessionCommand};
use crate::error::Result;

/// Run the command the user asked for.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Session(session) => match session.command {
            SessionCommand::Start(args) => session_start::run(&cli.global, args),
        },
        Command::App(app) => match app.command {
            AppCommand::Run(args) => app_run::run(&cli.global, args),
        },
        Command::Version => version::run(&cli.global),
    }
}
