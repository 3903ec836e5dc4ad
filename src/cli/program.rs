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

/// The first of kubectl-flink's own flags among a job's arguments, which
/// start at the jar as in `flink run`: a user who writes `JAR --input a
/// --dry-run=client` almost surely meant the dry run for kubectl-flink, and
/// passing it on would create a real cluster. `escaped` is true when a `--`
/// before the arguments says they are the job's on purpose; a `--` among
/// them ends the search the same way.
pub fn misplaced_flag(command_path: &[&str], args: &[String], escaped: bool) -> Option<String> {
    if escaped {
        return None;
    }
    let own = own_flags(command_path);
    let is_format =
        |value: &str| <crate::cli::OutputFormat as clap::ValueEnum>::from_str(value, false).is_ok();
    for (index, arg) in args.iter().enumerate() {
        if arg == "--" {
            return None;
        }
        let next = args.get(index + 1).map(String::as_str);
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (long, next),
            };
            // `--output s3://…` is a common job argument (Flink's WordCount):
            // only an output format makes it ours.
            let ours = match name {
                "output" => value.is_some_and(is_format),
                name => own.longs.iter().any(|own| own == name),
            };
            if ours {
                return Some(format!("--{name}"));
            }
        } else if let Some(short) = arg.strip_prefix('-') {
            let mut chars = short.chars();
            let Some(letter) = chars.next() else { continue };
            let rest = chars.as_str().trim_start_matches('=');
            let ours = match letter {
                'D' => !rest.is_empty() || next.is_some(),
                'n' => rest.is_empty(),
                'o' => is_format(rest) || (rest.is_empty() && next.is_some_and(is_format)),
                _ => false,
            } && own.shorts.contains(&letter);
            if ours {
                return Some(format!("-{letter}"));
            }
        }
    }
    None
}

/// The long and short flag names a command (with kubectl's global flags) takes.
struct OwnFlags {
    longs: Vec<String>,
    shorts: Vec<char>,
}

fn own_flags(command_path: &[&str]) -> OwnFlags {
    use clap::CommandFactory;
    let mut command = crate::cli::Cli::command();
    let mut flags = OwnFlags {
        longs: Vec::new(),
        shorts: Vec::new(),
    };
    let mut collect = |command: &clap::Command| {
        for arg in command.get_arguments() {
            flags.longs.extend(
                arg.get_long_and_visible_aliases()
                    .into_iter()
                    .flatten()
                    .map(str::to_string),
            );
            flags.shorts.extend(arg.get_short());
        }
    };
    collect(&command);
    for name in command_path {
        let Some(sub) = command.find_subcommand(name).cloned() else {
            break;
        };
        collect(&sub);
        command = sub;
    }
    flags
}

/// The one-line error for a flag found by [`misplaced_flag`], with both fixes.
pub fn misplaced_flag_message(flag: &str) -> String {
    format!(
        "{flag} comes after the jar, so it would be passed to the job's main(): move it before the jar, or put -- before the job's arguments to pass it to the job on purpose"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn our_flags_after_the_jar_are_found_in_every_spelling() {
        let app = ["app", "run"];
        for (job_args, flag) in [
            (&["--input", "a", "--dry-run=client"][..], "--dry-run"),
            (&["--wait"], "--wait"),
            (&["--context", "prod"], "--context"),
            (&["--kubeconfig=k"], "--kubeconfig"),
            (&["-n", "flink"], "-n"),
            (&["-o", "yaml"], "-o"),
            (&["-oyaml"], "-o"),
            (&["--output", "json"], "--output"),
            (&["-Dkubernetes.namespace=x"], "-D"),
            (&["--cluster-id", "x"], "--cluster-id"),
        ] {
            assert_eq!(
                misplaced_flag(&app, &args(job_args), false).as_deref(),
                Some(flag),
                "{job_args:?}"
            );
        }
        assert_eq!(
            misplaced_flag(&["session", "run"], &args(&["--via", "forward"]), false).as_deref(),
            Some("--via")
        );
    }

    #[test]
    fn job_arguments_of_their_own_pass() {
        for job_args in [
            &["--input", "s3://in", "--output", "s3://out"][..],
            &["-p", "4", "-c", "x", "-x"],
            &["--date=2026-11-27", "-"],
            &["a", "--", "--dry-run=client"],
        ] {
            assert_eq!(
                misplaced_flag(&["app", "run"], &args(job_args), false),
                None
            );
        }
        // --via is session run's, not app run's.
        assert_eq!(
            misplaced_flag(&["app", "run"], &args(&["--via", "x"]), false),
            None
        );
        assert_eq!(
            misplaced_flag(&["app", "run"], &args(&["--dry-run"]), true),
            None,
            "a -- before the arguments passes them on"
        );
    }
}
