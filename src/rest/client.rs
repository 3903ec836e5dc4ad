//! The typed Flink REST client: one method per endpoint kubectl-flink uses,
//! errors already reduced to Flink's own one-line reason.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use tokio::time::Instant;

use super::backoff::Backoff;
use super::dialect::Dialect;
use super::error::{RestError, flink_error_message};
use super::exchange::{RestRequest, RestResponse, UploadProgress};
use super::model::{
    ClusterOverview, JobOverview, RunJarRequest, SavepointRequest, SavepointStatus, StopRequest,
    parse_jobs_overview, parse_json, parse_run_job_id, parse_savepoint_status, parse_trigger_id,
    parse_uploaded_jar_id,
};
use super::multipart;
use super::transport::Transport;

/// Longest wait for one ordinary request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest wait for deleting an uploaded jar: clean-up after a run, which
/// should not hold the command long when the JobManager is unreachable.
const DELETE_JAR_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest wait for a jar upload (large jars over slow links).
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Exception Flink reports when an operation names a job it does not know.
const JOB_NOT_FOUND_EXCEPTION: &str = "FlinkJobNotFoundException";

/// Whether a poll of an operation already triggered is asked again after `error`.
fn retried(error: &RestError) -> bool {
    error.is_transient() || matches!(error, RestError::ApiServerUnreachable(_))
}

/// A client for one JobManager's REST API over a [`Transport`].
#[derive(Clone)]
pub struct FlinkRest {
    transport: Transport,
    /// The JobManager's release and REST dialect, asked once ([`Self::dialect`]).
    pub(super) dialect: Arc<OnceLock<Dialect>>,
}

impl FlinkRest {
    /// A client sending every request over `transport`.
    pub fn new(transport: Transport) -> Self {
        Self {
            transport,
            dialect: Arc::default(),
        }
    }

    /// Where requests go, for messages.
    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    /// `GET /overview`. Succeeds once the REST endpoint answers; the
    /// readiness probe behind `--wait`.
    pub async fn overview(&self) -> Result<ClusterOverview, RestError> {
        self.overview_within(REQUEST_TIMEOUT).await
    }

    /// [`Self::overview`] given up after `timeout` (as
    /// [`RestError::Unreachable`]), so a probe inside a wait with its own
    /// deadline ends before that deadline does.
    pub async fn overview_within(&self, timeout: Duration) -> Result<ClusterOverview, RestError> {
        let response = self
            .call(RestRequest::new(Method::GET, "/overview"), timeout)
            .await?;
        parse_json(&response.body)
    }

    /// A GET within the usual time limit.
    pub(super) async fn get(&self, path: &str) -> Result<RestResponse, RestError> {
        self.call(RestRequest::new(Method::GET, path), REQUEST_TIMEOUT)
            .await
    }

    /// `GET /jobs/overview`: every job the cluster knows, running or not.
    pub async fn jobs_overview(&self) -> Result<Vec<JobOverview>, RestError> {
        self.jobs_overview_within(REQUEST_TIMEOUT).await
    }

    /// [`Self::jobs_overview`] given up after `timeout` (as
    /// [`RestError::Unreachable`]), for waits that poll the jobs until
    /// their own deadline.
    pub async fn jobs_overview_within(
        &self,
        timeout: Duration,
    ) -> Result<Vec<JobOverview>, RestError> {
        let response = self
            .call(RestRequest::new(Method::GET, "/jobs/overview"), timeout)
            .await?;
        parse_jobs_overview(&response.body)
    }

    /// `PATCH /jobs/:id?mode=cancel`. Returns once Flink accepted the
    /// cancellation (the job turns CANCELED shortly after).
    pub async fn cancel_job(&self, job_id: &str) -> Result<(), RestError> {
        let path = format!("/jobs/{}?mode=cancel", encode_segment(job_id));
        match self
            .call(RestRequest::new(Method::PATCH, path), REQUEST_TIMEOUT)
            .await
        {
            Err(e) if e.is_not_found() => Err(RestError::JobNotFound(job_id.to_string())),
            other => other.map(drop),
        }
    }

    /// `POST /jobs/:id/savepoints`; returns the trigger id to poll.
    pub async fn trigger_savepoint(
        &self,
        job_id: &str,
        request: &SavepointRequest,
    ) -> Result<String, RestError> {
        let path = format!("/jobs/{}/savepoints", encode_segment(job_id));
        self.trigger(path, request).await
    }

    /// `POST /jobs/:id/stop` (stop-with-savepoint); returns the trigger id to
    /// poll with [`FlinkRest::await_savepoint`].
    pub async fn stop_with_savepoint(
        &self,
        job_id: &str,
        request: &StopRequest,
    ) -> Result<String, RestError> {
        let path = format!("/jobs/{}/stop", encode_segment(job_id));
        self.trigger(path, request).await
    }

    /// POST an asynchronous operation; returns Flink's trigger id.
    async fn trigger(
        &self,
        path: String,
        request: &impl serde::Serialize,
    ) -> Result<String, RestError> {
        let response = self
            .call(
                RestRequest::json(Method::POST, path, request),
                REQUEST_TIMEOUT,
            )
            .await?;
        parse_trigger_id(&response.body)
    }

    /// `GET /jobs/:id/savepoints/:trigger`: one look at a savepoint or
    /// stop, given up after `timeout`.
    async fn savepoint_status(
        &self,
        job_id: &str,
        trigger_id: &str,
        timeout: Duration,
    ) -> Result<SavepointStatus, RestError> {
        let path = format!(
            "/jobs/{}/savepoints/{}",
            encode_segment(job_id),
            encode_segment(trigger_id)
        );
        let response = self
            .call(RestRequest::new(Method::GET, path), timeout)
            .await?;
        parse_savepoint_status(&response.body)
    }

    /// Polls a savepoint (or stop) with Flink's back-off until it completes;
    /// returns its location. Transient failures of a poll are retried, and
    /// no poll outlasts the deadline. A failed savepoint is
    /// [`RestError::SavepointFailed`] with Flink's reason (or
    /// [`RestError::JobNotFound`]); not confirmed within `timeout` is
    /// [`RestError::TimedOut`].
    pub async fn await_savepoint(
        &self,
        job_id: &str,
        trigger_id: &str,
        timeout: Duration,
    ) -> Result<String, RestError> {
        let deadline = Instant::now() + timeout;
        let mut backoff = Backoff::flink_default();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let poll = self.savepoint_status(job_id, trigger_id, remaining.min(REQUEST_TIMEOUT));
            let status = match poll.await {
                Ok(status) => status,
                // A blip on the way (proxy 503, a dropped forward, a connection to
                // the API server lost — it answered the trigger a moment ago) is not
                // the savepoint's fate: ask again until the deadline.
                Err(e) if retried(&e) && Instant::now() < deadline => {
                    tokio::time::sleep_until((Instant::now() + backoff.next_delay()).min(deadline))
                        .await;
                    continue;
                }
                Err(e) if retried(&e) => {
                    return Err(RestError::TimedOut(format!(
                        "the savepoint of job {job_id} was not confirmed within {} (trigger {trigger_id}; last poll: {e}); it may still complete",
                        human_duration(timeout)
                    )));
                }
                Err(e) => return Err(e),
            };
            match status {
                SavepointStatus::Completed { location } => return Ok(location),
                SavepointStatus::Failed { reason } if reason.contains(JOB_NOT_FOUND_EXCEPTION) => {
                    return Err(RestError::JobNotFound(job_id.to_string()));
                }
                SavepointStatus::Failed { reason } => {
                    return Err(RestError::SavepointFailed { reason });
                }
                SavepointStatus::InProgress if Instant::now() >= deadline => {
                    return Err(RestError::TimedOut(format!(
                        "the savepoint of job {job_id} was not complete after {} (trigger {trigger_id}); it may still complete",
                        human_duration(timeout)
                    )));
                }
                SavepointStatus::InProgress => {
                    tokio::time::sleep_until((Instant::now() + backoff.next_delay()).min(deadline))
                        .await;
                }
            }
        }
    }

    /// `POST /jars/upload` of one jar; returns the jar id for
    /// [`FlinkRest::run_jar`]. `file_name` must end in `.jar` (Flink's rule).
    pub async fn upload_jar(&self, file_name: &str, jar: &[u8]) -> Result<String, RestError> {
        self.upload_jar_counted(file_name, jar, UploadProgress::default())
            .await
    }

    /// [`Self::upload_jar`], counting the bytes sent into `progress` (a
    /// little more than the jar: the multipart framing) for a progress bar.
    pub async fn upload_jar_counted(
        &self,
        file_name: &str,
        jar: &[u8],
        progress: UploadProgress,
    ) -> Result<String, RestError> {
        let upload = multipart::jar_upload(file_name, jar, &multipart::random_boundary());
        let request = RestRequest::with_body(
            Method::POST,
            "/jars/upload",
            upload.content_type,
            Bytes::from(upload.body),
        )
        .with_progress(progress);
        let response = self.call(request, UPLOAD_TIMEOUT).await?;
        parse_uploaded_jar_id(&response.body)
    }

    /// `POST /jars/:jarid/run`; returns the new job's id.
    pub async fn run_jar(
        &self,
        jar_id: &str,
        request: &RunJarRequest,
    ) -> Result<String, RestError> {
        let path = format!("/jars/{}/run", encode_segment(jar_id));
        // Only the claim mode's field differs between releases.
        let dialect = match request.claim_mode {
            Some(_) => self.dialect().await?,
            None => Dialect::newest(),
        };
        let body = request.body(&dialect)?;
        let response = self
            .call(
                RestRequest::json(Method::POST, path, &body),
                REQUEST_TIMEOUT,
            )
            .await?;
        parse_run_job_id(&response.body)
    }

    /// `DELETE /jars/:jarid`: removes an uploaded jar from the JobManager,
    /// so `session run` leaves nothing behind, as Flink's own `flink run`
    /// does. Bounded by a short timeout: callers run it as clean-up, after
    /// the outcome that matters is known.
    pub async fn delete_jar(&self, jar_id: &str) -> Result<(), RestError> {
        let path = format!("/jars/{}", encode_segment(jar_id));
        self.call(RestRequest::new(Method::DELETE, path), DELETE_JAR_TIMEOUT)
            .await
            .map(drop)
    }

    /// `DELETE /cluster`: asks the JobManager to shut the whole cluster down
    /// gracefully (it deletes its own Deployment's pods' TaskManagers and
    /// exits); what `session stop` uses before deleting objects.
    pub async fn shutdown_cluster(&self) -> Result<(), RestError> {
        self.call(
            RestRequest::new(Method::DELETE, "/cluster"),
            REQUEST_TIMEOUT,
        )
        .await
        .map(drop)
    }

    /// Sends a request within `timeout`; a non-2xx answer becomes
    /// [`RestError::Flink`] with Flink's first useful error line.
    async fn call(
        &self,
        request: RestRequest,
        timeout: Duration,
    ) -> Result<RestResponse, RestError> {
        let started = std::time::Instant::now();
        let what = format!(
            "{} {} (Flink REST via {})",
            request.method,
            request.path,
            self.transport.describe()
        );
        if let Some((content_type, bytes)) = &request.body {
            crate::trace::line(
                crate::trace::BODIES,
                &format!(
                    "Request body ({content_type}): {}",
                    crate::trace::body(bytes)
                ),
            );
        }
        let sent = tokio::time::timeout(timeout, self.transport.send(&request)).await;
        let elapsed = started.elapsed().as_millis();
        match &sent {
            Ok(Ok(response)) => {
                crate::trace::line(
                    crate::trace::REQUESTS,
                    &format!("{what} {} in {elapsed} ms", response.status),
                );
                crate::trace::line(
                    crate::trace::BODIES,
                    &format!("Response body: {}", crate::trace::body(&response.body)),
                );
            }
            _ => crate::trace::line(
                crate::trace::REQUESTS,
                &format!("{what} failed after {elapsed} ms"),
            ),
        }
        let response = sent.map_err(|_| {
            RestError::Unreachable(format!(
                "{} {} via {} did not answer within {}",
                request.method,
                request.path,
                self.transport.describe(),
                human_duration(timeout)
            ))
        })??;
        if response.is_success() {
            return Ok(response);
        }
        let message = flink_error_message(&response.body).unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&response.body);
            let first = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("");
            if first.is_empty() {
                format!("{} {} failed", request.method, request.path)
            } else {
                first.chars().take(200).collect()
            }
        });
        Err(RestError::Flink {
            status: response.status,
            message,
        })
    }
}

/// `60s`, or `250ms` below a second (a whole-second rounding would say `0s`).
fn human_duration(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) && duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

/// A path segment with everything but RFC 3986 unreserved characters
/// percent-encoded (jar ids carry the uploaded file's name).
pub fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests;
