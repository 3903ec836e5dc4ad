//! `kubectl flink report`

use clap::Args;

/// `kubectl flink report ID`
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Writes one .tar.gz with the cluster's objects (never Secrets; values that look like
passwords, tokens or keys masked), events, JobManager and TaskManager logs (previous
containers too), Flink REST snapshots and the versions — to attach to a bug report.

Examples:
  kubectl flink report my-session
  kubectl flink report my-app --file /tmp/my-app-report.tar.gz")]
pub struct ReportArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// Where to write the bundle (default: flink-report-<id>-<time>.tar.gz here)
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
}
