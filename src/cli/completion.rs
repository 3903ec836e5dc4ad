//! `kubectl flink completion`

use clap::{Args, Subcommand};

/// `kubectl flink completion SHELL|install`
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # Completion for `kubectl flink …` (kubectl 1.26+ asks the plugin): once, beside the binary
  kubectl flink completion install

  # Completion for `kubectl-flink …` itself
  source <(kubectl flink completion bash)
  kubectl flink completion zsh > \"${fpath[1]}/_kubectl-flink\"
  kubectl flink completion fish > ~/.config/fish/completions/kubectl-flink.fish")]
pub struct CompletionArgs {
    #[command(subcommand)]
    pub command: CompletionCommand,
}

/// What to write.
#[derive(Debug, Clone, Subcommand)]
pub enum CompletionCommand {
    /// The bash completion script for kubectl-flink
    Bash,
    /// The zsh completion script for kubectl-flink
    Zsh,
    /// The fish completion script for kubectl-flink
    Fish,
    /// The PowerShell completion script for kubectl-flink
    Powershell,
    /// Write `kubectl_complete-flink` beside the binary, so that kubectl completes `kubectl flink …` (krew cannot install it)
    Install {
        /// Where to write it (default: the directory of this binary)
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}
