//! `kubectl flink session …`

use super::flink::{DryRun, FlinkConfigArgs};
use clap::{Args, Subcommand};

/// `kubectl flink session`: session clusters and their jobs.
#[derive(Debug, Args)]
pub struct SessionArgs {
    #[command(subcommand)]
    pub command: SessionCommand,
}

/// The verbs under `session`.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Start a session cluster (like Flink's kubernetes-session.sh)
    #[command(after_help = "\
Examples:
  kubectl flink session start my-session
  kubectl flink session start my-session -Dtaskmanager.numberOfTaskSlots=4 -Dkubernetes.container.image.ref=my/flink:2.3
  kubectl flink session start --dry-run=client -o yaml | kubectl apply -f -")]
    Start(SessionStartArgs),
    /// Stop a session cluster gracefully (Flink's DELETE /cluster), then wait until it is gone
    #[command(after_help = "\
Falls back to deleting the JobManager Deployment when Flink's REST API cannot be reached.

Examples:
  kubectl flink session stop my-session
  kubectl flink session stop my-session -n flink --timeout 5m")]
    Stop(SessionStopArgs),
    /// Wait until a session cluster's REST API answers (after a start without --wait, or one that timed out)
    #[command(after_help = "\
Examples:
  kubectl flink session wait my-session
  kubectl flink session wait my-session --timeout 10m")]
    Wait(ClusterWaitArgs),
    /// Attach a console to a running session cluster (help, stop, quit; Ctrl-D detaches)
    #[command(after_help = "\
Commands are read from stdin, so this also works in scripts:
  echo stop | kubectl flink session attach my-session")]
    Attach(SessionAttachArgs),
    /// Upload a local jar to a session cluster and run it; prints the job id
    #[command(after_help = "\
Examples:
  kubectl flink session run my-session -c com.example.Etl -p 4 ./target/etl.jar --date 2026-11-27
  kubectl flink session run my-session -s s3://savepoints/sp-1 --allow-non-restored-state ./etl.jar

From the jar on, everything is passed to the job's main(): put options before it. A kubectl-flink
flag after the jar is refused; put -- before the job's arguments to pass such a flag on.")]
    Run(super::jobs::JobRunArgs),
    /// List the jobs of a session cluster (running and scheduled; -a for all)
    #[command(after_help = "\
Examples:
  kubectl flink session list my-session
  kubectl flink session list my-session -a -o wide
  kubectl flink session list my-session -o name")]
    List(super::jobs::JobListArgs),
    /// Cancel a job of a session cluster
    #[command(after_help = "\
Examples:
  kubectl flink session cancel my-session 3f2a9c1e0b7d4e5f8a6b2c1d0e9f8a7b")]
    Cancel(super::jobs::JobCancelArgs),
    /// Take a savepoint of a job (--stop: stop the job with it); prints the savepoint path
    #[command(after_help = "\
Examples:
  kubectl flink session savepoint my-session 3f2a9c1e0b7d4e5f8a6b2c1d0e9f8a7b
  kubectl flink session savepoint my-session $JOB s3://savepoints/etl --stop --timeout 10m")]
    Savepoint(super::jobs::JobSavepointArgs),
}

/// `kubectl flink session start`: flags as `kubernetes-session.sh` takes them, plus waiting and attaching.
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
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Stay attached with a console after starting (same as -Dexecution.attached=true)
    #[arg(long)]
    pub attached: bool,
}

/// `--wait` and `--timeout`, for commands that create or remove clusters.
#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// Wait until the JobManager answers on its REST API (app run: until the job runs)
    #[arg(long)]
    pub wait: bool,
    /// How long to wait: seconds, or with a unit (90s, 5m, 1h30m)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = super::duration::parse_duration)]
    pub timeout: std::time::Duration,
}

/// `kubectl flink session stop`: which cluster, and how long to give it.
#[derive(Debug, Args)]
pub struct SessionStopArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// How long to wait for the cluster to be gone
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = super::duration::parse_duration)]
    pub timeout: std::time::Duration,
    /// How long the JobManager gets to remove its own Deployment before kubectl-flink deletes it
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = super::duration::parse_duration)]
    pub grace_period: std::time::Duration,
}

/// `session wait` / `app wait`: which cluster, and for how long.
#[derive(Debug, Args)]
pub struct ClusterWaitArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// How long to wait: seconds, or with a unit (90s, 5m, 1h30m)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = super::duration::parse_duration)]
    pub timeout: std::time::Duration,
}

/// `kubectl flink session attach`: which cluster.
#[derive(Debug, Args)]
pub struct SessionAttachArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
}
