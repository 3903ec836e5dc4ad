//! How a command names an existing cluster: positional id, `--cluster-id`,
//! or Flink's `-Dkubernetes.cluster-id` — the three ways users already know —
//! and the Flink options that say where clusters are.

use clap::Args;

/// The Flink options of commands that act on existing clusters: `-D` and
/// the conf dir, read as `session start` reads them, so a cluster is found
/// where it was created.
#[derive(Debug, Clone, Default, Args)]
pub struct FlinkSourceArgs {
    /// Flink options, as in Flink (kubernetes.cluster-id, kubernetes.namespace, kubernetes.config.file, kubernetes.context are honoured)
    #[arg(short = 'D', value_name = "KEY=VALUE", action = clap::ArgAction::Append, help_heading = "Flink")]
    pub dynamic: Vec<String>,
    /// Flink conf dir whose config.yaml may name the namespace or cluster (default: $FLINK_CONF_DIR, then $FLINK_HOME/conf)
    #[arg(long, value_name = "DIR", help_heading = "Flink")]
    pub flink_conf_dir: Option<std::path::PathBuf>,
}

/// The cluster an existing-cluster command acts on.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Cluster id
    #[arg(value_name = "CLUSTER_ID")]
    pub id: Option<String>,
    /// Cluster id, as an option
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,
    #[command(flatten)]
    pub flink: FlinkSourceArgs,
}
