//! `kubectl flink version`

use clap::Args;

/// `kubectl flink version [CLUSTER_ID]`
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  kubectl flink version
  kubectl flink version --client -o json
  kubectl flink version my-session")]
pub struct VersionArgs {
    /// Also the Flink release this cluster runs
    #[arg(value_name = "CLUSTER_ID")]
    pub id: Option<String>,
    /// Only the plugin's version (no cluster is asked)
    #[arg(long)]
    pub client: bool,
    #[command(flatten)]
    pub flink: super::target::FlinkSourceArgs,
}
