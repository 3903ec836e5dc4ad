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
    /// Flink options, as in Flink (kubernetes.namespace, kubernetes.config.file, kubernetes.context are honoured)
    #[arg(short = 'D', value_name = "KEY=VALUE", action = clap::ArgAction::Append, help_heading = "Flink")]
    pub dynamic: Vec<String>,
    /// Flink conf dir whose config.yaml may name the namespace (default: $FLINK_CONF_DIR, then $FLINK_HOME/conf)
    #[arg(long, value_name = "DIR", help_heading = "Flink")]
    pub flink_conf_dir: Option<std::path::PathBuf>,
}
