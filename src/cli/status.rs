//! `kubectl flink status`

use clap::Args;

/// `kubectl flink status ID`
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  kubectl flink status my-session
  kubectl flink status my-app -o json
  kubectl flink status my-session --watch")]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// Show it again every few seconds until Ctrl-C
    #[arg(short = 'w', long)]
    pub watch: bool,
}
