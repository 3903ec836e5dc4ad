//! What `status` asks a JobManager about each job: the last exception's
//! root cause and the checkpoints — read leniently, since the shapes differ
//! a little between Flink releases (2.0 dropped `root-exception`).

use super::client::FlinkRest;
use super::dialect::Dialect;
use super::error::RestError;
use super::model::parse_json;
use serde::Serialize;
use serde_json::Value;

/// A job's checkpoints, as `status` shows them.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointHealth {
    pub completed: u64,
    pub failed: u64,
    pub in_progress: u64,
    /// The last completed checkpoint's location, if it has one.
    pub last_path: Option<String>,
    /// Epoch milliseconds the last completed checkpoint was acknowledged.
    pub last_completed_at: Option<i64>,
    /// Bytes of the last completed checkpoint.
    pub last_size: Option<u64>,
    /// Why the last failed checkpoint failed.
    pub last_failure: Option<String>,
}

impl FlinkRest {
    /// Any GET answered with JSON, as Flink sent it (for `report`).
    pub async fn get_json(&self, path: &str) -> Result<Value, RestError> {
        parse_json(&self.get(path).await?.body)
    }

    /// `GET /jobs/:id/exceptions`: the root cause of the job's last
    /// exception (its first line), if any.
    pub async fn last_exception(&self, job_id: &str) -> Result<Option<String>, RestError> {
        let path = format!(
            "/jobs/{}/exceptions?maxExceptions=1",
            super::client::encode_segment(job_id)
        );
        let dialect = self.dialect().await?;
        let value: Value = parse_json(&self.get(&path).await?.body)?;
        Ok(root_cause(&value, &dialect))
    }

    /// `GET /jobs/:id/checkpoints`.
    pub async fn checkpoints(&self, job_id: &str) -> Result<CheckpointHealth, RestError> {
        let path = format!(
            "/jobs/{}/checkpoints",
            super::client::encode_segment(job_id)
        );
        let dialect = self.dialect().await?;
        let value: Value = parse_json(&self.get(&path).await?.body)?;
        Ok(checkpoint_health(&value, &dialect))
    }

    /// `GET /jobs/:id/checkpoints`: the savepoint or checkpoint the job
    /// restored its state from, if any.
    pub async fn restored_from(&self, job_id: &str) -> Result<Option<String>, RestError> {
        let path = format!(
            "/jobs/{}/checkpoints",
            super::client::encode_segment(job_id)
        );
        let value: Value = parse_json(&self.get(&path).await?.body)?;
        Ok(value["latest"]["restored"]["external_path"]
            .as_str()
            .map(str::to_string))
    }
}

/// The root cause of the newest exception, where `dialect` keeps it
/// (`exceptionHistory` from 1.13, `root-exception` before 2.0): its stack
/// trace's last `Caused by:`, else its first line.
pub fn root_cause(value: &Value, dialect: &Dialect) -> Option<String> {
    let history = || {
        value["exceptionHistory"]["entries"]
            .as_array()
            .and_then(|entries| entries.first())
            .and_then(|entry| entry["stacktrace"].as_str())
    };
    let legacy = || value["root-exception"].as_str();
    let trace = match (dialect.rest.exception_history, dialect.rest.root_exception) {
        (true, true) => history().or_else(legacy),
        (true, false) => history(),
        (false, _) => legacy(),
    }?;
    super::error::root_cause(trace).or_else(|| {
        trace
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(str::to_string)
    })
}

/// Counts and the last completed and failed checkpoint; the size is the
/// checkpointed (incremental) one where `dialect` has it, else the full state.
pub fn checkpoint_health(value: &Value, dialect: &Dialect) -> CheckpointHealth {
    let count = |name: &str| value["counts"][name].as_u64().unwrap_or(0);
    let completed = &value["latest"]["completed"];
    let failed = &value["latest"]["failed"];
    CheckpointHealth {
        completed: count("completed"),
        failed: count("failed"),
        in_progress: count("in_progress"),
        last_path: completed["external_path"]
            .as_str()
            .filter(|p| !p.is_empty() && *p != "<checkpoint-not-externally-addressable>")
            .map(str::to_string),
        last_completed_at: completed["latest_ack_timestamp"].as_i64(),
        last_size: if dialect.rest.checkpointed_size {
            completed["checkpointed_size"].as_u64()
        } else {
            completed["state_size"].as_u64()
        },
        last_failure: failed["failure_message"]
            .as_str()
            .map(crate::output::one_line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dialect(release: &str) -> Dialect {
        Dialect::of_reported(release).unwrap()
    }

    #[test]
    fn the_root_cause_is_the_newest_entrys_last_cause_in_either_shape() {
        let newest = dialect("2.3.0");
        let modern = json!({"exceptionHistory": {"entries": [
            {"stacktrace": "org.apache.flink.runtime.JobException: Recovery is suppressed\n\tat x\nCaused by: java.lang.IllegalStateException: bad record 42\n\tat Job.map(Job.java:10)"},
            {"stacktrace": "older"}
        ]}});
        assert_eq!(
            root_cause(&modern, &newest).as_deref(),
            Some("java.lang.IllegalStateException: bad record 42")
        );
        let old = json!({"root-exception": "java.io.IOException: gone\n\tat x"});
        assert_eq!(
            root_cause(&old, &dialect("1.20.5")).as_deref(),
            Some("java.io.IOException: gone")
        );
        assert_eq!(
            root_cause(&old, &dialect("1.12.5")).as_deref(),
            Some("java.io.IOException: gone")
        );
        assert_eq!(
            root_cause(&json!({"exceptionHistory": {"entries": []}}), &newest),
            None
        );
    }

    #[test]
    fn each_release_reads_the_exception_field_it_has() {
        // Both shapes in one answer, as 1.13–1.20 send them: 2.x has no
        // `root-exception`, 1.12 no history.
        let both = json!({
            "root-exception": "java.io.IOException: legacy",
            "exceptionHistory": {"entries": [{"stacktrace": "java.lang.IllegalStateException: history"}]}
        });
        let read = |release| root_cause(&both, &dialect(release));
        assert_eq!(
            read("1.12.5").as_deref(),
            Some("java.io.IOException: legacy")
        );
        assert_eq!(
            read("1.13.6").as_deref(),
            Some("java.lang.IllegalStateException: history")
        );
        let legacy_only = json!({"root-exception": "java.io.IOException: legacy"});
        assert_eq!(
            root_cause(&legacy_only, &dialect("1.18.1")).as_deref(),
            Some("java.io.IOException: legacy")
        );
        assert_eq!(root_cause(&legacy_only, &dialect("2.0.2")), None);
    }

    #[test]
    fn the_checkpoint_size_is_the_checkpointed_one_from_1_15() {
        let value = json!({"latest": {"completed": {"checkpointed_size": 10, "state_size": 99}}});
        assert_eq!(
            checkpoint_health(&value, &dialect("1.14.6")).last_size,
            Some(99)
        );
        assert_eq!(
            checkpoint_health(&value, &dialect("1.15.4")).last_size,
            Some(10)
        );
    }

    #[test]
    fn checkpoints_give_counts_and_the_last_completed_and_failed() {
        let value = json!({
            "counts": {"completed": 7, "failed": 1, "in_progress": 0},
            "latest": {
                "completed": {"external_path": "s3://cp/chk-7", "latest_ack_timestamp": 1000, "checkpointed_size": 2048},
                "failed": {"failure_message": "Checkpoint expired\\nbefore completing."}
            }
        });
        let health = checkpoint_health(&value, &dialect("2.3.0"));
        assert_eq!(health.completed, 7);
        assert_eq!(health.failed, 1);
        assert_eq!(health.last_path.as_deref(), Some("s3://cp/chk-7"));
        assert_eq!(health.last_size, Some(2048));
        assert!(health.last_failure.is_some());
        assert_eq!(
            checkpoint_health(&json!({}), &dialect("2.3.0")),
            CheckpointHealth::default()
        );
    }
}
