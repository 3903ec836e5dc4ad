//! What the JobManager's REST API sends and receives, as Flink 2.3.0 spells
//! it (reference §7.1). Answers keep unknown fields out of the way with
//! defaults, so a newer Flink adding fields does not break the client.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::dialect::Dialect;
use super::error::{RestError, failure_reason};

/// `GET /overview`: the cluster at a glance; also the readiness probe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ClusterOverview {
    pub taskmanagers: u32,
    pub slots_total: u32,
    pub slots_available: u32,
    pub jobs_running: u32,
    pub jobs_finished: u32,
    pub jobs_cancelled: u32,
    pub jobs_failed: u32,
    pub flink_version: String,
    pub flink_commit: String,
}

/// A job's state as Flink names it (`RUNNING`, `CANCELED`, …); kept as text
/// so states a newer Flink adds still show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobState(pub String);

impl JobState {
    /// Finished for good: the job will not run again in this cluster.
    pub fn is_globally_terminal(&self) -> bool {
        matches!(self.0.as_str(), "FINISHED" | "CANCELED" | "FAILED")
    }

    /// The state as Flink spells it, for tables and messages.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Task counts of a job by state, from `GET /jobs/overview`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskCounts {
    pub total: u32,
    pub running: u32,
    pub finished: u32,
    pub failed: u32,
    pub canceled: u32,
}

/// One job from `GET /jobs/overview`, plus the job exactly as Flink sent it
/// (for `-o json|yaml`, so no field is lost).
#[derive(Debug, Clone, PartialEq)]
pub struct JobOverview {
    pub id: String,
    pub name: String,
    pub state: JobState,
    /// Epoch milliseconds.
    pub start_time: i64,
    /// Epoch milliseconds; -1 while the job runs.
    pub end_time: i64,
    /// Milliseconds.
    pub duration: i64,
    pub tasks: TaskCounts,
    pub raw: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct JobOverviewFields {
    jid: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    state: JobState,
    #[serde(default)]
    start_time: i64,
    #[serde(default = "minus_one")]
    end_time: i64,
    #[serde(default)]
    duration: i64,
    #[serde(default)]
    tasks: TaskCounts,
}

fn minus_one() -> i64 {
    -1
}

/// Parses `GET /jobs/overview`.
pub fn parse_jobs_overview(body: &[u8]) -> Result<Vec<JobOverview>, RestError> {
    let value: Value = parse_json(body)?;
    let jobs = value
        .get("jobs")
        .and_then(Value::as_array)
        .ok_or_else(|| RestError::BadResponse("no \"jobs\" in the job overview".into()))?;
    jobs.iter()
        .map(|raw| {
            let fields: JobOverviewFields = serde_json::from_value(raw.clone())
                .map_err(|e| RestError::BadResponse(format!("a job in the overview: {e}")))?;
            Ok(JobOverview {
                id: fields.jid,
                name: fields.name,
                state: fields.state,
                start_time: fields.start_time,
                end_time: fields.end_time,
                duration: fields.duration,
                tasks: fields.tasks,
                raw: raw.clone(),
            })
        })
        .collect()
}

/// Where an asynchronous savepoint (or stop-with-savepoint) stands.
#[derive(Debug, Clone, PartialEq)]
pub enum SavepointStatus {
    InProgress,
    /// Done; the savepoint's location (e.g. `file:/…/savepoint-…`).
    Completed {
        location: String,
    },
    /// Done without a savepoint (Flink reports this as COMPLETED with a
    /// `failure-cause`); `reason` is the cause's class and first line.
    Failed {
        reason: String,
    },
}

/// Parses `GET /jobs/:id/savepoints/:trigger`.
pub fn parse_savepoint_status(body: &[u8]) -> Result<SavepointStatus, RestError> {
    let value: Value = parse_json(body)?;
    let status = value
        .pointer("/status/id")
        .and_then(Value::as_str)
        .ok_or_else(|| RestError::BadResponse("no status in the savepoint answer".into()))?;
    if status == "IN_PROGRESS" {
        return Ok(SavepointStatus::InProgress);
    }
    let operation = value.get("operation").unwrap_or(&Value::Null);
    if let Some(cause) = operation.get("failure-cause") {
        return Ok(SavepointStatus::Failed {
            reason: failure_reason(cause),
        });
    }
    match operation.get("location").and_then(Value::as_str) {
        Some(location) => Ok(SavepointStatus::Completed {
            location: location.to_string(),
        }),
        None => Err(RestError::BadResponse(format!(
            "savepoint {status} without a location or a failure cause"
        ))),
    }
}

/// The `request-id` of an accepted asynchronous operation.
pub fn parse_trigger_id(body: &[u8]) -> Result<String, RestError> {
    string_field(body, "request-id")
}

/// The job id `POST /jars/:jarid/run` answers with.
pub fn parse_run_job_id(body: &[u8]) -> Result<String, RestError> {
    string_field(body, "jobid")
}

/// The jar id of an upload: the last path segment of `filename`
/// (`<uuid>_<name>.jar`), which is how later calls name the jar.
pub fn parse_uploaded_jar_id(body: &[u8]) -> Result<String, RestError> {
    let filename = string_field(body, "filename")?;
    filename
        .rsplit('/')
        .next()
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .ok_or_else(|| RestError::BadResponse(format!("upload answered filename {filename:?}")))
}

fn string_field(body: &[u8], field: &str) -> Result<String, RestError> {
    let value: Value = parse_json(body)?;
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| RestError::BadResponse(format!("no \"{field}\" in {value}")))
}

/// JSON from a 2xx body, or a [`RestError::BadResponse`] quoting its start.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, RestError> {
    serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(&body[..body.len().min(120)]).replace('\n', " ");
        RestError::BadResponse(format!("{e}: {text}"))
    })
}

/// Savepoint format: Flink's portable `CANONICAL` or the state backend's `NATIVE`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SavepointFormat {
    #[default]
    Canonical,
    Native,
}

impl SavepointFormat {
    /// The `formatType` value Flink expects.
    pub fn flink_name(self) -> &'static str {
        match self {
            SavepointFormat::Canonical => "CANONICAL",
            SavepointFormat::Native => "NATIVE",
        }
    }
}

/// `formatType` as the release has it: CANONICAL is what a release before
/// 1.15 writes anyway (no field), NATIVE it cannot write.
fn format_type(
    format: SavepointFormat,
    dialect: &Dialect,
) -> Result<Option<&'static str>, RestError> {
    match (dialect.rest.savepoint_format_type, format) {
        (true, format) => Ok(Some(format.flink_name())),
        (false, SavepointFormat::Canonical) => Ok(None),
        (false, SavepointFormat::Native) => Err(RestError::Unsupported(format!(
            "{} writes only CANONICAL savepoints (the NATIVE format came with Flink 1.15): drop --format native",
            dialect.describe()
        ))),
    }
}

/// Body of `POST /jobs/:id/savepoints` (note the kebab-case fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavepointRequest {
    /// None: the cluster's `execution.checkpointing.savepoint-dir`.
    #[serde(rename = "target-directory", skip_serializing_if = "Option::is_none")]
    pub target_directory: Option<String>,
    #[serde(rename = "cancel-job")]
    pub cancel_job: bool,
    /// None before Flink 1.15 (see [`Dialect`]).
    #[serde(rename = "formatType", skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
}

impl SavepointRequest {
    /// A savepoint that leaves the job running, in `dialect`.
    pub fn new(
        target_directory: Option<String>,
        format: SavepointFormat,
        dialect: &Dialect,
    ) -> Result<Self, RestError> {
        Ok(Self {
            target_directory,
            cancel_job: false,
            format: format_type(format, dialect)?,
        })
    }
}

/// Body of `POST /jobs/:id/stop` (camelCase, unlike the savepoint trigger).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StopRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_directory: Option<String>,
    /// Emit MAX_WATERMARK and flush before stopping (end of input).
    pub drain: bool,
    /// None before Flink 1.15 (see [`Dialect`]).
    #[serde(rename = "formatType", skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// The operation's id chosen by the client (Flink 1.15 on), so that how it went can be
    /// asked after an answer that never came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_id: Option<String>,
}

impl StopRequest {
    /// Stop-with-savepoint, into `target_directory` or the cluster default, in `dialect`.
    pub fn new(
        target_directory: Option<String>,
        drain: bool,
        format: SavepointFormat,
        dialect: &Dialect,
    ) -> Result<Self, RestError> {
        Ok(Self {
            target_directory,
            drain,
            format: format_type(format, dialect)?,
            trigger_id: None,
        })
    }

    /// The same with the operation's id chosen here (32 hex digits, as Flink's `TriggerId`),
    /// when the release takes one (1.15 on, see [`Dialect`]).
    pub fn with_new_trigger_id(mut self, dialect: &Dialect) -> Self {
        let mut bytes = [0u8; 16];
        if dialect.rest.client_trigger_id && getrandom::fill(&mut bytes).is_ok() {
            self.trigger_id = Some(bytes.iter().map(|b| format!("{b:02x}")).collect());
        }
        self
    }
}

/// Body of `POST /jars/:jarid/run`; unset fields are left to the jar and the cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunJarRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_class: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub program_args_list: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub savepoint_path: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_non_restored_state: bool,
    /// `CLAIM` or `NO_CLAIM`; its field is the release's ([`RunJarRequest::body`]).
    #[serde(skip)]
    pub claim_mode: Option<String>,
}

impl RunJarRequest {
    /// The JSON body in `dialect`: the claim mode under the name that release
    /// gives it, refused by a release that has none.
    pub fn body(&self, dialect: &Dialect) -> Result<Value, RestError> {
        let mut body = serde_json::to_value(self)
            .map_err(|e| RestError::BadResponse(format!("the run request: {e}")))?;
        if let Some(mode) = &self.claim_mode {
            let field = dialect.rest.claim_mode.name().ok_or_else(|| {
                RestError::Unsupported(format!(
                    "{} cannot restore in a claim mode (--claim-mode came with Flink 1.15): drop --claim-mode",
                    dialect.describe()
                ))
            })?;
            if let Value::Object(fields) = &mut body {
                fields.insert(field.to_string(), Value::String(mode.clone()));
            }
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests;
