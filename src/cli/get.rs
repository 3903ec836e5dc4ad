//! `kubectl flink get`

use clap::Args;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  kubectl flink get
  kubectl flink get my-session -o yaml
  kubectl flink get my-session my-app
  kubectl flink get -A -o wide")]
/// `kubectl flink get`: one cluster or all, in a namespace or all.
pub struct GetArgs {
    /// Only these clusters
    #[arg(value_name = "CLUSTER_ID")]
    pub ids: Vec<String>,
    /// Clusters in every namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    #[command(flatten)]
    pub flink: super::target::FlinkSourceArgs,
}
