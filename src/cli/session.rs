//! `kubectl flink session …`

use super::flink::{DryRun, FlinkConfigArgs};
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct SessionArgs {
    #[command(subcommand)]
    pub command: SessionCommand,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Start a session cluster (like Flink's kubernetes-session.sh)
    #[command(after_help = "\
Examples:
  kubectl flink session start my-session
  kubectl flink session start my-session -Dtaskmanager.numberOfTaskSlots=4 -Dkubernetes.container.image.ref=my/flink:2.3
  kubectl flink session start --dry-run=client -o yaml | kubectl apply -f -")]
    Start(SessionStartArgs),
}

#[derive(Debug, Args)]
pub struct SessionStartArgs {
    /// Cluster id (names every object; default: a generated flink-cluster-… id)
    #[arg(value_name = "CLUSTER_ID", conflicts_with = "cluster_id")]
    pub id: Option<String>,
    /// Cluster id, as an option (same as -Dkubernetes.cluster-id)
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,
    #[command(flatten)]
    pub flink: FlinkConfigArgs,
    /// Only print the objects (-o yaml or json) instead of creating them
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<DryRun>,
}
