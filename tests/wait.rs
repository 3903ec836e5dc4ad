//! `--wait` and `session wait` on the imitation API server: failing fast
//! with the pod's events when it cannot start (pod failures on demand), and
//! progress with the command to wait again.

mod common;

use common::imitation::*;
use common::*;
use std::time::{Duration, Instant};
use test_apiserver::PodFailure;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_fails_fast_with_the_pods_events_when_the_image_cannot_be_pulled() {
    let server = server().await;
    server.fail_pod(
        "default",
        "app=w1,component=jobmanager",
        PodFailure::ImagePullBackOff,
    );
    let home = Scratch::new("wait-fail");
    let began = Instant::now();
    let out = start(
        &server,
        &home,
        "w1",
        &[
            "--wait",
            "--timeout",
            "2m",
            "-Dkubernetes.container.image.ref=no/such:image",
        ],
    );
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "fails fast, not at the timeout"
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot start (ImagePullBackOff"), "{err}");
    assert!(
        err.contains("warning: pod w1-"),
        "the pod's events are shown: {err}"
    );
    assert!(
        err.lines()
            .last()
            .unwrap_or_default()
            .starts_with("error: "),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_fails_fast_when_the_jobmanager_keeps_crashing() {
    let server = server().await;
    server.fail_pod(
        "default",
        "app=crash,component=jobmanager",
        PodFailure::CrashLoopBackOff,
    );
    let home = Scratch::new("wait-crash");
    let began = Instant::now();
    let out = start(&server, &home, "crash", &["--wait", "--timeout", "2m"]);
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "fails fast, not at the timeout"
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot start (CrashLoopBackOff"), "{err}");
    assert!(
        err.contains("kubectl flink cleanup crash"),
        "names how to remove it: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_wait_shows_progress_and_says_how_to_wait_again() {
    let server = server().await;
    let home = Scratch::new("session-wait");
    assert_eq!(start(&server, &home, "w1", &[]).status.code(), Some(0));
    // No JobManager answers behind this pod: the wait runs out.
    let out = flink(
        &server,
        &home,
        &["session", "wait", "w1", "--timeout", "2s"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("… Flink cluster w1: JobManager running")),
        "one progress line per change on a pipe: {err}"
    );
    let kubeconfig = server.kubeconfig_path().display().to_string();
    assert!(
        err.contains("it exists and keeps starting")
            && err.contains(&format!(
                "wait again with `kubectl flink session wait w1 -n default --kubeconfig {kubeconfig}`"
            )),
        "the suggested command talks to the same cluster: {err}"
    );
    let out = flink(&server, &home, &["session", "wait", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Flink cluster nosuch not found in namespace default"),
        "{}",
        stderr(&out)
    );
}
