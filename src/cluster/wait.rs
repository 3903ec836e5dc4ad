//! Waiting for a new cluster: the JobManager pod through its phases
//! (scheduled, image pulling, running) until Flink's REST API answers —
//! failing fast, with the pod's events, when the pod cannot get there
//! (ImagePullBackOff, CrashLoopBackOff, Unschedulable, OOMKilled).

use super::client::ClusterTarget;
use super::errors::api_failure;
use super::errors::{ClusterError, ClusterResult as Result};
use crate::flink::spec::DeploymentMode;
use crate::rest::FlinkRest;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub use super::pod_phase::*;

/// The one polling loop: call `step` with a growing delay (50 ms, doubling
/// up to `max_delay`) until it gives a value, an error, or `deadline`
/// passes (then `Ok(None)`, after one last call).
pub async fn poll<T, E>(
    deadline: Instant,
    max_delay: Duration,
    mut step: impl AsyncFnMut() -> std::result::Result<Option<T>, E>,
) -> std::result::Result<Option<T>, E> {
    let mut delay = Duration::from_millis(50);
    loop {
        if let Some(value) = step().await? {
            return Ok(Some(value));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        delay = (delay * 2).min(max_delay);
    }
}

/// Poll `done` until it says true, or `deadline` passes (then false): the
/// "until it is gone" waits. A transient failure of one look (no answer, a
/// 5xx) is looked past until the deadline, as a watch would reconnect; at
/// the deadline it is the error.
pub async fn poll_until<F, Fut>(deadline: Instant, mut done: F) -> Result<bool>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let finished = poll(
        deadline,
        Duration::from_millis(500),
        async || -> Result<_> {
            match done().await {
                Ok(done) => Ok(done.then_some(())),
                Err(e) if e.is_transient() && Instant::now() < deadline => Ok(None),
                Err(e) => Err(e),
            }
        },
    )
    .await?;
    Ok(finished.is_some())
}

/// Wait until the cluster's REST API answers, reporting each change of
/// phase or pod state. On timeout the cluster is left as it is (it was
/// created and keeps starting) and the error says how to wait again.
pub async fn until_ready(
    target: &ClusterTarget,
    mode: DeploymentMode,
    rest: &FlinkRest,
    timeout: Duration,
    mut on_event: impl FnMut(WaitEvent<'_>),
) -> Result<()> {
    let (namespace, cluster_id) = (target.namespace.as_str(), target.cluster_id.as_str());
    let pods: Api<Pod> = Api::namespaced(target.connection.client.clone(), namespace);
    let selector =
        ListParams::default().labels(&crate::render::labels::selector::jobmanager(cluster_id));
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
        let (mut best, best_pod) = match assess_pods(&list.items, &mut first_seen) {
            Ok(found) => found,
            Err(problem) => return Err(pod_failure(target, &problem, &mut on_event).await),
        };
        // Each probe is short, so a hanging answer cannot eat the whole wait.
        let budget = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_secs(10));
        if best == Phase::Running && !budget.is_zero() {
            match rest.overview_within(budget).await {
                Ok(_) => best = Phase::RestUp,
                Err(e) => last_rest_error = Some(crate::output::one_line(&e.to_string())),
            }
        }
        let progress = Progress {
            phase: best,
            pod_state: best_pod.map(pod_state),
        };
        if last.as_ref() != Some(&progress) {
            on_event(WaitEvent::Progress(&progress));
            last = Some(progress);
        }
        if best == Phase::RestUp {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(not_ready(target, mode, timeout, best, last_rest_error));
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

/// The most advanced phase among the JobManager pods, and the pod in it;
/// a pod problem that cannot pass (or has lasted [`PERSISTENT_AFTER`]) instead.
fn assess_pods<'a>(
    pods: &'a [Pod],
    first_seen: &mut HashMap<(String, String), Instant>,
) -> std::result::Result<(Phase, Option<&'a Pod>), PodProblem> {
    let mut best = Phase::Scheduling;
    let mut best_pod: Option<&Pod> = None;
    for pod in pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
    {
        match assess(pod) {
            Ok(phase) => {
                if best_pod.is_none() || phase > best {
                    best_pod = Some(pod);
                }
                best = best.max(phase);
            }
            Err(problem) if problem.may_pass => {
                best_pod = best_pod.or(Some(pod));
                let since = *first_seen
                    .entry((problem.pod.clone(), problem.reason.clone()))
                    .or_insert_with(Instant::now);
                if since.elapsed() >= PERSISTENT_AFTER {
                    return Err(problem);
                }
            }
            Err(problem) => return Err(problem),
        }
    }
    Ok((best, best_pod))
}

/// The timeout: the cluster exists and keeps starting; how to wait again.
fn not_ready(
    target: &ClusterTarget,
    mode: DeploymentMode,
    timeout: Duration,
    phase: Phase,
    last_rest_error: Option<String>,
) -> ClusterError {
    let (namespace, cluster_id) = (&target.namespace, &target.cluster_id);
    let suggest = &target.connection.suggest;
    let answer = last_rest_error
        .map(|e| format!(", its REST API said: {e}"))
        .unwrap_or_default();
    ClusterError::Failed(format!(
        "Flink cluster {cluster_id} is not ready after {}s (still {}{answer}); it exists and keeps starting: wait again with `{}`, or look at `{}`",
        timeout.as_secs(),
        phase.describe(),
        suggest.flink(&format!(
            "{} wait {cluster_id} -n {namespace}",
            mode.command_group()
        )),
        suggest.kubectl(&format!(
            "describe pods -l {} -n {namespace}",
            crate::render::labels::selector::jobmanager(cluster_id)
        ))
    ))
}

/// What a wait tells its caller as it goes (this layer prints nothing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaitEvent<'a> {
    /// The phase or the pod's state changed.
    Progress(&'a Progress),
    /// One of the stuck pod's recent events, shown before the error.
    PodEvent(&'a str),
}

/// An error naming the problem; the pod's recent events go to `on_event`
/// first.
async fn pod_failure(
    target: &ClusterTarget,
    problem: &PodProblem,
    on_event: &mut impl FnMut(WaitEvent<'_>),
) -> ClusterError {
    let (namespace, cluster_id) = (target.namespace.as_str(), target.cluster_id.as_str());
    let suggest = &target.connection.suggest;
    let events: Api<Event> = Api::namespaced(target.connection.client.clone(), namespace);
    let params = ListParams::default().fields(&format!("involvedObject.name={}", problem.pod));
    if let Ok(list) = events.list(&params).await {
        for event in list.items.iter().rev().take(5).rev() {
            on_event(WaitEvent::PodEvent(&format!(
                "pod {}: {} {}: {}",
                problem.pod,
                event.type_.as_deref().unwrap_or("Normal"),
                event.reason.as_deref().unwrap_or(""),
                event.message.as_deref().unwrap_or("")
            )));
        }
    }
    let detail = if problem.message.is_empty() {
        String::new()
    } else {
        format!(": {}", problem.message)
    };
    ClusterError::Failed(format!(
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
    let outcome = poll(deadline, Duration::from_secs(1), async || {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(jobs) = rest.jobs_overview_within(left).await else {
            let gone = deployments
                .get_opt(cluster_id)
                .await
                .map_err(|e| api_failure(&format!("get Deployment {cluster_id}"), namespace, &e))?
                .is_none();
            if gone {
                return Err(ClusterError::Failed(format!(
                    "application cluster {cluster_id} removed itself before its job was seen running (it ends with its job): check the job's output in your sink or logging system"
                )));
            }
            return Ok(None);
        };
        if jobs.iter().any(|j| j.state.0 == "RUNNING") {
            return Ok(Some(JobOutcome::Running));
        }
        if jobs.iter().any(|j| j.state.0 == "FINISHED") {
            return Ok(Some(JobOutcome::Finished));
        }
        if let Some(job) = jobs.iter().find(|j| j.state.is_globally_terminal()) {
            return Err(ClusterError::Failed(format!(
                "the job {} of application cluster {cluster_id} ended as {} before running: see `{}`",
                job.id,
                job.state.0,
                suggest.kubectl(&format!("logs deployment/{cluster_id} -n {namespace}"))
            )));
        }
        Ok(None)
    })
    .await?;
    outcome.ok_or_else(|| {
        ClusterError::Failed(format!(
            "the job of application cluster {cluster_id} is not running after {}s; the cluster keeps starting it: wait again with `{}`, or see `{}`",
            timeout.as_secs(),
            suggest.flink(&format!("app wait {cluster_id} -n {namespace}")),
            suggest.kubectl(&format!("logs deployment/{cluster_id} -n {namespace}"))
        ))
    })
}

/// Wait until the job (`job_id`, else the cluster's newest job) is RUNNING
/// with every task RUNNING — tasks run only once their state is restored;
/// its id. A job that ends first is an error with Flink's root cause.
pub async fn until_all_tasks_run(
    target: &ClusterTarget,
    rest: &FlinkRest,
    job_id: Option<&str>,
    timeout: Duration,
) -> Result<String> {
    let id = &target.cluster_id;
    let deadline = Instant::now() + timeout;
    let mut last: Option<crate::rest::JobOverview> = None;
    let running = poll(deadline, Duration::from_secs(1), async || {
        let Ok(jobs) = rest.jobs_overview().await else {
            return Ok::<_, ClusterError>(None);
        };
        let job = jobs
            .into_iter()
            .filter(|j| job_id.is_none_or(|wanted| j.id == wanted))
            .max_by_key(|j| j.start_time);
        let Some(job) = job else {
            return Ok(None);
        };
        if job.state.is_globally_terminal() {
            let cause = rest.last_exception(&job.id).await.ok().flatten();
            return Err(ClusterError::Failed(format!(
                "job {} ended as {}{}",
                job.id,
                job.state.0,
                cause.map(|c| format!(": {c}")).unwrap_or_default()
            )));
        }
        let all =
            job.state.0 == "RUNNING" && job.tasks.total > 0 && job.tasks.running == job.tasks.total;
        if all {
            return Ok(Some(job.id));
        }
        last = Some(job);
        Ok(None)
    })
    .await?;
    let Some(job_id) = running else {
        let state = last
            .map(|j| {
                format!(
                    "job {} is {} with {} of {} tasks running",
                    j.id, j.state.0, j.tasks.running, j.tasks.total
                )
            })
            .unwrap_or_else(|| "no job was seen".to_string());
        return Err(ClusterError::Failed(format!(
            "cluster {id} did not run its job within {}s ({state})",
            timeout.as_secs()
        )));
    };
    Ok(job_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::errors::ApiCallError;

    fn failure(status: Option<u16>) -> ClusterError {
        ClusterError::Api(ApiCallError {
            what: "get Deployment c1".into(),
            namespace: Some("default".into()),
            status,
            reason: "x".into(),
        })
    }

    #[tokio::test]
    async fn a_gone_wait_looks_past_transient_failures_but_not_refusals() {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut looks = 0;
        let gone = poll_until(deadline, || {
            looks += 1;
            let look = looks;
            async move {
                match look {
                    1 => Err(failure(Some(503))),
                    2 => Err(failure(None)),
                    _ => Ok(true),
                }
            }
        })
        .await;
        assert!(matches!(gone, Ok(true)), "{gone:?}");

        let refused = poll_until(deadline, || async { Err(failure(Some(403))) }).await;
        assert!(matches!(refused, Err(ClusterError::Api(e)) if e.status == Some(403)));

        let soon = Instant::now() + Duration::from_millis(200);
        let failing = poll_until(soon, || async { Err(failure(Some(500))) }).await;
        assert!(matches!(failing, Err(ClusterError::Api(e)) if e.status == Some(500)));
    }
}
