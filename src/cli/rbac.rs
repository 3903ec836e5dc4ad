//! `kubectl flink rbac-setup`

use super::flink::DryRun;
use clap::Args;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  # A service account for JobManagers in namespace flink, then use it:
  kubectl flink rbac-setup -n flink
  kubectl flink session start my-session -n flink -Dkubernetes.service-account=flink

  # Also let user alice run kubectl-flink in that namespace (run as an admin):
  kubectl flink rbac-setup -n flink --grant-user alice@example.com

  # Review first:
  kubectl flink rbac-setup --dry-run=client -o yaml")]
/// `kubectl flink rbac-setup`: names of what to create, and for whom.
pub struct RbacSetupArgs {
    /// Name of the JobManager's service account (and of its Role and RoleBinding)
    #[arg(long, value_name = "NAME", default_value = "flink")]
    pub service_account: String,
    /// Also grant this user what kubectl-flink needs in the namespace (`--user` is kubectl's: the kubeconfig user)
    #[arg(long = "grant-user", value_name = "USER")]
    pub grant_user: Option<String>,
    /// Only print the objects (-o yaml or json) instead of applying them
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<DryRun>,
    #[command(flatten)]
    pub flink: super::target::FlinkSourceArgs,
}
