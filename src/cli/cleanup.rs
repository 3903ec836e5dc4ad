//! `kubectl flink cleanup`

use super::flink::DryRun;
use clap::Args;

#[derive(Debug, Args)]
#[command(after_help = "\
Removes the Deployment and all it owns, TaskManager pods, and the HA ConfigMaps
(<id>-cluster-config-map, <id>-<job>-config-map) that Flink keeps after a cluster is
deleted, so that a new cluster with the same id starts fresh.

With --orphans: HA ConfigMaps and TaskManager pods whose cluster's Deployment is gone
(in the namespace, or in all with -A).

Examples:
  kubectl flink cleanup my-session --dry-run=client   # list what would go
  kubectl flink cleanup my-session --yes
  kubectl flink cleanup --orphans -A --dry-run=client")]
/// `kubectl flink cleanup`: which cluster, and how carefully.
pub struct CleanupArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Only list what would be deleted
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<DryRun>,
    /// Instead of one cluster: what clusters whose Deployment is gone left (HA ConfigMaps, TaskManager pods)
    #[arg(long)]
    pub orphans: bool,
    /// With --orphans: in every namespace
    #[arg(short = 'A', long, requires = "orphans")]
    pub all_namespaces: bool,
    /// How long to wait for the Deployment and what it owns to be gone
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = super::duration::parse_duration)]
    pub timeout: std::time::Duration,
}
