//! The pods' logs of a cluster, as lines handed to the caller (this layer
//! prints nothing): each pod's log in turn, or — following — every pod's
//! stream at once, with TaskManagers picked up as they appear and reported
//! as they go away.

use super::client::ClusterTarget;
use super::errors::{ClusterError, ClusterResult as Result, api_failure};
use crate::render::labels;
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Which pods, and how much of their logs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogOptions {
    pub jobmanager: bool,
    pub taskmanagers: bool,
    pub since: Option<Duration>,
    pub tail: Option<i64>,
    pub previous: bool,
    pub timestamps: bool,
}

/// What a log reading hands its caller.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEvent {
    Line {
        pod: String,
        line: String,
    },
    /// A followed pod appeared.
    Started {
        pod: String,
    },
    /// A followed pod's stream ended (the pod went away or stopped).
    Ended {
        pod: String,
    },
}

/// How often following looks for new pods.
const NEW_PODS_EVERY: Duration = Duration::from_secs(2);

impl LogOptions {
    fn params(&self, container: &str, follow: bool) -> LogParams {
        LogParams {
            container: Some(container.to_string()),
            follow,
            previous: self.previous,
            since_seconds: self.since.map(|s| s.as_secs().max(1) as i64),
            tail_lines: self.tail,
            timestamps: self.timestamps,
            ..LogParams::default()
        }
    }

    fn wants(&self, pod: &Pod) -> bool {
        let component = pod
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::COMPONENT))
            .map(String::as_str);
        match component {
            Some(labels::JOBMANAGER) => !self.taskmanagers,
            Some(labels::TASKMANAGER) => !self.jobmanager,
            _ => false,
        }
    }
}

/// A pod whose log is read, and its Flink container.
struct PodLog {
    name: String,
    container: String,
}

/// The cluster's pods that `options` asks for, JobManager first.
async fn pods(api: &Api<Pod>, target: &ClusterTarget, options: &LogOptions) -> Result<Vec<PodLog>> {
    let list = api
        .list(&ListParams::default().labels(&labels::selector::cluster(&target.cluster_id)))
        .await
        .map_err(|e| api_failure("list pods", &target.namespace, &e))?;
    let mut chosen: Vec<(bool, String, String)> = list
        .items
        .iter()
        .filter(|p| options.wants(p))
        .filter_map(|p| {
            let taskmanager = p
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(labels::COMPONENT))
                .is_some_and(|c| c == labels::TASKMANAGER);
            let container = super::inventory::flink_container_name(p);
            Some((taskmanager, p.metadata.name.clone()?, container))
        })
        .collect();
    chosen.sort();
    Ok(chosen
        .into_iter()
        .map(|(_, name, container)| PodLog { name, container })
        .collect())
}

/// Each pod's log in turn (JobManager first).
pub async fn read(
    target: &ClusterTarget,
    options: &LogOptions,
    mut on_event: impl FnMut(LogEvent),
) -> Result<usize> {
    let api: Api<Pod> = Api::namespaced(target.connection.client.clone(), &target.namespace);
    let listed = pods(&api, target, options).await?;
    for PodLog { name, container } in &listed {
        let text = api
            .logs(name, &options.params(container, false))
            .await
            .map_err(|e| {
                api_failure(
                    &format!("read the log of pod {name}"),
                    &target.namespace,
                    &e,
                )
            })?;
        for line in text.lines() {
            on_event(LogEvent::Line {
                pod: name.clone(),
                line: line.to_string(),
            });
        }
    }
    Ok(listed.len())
}

/// Every pod's log as it is written, new pods included, until `stop`
/// resolves (Ctrl-C) or the cluster has no pods left to follow. A pod that
/// is no longer listed has ended even if its stream has not (some log
/// servers keep a deleted pod's stream open).
pub async fn follow(
    target: &ClusterTarget,
    options: &LogOptions,
    stop: impl std::future::Future<Output = ()>,
    mut on_event: impl FnMut(LogEvent),
) -> Result<()> {
    let api: Api<Pod> = Api::namespaced(target.connection.client.clone(), &target.namespace);
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel::<LogEvent>();
    let mut followed: BTreeSet<String> = BTreeSet::new();
    // The streams still open, by pod.
    let mut open: BTreeMap<String, tokio::task::AbortHandle> = BTreeMap::new();
    let mut first_round = true;
    let mut ticker = tokio::time::interval(NEW_PODS_EVERY);
    let mut stop = std::pin::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = ticker.tick() => {
                let listed = pods(&api, target, options).await?;
                for PodLog { name, container } in &listed {
                    if !followed.insert(name.clone()) {
                        continue;
                    }
                    // A pod that appears while following is shown from its start.
                    let params = if first_round {
                        options.params(container, true)
                    } else {
                        LogParams { tail_lines: None, since_seconds: None, ..options.params(container, true) }
                    };
                    open.insert(name.clone(), spawn_stream(&api, name.clone(), params, sender.clone()));
                }
                first_round = false;
                if followed.is_empty() {
                    return Err(ClusterError::Failed(format!(
                        "no pods of Flink cluster {} in namespace {} to follow",
                        target.cluster_id, target.namespace
                    )));
                }
                let gone: Vec<String> = open.keys().filter(|p| !listed.iter().any(|l| &&l.name == p)).cloned().collect();
                for pod in gone {
                    if let Some(stream) = open.remove(&pod) {
                        stream.abort();
                        on_event(LogEvent::Ended { pod });
                    }
                }
                if open.is_empty() {
                    return Ok(());
                }
            }
            event = events.recv() => {
                let Some(event) = event else { return Ok(()) };
                if let LogEvent::Ended { pod } = &event {
                    // Already ended when it was no longer listed.
                    if open.remove(pod).is_none() {
                        continue;
                    }
                }
                on_event(event);
                if open.is_empty() && pods(&api, target, options).await?.iter().all(|p| followed.contains(&p.name)) {
                    return Ok(());
                }
            }
        }
    }
}

fn spawn_stream(
    api: &Api<Pod>,
    pod: String,
    params: LogParams,
    sender: tokio::sync::mpsc::UnboundedSender<LogEvent>,
) -> tokio::task::AbortHandle {
    let api = api.clone();
    let task = tokio::spawn(async move {
        let _ = sender.send(LogEvent::Started { pod: pod.clone() });
        if let Ok(stream) = api.log_stream(&pod, &params).await {
            let mut lines = stream.lines();
            while let Some(Ok(line)) = lines.next().await {
                let _ = sender.send(LogEvent::Line {
                    pod: pod.clone(),
                    line,
                });
            }
        }
        let _ = sender.send(LogEvent::Ended { pod });
    });
    task.abort_handle()
}
