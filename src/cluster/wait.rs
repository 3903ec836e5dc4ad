//! Waiting for a new cluster: the JobManager pod through its phases
//! (scheduled, image pulling, running) until Flink's REST API answers —
//! failing fast, with the pod's events, when the pod cannot get there
//! (ImagePullBackOff, CrashLoopBackOff, Unschedulable, OOMKilled).

use super::client::ClusterTarget;
use super::errors::api_failure;
use crate::error::{Error, Result};
use crate::flink::spec::DeploymentMode;
use crate::rest::FlinkRest;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams};
use std::collections::HashMap;
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
    /// The phase in words, for progress lines and timeouts.
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Scheduling => "scheduling the JobManager pod",
            Phase::PullingImage => "pulling the image",
            Phase::Running => "JobManager running, waiting for its REST API",
            Phase::RestUp => "REST API up",
        }
    }
}

/// What a wait reports as it goes: the phase, and the JobManager pod's
/// state in kubectl's words (`Pending`, `ContainerCreating`, restarts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub pod_state: Option<String>,
}

impl Progress {
    /// One line: the phase, then the pod's state.
    pub fn describe(&self) -> String {
        match &self.pod_state {
            Some(state) => format!("{} ({state})", self.phase.describe()),
            None => self.phase.describe().to_string(),
        }
    }
}

/// `session` or `app`: the command group that waits for, stops or cleans a cluster of `mode`.
pub fn command_group(mode: DeploymentMode) -> &'static str {
    match mode {
        DeploymentMode::Session => "session",
        DeploymentMode::Application => "app",
    }
}

/// A pod's state as `kubectl get pods` shows it: name, the container's
/// waiting reason or the pod phase, and restarts.
pub fn pod_state(pod: &Pod) -> String {
    let name = pod.metadata.name.as_deref().unwrap_or("pod");
    let status = pod.status.as_ref();
    let containers = status.and_then(|s| s.container_statuses.as_ref());
    let waiting = containers
        .into_iter()
        .flatten()
        .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone());
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    let restarts: i32 = containers
        .into_iter()
        .flatten()
        .map(|c| c.restart_count)
        .sum();
    let mut state = format!("pod {name}: {}", waiting.unwrap_or(phase));
    if restarts > 0 {
        state.push_str(&format!(", {restarts} restarts"));
    }
    state
}

/// Poll `done` with a growing delay (50 ms up to 500 ms) until it says
/// true, or `deadline` passes (then false) — the one polling loop for
/// "until it is gone" waits.
pub async fn poll_until<F, Fut>(deadline: Instant, mut done: F) -> Result<bool>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let mut delay = Duration::from_millis(50);
    loop {
        if done().await? {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

/// Why a JobManager pod will not come up by itself.
#[derive(Debug, Clone, PartialEq)]
pub struct PodProblem {
    pub pod: String,
    /// `ImagePullBackOff`, `CrashLoopBackOff`, `Unschedulable`, `OOMKilled`, …
    pub reason: String,
    pub message: String,
    /// A state that often passes by itself (a cluster autoscaler adding a
    /// node): a problem only once it has lasted [`PERSISTENT_AFTER`].
    pub may_pass: bool,
}

/// How long a state that may pass must last before `--wait` gives up.
pub const PERSISTENT_AFTER: Duration = Duration::from_secs(45);

/// Reasons that do not fix themselves without a change by the user
/// (`ErrImagePull` is left out: it turns into `ImagePullBackOff` if it lasts).
const FATAL_WAITING_REASONS: &[&str] = &[
    "ImagePullBackOff",
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
        may_pass: reason == "Unschedulable",
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

/// Wait until the cluster's REST API answers, reporting each change of
/// phase or pod state. On timeout the cluster is left as it is (it was
/// created and keeps starting) and the error says how to wait again.
pub async fn until_ready(
    target: &ClusterTarget,
    mode: DeploymentMode,
    rest: &FlinkRest,
    timeout: Duration,
    mut on_progress: impl FnMut(&Progress),
) -> Result<()> {
    let (namespace, cluster_id) = (target.namespace.as_str(), target.cluster_id.as_str());
    let pods: Api<Pod> = Api::namespaced(target.connection.client.clone(), namespace);
    let selector = ListParams::default().labels(&crate::rest::label_selector(
        &crate::render::labels::jobmanager_selector(cluster_id),
    ));
    let deadline = Instant::now() + timeout;
    let mut last: Option<Progress> = None;
    let mut last_rest_error: Option<String> = None;
    let mut delay = Duration::from_millis(100);
    let mut first_seen: HashMap<(String, String), Instant> = HashMap::new();
    loop {
        let list = pods
            .list(&selector)
            .await
            .map_err(|e| api_failure("list the JobManager pods", namespace, &e))?;
        let mut best = Phase::Scheduling;
        let mut best_pod: Option<&Pod> = None;
        for pod in list
            .items
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
        {
            match assess(pod) {
                Ok(p) => {
                    if best_pod.is_none() || p > best {
                        best_pod = Some(pod);
                    }
                    best = best.max(p);
                }
                Err(problem) if problem.may_pass => {
                    best_pod = best_pod.or(Some(pod));
                    let since = *first_seen
                        .entry((problem.pod.clone(), problem.reason.clone()))
                        .or_insert_with(Instant::now);
                    if since.elapsed() >= PERSISTENT_AFTER {
                        return Err(pod_failure(target, &problem).await);
                    }
                }
                Err(problem) => {
                    return Err(pod_failure(target, &problem).await);
                }
            }
        }
        if best == Phase::Running {
            match rest
                .overview_within(deadline.saturating_duration_since(Instant::now()))
                .await
            {
                Ok(_) => best = Phase::RestUp,
                Err(e) => last_rest_error = Some(crate::output::one_line(&e.to_string())),
            }
        }
        let progress = Progress {
            phase: best,
            pod_state: best_pod.map(pod_state),
        };
        if last.as_ref() != Some(&progress) {
            on_progress(&progress);
            last = Some(progress);
        }
        if best == Phase::RestUp {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let suggest = &target.connection.suggest;
            let answer = last_rest_error
                .map(|e| format!(", its REST API said: {e}"))
                .unwrap_or_default();
            return Err(Error::Failed(format!(
                "Flink cluster {cluster_id} is not ready after {}s (still {}{answer}); it exists and keeps starting: wait again with `{}`, or look at `{}`",
                timeout.as_secs(),
                best.describe(),
                suggest.flink(&format!(
                    "{} wait {cluster_id} -n {namespace}",
                    command_group(mode)
                )),
                suggest.kubectl(&format!(
                    "describe pods -l app={cluster_id},component=jobmanager -n {namespace}"
                ))
            )));
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

/// An error naming the problem, with the pod's recent warning events on
/// stderr before it.
async fn pod_failure(target: &ClusterTarget, problem: &PodProblem) -> Error {
    let (namespace, cluster_id) = (target.namespace.as_str(), target.cluster_id.as_str());
    let suggest = &target.connection.suggest;
    let events: Api<Event> = Api::namespaced(target.connection.client.clone(), namespace);
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
        "the JobManager of Flink cluster {cluster_id} cannot start ({}{detail}); the cluster is left as it is for inspection: `{}`, remove it with `{}`",
        problem.reason,
        suggest.kubectl(&format!("describe pod {} -n {namespace}", problem.pod)),
        suggest.flink(&format!("cleanup {cluster_id} -n {namespace} --yes"))
    ))
}

/// How a waited-for application came out.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    Running,
    /// A short job finished before it was seen running (a success).
    Finished,
}

/// Wait until the application's job runs (or has already finished well); a
/// job that fails or is cancelled first, or a cluster that disappears
/// without a finished job, is an error.
pub async fn until_job_running(
    target: &ClusterTarget,
    rest: &FlinkRest,
    timeout: Duration,
) -> Result<JobOutcome> {
    let (namespace, cluster_id) = (target.namespace.as_str(), target.cluster_id.as_str());
    let suggest = &target.connection.suggest;
    let deadline = Instant::now() + timeout;
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(target.connection.client.clone(), namespace);
    let mut delay = Duration::from_millis(100);
    loop {
        match rest
            .jobs_overview_within(deadline.saturating_duration_since(Instant::now()))
            .await
        {
            Ok(jobs) => {
                if jobs.iter().any(|j| j.state.0 == "RUNNING") {
                    return Ok(JobOutcome::Running);
                }
                if jobs.iter().any(|j| j.state.0 == "FINISHED") {
                    return Ok(JobOutcome::Finished);
                }
                if let Some(job) = jobs.iter().find(|j| j.state.is_globally_terminal()) {
                    return Err(Error::Failed(format!(
                        "the job {} of application cluster {cluster_id} ended as {} before running: see `{}`",
                        job.id,
                        job.state.0,
                        suggest.kubectl(&format!("logs deployment/{cluster_id} -n {namespace}"))
                    )));
                }
            }
            _ => {
                let gone = deployments
                    .get_opt(cluster_id)
                    .await
                    .map_err(|e| {
                        api_failure(&format!("get Deployment {cluster_id}"), namespace, &e)
                    })?
                    .is_none();
                if gone {
                    return Err(Error::Failed(format!(
                        "application cluster {cluster_id} removed itself before its job was seen running (it ends with its job): check the job's output in your sink or logging system"
                    )));
                }
            }
        }
        if Instant::now() >= deadline {
            return Err(Error::Failed(format!(
                "the job of application cluster {cluster_id} is not running after {}s; the cluster keeps starting it: wait again with `{}`, or see `{}`",
                timeout.as_secs(),
                suggest.flink(&format!("app wait {cluster_id} -n {namespace}")),
                suggest.kubectl(&format!("logs deployment/{cluster_id} -n {namespace}"))
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
    fn an_unschedulable_pod_may_still_be_placed() {
        let pending = pod(
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "waiting for a node"}]}),
        );
        assert!(
            assess(&pending).unwrap_err().may_pass,
            "an autoscaler may add a node"
        );
        let pull = pod(
            json!({"phase": "Pending", "containerStatuses": [{"name": "flink-main-container", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ErrImagePull"}}}]}),
        );
        assert_eq!(
            assess(&pull),
            Ok(Phase::Scheduling),
            "a first pull error may be retried"
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
