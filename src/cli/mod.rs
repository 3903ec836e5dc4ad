//! The command line: clap types only. Commands turn these into plain,
//! validated options (`commands::*`); nothing past that sees clap.

pub mod app;
pub mod cleanup;
pub mod completion;
pub mod doctor;
pub mod duration;
pub mod flink;
pub mod get;
pub mod history;
pub mod jobs;
pub mod logs;
pub mod port_forward;
pub mod program;
pub mod rbac;
pub mod report;
pub mod session;
pub mod status;
pub mod target;
pub mod upgrade;
pub mod verbosity;
pub mod version;

use crate::output::{Format, style::Color};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use verbosity::{Verbosity, normalize_verbosity, parse_verbosity};

const ABOUT: &str = "Run Apache Flink natively on Kubernetes: session and application clusters, as Flink's own client creates them, without a JVM.";

const EXAMPLES: &str = "\
Examples:
  # Start a session cluster in the current namespace (prints its id)
  kubectl flink session start my-session

  # See the objects it would create, without a cluster
  kubectl flink session start my-session --dry-run=client -o yaml

  # Run a job in its own application cluster
  kubectl flink app run --cluster-id my-app -c com.example.Job local:///opt/flink/usrlib/job.jar --input s3://in

  # Flink options work as in Flink, glued or not
  kubectl flink session start my-session -Dtaskmanager.numberOfTaskSlots=4 -D kubernetes.rest-service.exposed.type=NodePort";

/// `kubectl flink`
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-flink",
    bin_name = "kubectl flink",
    version,
    about = ABOUT,
    after_help = EXAMPLES,
    propagate_version = true,
    disable_help_subcommand = true
)]
/// The whole command line: kubectl's global flags and one command.
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parse the command line (exiting with clap's message on bad input),
    /// noting whether a `--` made the job's arguments explicit: clap drops
    /// the `--` that ends its own flags, so it is counted here.
    pub fn parse_argv(argv: Vec<std::ffi::OsString>, env: &crate::environment::Environment) -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let argv = normalize_verbosity(argv);
        let dashes = argv.iter().filter(|arg| *arg == "--").count();
        let mut command = Cli::command();
        // Help wraps to the terminal; piped (and without $COLUMNS) it is not
        // wrapped at all, as kubectl's is not, instead of at clap's 100.
        let terminal = env.terminal.stdout || env.terminal.stderr || env.terminal.stdin;
        if !terminal && !env.columns_set {
            command = command.term_width(0);
        }
        let mut cli =
            Cli::from_arg_matches(&command.get_matches_from(argv)).unwrap_or_else(|e| e.exit());
        let escaped = |args: &[String]| dashes > args.iter().filter(|arg| *arg == "--").count();
        match &mut cli.command {
            Command::App(app::AppArgs {
                command: app::AppCommand::Run(run),
            }) => run.args_escaped = escaped(&run.args),
            Command::Session(session::SessionArgs {
                command: session::SessionCommand::Run(run),
            }) => run.args_escaped = escaped(&run.args),
            _ => {}
        }
        cli
    }
}

/// Flags that mean what they mean to kubectl, accepted by every command.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "FILE", help_heading = "Kubernetes")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME", help_heading = "Kubernetes")]
    pub context: Option<String>,
    /// Namespace of the cluster (default: the context's namespace, then "default")
    #[arg(
        short = 'n',
        long,
        global = true,
        value_name = "NAMESPACE",
        help_heading = "Kubernetes"
    )]
    pub namespace: Option<String>,
    /// Output format
    #[arg(short = 'o', long, global = true, value_enum, help_heading = "Output")]
    pub output: Option<OutputFormat>,
    /// When to color the output (NO_COLOR in the environment means never)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, help_heading = "Output")]
    pub color: ColorChoice,
    /// Log level, as kubectl's: -v=6 shows each request, -v=8 also headers and bodies (secrets masked); -v alone (or repeated) adds notes
    #[arg(
        short = 'v',
        long = "v",
        value_name = "N",
        global = true,
        action = clap::ArgAction::Append,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "+1",
        value_parser = parse_verbosity,
        help_heading = "Output"
    )]
    pub verbose: Vec<Verbosity>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// kubectl's connection flags; each overrides what the kubeconfig says, as
/// in kubectl.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionArgs {
    /// Username to impersonate for the operation
    #[arg(
        long = "as",
        global = true,
        value_name = "USER",
        help_heading = "Kubernetes"
    )]
    pub impersonate: Option<String>,
    /// Group to impersonate (repeat for several)
    #[arg(long = "as-group", global = true, value_name = "GROUP", action = clap::ArgAction::Append, help_heading = "Kubernetes")]
    pub impersonate_groups: Vec<String>,
    /// UID to impersonate
    #[arg(
        long = "as-uid",
        global = true,
        value_name = "UID",
        help_heading = "Kubernetes"
    )]
    pub impersonate_uid: Option<String>,
    /// Bearer token for authentication to the API server
    #[arg(long, global = true, value_name = "TOKEN", help_heading = "Kubernetes")]
    pub token: Option<String>,
    /// The address and port of the Kubernetes API server
    #[arg(long, global = true, value_name = "URL", help_heading = "Kubernetes")]
    pub server: Option<String>,
    /// The name of the kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME", help_heading = "Kubernetes")]
    pub user: Option<String>,
    /// The name of the kubeconfig cluster to use
    #[arg(long, global = true, value_name = "NAME", help_heading = "Kubernetes")]
    pub cluster: Option<String>,
    /// How long to wait for each API server request (0: no limit; 30s, 2m)
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration::parse_request_timeout, help_heading = "Kubernetes")]
    pub request_timeout: Option<std::time::Duration>,
    /// Do not check the server's certificate (insecure)
    #[arg(long, global = true, help_heading = "Kubernetes")]
    pub insecure_skip_tls_verify: bool,
    /// Path to a certificate file for the certificate authority
    #[arg(long, global = true, value_name = "FILE", help_heading = "Kubernetes")]
    pub certificate_authority: Option<PathBuf>,
    /// Path to a client certificate file for TLS
    #[arg(long, global = true, value_name = "FILE", help_heading = "Kubernetes")]
    pub client_certificate: Option<PathBuf>,
    /// Path to a client key file for TLS
    #[arg(long, global = true, value_name = "FILE", help_heading = "Kubernetes")]
    pub client_key: Option<PathBuf>,
    /// Server name to use for server certificate validation
    #[arg(long, global = true, value_name = "NAME", help_heading = "Kubernetes")]
    pub tls_server_name: Option<String>,
}

impl GlobalArgs {
    /// The log level: the highest `-v=N`, or the number of bare `-v`s.
    pub fn verbosity(&self) -> u8 {
        let level = self
            .verbose
            .iter()
            .filter_map(|v| match v {
                Verbosity::Level(n) => Some(*n),
                Verbosity::More(_) => None,
            })
            .max()
            .unwrap_or(0);
        let more: u8 = self
            .verbose
            .iter()
            .map(|v| match v {
                Verbosity::More(n) => *n,
                Verbosity::Level(_) => 0,
            })
            .fold(0u8, u8::saturating_add);
        level.max(more)
    }

    /// `-o` in the output layer's terms.
    pub fn format(&self) -> Option<Format> {
        self.output.map(Format::from)
    }
}

/// `-o/--output`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Wide,
    Json,
    Yaml,
    Name,
}

impl From<OutputFormat> for Format {
    fn from(format: OutputFormat) -> Format {
        match format {
            OutputFormat::Table => Format::Table,
            OutputFormat::Wide => Format::Wide,
            OutputFormat::Json => Format::Json,
            OutputFormat::Yaml => Format::Yaml,
            OutputFormat::Name => Format::Name,
        }
    }
}

impl From<ColorChoice> for Color {
    fn from(choice: ColorChoice) -> Color {
        match choice {
            ColorChoice::Auto => Color::Auto,
            ColorChoice::Always => Color::Always,
            ColorChoice::Never => Color::Never,
        }
    }
}

/// `--color`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The commands of `kubectl flink`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Session clusters: long-running JobManagers that take many jobs
    Session(session::SessionArgs),
    /// Application clusters: one cluster per application, started with its job
    App(app::AppArgs),
    /// List Flink clusters (found by their labels) with their state
    Get(get::GetArgs),
    /// One cluster in detail: pods, Flink release, jobs with their last exception and checkpoints, warnings
    Status(status::StatusArgs),
    /// The JobManager's and TaskManagers' logs, merged, each line prefixed by its pod
    Logs(logs::LogsArgs),
    /// Preflight for the next start (or diagnosis of a cluster): rights, service account, secrets, quotas, nodes
    Doctor(doctor::DoctorArgs),
    /// One .tar.gz for a bug report: objects, events, logs, REST snapshots, versions — secrets masked
    Report(report::ReportArgs),
    /// Stop every job with a savepoint and remove the cluster, keeping what `resume` needs
    Suspend(history::SuspendArgs),
    /// Recreate a suspended cluster, its job restoring from the savepoint
    Resume(history::ResumeArgs),
    /// The suspends, resumes and upgrades recorded for a cluster, with their savepoints
    History(history::HistoryArgs),
    /// Change a running cluster (image, -D, jar, parallelism) from a savepoint, rolling back if the job does not run
    Upgrade(upgrade::UpgradeArgs),
    /// Delete everything a cluster left behind, HA ConfigMaps included
    Cleanup(cleanup::CleanupArgs),
    /// The cluster's web UI and REST API on a local port
    PortForward(port_forward::PortForwardArgs),
    /// Create the service account and Role Flink's JobManager needs (and, with --grant-user, a user's rights)
    RbacSetup(rbac::RbacSetupArgs),
    /// The plugin's version, the Kubernetes server's and, given a cluster id, the Flink release it runs
    Version(version::VersionArgs),
    /// Shell completion: scripts for kubectl-flink, and `install` for `kubectl flink …`
    Completion(completion::CompletionArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn verbosity_is_read_in_kubectls_spellings_and_ours() {
        let level = |args: &[&str]| {
            let argv = std::iter::once("kubectl-flink")
                .chain(args.iter().copied())
                .map(std::ffi::OsString::from)
                .collect();
            Cli::try_parse_from(normalize_verbosity(argv))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"))
                .global
                .verbosity()
        };
        assert_eq!(level(&["version"]), 0);
        assert_eq!(level(&["version", "-v"]), 1);
        assert_eq!(level(&["version", "-vv"]), 2);
        assert_eq!(level(&["version", "-v", "-v", "-v"]), 3);
        assert_eq!(level(&["version", "--verbose"]), 1);
        assert_eq!(level(&["version", "-v=6"]), 6);
        assert_eq!(level(&["version", "-v", "8"]), 8);
        assert_eq!(level(&["version", "-v6"]), 6);
        assert_eq!(level(&["version", "--v=7"]), 7);
        assert_eq!(level(&["version", "--v", "7"]), 7);
        assert_eq!(level(&["get", "-v", "my-cluster"]), 1);
        // After `--` everything is the job's.
        let argv = [
            "kubectl-flink",
            "app",
            "run",
            "local:///j.jar",
            "--",
            "-v",
            "6",
        ]
        .map(std::ffi::OsString::from)
        .to_vec();
        let kept = normalize_verbosity(argv.clone());
        assert_eq!(kept, argv);
    }

    #[test]
    fn a_verbs_own_flag_never_sets_kubectls_flag_of_a_similar_name() {
        let cli =
            Cli::try_parse_from(["kubectl-flink", "rbac-setup", "--grant-user", "alice"]).unwrap();
        assert_eq!(cli.global.connection.user, None);
        let Command::RbacSetup(args) = cli.command else {
            panic!("not rbac-setup");
        };
        assert_eq!(args.grant_user.as_deref(), Some("alice"));
    }

    #[test]
    fn dynamic_options_parse_glued_and_separate() {
        let cli = Cli::try_parse_from([
            "kubectl-flink",
            "session",
            "start",
            "-Da=1",
            "-D",
            "b=2",
            "--dry-run",
        ])
        .unwrap();
        let Command::Session(session) = cli.command else {
            panic!("not a session command");
        };
        let session::SessionCommand::Start(start) = session.command else {
            panic!("not session start");
        };
        assert_eq!(start.flink.dynamic, vec!["a=1", "b=2"]);
        assert_eq!(start.dry_run, Some(flink::DryRun::Client));
    }

    #[test]
    fn program_arguments_after_the_jar_are_kept_verbatim() {
        let cli = Cli::try_parse_from([
            "kubectl-flink",
            "app",
            "run",
            "-c",
            "com.example.Job",
            "local:///opt/job.jar",
            "--input",
            "-x",
            "s3://in",
        ])
        .unwrap();
        let Command::App(app) = cli.command else {
            panic!("not an app command");
        };
        let app::AppCommand::Run(run) = app.command else {
            panic!("not app run");
        };
        assert_eq!(run.jar, "local:///opt/job.jar");
        assert_eq!(run.args, vec!["--input", "-x", "s3://in"]);
        assert_eq!(run.program.class.as_deref(), Some("com.example.Job"));
    }
}
