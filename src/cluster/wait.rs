//! Waiting for a new cluster: the JobManager pod through its phases
//! (scheduled, image pulling, running) until Flink's REST API answers —
//! failing fast, with the pod's events, when the pod cannot get there
//! (ImagePullBackOff, CrashLoopBackOff, Unschedulable, OOMKilled).

use super::errors::api_failure;
use crate::error::{Error, Result};
use crate::render::labels::TYPE_VALUE;
use crate::rest::FlinkRest;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams};
use std::time::{Duration, Instant};

/// Where a starting JobManager is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Waiting for the pod to be created and placed on a node.
    Scheduling,
    /// Placed; pulling the image and creating the container.
    PullingImage,
    /// Container running; Flink starting up.
    Running,
    /// Flink's REST API answers.
    RestUp,
}

impl Phase {
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Scheduling => "scheduling the JobManager pod",
            Phase::PullingImage => "pulling the image",
            Phase::Running => "JobManager running, waiting for its REST API",
            Phase::RestUp => "REST API up",
        }
    }
}

/// Why a JobManager pod will not come up by itself.
#[derive(Debug, Clone, PartialEq)]
pub struct PodProblem {
    pub pod: String,
    /// `ImagePullBackOff`, `CrashLoopBackOff`, `Unschedulable`, `OOMKilled`, …
    pub reason: String,
    pub message: String,
}

/// Reasons that do not fix themselves without a change by the user.
const FATAL_WAITING_REASONS: &[&str] = &[
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
];

/// Judge one pod: its phase, or the problem that stops it.
pub fn assess(pod: &Pod) -> std::result::Result<Phase, PodProblem> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let problem = |reason: &str, message: Option<&String>| PodProblem {
        pod: name.clone(),
        reason: reason.to_string(),
        message: message.cloned().unwrap_or_default(),
    };
    let Some(status) = &pod.status else {
        return Ok(Phase::Scheduling);
    };
    for condition in status.conditions.iter().flatten() {
        if condition.type_ == "PodScheduled"
            && condition.status == "False"
            && condition.reason.as_deref() == Some("Unschedulable")
        {
            return Err(problem("Unschedulable", condition.message.as_ref()));
        }
    }
    for container in status.container_statuses.iter().flatten() {
        if let Some(last) = container
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            && last.reason.as_deref() == Some("OOMKilled")
        {
            return Err(problem(
                "OOMKilled",
                Some(&format!(
                    "container {} ran out of memory (exit code {}); raise jobmanager.memory.process.size",
                    container.name, last.exit_code
                )),
            ));
        }
        if let Some(reason) = container
            .state
            .as_ref()
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .filter(|r| FATAL_WAITING_REASONS.contains(r))
        {
            let message = container
                .state
                .as_ref()
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.message.as_ref());
            return Err(problem(reason, message));
        }
    }
    if status.phase.as_deref() == Some("Failed") {
        return Err(problem("Failed", status.message.as_ref()));
    }
    let ready = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    let scheduled = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "PodScheduled" && c.status == "True");
    Ok(if ready || status.phase.as_deref() == Some("Running") {
        Phase::Running
    } else if scheduled {
        Phase::PullingImage
    } else {
        Phase::Scheduling
    })
}

/// Wait until the cluster's REST API answers, reporting each new phase.
pub async fn until_ready(
    client: &kube::Client,
    namespace: &str,
    cluster_id: &str,
    rest: &FlinkRest,
    timeout: Duration,
    mut on_phase: impl FnMut(Phase),
) -> Result<()> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let selector = ListParams::default().labels(&format!(
        "type={TYPE_VALUE},app={cluster_id},component=jobmanager"
    ));
    let deadline = Instant::now() + timeout;
    let mut phase = None;
    let mut delay = Duration::from_millis(100);
    loop {
        let list = pods
            .list(&selector)
            .await
            .map_err(|e| api_failure("list the JobManager pods", namespace, &e))?;
        let mut best = Phase::Scheduling;
        for pod in list
            .items
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
        {
            match assess(pod) {
                Ok(p) => best = best.max(p),
                Err(problem) => {
                    return Err(pod_failure(client, namespace, cluster_id, &problem).await);
                }
            }
        }
        if best == Phase::Running && rest.overview().await.is_ok() {
            best = Phase::RestUp;
        }
        if phase != Some(best) {
            phase = Some(best);
            on_phase(best);
        }
        if best == Phase::RestUp {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Error::Failed(format!(
                "Flink cluster {cluster_id} is not ready after {}s (still {}): look at `kubectl describe pods -l app={cluster_id},component=jobmanager -n {namespace}`, or wait longer with --timeout",
                timeout.as_secs(),
                best.describe()
            )));
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

/// An error naming the problem, with the pod's recent warning events on
/// stderr before it.
async fn pod_failure(
    client: &kube::Client,
    namespace: &str,
    cluster_id: &str,
    problem: &PodProblem,
) -> Error {
    let events: Api<Event> = Api::namespaced(client.clone(), namespace);
    let params = ListParams::default().fields(&format!("involvedObject.name={}", problem.pod));
    if let Ok(list) = events.list(&params).await {
        for event in list.items.iter().rev().take(5).rev() {
            crate::output::style::print_warning(&format!(
                "pod {}: {} {}: {}",
                problem.pod,
                event.type_.as_deref().unwrap_or("Normal"),
                event.reason.as_deref().unwrap_or(""),
                event.message.as_deref().unwrap_or("")
            ));
        }
    }
    let detail = if problem.message.is_empty() {
        String::new()
    } else {
        format!(": {}", problem.message)
    };
    Error::Failed(format!(
        "the JobManager of Flink cluster {cluster_id} cannot start ({}{detail}); the cluster is left as it is for inspection: `kubectl describe pod {} -n {namespace}`, remove it with `kubectl flink session stop {cluster_id} -n {namespace}`",
        problem.reason, problem.pod
    ))
}

/// Wait until the application's job runs; a job that fails or finishes
/// first is an error naming its state.
pub async fn until_job_running(
    rest: &FlinkRest,
    cluster_id: &str,
    timeout: Duration,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(100);
    loop {
        if let Ok(jobs) = rest.jobs_overview().await {
            if jobs.iter().any(|j| j.state.0 == "RUNNING") {
                return Ok(());
            }
            if let Some(job) = jobs.iter().find(|j| j.state.is_globally_terminal()) {
                return Err(Error::Failed(format!(
                    "the job {} of application cluster {cluster_id} ended as {} before running: see `kubectl logs deployment/{cluster_id}`",
                    job.id, job.state.0
                )));
            }
        }
        if Instant::now() >= deadline {
            return Err(Error::Failed(format!(
                "the job of application cluster {cluster_id} is not running after {}s: see `kubectl logs deployment/{cluster_id}`, or wait longer with --timeout",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "jm-1"}, "status": status}))
            .expect("pod")
    }

    #[test]
    fn phases_follow_the_pod_status() {
        assert_eq!(
            assess(&pod(json!({"phase": "Pending"}))),
            Ok(Phase::Scheduling)
        );
        assert_eq!(
            assess(&pod(
                json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]})
            )),
            Ok(Phase::PullingImage)
        );
        assert_eq!(
            assess(&pod(json!({"phase": "Running"}))),
            Ok(Phase::Running)
        );
    }

    #[test]
    fn fatal_states_are_problems_with_their_reason() {
        let pull = pod(
            json!({"phase": "Pending", "containerStatuses": [{"name": "flink-main-container", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"nope\""}}}]}),
        );
        let problem = assess(&pull).unwrap_err();
        assert_eq!(problem.reason, "ImagePullBackOff");
        assert!(problem.message.contains("nope"));
        let unschedulable = pod(
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes have enough cpu"}]}),
        );
        assert_eq!(assess(&unschedulable).unwrap_err().reason, "Unschedulable");
        let oom = pod(
            json!({"phase": "Running", "containerStatuses": [{"name": "flink-main-container", "image": "x", "imageID": "", "ready": false, "restartCount": 1,
            "state": {"running": {}}, "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}),
        );
        let problem = assess(&oom).unwrap_err();
        assert_eq!(problem.reason, "OOMKilled");
        assert!(problem.message.contains("jobmanager.memory.process.size"));
    }
}
