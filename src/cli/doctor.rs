//! `kubectl flink doctor`

use clap::Args;

/// `kubectl flink doctor [ID] [-D …]`
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Checks, for the next `session start` / `app run` with these options (or for an existing
cluster): your rights, the JobManager's service account and its rights, image pull secrets,
ResourceQuota and LimitRange headroom for the JobManager and the TaskManagers the job needs
(parallelism / slots), and nodes for the node selector. Exits 1 when something blocks.

Examples:
  kubectl flink doctor -n flink -Dkubernetes.service-account=flink
  kubectl flink doctor my-session -Dparallelism.default=8 -o json")]
pub struct DoctorArgs {
    /// Cluster id (an existing cluster is also diagnosed)
    #[arg(value_name = "CLUSTER_ID")]
    pub id: Option<String>,
    #[command(flatten)]
    pub flink: super::flink::FlinkConfigArgs,
}
