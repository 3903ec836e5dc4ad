//! The job's flags, shared by `app run` and `session run` and spelled as in
//! `flink run`: main class, parallelism, and how to restore from a savepoint.

use clap::{Args, ValueEnum};

/// The job's main class, parallelism and savepoint restore options.
#[derive(Debug, Clone, Args)]
pub struct ProgramArgs {
    /// Main class (default: the jar manifest's)
    #[arg(
        short = 'c',
        long = "class",
        value_name = "CLASS",
        help_heading = "Job"
    )]
    pub class: Option<String>,
    /// Default parallelism of the job
    #[arg(short = 'p', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Job")]
    pub parallelism: Option<u32>,
    /// Restore the job from this savepoint
    #[arg(
        short = 's',
        long = "from-savepoint",
        alias = "fromSavepoint",
        value_name = "PATH",
        help_heading = "Job"
    )]
    pub from_savepoint: Option<String>,
    /// Skip savepoint state that cannot be mapped to the new program
    #[arg(
        long = "allow-non-restored-state",
        alias = "allowNonRestoredState",
        help_heading = "Job"
    )]
    pub allow_non_restored_state: bool,
    /// Who owns the restored savepoint's files
    #[arg(long, value_enum, value_name = "MODE", help_heading = "Job")]
    pub claim_mode: Option<ClaimMode>,
}

impl ProgramArgs {
    /// `--claim-mode` as Flink spells it.
    pub fn claim_mode_name(&self) -> Option<String> {
        self.claim_mode.map(|m| m.flink_name().to_string())
    }
}

/// `--claim-mode`, as Flink spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClaimMode {
    #[value(name = "CLAIM")]
    Claim,
    #[value(name = "NO_CLAIM")]
    NoClaim,
}

impl ClaimMode {
    /// The spelling Flink's REST API and configuration use.
    pub fn flink_name(self) -> &'static str {
        match self {
            ClaimMode::Claim => "CLAIM",
            ClaimMode::NoClaim => "NO_CLAIM",
        }
    }
}
