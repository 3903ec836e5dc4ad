//! `kubectl flink upgrade`

use clap::Args;
use std::time::Duration;

/// `kubectl flink upgrade ID`
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Stops the job with a savepoint (or takes its latest checkpoint), records the savepoint and the
previous spec in ConfigMap kubectl-flink-history-<id>, redeploys the cluster with the changes
(-D, --image, --jar, -p) on top of the configuration it runs with, and waits until the job runs
with all its tasks. If it does not within --timeout, the previous spec is redeployed from the
same savepoint. The savepoint's path is always printed and kept. If the cluster cannot be removed
or the rollback fails, the error names the cleanup and `resume --from` that bring it back.

Ctrl-C while the jobs are stopped: the savepoint being taken finishes, the savepoints are recorded
and nothing is removed. Once the cluster is being removed, Ctrl-C takes effect when the new
cluster's objects are all created (exit 130, the savepoint named; the wait is skipped).

A session cluster is redeployed the same way; its running job is resubmitted from its savepoint
when --jar is given (Flink keeps no copy of a session job's jar), else the savepoints are printed
with the command that resubmits each job.

Examples:
  kubectl flink upgrade my-app --image registry.example.com/my-app:1.4
  kubectl flink upgrade my-app -Dtaskmanager.numberOfTaskSlots=4 -p 8
  kubectl flink upgrade my-app --from-latest-checkpoint --jar local:///opt/flink/usrlib/app-2.jar
  kubectl flink upgrade my-session --jar ./job-2.jar")]
pub struct UpgradeArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// The new image of the JobManager and the TaskManagers
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// The job's new jar (application: a URI the cluster can fetch, e.g. local:///opt/flink/usrlib/app.jar; session: a local file)
    #[arg(long, value_name = "JAR")]
    pub jar: Option<String>,
    /// The job's new parallelism
    #[arg(short = 'p', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parallelism: Option<u32>,
    /// Session: the entry class of the new jar (default: its manifest's Main-Class)
    #[arg(short = 'c', long = "class", value_name = "CLASS")]
    pub class: Option<String>,
    /// Restore from each job's latest completed checkpoint instead of taking a savepoint (the job is not stopped first)
    #[arg(long)]
    pub from_latest_checkpoint: bool,
    /// Allow state of operators the new job no longer has to be dropped
    #[arg(long)]
    pub allow_non_restored_state: bool,
    /// Where the savepoints go (default: the cluster's execution.checkpointing.savepoint-dir)
    #[arg(long, value_name = "DIR")]
    pub directory: Option<String>,
    /// The Flink release the new spec is rendered for (default: the new image's tag, else the running JobManager's release)
    #[arg(long, value_name = "VERSION")]
    pub flink_version: Option<String>,
    /// Only print the objects the upgrade would create (the savepoint's path shown as <savepoint>); nothing is changed
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<super::flink::DryRun>,
    /// How long each savepoint may take, and how long the upgraded job may take to run
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = super::duration::parse_duration)]
    pub timeout: Duration,
}
