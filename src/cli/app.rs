//! `kubectl flink app …`

use super::flink::{DryRun, FlinkConfigArgs};
use clap::{Args, Subcommand};

/// `kubectl flink app`: application clusters and their jobs.
#[derive(Debug, Args)]
pub struct AppArgs {
    #[command(subcommand)]
    pub command: AppCommand,
}

/// The verbs under `app`.
#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Start an application cluster that runs one job (like flink run --target kubernetes-application)
    #[command(after_help = "\
The jar must be reachable by the JobManager: built into the image (local:///…) or on a
file system or web server the cluster can read (s3://…, hdfs://…, https://…).

Examples:
  kubectl flink app run --cluster-id wordcount local:///opt/flink/examples/streaming/WordCount.jar
  kubectl flink app run --cluster-id etl -c com.example.Etl -p 4 s3://jobs/etl.jar --date 2026-11-27
  kubectl flink app run --cluster-id etl -s s3://savepoints/sp-1 local:///opt/flink/usrlib/etl.jar

From the jar on, everything is passed to the job's main(): put options before it. A kubectl-flink
flag after the jar is refused; put -- before the job's arguments to pass such a flag on.")]
    Run(AppRunArgs),
    /// Wait until an application cluster's job runs (after a run without --wait, or one that timed out)
    #[command(after_help = "\
Examples:
  kubectl flink app wait my-app
  kubectl flink app wait my-app --timeout 10m")]
    Wait(super::session::ClusterWaitArgs),
    /// Stop an application cluster gracefully (Flink's DELETE /cluster: the job is cancelled), then wait until it is gone
    #[command(after_help = "\
To keep the job's state, take a savepoint first: `kubectl flink app savepoint my-app JOB --stop`
(the cluster then removes itself).

Examples:
  kubectl flink app stop my-app
  kubectl flink app stop my-app -n flink --timeout 5m")]
    Stop(super::session::SessionStopArgs),
    /// List the jobs of an application cluster (running and scheduled; -a for all)
    #[command(after_help = "\
Examples:
  kubectl flink app list my-app
  kubectl flink app list my-app -a -o json")]
    List(super::jobs::JobListArgs),
    /// Cancel a job of an application cluster
    #[command(after_help = "\
Examples:
  kubectl flink app cancel my-app 3f2a9c1e0b7d4e5f8a6b2c1d0e9f8a7b")]
    Cancel(super::jobs::JobCancelArgs),
    /// Take a savepoint of a job (--stop: stop the job with it); prints the savepoint path
    #[command(after_help = "\
Examples:
  kubectl flink app savepoint my-app 3f2a9c1e0b7d4e5f8a6b2c1d0e9f8a7b
  kubectl flink app savepoint my-app $JOB s3://savepoints/etl --stop --drain")]
    Savepoint(super::jobs::JobSavepointArgs),
}

/// `kubectl flink app run`: flags as `flink run --target kubernetes-application` takes them.
#[derive(Debug, Args)]
pub struct AppRunArgs {
    /// Cluster id (same as -Dkubernetes.cluster-id; default: a generated flink-cluster-… id)
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,
    #[command(flatten)]
    pub flink: FlinkConfigArgs,
    #[command(flatten)]
    pub program: super::program::ProgramArgs,
    /// Run the job's main() detached inside the cluster (Flink's -d)
    #[arg(short = 'd', long, help_heading = "Job")]
    pub detached: bool,
    /// Only print the objects (-o yaml or json) instead of creating them
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<DryRun>,
    #[command(flatten)]
    pub wait: super::session::WaitArgs,
    /// Jar URI: local:///path/in/image.jar, s3://…, https://…
    #[arg(value_name = "JAR")]
    pub jar: String,
    /// Arguments for the job's main()
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
    /// A `--` came before the job's arguments (set by [`super::Cli::parse_argv`]).
    #[arg(skip)]
    pub args_escaped: bool,
}
