//! `suspend`, step by step, so that a failure — or Ctrl-C — at any request leaves the whole
//! suspend (savepoints taken, recorded, the cluster removed) or nothing of it (the cluster
//! running and no suspend recorded), and never loses a savepoint: one that was taken is in the
//! history or in the error.

use super::{Recorded, SuspendOptions, now};
use crate::cluster::client::ClusterTarget;
use crate::cluster::history::{self, Entry, Savepoint};
use crate::error::{Error, Result};
use crate::output::{Output, one_line};
use crate::rest::{FlinkRest, RestError, SavepointFormat, StopRequest};
use futures::FutureExt;
use std::cell::RefCell;
use std::pin::Pin;

/// Ctrl-C, listened for from the first job stopped on.
type Interrupt = Pin<Box<dyn std::future::Future<Output = std::io::Result<()>>>>;

/// Where the jobs stand, for the message of a suspend (or upgrade) that ends half-way.
#[derive(Default)]
pub(crate) struct Progress {
    /// The job being stopped now: (id, name).
    stopping: Option<(String, String)>,
    /// The savepoints taken so far.
    taken: Vec<Savepoint>,
    /// No further job is to be stopped (Ctrl-C): the one being stopped finishes.
    halted: bool,
}

impl Progress {
    /// Stop no job after the one being stopped now.
    pub(crate) fn halt(&mut self) {
        self.halted = true;
    }

    /// The job being stopped now: (id, name).
    pub(crate) fn stopping(&self) -> Option<&(String, String)> {
        self.stopping.as_ref()
    }

    /// `, but …` naming the jobs a savepoint already stopped (they stay stopped).
    fn stopped_jobs(&self) -> String {
        if self.taken.is_empty() {
            return String::new();
        }
        let taken: Vec<String> = self
            .taken
            .iter()
            .map(|s| format!("{} ({})", s.path, s.job_id))
            .collect();
        format!(
            ", but the jobs already stopped stay stopped: restart them from their savepoints {}",
            taken.join(", ")
        )
    }
}

pub(super) async fn run(options: &SuspendOptions, output: &Output) -> Result<()> {
    let target = options.target.connect().await?;
    // What resume recreates, read before anything changes.
    let super::Running {
        mode,
        image,
        objects,
    } = super::Running::read(&target).await?;
    let rest = target.rest();
    // From here on Ctrl-C must not end the command between two steps: it is listened for
    // (polling the future once installs the handler) and answered where it is safe.
    let mut interrupted: Interrupt = Box::pin(tokio::signal::ctrl_c());
    let _ = (&mut interrupted).now_or_never();
    let progress = RefCell::new(Progress::default());
    let stopping = stop_jobs(
        &target,
        &rest,
        options.directory.as_deref(),
        options.timeout,
        output,
        &progress,
    );
    let savepoints = tokio::select! {
        stopped = stopping => stopped?,
        _ = &mut interrupted => return Err(interrupted_while_stopping(&target, &progress.borrow())),
    };
    let entry = Entry {
        time: now(),
        action: "suspend".into(),
        mode: mode.word().into(),
        image,
        savepoints,
        objects: Some(objects),
    };
    // Recorded before removing, so a failure below loses nothing; Ctrl-C waits until the
    // Deployment's deletion is asked for (two requests).
    let taken = Progress {
        taken: entry.savepoints.clone(),
        ..Progress::default()
    };
    history::append(&target, entry.clone())
        .await
        .map_err(|e| {
            Error::Failed(format!(
                "cannot record the suspend of Flink cluster {}: {}: nothing was removed and the cluster keeps running{}",
                target.cluster_id,
                one_line(&e.to_string()),
                taken.stopped_jobs()
            ))
        })?;
    remove(options, &target, &entry, &taken, &mut interrupted).await?;
    Ok(output.show(
        &Recorded {
            entry,
            cluster: target.cluster_id.clone(),
            namespace: target.namespace.clone(),
        },
        options.format,
    )?)
}

/// Stops every job that is not finished with a savepoint, one after the other, keeping
/// `progress` up to date (and stopping no further job once it is halted); the savepoints
/// taken. On a failure nothing more is stopped, and the error names the jobs already stopped
/// and their savepoints. A stop whose answer never came is asked about
/// by the trigger id chosen here (Flink 1.15 on), so a reply lost on the way back neither fails
/// the command nor loses the savepoint.
pub(crate) async fn stop_jobs(
    target: &ClusterTarget,
    rest: &FlinkRest,
    directory: Option<&str>,
    timeout: std::time::Duration,
    output: &Output,
    progress: &RefCell<Progress>,
) -> Result<Vec<Savepoint>> {
    for job in &unfinished_jobs(target, rest).await? {
        if progress.borrow().halted {
            break;
        }
        output.note(&format!(
            "Stopping job {} ({}) with a savepoint.",
            job.id, job.name
        ));
        progress.borrow_mut().stopping = Some((job.id.clone(), job.name.clone()));
        // The body of the release the JobManager runs, with a trigger id of ours when it
        // takes one.
        let request = rest
            .dialect()
            .await
            .and_then(|dialect| {
                StopRequest::new(
                    directory.map(str::to_string),
                    false,
                    SavepointFormat::Canonical,
                    &dialect,
                )
                .map(|r| r.with_new_trigger_id(&dialect))
            })
            .map_err(|e| savepoint_failed(&job.id, &e, "", &progress.borrow()))?;
        let path = match rest.stop_with_savepoint(&job.id, &request).await {
            Ok(trigger) => rest
                .await_savepoint(&job.id, &trigger, timeout)
                .await
                .map_err(|e| savepoint_failed(&job.id, &e, "", &progress.borrow()))?,
            // No answer from Flink: the stop may have got there all the same. Flink knows it
            // by the id chosen here, so ask it how the stop went.
            Err(e) if unanswered(&e) => {
                let asked = match &request.trigger_id {
                    Some(id) => rest.await_savepoint(&job.id, id, timeout).await.ok(),
                    None => None,
                };
                asked.ok_or_else(|| {
                    let maybe = format!(
                        "; the job may have stopped with a savepoint all the same: see `{}`",
                        status_command(target)
                    );
                    savepoint_failed(&job.id, &e, &maybe, &progress.borrow())
                })?
            }
            Err(e) => return Err(savepoint_failed(&job.id, &e, "", &progress.borrow())),
        };
        output.note(&format!("Savepoint of job {}: {path}", job.id));
        let mut done = progress.borrow_mut();
        done.stopping = None;
        done.taken.push(Savepoint {
            job_id: job.id.clone(),
            job_name: job.name.clone(),
            path,
        });
    }
    Ok(std::mem::take(&mut progress.borrow_mut().taken))
}

/// Whether Flink's own answer is missing (the request may have reached it).
fn unanswered(error: &RestError) -> bool {
    matches!(
        error,
        RestError::Unreachable(_)
            | RestError::ApiServerUnreachable(_)
            | RestError::ProxyUnavailable(_)
    ) || matches!(error, RestError::Flink { status, .. } if *status >= 500)
}

fn savepoint_failed(job: &str, error: &RestError, maybe: &str, progress: &Progress) -> Error {
    Error::Failed(format!(
        "the savepoint of job {job} failed: {}{maybe}: the cluster keeps running{} (name a savepoint directory with --directory if none is configured)",
        one_line(&error.to_string()),
        progress.stopped_jobs()
    ))
}

/// The command that shows the cluster's jobs, finished ones too.
fn status_command(target: &ClusterTarget) -> String {
    target.connection.suggest.flink(&format!(
        "status {} -n {}",
        target.cluster_id, target.namespace
    ))
}

fn interrupted_while_stopping(target: &ClusterTarget, progress: &Progress) -> Error {
    let stopping = match &progress.stopping {
        Some((id, name)) => format!(
            " while job {id} ({name}) was being stopped with a savepoint, which may still complete (see `{}`)",
            status_command(target)
        ),
        None => String::new(),
    };
    Error::Failed(format!(
        "interrupted{stopping}: nothing was removed, no suspend recorded, and Flink cluster {} keeps running{}",
        target.cluster_id,
        progress.stopped_jobs()
    ))
}

/// Removes the cluster whose suspend `entry` records; if its Deployment cannot be deleted, the
/// entry is taken out of the history again (the cluster keeps running).
async fn remove(
    options: &SuspendOptions,
    target: &ClusterTarget,
    entry: &Entry,
    taken: &Progress,
    interrupted: &mut Interrupt,
) -> Result<()> {
    let (client, ns, id) = (
        &target.connection.client,
        &target.namespace,
        &target.cluster_id,
    );
    if let Err(e) = crate::cluster::cleanup::delete_deployment(client, ns, id).await {
        let undone = match history::remove(target, entry).await {
            Ok(()) => "the suspend is not recorded".to_string(),
            Err(undo) => format!(
                "and taking the suspend out of its history failed too ({}): run suspend again to finish it",
                one_line(&undo.to_string())
            ),
        };
        return Err(Error::Failed(format!(
            "cannot suspend Flink cluster {id}: {}: {undone}, and the cluster keeps running{}",
            one_line(&e.to_string()),
            taken.stopped_jobs()
        )));
    }
    // The suspend has happened: what is left is waiting for the objects to go. HA data goes
    // too: a resumed JobManager would recover from it instead of the recorded savepoint.
    let finishing = async {
        crate::cluster::cleanup::await_deployment_gone(client, ns, id, options.timeout).await?;
        crate::cluster::cleanup::remove_unowned_and_ha(client, ns, id).await
    };
    let finished = tokio::select! {
        finished = finishing => finished,
        _ = interrupted => {
            return Err(Error::Failed(format!(
                "interrupted: Flink cluster {id} is suspended (recorded, its Deployment being deleted); see that nothing is left with `{}`",
                target.connection.suggest.flink(&format!("cleanup {id} -n {ns}"))
            )));
        }
    };
    finished.map_err(|e| {
        Error::Failed(format!(
            "Flink cluster {id} is suspended (recorded, its Deployment deleted), but {}",
            one_line(&e.to_string())
        ))
    })
}

/// The jobs of the cluster that have not finished, cancelled or failed
/// (before anything changes: the error says nothing was).
pub(crate) async fn unfinished_jobs(
    target: &ClusterTarget,
    rest: &FlinkRest,
) -> Result<Vec<crate::rest::JobOverview>> {
    let jobs = rest.jobs_overview().await.map_err(|e| {
        Error::Failed(format!(
            "cannot reach the JobManager of Flink cluster {}: {}: nothing was changed",
            target.cluster_id,
            one_line(&e.to_string())
        ))
    })?;
    Ok(jobs
        .into_iter()
        .filter(|j| !j.state.is_globally_terminal())
        .collect())
}
