//! Flink's REST API, typed: what `kubectl flink` asks a running JobManager
//! (list, cancel, savepoint, stop, upload, run and delete jars, shut down,
//! readiness).
//!
//! [`FlinkRest`] holds the endpoints and reduces Flink's error bodies to one
//! line; [`Transport`] decides how requests travel: the API server's services
//! proxy (default, falls back to port-forward when forbidden), a port-forward
//! to the JobManager pod, or a plain `http://` URL. No clap and no printing
//! here: commands decide what users see.

mod backoff;
#[cfg(test)]
mod canned;
mod client;
mod dialect;
mod direct;
mod error;
mod exchange;
mod forward;
mod health;
mod http1;
mod model;
mod multipart;
mod proxy;
mod transport;

pub use client::{FlinkRest, encode_segment};
pub use dialect::{ClaimModeField, DIALECTS, Dialect, RestDialect};
pub use error::RestError;
pub use exchange::UploadProgress;
pub use forward::find_jobmanager;
pub use health::CheckpointHealth;
pub use model::{
    ClusterOverview, JobOverview, JobState, RunJarRequest, SavepointFormat, SavepointRequest,
    SavepointStatus, StopRequest, TaskCounts,
};
pub use transport::Transport;

/// The decoders of Flink's REST answers, public for the fuzz targets (`fuzz/`) and their
/// regression tests: none of them may panic on any body a server sends.
#[doc(hidden)]
pub mod decode {
    pub use super::error::{failure_reason, flink_error_message};
    pub use super::model::{
        parse_jobs_overview, parse_json, parse_run_job_id, parse_savepoint_status,
        parse_trigger_id, parse_uploaded_jar_id,
    };
}
