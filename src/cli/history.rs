//! `kubectl flink suspend`, `resume` and `history`

use clap::Args;
use std::time::Duration;

/// `kubectl flink suspend ID`
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Stops every running job with a savepoint, records the savepoints and the cluster's objects
in ConfigMap kubectl-flink-history-<id>, and removes the cluster; `resume` brings it back.

Examples:
  kubectl flink suspend my-app
  kubectl flink suspend my-session --directory s3://savepoints/my-session")]
pub struct SuspendArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// Where the savepoints go (default: the cluster's execution.checkpointing.savepoint-dir)
    #[arg(long, value_name = "DIR")]
    pub directory: Option<String>,
    /// How long each savepoint, and the removal, may take
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = super::duration::parse_duration)]
    pub timeout: Duration,
}

/// `kubectl flink resume ID`
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  kubectl flink resume my-app                       # from the savepoint of the last suspend
  kubectl flink resume my-app --from s3://savepoints/savepoint-1a2b --wait")]
pub struct ResumeArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// `latest` (the savepoint of the last suspend) or a savepoint path
    #[arg(long, value_name = "latest|PATH", default_value = "latest")]
    pub from: String,
    #[command(flatten)]
    pub wait: super::session::WaitArgs,
}

/// `kubectl flink history ID`
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
}
