//! Flags shared by every command that builds a cluster: Flink's own `-D`
//! options, the conf dir, the Flink release, and `--dry-run`.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Flink's own options, for commands that build a cluster.
#[derive(Debug, Clone, Args)]
pub struct FlinkConfigArgs {
    /// A Flink option, as in Flink: -Dkey=value or -D key=value (repeatable)
    #[arg(short = 'D', value_name = "KEY=VALUE", action = clap::ArgAction::Append, help_heading = "Flink")]
    pub dynamic: Vec<String>,
    /// Flink conf dir with config.yaml and logging files (default: $FLINK_CONF_DIR, then $FLINK_HOME/conf, then built-in defaults)
    #[arg(long, value_name = "DIR", help_heading = "Flink")]
    pub flink_conf_dir: Option<PathBuf>,
    /// Flink release the cluster runs, 1.17 to 2.3 (default: the release in the image tag, else the Flink distribution of the conf dir or $FLINK_HOME, else 2.3)
    #[arg(long, value_name = "VERSION", help_heading = "Flink")]
    pub flink_version: Option<String>,
}

/// `--dry-run`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    /// Only print what would be done; nothing is changed in the cluster
    Client,
}
