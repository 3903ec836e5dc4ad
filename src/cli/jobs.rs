//! The job verbs shared by `session` and `app`: list, cancel, savepoint,
//! and `session run` (upload a local jar and run it). They all talk to a
//! running JobManager's REST API, chosen with `--via` or `--rest-url`.

use super::target::TargetArgs;
use clap::{Args, ValueEnum};
use std::time::Duration;

/// How a job verb reaches the JobManager's REST API.
#[derive(Debug, Clone, Args)]
pub struct RestRouteArgs {
    /// Route to the JobManager: the API server's services proxy (default; port-forward when the proxy is forbidden) or a port-forward to the JobManager pod
    #[arg(long, value_enum, value_name = "ROUTE", help_heading = "Connection")]
    pub via: Option<Via>,
    /// Use Flink's REST API at this URL instead of going through Kubernetes (e.g. http://localhost:8081 of your own port-forward)
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "via",
        help_heading = "Connection"
    )]
    pub rest_url: Option<String>,
}

/// `--via`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Via {
    /// The API server's services proxy only
    Proxy,
    /// A port-forward to a Ready JobManager pod
    Forward,
}

/// `list`
#[derive(Debug, Clone, Args)]
pub struct JobListArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub route: RestRouteArgs,
    /// Also list finished, cancelled and failed jobs
    #[arg(short = 'a', long)]
    pub all: bool,
}

/// `cancel`
#[derive(Debug, Clone, Args)]
pub struct JobCancelArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub route: RestRouteArgs,
    /// Job id (32 hex digits, as `list` shows it)
    #[arg(value_name = "JOB_ID")]
    pub job: Option<String>,
}

/// `savepoint`
#[derive(Debug, Clone, Args)]
pub struct JobSavepointArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub route: RestRouteArgs,
    /// Job id (32 hex digits, as `list` shows it)
    #[arg(value_name = "JOB_ID")]
    pub job: Option<String>,
    /// Directory for the savepoint (default: the cluster's execution.checkpointing.savepoint-dir)
    #[arg(value_name = "DIR")]
    pub dir: Option<String>,
    /// Stop the job once the savepoint is taken (Flink's `flink stop`)
    #[arg(long)]
    pub stop: bool,
    /// With --stop: emit MAX_WATERMARK and flush all windows before stopping
    #[arg(short = 'd', long, requires = "stop")]
    pub drain: bool,
    /// Savepoint format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = SavepointFormatArg::Canonical)]
    pub format: SavepointFormatArg,
    /// How long to wait for the savepoint (e.g. 90s, 5m, 1h)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = super::duration::parse_duration)]
    pub timeout: Duration,
}

/// `--format` of a savepoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SavepointFormatArg {
    /// Flink's portable format (works across state backends)
    Canonical,
    /// The state backend's own format (faster, same backend only)
    Native,
}

/// `session run`
#[derive(Debug, Clone, Args)]
pub struct JobRunArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub route: RestRouteArgs,
    #[command(flatten)]
    pub program: super::program::ProgramArgs,
    /// Local jar file to upload to the session cluster
    #[arg(value_name = "JAR")]
    pub jar: Option<String>,
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
