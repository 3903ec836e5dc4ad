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

use serde_json::{Value, json};

use super::target::{self, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::jobs::{
    JobCancelArgs, JobListArgs, JobRunArgs, JobSavepointArgs, RestRouteArgs, SavepointFormatArg,
    Via,
};
use crate::cli::program::{misplaced_flag, misplaced_flag_message};
use crate::cli::target::TargetArgs;
use crate::config::loader::parse_dynamic_option;
use crate::config::options::CLUSTER_ID;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::spec::DeploymentMode;
use crate::output::{Format, Output, Printable, one_line, printer};
use crate::rest::{
    FlinkRest, JobOverview, RestError, RunJarRequest, SavepointFormat, SavepointRequest,
    StopRequest, Transport,
};

/// `job/<id>`, as `-o name` prints a job (and job verbs accept it back).
pub fn job_name(id: &str) -> String {
    format!("job/{id}")
}

/// A job id as Flink prints it: 32 hex digits (`job/<id>` from `-o name` too).
pub fn parse_job_id(text: &str, target: &JobTarget) -> Result<String> {
    let id = text.strip_prefix("job/").unwrap_or(text);
    if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(id.to_ascii_lowercase())
    } else {
        Err(Error::Usage(format!(
            "'{text}' is not a Flink job id (32 hex digits): list jobs with `kubectl flink {} list {}`",
            target.mode.command_group(),
            target.cluster_id()
        )))
    }
}

fn require_job(job: Option<&String>, target: &JobTarget) -> Result<String> {
    match job {
        Some(text) => parse_job_id(text, target),
        None => Err(Error::Usage(format!(
            "no job id given: pass it after the cluster id (list jobs with `kubectl flink {} list {}`)",
            target.mode.command_group(),
            target.cluster_id()
        ))),
    }
}
