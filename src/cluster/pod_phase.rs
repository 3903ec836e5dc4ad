//! Reading a JobManager pod as `--wait` does: its phase (scheduled, image
//! pulling, running), its state in kubectl's words, and the problems that
//! stop it (ImagePullBackOff, CrashLoopBackOff, Unschedulable, OOMKilled).

use k8s_openapi::api::core::v1::Pod;
use std::time::Duration;

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
