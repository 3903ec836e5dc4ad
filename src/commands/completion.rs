//! `kubectl flink completion`: static scripts for `kubectl-flink` (clap's),
//! and `install`, which writes the `kubectl_complete-flink` executable that
//! kubectl (1.26+) runs to complete `kubectl flink …`.

use super::Verb;
use crate::cli::completion::{CompletionArgs, CompletionCommand};
use crate::cli::{Cli, GlobalArgs};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::output::Output;
use std::path::PathBuf;

/// The executable kubectl looks for on PATH to complete `kubectl flink`.
pub const KUBECTL_COMPLETION_EXECUTABLE: &str = "kubectl_complete-flink";

/// `completion`, completed.
#[derive(Debug, Clone, PartialEq)]
pub enum CompletionOptions {
    Script(clap_complete::Shell),
    /// Write the kubectl completion executable into this directory.
    Install(PathBuf),
}

impl Verb for CompletionOptions {
    type Args = CompletionArgs;

    fn complete(global: &GlobalArgs, args: CompletionArgs, env: &Environment) -> Result<Self> {
        if global.output.is_some() {
            return Err(Error::Usage(
                "-o does not apply to completion: it prints a shell script".into(),
            ));
        }
        use clap_complete::Shell;
        Ok(match args.command {
            CompletionCommand::Bash => CompletionOptions::Script(Shell::Bash),
            CompletionCommand::Zsh => CompletionOptions::Script(Shell::Zsh),
            CompletionCommand::Fish => CompletionOptions::Script(Shell::Fish),
            CompletionCommand::Powershell => CompletionOptions::Script(Shell::PowerShell),
            CompletionCommand::Install { dir } => {
                let dir = match dir {
                    Some(dir) => dir,
                    None => env.executable_dir.clone().ok_or_else(|| {
                        Error::Usage(
                            "cannot tell where kubectl-flink is installed: pass --dir".into(),
                        )
                    })?,
                };
                CompletionOptions::Install(dir)
            }
        })
    }

    fn run(self, output: &Output) -> Result<()> {
        match self {
            CompletionOptions::Script(shell) => {
                use clap::CommandFactory;
                let mut script = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "kubectl-flink", &mut script);
                Ok(output.print(&String::from_utf8_lossy(&script))?)
            }
            CompletionOptions::Install(dir) => {
                let path = dir.join(KUBECTL_COMPLETION_EXECUTABLE);
                write_executable(&path, COMPLETION_SCRIPT).map_err(|e| {
                    Error::Failed(format!(
                        "cannot write {}: {e}: choose a directory on PATH that you can write with --dir",
                        path.display()
                    ))
                })?;
                output.print(&format!("{}\n", path.display()))?;
                output.note(
                    "kubectl completes `kubectl flink …` through it when its directory is on PATH (kubectl 1.26+ and kubectl's own completion enabled: `source <(kubectl completion bash)`).",
                );
                Ok(())
            }
        }
    }
}

/// What kubectl runs: our completion entry point with kubectl's arguments.
const COMPLETION_SCRIPT: &str = "#!/bin/sh\n# Written by `kubectl flink completion install`: kubectl runs this to complete `kubectl flink …`.\nexec kubectl-flink __complete \"$@\"\n";

fn write_executable(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}
