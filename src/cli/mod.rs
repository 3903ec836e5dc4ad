//! The command line: clap types only. Commands turn these into plain,
//! validated options (`commands::*`); nothing past that sees clap.

pub mod app;
pub mod cleanup;
pub mod duration;
pub mod flink;
pub mod get;
pub mod jobs;
pub mod port_forward;
pub mod program;
pub mod rbac;
pub mod session;
pub mod target;

use crate::output::{Format, style::Color};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
    /// More detail on stderr; repeat for more
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count, help_heading = "Output")]
    pub verbose: u8,
}

impl GlobalArgs {
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
    /// Delete everything a cluster left behind, HA ConfigMaps included
    Cleanup(cleanup::CleanupArgs),
    /// The cluster's web UI and REST API on a local port
    PortForward(port_forward::PortForwardArgs),
    /// Create the service account and Role Flink's JobManager needs (and, with --user, a user's rights)
    RbacSetup(rbac::RbacSetupArgs),
    /// Print the plugin version and the Flink version it targets
    Version,
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
