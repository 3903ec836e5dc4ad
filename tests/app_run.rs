//! `app run`: which jars an application cluster can fetch, our flags after
//! the jar refused before anything is created, and `--wait` until the job
//! runs (a real Flink application cluster behind the imitation API server).

mod common;

use common::imitation::*;
use common::*;

#[test]
fn application_jars_must_be_fetchable_by_the_cluster() {
    let home = Scratch::new("jar");
    let conf = golden_conf();
    let run_app = |jar: &str| {
        run(
            home.path(),
            &[
                "app",
                "run",
                "--cluster-id",
                "a1",
                "--dry-run",
                "--flink-conf-dir",
                &conf,
                jar,
            ],
        )
    };
    assert_usage_error(&run_app("ftp://host/job.jar"), &["'ftp:'", "local://"]);
    assert_usage_error(
        &run_app("./target/job.jar"),
        &["local:///opt/flink/usrlib/job.jar"],
    );
    let out = run_app("file:///home/me/job.jar");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("warning: file:///home/me/job.jar is read inside the JobManager's container"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_flags_after_the_jar_are_refused_before_anything_is_created() {
    let server = server().await;
    let home = Scratch::new("deploy-misplaced");
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let out = run(
        home.path(),
        &[
            "--kubeconfig",
            &kubeconfig,
            "app",
            "run",
            "--cluster-id",
            "x",
            "local:///opt/flink/usrlib/job.jar",
            "--input",
            "a",
            "--dry-run=client",
            "-o",
            "yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("--dry-run comes after the jar") && message.contains("put -- before"),
        "{message}"
    );
    assert!(
        posts(&server).is_empty(),
        "nothing may be created: {:?}",
        posts(&server)
    );

    let out = run(
        home.path(),
        &[
            "--kubeconfig",
            &kubeconfig,
            "session",
            "run",
            "s1",
            "./job.jar",
            "--input",
            "a",
            "-n",
            "flink",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("-n comes after the jar"),
        "{}",
        stderr(&out)
    );

    // With `--`, the same words are the job's on purpose.
    let out = run(
        home.path(),
        &[
            "app",
            "run",
            "--cluster-id",
            "x",
            "--dry-run=client",
            "-o",
            "yaml",
            "local:///opt/flink/usrlib/job.jar",
            "--",
            "--dry-run=client",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("- --dry-run=client"),
        "{}",
        stdout(&out)
    );
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_run_waits_until_the_job_runs_and_lists_it() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let application = tokio::task::spawn_blocking(move || {
        let jar = flink_kit::jobjar::streaming_job_jar(&flink_home)?;
        flink_kit::jobmanager::StandaloneApplication::start(
            &flink_home,
            &jar,
            flink_kit::jobjar::STREAMING_JOB_CLASS,
            &[],
        )
    })
    .await
    .expect("join")
    .expect("a standalone application cluster");
    let server = server().await;
    server.attach_backend(
        "default",
        "app=appw,component=jobmanager",
        8081,
        application.rest_addr(),
    );
    let home = Scratch::new("app-wait");
    let conf = golden_conf();
    let out = flink(
        &server,
        &home,
        &[
            "app",
            "run",
            "--cluster-id",
            "appw",
            "--flink-conf-dir",
            &conf,
            "--wait",
            "--timeout",
            "90s",
            "local:///opt/flink/usrlib/job.jar",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Flink application cluster appw created"),
        "{}",
        stdout(&out)
    );
    let out = flink(&server, &home, &["app", "list", "appw", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("RUNNING"), "{}", stdout(&out));
}
