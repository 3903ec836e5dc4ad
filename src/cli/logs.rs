//! `kubectl flink logs`

use clap::Args;

/// `kubectl flink logs ID`
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  kubectl flink logs my-session
  kubectl flink logs my-session -f --taskmanagers
  kubectl flink logs my-app --since 10m --tail 100 --timestamps
  kubectl flink logs my-app --jobmanager --previous")]
pub struct LogsArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// Keep streaming: new TaskManagers are followed as they appear
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only the JobManager
    #[arg(long, conflicts_with = "taskmanagers")]
    pub jobmanager: bool,
    /// Only the TaskManagers
    #[arg(long)]
    pub taskmanagers: bool,
    /// Only lines newer than this (5s, 2m, 3h)
    #[arg(long, value_name = "DURATION", value_parser = super::duration::parse_duration)]
    pub since: Option<std::time::Duration>,
    /// The last N lines of each pod
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,
    /// The previous container's log (after a restart)
    #[arg(short = 'p', long)]
    pub previous: bool,
    /// Prefix each line with its timestamp
    #[arg(long)]
    pub timestamps: bool,
}
