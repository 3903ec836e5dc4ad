//! The typed Flink REST client: one method per endpoint kubectl-flink uses,
//! errors already reduced to Flink's own one-line reason.

use std::time::Duration;

use bytes::Bytes;
use http::Method;
use tokio::time::Instant;

use super::backoff::Backoff;
use super::error::{RestError, flink_error_message};
use super::exchange::{RestRequest, RestResponse};
use super::model::{
    ClusterOverview, JobOverview, RunJarRequest, SavepointRequest, SavepointStatus, StopRequest,
    parse_jobs_overview, parse_json, parse_run_job_id, parse_savepoint_status, parse_trigger_id,
    parse_uploaded_jar_id,
};
use super::multipart;
use super::transport::Transport;

/// Longest wait for one ordinary request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest wait for a jar upload (large jars over slow links).
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Exception Flink reports when an operation names a job it does not know.
const JOB_NOT_FOUND_EXCEPTION: &str = "FlinkJobNotFoundException";

/// A client for one JobManager's REST API over a [`Transport`].
#[derive(Clone)]
pub struct FlinkRest {
    transport: Transport,
}

impl FlinkRest {
    pub fn new(transport: Transport) -> Self {
        Self { transport }
    }

    /// Where requests go, for messages.
    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    /// `GET /overview`. Succeeds once the REST endpoint answers; the
    /// readiness probe behind `--wait`.
    pub async fn overview(&self) -> Result<ClusterOverview, RestError> {
        let response = self
            .call(RestRequest::new(Method::GET, "/overview"), REQUEST_TIMEOUT)
            .await?;
        parse_json(&response.body)
    }

    /// Polls [`FlinkRest::overview`] with back-off until it answers, while
    /// failures are transient (nothing listening yet, 5xx while booting);
    /// other failures (forbidden, bad answers) end the wait at once.
    pub async fn wait_until_ready(&self, timeout: Duration) -> Result<ClusterOverview, RestError> {
        let deadline = Instant::now() + timeout;
        let mut backoff = Backoff::flink_default();
        loop {
            let attempt = tokio::time::timeout_at(deadline, self.overview()).await;
            match attempt {
                Ok(Ok(overview)) => return Ok(overview),
                Ok(Err(e)) if !e.is_transient() => return Err(e),
                Ok(Err(e)) if Instant::now() >= deadline => {
                    return Err(RestError::TimedOut(format!(
                        "Flink's REST API did not answer within {}s: {e}",
                        timeout.as_secs()
                    )));
                }
                Ok(Err(_)) => {}
                Err(_) => {
                    return Err(RestError::TimedOut(format!(
                        "Flink's REST API did not answer within {}s",
                        timeout.as_secs()
                    )));
                }
            }
            tokio::time::sleep_until((Instant::now() + backoff.next_delay()).min(deadline)).await;
        }
    }

    /// `GET /jobs/overview`: every job the cluster knows, running or not.
    pub async fn jobs_overview(&self) -> Result<Vec<JobOverview>, RestError> {
        let response = self
            .call(
                RestRequest::new(Method::GET, "/jobs/overview"),
                REQUEST_TIMEOUT,
            )
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
        let response = self
            .call(
                RestRequest::json(Method::POST, path, request),
                REQUEST_TIMEOUT,
            )
            .await?;
        parse_trigger_id(&response.body)
    }

    /// `POST /jobs/:id/stop` (stop-with-savepoint); returns the trigger id to
    /// poll with [`FlinkRest::await_savepoint`].
    pub async fn stop_with_savepoint(
        &self,
        job_id: &str,
        request: &StopRequest,
    ) -> Result<String, RestError> {
        let path = format!("/jobs/{}/stop", encode_segment(job_id));
        let response = self
            .call(
                RestRequest::json(Method::POST, path, request),
                REQUEST_TIMEOUT,
            )
            .await?;
        parse_trigger_id(&response.body)
    }

    /// `GET /jobs/:id/savepoints/:trigger`: one look at a savepoint or stop.
    pub async fn savepoint_status(
        &self,
        job_id: &str,
        trigger_id: &str,
    ) -> Result<SavepointStatus, RestError> {
        let path = format!(
            "/jobs/{}/savepoints/{}",
            encode_segment(job_id),
            encode_segment(trigger_id)
        );
        let response = self
            .call(RestRequest::new(Method::GET, path), REQUEST_TIMEOUT)
            .await?;
        parse_savepoint_status(&response.body)
    }

    /// Polls a savepoint (or stop) with Flink's back-off until it completes;
    /// returns its location. A failed savepoint is
    /// [`RestError::SavepointFailed`] with Flink's reason (or
    /// [`RestError::JobNotFound`]); not done within `timeout` is
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
            match self.savepoint_status(job_id, trigger_id).await? {
                SavepointStatus::Completed { location } => return Ok(location),
                SavepointStatus::Failed { reason } if reason.contains(JOB_NOT_FOUND_EXCEPTION) => {
                    return Err(RestError::JobNotFound(job_id.to_string()));
                }
                SavepointStatus::Failed { reason } => {
                    return Err(RestError::SavepointFailed { reason });
                }
                SavepointStatus::InProgress if Instant::now() >= deadline => {
                    return Err(RestError::TimedOut(format!(
                        "the savepoint of job {job_id} was not complete after {}s (trigger {trigger_id}); it may still complete",
                        timeout.as_secs()
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
        let upload = multipart::jar_upload(file_name, jar, &multipart::random_boundary());
        let request = RestRequest::with_body(
            Method::POST,
            "/jars/upload",
            upload.content_type,
            Bytes::from(upload.body),
        );
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
        let response = self
            .call(
                RestRequest::json(Method::POST, path, request),
                REQUEST_TIMEOUT,
            )
            .await?;
        parse_run_job_id(&response.body)
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
        let response = tokio::time::timeout(timeout, self.transport.send(&request))
            .await
            .map_err(|_| {
                RestError::Unreachable(format!(
                    "{} {} via {} did not answer within {}s",
                    request.method,
                    request.path,
                    self.transport.describe(),
                    timeout.as_secs()
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
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(
            encode_segment("46998ac4_my job.jar"),
            "46998ac4_my%20job.jar"
        );
        assert_eq!(encode_segment("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(
            encode_segment("b4ae9ea72c0fbafde9211f010c27c866"),
            "b4ae9ea72c0fbafde9211f010c27c866"
        );
    }
}
