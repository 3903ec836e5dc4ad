//! The job verbs: `kubectl flink {session,app} {list,cancel,savepoint}` and
//! `kubectl flink session run`. Each completes its flags into plain options
//! (pure, tested), checks them, then talks to the JobManager through
//! [`crate::rest`]. Only machine output goes to stdout (ids, paths, tables);
//! progress and notes go to stderr.

mod cancel;
mod list;
mod progress;
mod route;
mod run;
mod savepoint;
mod table;
#[cfg(test)]
mod tests;

pub use cancel::*;
pub use list::*;
pub use route::*;
pub use run::*;
pub use savepoint::*;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use super::block_on;
use super::target::{self, TargetOptions};
use crate::cli::jobs::{
    JobCancelArgs, JobListArgs, JobRunArgs, JobSavepointArgs, RestRouteArgs, SavepointFormatArg,
    Via,
};
use crate::cli::program::{misplaced_flag, misplaced_flag_message};
use crate::cli::target::TargetArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::config::loader::parse_dynamic_option;
use crate::config::options::CLUSTER_ID;
use crate::error::{Error, Result};
use crate::output::{one_line, style, write_stdout};
use crate::rest::{
    FlinkRest, JobOverview, RestError, RunJarRequest, SavepointFormat, SavepointRequest,
    StopRequest, Transport,
};

/// Which command family a job verb belongs to, for the hints in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterKind {
    Session,
    Application,
}

impl ClusterKind {
    pub(super) fn command(self) -> &'static str {
        match self {
            ClusterKind::Session => "session",
            ClusterKind::Application => "app",
        }
    }
}

/// A job id as Flink prints it: 32 hex digits (`job/<id>` from `-o name` too).
pub fn parse_job_id(text: &str, target: &JobTarget) -> Result<String> {
    let id = text.strip_prefix("job/").unwrap_or(text);
    if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(id.to_ascii_lowercase())
    } else {
        Err(Error::Usage(format!(
            "'{text}' is not a Flink job id (32 hex digits): list jobs with `kubectl flink {} list {}`",
            target.kind.command(),
            target.cluster_id()
        )))
    }
}

fn require_job(job: Option<&String>, target: &JobTarget) -> Result<String> {
    match job {
        Some(text) => parse_job_id(text, target),
        None => Err(Error::Usage(format!(
            "no job id given: pass it after the cluster id (list jobs with `kubectl flink {} list {}`)",
            target.kind.command(),
            target.cluster_id()
        ))),
    }
}

fn print(text: &str) -> Result<()> {
    write_stdout(text).map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}

fn to_yaml(value: &serde_json::Value) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Failed(format!("cannot print YAML: {e}")))
}

fn to_json(value: &serde_json::Value) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::Failed(format!("cannot print JSON: {e}")))
}
